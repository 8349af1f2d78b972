#!/usr/bin/env python3
"""Writes seed layers for the tar_extract fuzz target into the directory
given as argv[1]: small tars with each kind of entry the extractor handles,
including hostile ones, so the fuzzer starts from valid archives."""
import io
import os
import sys
import tarfile


def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644, pax=None):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = len(data)
    info.linkname = link
    info.mtime = 1600000000
    if pax:
        info.pax_headers = pax
    return info, data


SEEDS = {
    "basic": [entry("d/", tarfile.DIRTYPE, mode=0o755), entry("d/f", data=b"hello"), entry("s", tarfile.SYMTYPE, link="d/f")],
    "hardlink": [entry("a", data=b"x"), entry("b", tarfile.LNKTYPE, link="a")],
    "whiteouts": [entry("d/", tarfile.DIRTYPE), entry("d/x", data=b"1"), entry("d/.wh.x"), entry("d/.wh..wh..opq"), entry(".wh.d")],
    "escape": [entry("../../escape", data=b"e"), entry("/abs", data=b"a"), entry("up", tarfile.SYMTYPE, link="../../.."), entry("up/through", data=b"t")],
    "pax": [entry("x", data=b"v", pax={"SCHILY.xattr.user.k": "v", "mtime": "1600000000.5"})],
    "long": [entry("l" * 150 + "/" + "m" * 150, data=b"long")],
    "nodes": [entry("fifo", tarfile.FIFOTYPE), entry("dev", tarfile.CHRTYPE)],
    "root": [entry("./", tarfile.DIRTYPE, mode=0o700), entry(".", tarfile.SYMTYPE, link="/etc")],
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, entries in SEEDS.items():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data else None)
    with open(os.path.join(out, name + ".tar"), "wb") as f:
        f.write(buf.getvalue())
