#!/bin/sh
# Rebuilds test-images/hello: a tiny one-layer OCI image (gzip layer) made with
# Debian's umoci, used by the README's example and the integration tests.
# Needs root (umoci unpack without --rootless) and Debian's umoci.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/hello"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
umoci init --layout "$out"
umoci new --image "$out:latest"
umoci unpack --image "$out:latest" "$work/bundle"
root="$work/bundle/rootfs"
mkdir -p "$root/etc" "$root/data" "$root/usr/share/hello"
printf 'Hello from the umoci test image.\n' > "$root/usr/share/hello/greeting.txt"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'NAME="umoci test image"\n' > "$root/etc/os-release"
ln -s usr/share/hello/greeting.txt "$root/greeting"
chmod 0750 "$root/data"
chown 65534:65534 "$root/data"
find "$root" -exec touch -h -d @1700000000 {} +
umoci repack --image "$out:latest" --history.created 2023-11-14T22:13:20Z \
	--history.created_by "test-images/make-hello.sh" "$work/bundle"
umoci config --image "$out:latest" --created 2023-11-14T22:13:20Z \
	--history.created 2023-11-14T22:13:20Z --config.cmd cat --config.cmd /greeting \
	--config.env PATH=/usr/bin:/bin --config.label org.opencontainers.image.title=hello
umoci gc --layout "$out"
