#!/bin/bash
# Times this umoci against Debian's umoci on a real Debian rootfs.
#
# Builds (once, cached) a Debian bookworm minbase rootfs with python3, gcc,
# g++, git and perl (~700 MB, ~16k files) as a one-layer gzip OCI image,
# then runs each case with both binaries and prints wall time, peak RSS and
# the ratio. Needs root, debootstrap and Debian's umoci.
#
#   contrib/bench.sh            # uses target/release/umoci (built if missing)
#   BENCH_CACHE=/some/dir contrib/bench.sh
#   BENCH_RUNS=3 contrib/bench.sh   # best of N runs per case
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BENCH_CACHE:-$HOME/.cache/umoci-bench}
runs=${BENCH_RUNS:-1}
mirror=${BENCH_MIRROR:-http://deb.debian.org/debian}
ours=${OURS:-$here/target/release/umoci}
theirs=${THEIRS:-/usr/bin/umoci}

[ -x "$ours" ] || (cd "$here" && cargo build --release --quiet)
command -v debootstrap >/dev/null || { echo "bench: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
[ -x "$theirs" ] || { echo "bench: needs Debian's umoci at $theirs" >&2; exit 1; }

image="$cache/image"
if [ ! -f "$image/index.json" ]; then
	echo "bench: building the Debian rootfs image in $cache (once) ..." >&2
	rm -rf "$cache/rootfs" "$image" "$cache/seed"
	mkdir -p "$cache"
	debootstrap --variant=minbase --include=python3,gcc,g++,git,perl \
		bookworm "$cache/rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1
	"$theirs" init --layout "$image"
	"$theirs" new --image "$image:base"
	"$theirs" unpack --image "$image:base" "$cache/seed"
	cp -a "$cache/rootfs/." "$cache/seed/rootfs/"
	"$theirs" repack --image "$image:base" "$cache/seed"
	rm -rf "$cache/seed"
fi

work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# settle: flush and drop caches so every run starts from the same state.
# (Creating a tree right after deleting a big one is several times slower
# on ext4 until the caches are dropped; without this the order of the
# cases decides the result.)
settle() {
	sync
	if [ "${WARM:-0}" != 1 ] && [ -w /proc/sys/vm/drop_caches ]; then
		echo 3 >/proc/sys/vm/drop_caches
	fi
}

# best_of CMD...: prints "seconds max-rss-kb" of the fastest of $runs runs.
best_of() {
	local best="" line
	for _ in $(seq "$runs"); do
		rm -rf "$work/out"
		settle
		line=$(/usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1)
		if [ -z "$best" ] || awk -v a="${line% *}" -v b="${best% *}" 'BEGIN{exit !(a<b)}'; then
			best=$line
		fi
	done
	echo "$best"
}

row() { # name ours-result theirs-result
	awk -v n="$1" -v o="$2" -v t="$3" 'BEGIN{
		split(o, a, " "); split(t, b, " ");
		ratio = (a[1] > 0) ? b[1] / a[1] : 0;
		printf "%-28s %9.2fs %8.1fMB %9.2fs %8.1fMB %7.2fx\n", n, a[1], a[2]/1024, b[1], b[2]/1024, ratio }'
}

printf "%-28s %10s %10s %10s %10s %8s\n" "case" "ours" "ours-rss" "theirs" "theirs-rss" "speedup"

layer=$(jq -r '.layers[0].digest' "$image/blobs/sha256/$(jq -r '.manifests[0].digest' "$image/index.json" | cut -d: -f2)" | cut -d: -f2)
tar_result=$(best_of sh -c "mkdir -p '$work/out' && tar -xzf '$image/blobs/sha256/$layer' -C '$work/out'")

o=$(best_of "$ours" unpack --image "$image:base" "$work/out")
t=$(best_of "$theirs" unpack --image "$image:base" "$work/out")
row "unpack" "$o" "$t"
row "unpack vs tar -xzf" "$o" "$tar_result"

# Leave bundles for the repack cases below.
rm -rf "$work/ours-bundle" "$work/theirs-bundle"
"$ours" unpack --image "$image:base" "$work/ours-bundle"
"$theirs" unpack --image "$image:base" "$work/theirs-bundle"
if "$ours" repack --help >/dev/null 2>&1; then
	cp -r "$image" "$work/layout-ours"
	cp -r "$image" "$work/layout-theirs"
	touch "$work/ours-bundle/rootfs/etc/hostname" "$work/theirs-bundle/rootfs/etc/hostname"
	# Right after an edit the tree is in the page cache: measure warm.
	o=$(WARM=1 best_of "$ours" repack --image "$work/layout-ours:base" "$work/ours-bundle")
	t=$(WARM=1 best_of "$theirs" repack --image "$work/layout-theirs:base" "$work/theirs-bundle")
	row "repack (one file touched)" "$o" "$t"
	# The whole rootfs as one new layer: a bundle of an empty image with
	# the rootfs copied in.
	for who in ours theirs; do
		"$theirs" new --image "$work/layout-$who:empty"
		bin=$ours; [ "$who" = theirs ] && bin=$theirs
		"$bin" unpack --image "$work/layout-$who:empty" "$work/$who-full"
		cp -a "$work/ours-bundle/rootfs/." "$work/$who-full/rootfs/"
	done
	o=$(best_of "$ours" repack --image "$work/layout-ours:full" --compress gzip "$work/ours-full")
	t=$(best_of "$theirs" repack --image "$work/layout-theirs:full" "$work/theirs-full")
	row "repack whole rootfs (gzip)" "$o" "$t"
	o=$(best_of "$ours" repack --image "$work/layout-ours:fullz" --compress zstd "$work/ours-full")
	row "repack whole rootfs (zstd)" "$o" "$t"
fi
