#!/usr/bin/env python3
"""Layer bytes, compared across umoci implementations.

Builds the same trees with any `umoci` binary, packs them the way a user
would (repack, insert), and prints every header block of the layers it made,
field by field and byte for byte, with each entry's data as a digest. Two
dumps are equal exactly when the uncompressed layers are.

    layer-parity.py run UMOCI SCENARIO      print the dump for one scenario
    layer-parity.py list                    the scenario names
    layer-parity.py refresh UMOCI DIR       write DIR/SCENARIO.dump for each

`refresh` with a locally built upstream umoci 0.6.0 makes the reference
dumps in tests/data/layers-0.6.0/ (CI cannot build 0.6.0); tests/it/layer_parity.rs
runs our binary through the same scenarios and compares. Needs root (device
nodes, owners) and a filesystem with user xattrs.
"""

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

# A fixed time for everything the scenarios make (2021-01-01T00:00:00Z).
T0 = 1609459200


def umoci(binary, *args):
    subprocess.run([binary, *args], check=True, stdout=subprocess.DEVNULL)


def top_layers(layout, tag, count):
    """Paths of the last `count` layer blobs of `layout:tag`."""
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    (manifest,) = [
        m
        for m in index["manifests"]
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag
    ]

    def blob(digest):
        alg, hexd = digest.split(":")
        return os.path.join(layout, "blobs", alg, hexd)

    with open(blob(manifest["digest"])) as f:
        layers = json.load(f)["layers"]
    return [(d["mediaType"], blob(d["digest"])) for d in layers[-count:]]


# -- the dump ---------------------------------------------------------------

FIELDS = [
    ("name", 0, 100),
    ("mode", 100, 8),
    ("uid", 108, 8),
    ("gid", 116, 8),
    ("size", 124, 12),
    ("mtime", 136, 12),
    ("chksum", 148, 8),
    ("typeflag", 156, 1),
    ("linkname", 157, 100),
    ("magic", 257, 6),
    ("version", 263, 2),
    ("uname", 265, 32),
    ("gname", 297, 32),
    ("devmajor", 329, 8),
    ("devminor", 337, 8),
    ("prefix", 345, 155),
    ("pad", 500, 12),
]


def show(raw):
    """A field's bytes, trailing NULs counted rather than spelled out."""
    body = raw.rstrip(b"\0")
    nuls = len(raw) - len(body)
    text = repr(body)[2:-1]
    return text + (f" +{nuls}NUL" if nuls else "")


def dump(path, out):
    with open(path, "rb") as f:
        data = f.read()
    out.append(f"length {len(data)}")
    pos = 0
    while pos + 512 <= len(data):
        block = data[pos : pos + 512]
        if block == b"\0" * 512:
            out.append(f"@{pos} zero block")
            pos += 512
            continue
        out.append(f"@{pos} header")
        for name, off, size in FIELDS:
            out.append(f"  {name}: {show(block[off:off + size])}")
        size = int(block[124:136].rstrip(b"\0 ") or b"0", 8)
        flag = block[156:157]
        if flag in (b"1", b"2", b"3", b"4", b"5", b"6"):
            size = 0
        pos += 512
        body = data[pos : pos + size]
        padded = (size + 511) // 512 * 512
        padding = data[pos + size : pos + padded]
        if flag in (b"x", b"g", b"L", b"K"):
            out.append(f"  data: {show(body)}")
        elif size:
            out.append(f"  data: {size} bytes sha256:{hashlib.sha256(body).hexdigest()}")
        if padding.strip(b"\0"):
            out.append(f"  padding not zero: {show(padding)}")
        pos += padded
    if pos != len(data):
        out.append(f"trailing {len(data) - pos} bytes")


# -- the trees --------------------------------------------------------------


def touch(path, t=T0, ns=0):
    os.utime(path, ns=(t * 10**9 + ns, t * 10**9 + ns), follow_symlinks=False)


def write(path, data, mode=0o644):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def settle(root):
    """Gives every directory the fixed time, deepest first (making entries
    changes a directory's mtime)."""
    for dirpath, _, _ in sorted(os.walk(root), key=lambda w: -w[0].count("/")):
        touch(dirpath)


def entry_kinds(rootfs):
    """Every kind of entry, and fields that push Go's writer from USTAR to
    PAX (long, non-ASCII names and link targets, big ids, xattrs)."""
    r = lambda *p: os.path.join(rootfs.encode(), *[x if isinstance(x, bytes) else x.encode() for x in p])
    os.mkdir(r("dir"), 0o755)
    write(r("dir", "file"), b"hello\n")
    touch(r("dir", "file"))
    write(r("empty"), b"")
    touch(r("empty"))
    for name, mode in [("suid", 0o4755), ("sgid", 0o2755), ("sticky", 0o1777), ("none", 0o000), ("odd", 0o5123)]:
        write(r(name), name.encode(), mode)
        os.chmod(r(name), mode)
        touch(r(name))
    os.mkdir(r("tmp"))
    os.chmod(r("tmp"), 0o1777)
    # Symlinks, targets kept byte for byte.
    links = {
        "abs": b"/etc/passwd",
        "rel": b"../dir/file",
        "odd": b"a//b/./c/../d/",
        "dot": b".",
        "long": b"x/" * 70 + b"end",
        "utf8": "caf\u00e9/\u00fc".encode(),
        "latin1": b"caf\xe9",
    }
    os.mkdir(r("links"))
    for name, target in links.items():
        os.symlink(target, r("links", name))
        touch(r("links", name))
    # Hard links: of a file, of a symlink, of a FIFO.
    os.mkdir(r("hard"))
    write(r("hard", "a"), b"shared\n")
    touch(r("hard", "a"))
    os.link(r("hard", "a"), r("hard", "b"))
    os.link(r("hard", "a"), r("hard", "c"))
    os.symlink(b"a", r("hard", "sym"))
    touch(r("hard", "sym"))
    os.link(r("hard", "sym"), r("hard", "sym2"), follow_symlinks=False)
    os.mkfifo(r("hard", "fifo"))
    touch(r("hard", "fifo"))
    os.link(r("hard", "fifo"), r("hard", "fifo2"))
    # Device nodes and a FIFO.
    os.mkdir(r("dev"))
    os.mknod(r("dev", "null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.mknod(r("dev", "sda"), 0o660 | stat.S_IFBLK, os.makedev(8, 0))
    os.mknod(r("dev", "big"), 0o600 | stat.S_IFCHR, os.makedev(4095, 1048575))
    os.mkfifo(r("dev", "pipe"), 0o640)
    for n in ("null", "sda", "big", "pipe"):
        touch(r("dev", n))
    # Owners, small and beyond the 7 octal digits of a USTAR field.
    write(r("owned"), b"o")
    os.chown(r("owned"), 1000, 100)
    touch(r("owned"))
    write(r("bigid"), b"b")
    os.chown(r("bigid"), 3000000, 4000000)
    touch(r("bigid"))
    # Times: before the epoch, sub-second, far future.
    for name, t, ns in [("old", -86400, 0), ("frac", T0, 123456789), ("future", 9999999999, 0)]:
        write(r("t_" + name), b"t")
        touch(r("t_" + name), t, ns)
    # Names: long (USTAR prefix split, and not), non-ASCII, not UTF-8.
    deep = r("n" * 60, "m" * 60)
    os.makedirs(deep)
    write(os.path.join(deep, b"split"), b"s")
    touch(os.path.join(deep, b"split"))
    write(r("f" * 120), b"l")
    touch(r("f" * 120))
    write(r("\u00e9t\u00e9"), b"u")
    touch(r("\u00e9t\u00e9"))
    write(r(b"bad\xff\xfename"), b"x")
    touch(r(b"bad\xff\xfename"))
    # Xattrs: several, sorted by the writer; binary values.
    write(r("xattrs"), b"x")
    os.setxattr(r("xattrs"), "user.zeta", b"last")
    os.setxattr(r("xattrs"), "user.alpha", b"first")
    os.setxattr(r("xattrs"), "user.bin", b"\x00\x01\xff")
    touch(r("xattrs"))
    os.mkdir(r("xdir"))
    os.setxattr(r("xdir"), "user.k", b"v")
    settle(rootfs)


def base_tree(rootfs):
    os.makedirs(os.path.join(rootfs, "etc/conf.d"))
    os.makedirs(os.path.join(rootfs, "var/lib/x"))
    os.makedirs(os.path.join(rootfs, "opt/app"))
    for p in ["etc/hosts", "etc/conf.d/a", "etc/conf.d/b", "var/lib/x/f", "opt/app/bin", "keep"]:
        write(os.path.join(rootfs, p), p.encode())
        touch(os.path.join(rootfs, p))
    settle(rootfs)


def changes(rootfs):
    """Removals (file, tree), a directory replaced by a file, a file by a
    directory, edits and additions, and the root directory itself."""
    os.remove(os.path.join(rootfs, "etc/hosts"))
    shutil.rmtree(os.path.join(rootfs, "var/lib"))
    shutil.rmtree(os.path.join(rootfs, "opt/app"))
    write(os.path.join(rootfs, "opt/app"), b"now a file")
    os.remove(os.path.join(rootfs, "keep"))
    os.mkdir(os.path.join(rootfs, "keep"))
    write(os.path.join(rootfs, "etc/conf.d/a"), b"changed")
    write(os.path.join(rootfs, "etc/conf.d.new"), b"sorts between conf.d and conf.d/")
    os.chmod(rootfs, 0o700)
    settle(rootfs)
    for p in ["opt/app", "etc/conf.d/a", "etc/conf.d.new", "keep"]:
        touch(os.path.join(rootfs, p))
    settle(rootfs)


# -- the scenarios ----------------------------------------------------------


def repack(binary, layout, bundle):
    umoci(binary, "repack", "--compress", "none", "--image", layout + ":t", bundle)


def s_kinds(binary, work):
    """One repack of a tree with every entry kind."""
    layout, bundle = fresh(binary, work)
    entry_kinds(os.path.join(bundle, "rootfs"))
    repack(binary, layout, bundle)
    return top_layers(layout, "t", 1)


def s_whiteouts(binary, work):
    """A base layer, then a repack of removals and replacements."""
    layout, bundle = fresh(binary, work)
    rootfs = os.path.join(bundle, "rootfs")
    base_tree(rootfs)
    repack(binary, layout, bundle)
    shutil.rmtree(bundle)
    umoci(binary, "unpack", "--image", layout + ":t", bundle)
    changes(rootfs)
    repack(binary, layout, bundle)
    return top_layers(layout, "t", 2)


def s_insert(binary, work):
    """insert of a directory (plain and --opaque), of a file, and a
    --whiteout."""
    layout, _ = fresh(binary, work, bundle=False)
    src = os.path.join(work, "src")
    os.mkdir(src)
    base_tree(src)
    os.symlink("conf.d", os.path.join(src, "etc/link"))
    touch(os.path.join(src, "etc/link"))
    write(os.path.join(src, "etc.z"), b"z")
    touch(os.path.join(src, "etc.z"))
    settle(src)
    image = layout + ":t"
    umoci(binary, "insert", "--compress", "none", "--image", image, src, "/srv/tree")
    umoci(binary, "insert", "--compress", "none", "--opaque", "--image", image, src, "/srv/tree")
    umoci(binary, "insert", "--compress", "none", "--image", image, os.path.join(src, "keep"), "/etc/keep")
    umoci(binary, "insert", "--compress", "none", "--whiteout", "--image", image, "/etc/gone")
    return top_layers(layout, "t", 4)


def s_clamped(binary, work):
    """A repack with SOURCE_DATE_EPOCH: newer times clamped to it."""
    layout, bundle = fresh(binary, work)
    rootfs = os.path.join(bundle, "rootfs")
    base_tree(rootfs)
    touch(os.path.join(rootfs, "keep"), T0 - 3600)
    os.environ["SOURCE_DATE_EPOCH"] = str(T0 - 60)
    try:
        repack(binary, layout, bundle)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    return top_layers(layout, "t", 1)


SCENARIOS = {
    "kinds": s_kinds,
    "whiteouts": s_whiteouts,
    "insert": s_insert,
    "clamped": s_clamped,
}


def fresh(binary, work, bundle=True):
    layout = os.path.join(work, "img")
    umoci(binary, "init", "--layout", layout)
    umoci(binary, "new", "--image", layout + ":t")
    if not bundle:
        return layout, None
    path = os.path.join(work, "bundle")
    umoci(binary, "unpack", "--image", layout + ":t", path)
    return layout, path


def run(binary, scenario):
    work = tempfile.mkdtemp(prefix="layer-parity-")
    try:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
        out = [f"# scenario {scenario}"]
        for i, (media_type, path) in enumerate(SCENARIOS[scenario](binary, work)):
            out.append(f"## layer {i} {media_type}")
            dump(path, out)
        return "\n".join(out) + "\n"
    finally:
        shutil.rmtree(work)


def main(argv):
    if len(argv) == 3 and argv[0] == "run":
        sys.stdout.write(run(argv[1], argv[2]))
    elif argv == ["list"]:
        print("\n".join(SCENARIOS))
    elif len(argv) == 3 and argv[0] == "refresh":
        os.makedirs(argv[2], exist_ok=True)
        for name in SCENARIOS:
            with open(os.path.join(argv[2], name + ".dump"), "w") as f:
                f.write(run(argv[1], name))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
