#!/bin/bash
# Times this umoci against Debian's umoci (and, when UMOCI_REF points at
# one, a locally built upstream release) on a real Debian rootfs.
#
# Builds (once, cached) a Debian bookworm minbase rootfs with python3, gcc,
# g++, git and perl (~700 MB, ~16k files) as a one-layer gzip OCI image.
# Then, for each operation, runs every binary BENCH_RUNS times, the
# binaries alternating run by run (so a slow minute hurts all of them),
# and prints the median wall time, the median peak RSS, the layer bytes
# the operation wrote, and each binary's time over ours. Needs root,
# debootstrap, jq and Debian's umoci.
#
#   contrib/bench.sh                        # 3 runs, work on disk
#   BENCH_TMPFS=1 contrib/bench.sh          # work on a tmpfs (no disk noise)
#   UMOCI_REF=/tmp/up/umoci-0.6.0 contrib/bench.sh
#   BENCH_RUNS=5 BENCH_CACHE=/some/dir contrib/bench.sh
#   BENCH_STORE=1 contrib/bench.sh          # only the content-store cases
#
# With BENCH_STORE=1 the script instead measures `unpack --store` (ours
# only) on two loop-mounted file systems made for the purpose: XFS with
# reflinks (reflink and hardlink checkouts) and ext4 (hardlink and copy).
# For each: a plain unpack, a first unpack into an empty store, a second
# unpack of the same image out of the store, and the disk ten bundles
# take against one plain bundle.
#
# Operations: unpack of the gzip image; repack after changing one file
# (warm: right after an edit the tree is in the page cache); repack of the
# whole rootfs as one new layer, gzip and zstd (Debian's 0.4.7 has no
# zstd; Debian's 0.4.7 has neither zstd nor --compress). Every binary
# runs at its default level.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BENCH_CACHE:-$HOME/.cache/umoci-bench}
runs=${BENCH_RUNS:-3}
mirror=${BENCH_MIRROR:-http://deb.debian.org/debian}
ours=${OURS:-$here/target/release/umoci}
debian=${THEIRS:-/usr/bin/umoci}

[ -x "$ours" ] || (cd "$here" && cargo build --release --quiet)
for tool in debootstrap jq; do
	command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
[ -x "$debian" ] || { echo "bench: needs Debian's umoci at $debian" >&2; exit 1; }

names=(ours debian)
bins=("$ours" "$debian")
if [ -n "${UMOCI_REF:-}" ]; then
	[ -x "$UMOCI_REF" ] || { echo "bench: UMOCI_REF=$UMOCI_REF is not executable" >&2; exit 1; }
	names+=(ref)
	bins+=("$UMOCI_REF")
fi

image="$cache/image"
if [ ! -f "$image/index.json" ]; then
	echo "bench: building the Debian rootfs image in $cache (once) ..." >&2
	rm -rf "$cache/rootfs" "$image" "$cache/seed"
	mkdir -p "$cache"
	debootstrap --variant=minbase --include=python3,gcc,g++,git,perl \
		bookworm "$cache/rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1
	"$debian" init --layout "$image"
	"$debian" new --image "$image:base"
	"$debian" unpack --image "$image:base" "$cache/seed"
	cp -a "$cache/rootfs/." "$cache/seed/rootfs/"
	"$debian" repack --image "$image:base" "$cache/seed"
	rm -rf "$cache/seed"
fi

work=$(mktemp -d "$cache/run.XXXXXX")
cleanup() {
	if [ "${BENCH_TMPFS:-0}" = 1 ]; then umount "$work" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
if [ "${BENCH_TMPFS:-0}" = 1 ]; then
	mount -t tmpfs -o size=12g tmpfs "$work"
	where="tmpfs"
else
	where="disk ($(df --output=fstype "$work" | tail -1))"
fi
cp -a "$image" "$work/image"

# settle: flush and drop caches so every run starts from the same state.
# (Creating a tree right after deleting a big one is several times slower
# on ext4 until the caches are dropped; without this the order of the
# runs decides the result.)
settle() {
	sync
	if [ "${WARM:-0}" != 1 ] && [ -w /proc/sys/vm/drop_caches ]; then
		echo 3 >/proc/sys/vm/drop_caches
	fi
}

# timed OUTFILE CMD...: appends "seconds max-rss-kb" of one run to OUTFILE.
timed() {
	local out=$1
	shift
	settle
	/usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
		echo "bench: failed: $*" >&2
		cat "$work/stderr" >&2
		exit 1
	}
	tail -1 "$work/time" >>"$out"
}

# median FILE COLUMN
median() {
	sort -n -k"$2" "$1" | awk -v c="$2" '{v[NR]=$c} END {print v[int((NR+1)/2)]}'
}

# layer_bytes LAYOUT TAG: stored size of the newest layer of LAYOUT:TAG.
layer_bytes() {
	"$ours" stat --image "$1:$2" --json | jq '.history[-1].layer.size // 0'
}

declare -A secs rss bytes

# record CASE WHO FILE [LAYOUT TAG]
record() {
	secs[$1,$2]=$(median "$3" 1)
	rss[$1,$2]=$(median "$3" 2)
	bytes[$1,$2]=${4:+$(layer_bytes "$4" "$5")}
}

if [ "${BENCH_STORE:-0}" = 1 ]; then
	. "$here/contrib/bench-store.sh"
	exit 0
fi

# Each binary gets its own layout, and bundles made by itself outside the
# timings: an unpack of the image, and the whole rootfs copied into an
# unpack of an empty image.
for i in "${!names[@]}"; do
	who=${names[$i]} bin=${bins[$i]}
	cp -a "$image" "$work/layout-$who"
	"$bin" unpack --image "$work/layout-$who:base" "$work/bundle-$who" >/dev/null 2>&1
	"$bin" new --image "$work/layout-$who:empty" >/dev/null 2>&1
	"$bin" unpack --image "$work/layout-$who:empty" "$work/full-$who" >/dev/null 2>&1
	cp -a "$cache/rootfs/." "$work/full-$who/rootfs/"
	rm -f "$work/$who".*
done

cases=(unpack one-file full-gzip full-zstd)
for run in $(seq "$runs"); do
	echo "bench: run $run of $runs ..." >&2
	# Alternate which binary goes first.
	order=("${!names[@]}")
	[ $((run % 2)) = 0 ] && order=($(printf '%s\n' "${order[@]}" | tac))
	for i in "${order[@]}"; do
		who=${names[$i]} bin=${bins[$i]}
		rm -rf "$work/out"
		timed "$work/$who.unpack" "$bin" unpack --image "$work/image:base" "$work/out"
		rm -rf "$work/out"
		echo "$run" >>"$work/bundle-$who/rootfs/etc/hostname"
		WARM=1 timed "$work/$who.one-file" "$bin" repack --image "$work/layout-$who:one$run" "$work/bundle-$who"
		# Debian's 0.4.7 has no --compress: gzip is all it writes.
		gzip=(--compress gzip)
		[ "$who" = debian ] && gzip=()
		timed "$work/$who.full-gzip" "$bin" repack --image "$work/layout-$who:gzip$run" "${gzip[@]}" "$work/full-$who"
		if [ "$who" != debian ]; then
			timed "$work/$who.full-zstd" "$bin" repack --image "$work/layout-$who:zstd$run" --compress zstd "$work/full-$who"
		fi
	done
done

for who in "${names[@]}"; do
	record unpack "$who" "$work/$who.unpack"
	record one-file "$who" "$work/$who.one-file" "$work/layout-$who" "one$runs"
	record full-gzip "$who" "$work/$who.full-gzip" "$work/layout-$who" "gzip$runs"
	[ -f "$work/$who.full-zstd" ] && record full-zstd "$who" "$work/$who.full-zstd" "$work/layout-$who" "zstd$runs"
done

echo "# median of $runs runs on $where; $(nproc) cores; $(uname -r)"
for i in "${!names[@]}"; do
	echo "# ${names[$i]}: $("${bins[$i]}" --version | head -1) (${bins[$i]})"
done
printf "%-10s %-7s %9s %9s %12s %8s\n" case binary seconds rss-MB layer-bytes "÷ours"
for c in "${cases[@]}"; do
	for who in "${names[@]}"; do
		[ -n "${secs[$c,$who]:-}" ] || { printf "%-10s %-7s %9s\n" "$c" "$who" "—"; continue; }
		awk -v c="$c" -v w="$who" -v s="${secs[$c,$who]}" -v r="${rss[$c,$who]}" \
			-v b="${bytes[$c,$who]:-}" -v o="${secs[$c,ours]}" 'BEGIN{
			printf "%-10s %-7s %9.2f %9.1f %12s %7.2fx\n", c, w, s, r/1024, (b == "" ? "-" : b), (o > 0 ? s/o : 0) }'
	done
done
