#!/usr/bin/env python3
"""make_hostile.py: makes the hostile snapshots in fixtures/hostile/ from base.tar.gz.

The fixtures are committed; this script is kept so they can be made again
(tests never run it).  Run from the repository root:

    python3 tests/make_hostile.py

base.tar.gz is a real capture, made once with:

    printf 'evidence: a deleted file still open\\n' > victim
    cp /bin/sleep sleeper; cp /bin/sleep "$(printf 'evil\\nname\\e[31m\\xff')"
    env -i ./sleeper 3600 3<victim &          # deleted file and deleted exe
    env -i ./"$(printf 'evil...')" 3600 3<victim &   # the same deleted file
    rm victim sleeper
    procsnap -q -p PID1 -p PID2 -o out         # ascending pids

so it holds two processes sharing one deleted file (one content member,
two fds), a deleted executable, and a process whose name and argv hold a
newline, an escape sequence and a byte that is not UTF-8.  Every other
fixture changes one thing in it (see FIXTURES below); the names of what
they try to write outside a directory all start with /tmp/snapread-hostile-.

Output is deterministic: gzip headers carry mtime 0, tar headers the base's.
"""
import gzip
import hashlib
import io
import os
import subprocess
import sys
import tarfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "hostile")
BASE = os.path.join(HERE, "base.tar.gz")


class Member:
    def __init__(self, info, data):
        self.info = info
        self.data = data


def load():
    raw = gzip.decompress(open(BASE, "rb").read())
    out = []
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as t:
        for ti in t.getmembers():
            out.append(Member(ti, t.extractfile(ti).read() if ti.isreg() else b""))
    return out


def top(ms):
    return ms[0].info.name.split("/")[0]


def find(ms, rel):
    for i, m in enumerate(ms):
        if m.info.name == top(ms) + "/" + rel:
            return i
    raise KeyError(rel)


def rel_names(ms, suffix):
    return [m.info.name[len(top(ms)) + 1:] for m in ms if m.info.name.endswith(suffix)]


def pids(ms):
    return sorted({int(n.split("/")[1]) for n in rel_names(ms, "/process.json")})


def reg(ms, rel, data, like=None):
    ti = tarfile.TarInfo(top(ms) + "/" + rel if rel is not None else "")
    ti.size = len(data)
    ti.mode = 0o600
    ti.mtime = (like or ms[0]).info.mtime
    return Member(ti, data)


def special(ms, name, kind, link=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = link
    ti.mode = 0o600
    ti.mtime = ms[0].info.mtime
    if kind == tarfile.CHRTYPE:
        ti.devmajor, ti.devminor = 1, 3
    return Member(ti, b"")


def fix_manifest(ms):
    """Recomputes MANIFEST.sha256 for the members as they now are."""
    i = find(ms, "MANIFEST.sha256")
    lines = []
    for m in ms:
        if m is ms[i] or not m.info.isreg():
            continue
        rel = m.info.name[len(top(ms)) + 1:]
        lines.append("%s  %s\n" % (hashlib.sha256(m.data).hexdigest(), rel))
    ms[i] = reg(ms, "MANIFEST.sha256", "".join(lines).encode())
    return ms


def tar_bytes(ms):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:", format=tarfile.PAX_FORMAT) as t:
        for m in ms:
            ti = m.info
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            t.addfile(ti, io.BytesIO(m.data) if ti.isreg() else None)
    return buf.getvalue()


def offsets(raw):
    """(name, header offset, data offset, size) of each member of a tar."""
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as t:
        return [(ti.name, ti.offset, ti.offset_data, ti.size) for ti in t.getmembers()]


def member_at(raw, rel):
    for name, off, data, size in offsets(raw):
        if name.endswith("/" + rel):
            return off, data, size
    raise KeyError(rel)


def gz(raw):
    return gzip.compress(raw, compresslevel=6, mtime=0)


def zst(raw):
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=raw, stdout=subprocess.PIPE,
                          check=True).stdout


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    if len(data) > 100 * 1024:
        sys.exit("%s: %d bytes, more than 100 KiB" % (name, len(data)))


def edit(ms, rel, fn):
    i = find(ms, rel)
    ms[i] = reg(ms, rel, fn(ms[i].data), ms[i])
    return ms


def sparse_bomb(ms):
    """A pax 1.0 sparse content member claiming 2^50 bytes of holes."""
    name = top(ms) + "/content/9-9"
    sparse_map = b"1\n0\n512\n"
    data = sparse_map + b"\0" * (512 - len(sparse_map)) + b"x" * 512
    ti = tarfile.TarInfo(top(ms) + "/GNUSparseFile.0/9-9")
    ti.size = len(data)
    ti.mode = 0o600
    ti.mtime = ms[0].info.mtime
    ti.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                      "GNU.sparse.name": name, "GNU.sparse.realsize": str(1 << 50)}
    return Member(ti, data)


def main():
    base = load()
    p1, p2 = pids(base)
    content = [n for n in rel_names(base, "") if n.startswith("content/")]
    fds1 = "proc/%d/fds.jsonl" % p1
    proc1 = "proc/%d/process.json" % p1
    # The shared deleted file: the small content member; the exe: the big one.
    shared = min(content, key=lambda n: base[find(base, n)].info.size)
    exe = max(content, key=lambda n: base[find(base, n)].info.size)
    plain = tar_bytes(load())

    def fresh():
        return load()

    def insert(ms, at, m):
        ms.insert(at, m)
        return ms

    fixtures = {
        # Names that would escape the extraction directory.
        "traversal.tar.gz": insert(fresh(), 1, reg(base, None, b"pwned\n")),
        "absolute.tar.gz": insert(fresh(), 1, reg(base, None, b"pwned\n")),
        "symlink.tar.gz": insert(insert(fresh(), 1, special(
            base, top(base) + "/content/1-1", tarfile.SYMTYPE, "/tmp")), 2,
            reg(base, "content/1-1/snapread-hostile-symlink", b"pwned\n")),
        "hardlink.tar.gz": insert(fresh(), 1, special(
            base, top(base) + "/content/1-2", tarfile.LNKTYPE, "/etc/passwd")),
        "device.tar.gz": insert(fresh(), 1, special(
            base, top(base) + "/content/1-3", tarfile.CHRTYPE)),
        "directory.tar.gz": insert(fresh(), 1, special(
            base, top(base) + "/proc", tarfile.DIRTYPE)),
        "fifo.tar.gz": insert(fresh(), 1, special(
            base, top(base) + "/content/1-4", tarfile.FIFOTYPE)),
        "longname.tar.gz": insert(fresh(), 1, reg(base, "a" * 5000, b"x")),
        # Bytes changed after the capture.
        "tampered.tar.gz": edit(fresh(), shared, lambda d: bytes([d[0] ^ 1]) + d[1:]),
        "tampered-fds.tar.gz": edit(fresh(), fds1, lambda d: d.replace(b'"pos":0', b'"pos":1', 1)),
        "bad-json.tar.gz": fix_manifest(edit(fresh(), proc1, lambda d: b'{"pid":%d,"name":\xff' % p1)),
        "wrong-pid.tar.gz": fix_manifest(edit(fresh(), fds1, lambda d: d.replace(
            b'"pid":%d' % p1, b'"pid":%d' % p2, 1))),
        "bad-member-ref.tar.gz": fix_manifest(edit(fresh(), fds1, lambda d: d.replace(
            ('"member":"%s"' % shared).encode(),
            b'"member":"../../../../tmp/snapread-hostile-ref"'))),
        "record-sha.tar.gz": fix_manifest(edit(fresh(), fds1, lambda d: d.replace(
            hashlib.sha256(base[find(base, shared)].data).hexdigest().encode(), b"0" * 64))),
        # Structure.
        "no-manifest.tar.gz": [m for m in fresh() if not m.info.name.endswith("/MANIFEST.sha256")],
        "version2.tar.gz": fix_manifest(edit(fresh(), "format.json",
                                             lambda d: d.replace(b'"version":1', b'"version":2'))),
        "wrong-format.tar.gz": fix_manifest(edit(fresh(), "format.json",
                                                 lambda d: d.replace(b'"procsnap"', b'"other"', 1))),
        "wrong-top.tar.gz": fix_manifest(edit(fresh(), "format.json",
                                              lambda d: d.replace(b'"top":"', b'"top":"x'))),
        "duplicate.tar.gz": fix_manifest(insert(fresh(), find(base, proc1) + 1,
                                                reg(base, proc1, base[find(base, proc1)].data))),
        "unknown.tar.gz": fix_manifest(insert(fresh(), find(base, "summary.json"),
                                              reg(base, "evil.sh", b"#!/bin/sh\n"))),
        "extra.tar.gz": insert(fresh(), find(base, "summary.json"), reg(base, "content/7-7", b"extra\n")),
        "after-manifest.tar.gz": fresh() + [reg(base, "content/8-8", b"late\n")],
        "orphan-fds.tar.gz": fix_manifest([m for m in fresh() if not m.info.name.endswith("/" + proc1)]),
        "sparse-bomb.tar.gz": insert(fresh(), find(base, fds1), sparse_bomb(base)),
    }
    fixtures["traversal.tar.gz"][1].info.name = top(base) + "/../../../tmp/snapread-hostile-traversal"
    fixtures["absolute.tar.gz"][1].info.name = "/tmp/snapread-hostile-absolute"
    nf = fresh()
    nf.insert(0, nf.pop(find(nf, "host.json")))
    fixtures["not-first.tar.gz"] = nf
    for name, ms in fixtures.items():
        write(name, gz(tar_bytes(ms)))

    # An oversized process.json: the header declares 17 MiB, the archive
    # stops 4 KiB into it (a reader must refuse from the header alone).
    big = edit(fresh(), proc1, lambda d: d + b" " * ((17 << 20) - len(d)))
    raw = tar_bytes(big)
    _, data, _ = member_at(raw, proc1)
    write("oversize-process.tar.gz", gz(raw[:data + 4096]))

    # Truncations of the tar stream (recompressed whole) and of gzip itself.
    off, data, size = member_at(plain, exe)
    write("trunc-header.tar.gz", gz(plain[:off + 100]))
    write("trunc-member.tar.gz", gz(plain[:data + size // 2]))
    off, data, size = member_at(plain, "MANIFEST.sha256")
    write("trunc-before-manifest.tar.gz", gz(plain[:off]))
    write("trunc-eoa.tar", plain[:data + (size + 511) // 512 * 512])
    packed = gz(plain)
    write("trunc-gzip.tar.gz", packed[:len(packed) // 2])
    write("trunc-trailer.tar.gz", packed[:-4])
    write("base.tar", plain)
    write("base.tar.zst", zst(plain))
    zpacked = zst(plain)
    write("trunc.tar.zst", zpacked[:len(zpacked) // 2])
    # Bytes after the end: appended data, and a second archive tar never shows.
    base_gz = open(BASE, "rb").read()
    write("appended.tar.gz", base_gz + b"appended after the end\n")
    write("two-archives.tar.gz", base_gz + base_gz)
    # A pax extended header declaring 1.5 GiB (libarchive refuses it).
    first = base[0]
    ti = tarfile.TarInfo(top(base) + "/PaxHeaders/x")
    ti.size, ti.type, ti.mode = 1536 << 20, tarfile.XHDTYPE, 0o600
    raw = tar_bytes([first])[:512 + (first.info.size + 511) // 512 * 512]
    write("pax-bomb.tar.gz", gz(raw + ti.tobuf(format=tarfile.USTAR_FORMAT) + b"100 path=" + b"a" * 4000))
    write("empty.tar.gz", b"")
    write("not-tar.tar.gz", gz(b"this is not a tar archive\n" * 40))


if __name__ == "__main__":
    main()
