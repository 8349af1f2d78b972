# Sourced by contrib/bench.sh when BENCH_STORE=1 (it has set up $work,
# $image, $ours, $runs and the settle/timed/median helpers).
#
# For each file system (a loop-mounted XFS with reflinks, and ext4) and
# each link mode it supports: a plain unpack, a first unpack into an empty
# store, a second unpack out of the warm store (medians of $runs), and the
# disk used by one plain bundle against ten store bundles plus the store.

loops=()
cleanup_store() {
	for m in "${loops[@]}"; do umount -d "$m" 2>/dev/null || true; done
}
trap 'cleanup_store; cleanup' EXIT

# used_kb MOUNT: kilobytes in use on the file system.
used_kb() {
	sync
	df --output=used -k "$1" | tail -1
}

printf "%-5s %-9s %9s %9s %9s %8s %8s %10s %10s %7s\n" \
	fs link plain-s first-s second-s "first÷" "second÷" one-MB ten-MB "ten÷one"
for fs in xfs ext4; do
	img="$cache/$fs.img"
	mnt="$work/$fs"
	mkdir -p "$mnt"
	rm -f "$img"
	truncate -s 16G "$img"
	case $fs in
	xfs) mkfs.xfs -q -f -m reflink=1 "$img"; links=(reflink hardlink) ;;
	ext4) mkfs.ext4 -q -F "$img"; links=(hardlink copy) ;;
	esac
	mount -o loop "$img" "$mnt"
	loops+=("$mnt")
	cp -a "$image" "$mnt/image"
	rm -f "$work/plain.$fs"
	for run in $(seq "$runs"); do
		rm -rf "$mnt/plain"
		timed "$work/plain.$fs" "$ours" unpack --image "$mnt/image:base" "$mnt/plain"
	done
	one=$(($(used_kb "$mnt") - $(rm -rf "$mnt/plain"; used_kb "$mnt")))
	plain=$(median "$work/plain.$fs" 1)
	for link in "${links[@]}"; do
		rm -f "$work/first.$fs.$link" "$work/second.$fs.$link"
		for run in $(seq "$runs"); do
			rm -rf "$mnt/store" "$mnt"/b-*
			timed "$work/first.$fs.$link" "$ours" unpack --store "$mnt/store" --store-link "$link" \
				--image "$mnt/image:base" "$mnt/b-first"
			timed "$work/second.$fs.$link" "$ours" unpack --store "$mnt/store" --store-link "$link" \
				--image "$mnt/image:base" "$mnt/b-second"
		done
		rm -rf "$mnt/store" "$mnt"/b-*
		before=$(used_kb "$mnt")
		for n in $(seq 10); do
			"$ours" unpack --store "$mnt/store" --store-link "$link" --image "$mnt/image:base" "$mnt/b-$n" >/dev/null 2>&1
		done
		ten=$(($(used_kb "$mnt") - before))
		rm -rf "$mnt/store" "$mnt"/b-*
		first=$(median "$work/first.$fs.$link" 1)
		second=$(median "$work/second.$fs.$link" 1)
		awk -v fs="$fs" -v l="$link" -v p="$plain" -v f="$first" -v s="$second" -v one="$one" -v ten="$ten" 'BEGIN{
			printf "%-5s %-9s %9.2f %9.2f %9.2f %7.2fx %7.2fx %10.1f %10.1f %6.2fx\n", fs, l, p, f, s, f/p, s/p, one/1024, ten/1024, ten/one }'
	done
	umount -d "$mnt"
	loops=("${loops[@]/$mnt}")
	rm -f "$img"
done
echo "# median of $runs runs; every run starts after sync and drop_caches; ten-MB: the store and ten bundles; $(nproc) cores; $(uname -r)"
