#!/usr/bin/env python3
"""stackgen.py: many hosts' snapshots from a few real ones, for `snapread stack`.

    stackgen.py OUTDIR COUNT ARCHIVE...

Writes COUNT archives into OUTDIR: copy i is ARCHIVE[i mod len(ARCHIVE)]
with host.json's "hostname" set to host-NNN and "boot_id" to a UUID of its
own, the top directory renamed to match (format.json "top" too), and
MANIFEST.sha256 computed anew, so each copy verifies and reads as another
host.  Everything else is the real capture's bytes, member for member, in
the same order; gzip at level 1, as procsnap writes by default.

Only archives without sparse members are copied (capture them with
--no-content, or without sparse deleted files): Python's tarfile does not
write pax sparse members.  Exit 0, or 2 on trouble.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import uuid

# procsnap ends a tar with its two zero blocks and nothing more; tarfile
# would pad to 20 blocks, which the reader may not read to the gzip
# trailer (and then refuses the file as going on after the archive).
tarfile.RECORDSIZE = tarfile.BLOCKSIZE


def members(path):
    """(name relative to TOP, TarInfo, bytes) of every member, in order."""
    with tarfile.open(path, "r:*") as t:
        top = None
        for m in t:
            if not m.isreg():
                raise ValueError(f"{path}: {m.name}: not a regular file")
            if m.sparse is not None:
                raise ValueError(f"{path}: {m.name}: a sparse member (capture with --no-content)")
            head, _, rel = m.name.partition("/")
            top = top or head
            if head != top:
                raise ValueError(f"{path}: {m.name}: outside {top}/")
            yield top, rel, m, t.extractfile(m).read()


def copy(src, out_dir, i):
    host = f"host-{i:03d}"
    boot = str(uuid.uuid5(uuid.NAMESPACE_URL, f"procsnap-stackgen/{host}"))
    items = list(members(src))
    if not items or items[0][1] != "format.json" or items[-1][1] != "MANIFEST.sha256":
        raise ValueError(f"{src}: not a procsnap archive (format.json first, manifest last)")
    old_top = items[0][0]
    # procsnap-HOST-YYYYMMDDTHHMMSSZ: the host part replaced.
    stamp = old_top.rsplit("-", 1)[1]
    top = f"procsnap-{host}-{stamp}"
    manifest = []
    out = os.path.join(out_dir, top + ".tar.gz")
    with open(out, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", compresslevel=1, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as t:
            for _, rel, m, data in items:
                if rel == "format.json":
                    j = json.loads(data)
                    j["top"] = top
                    data = json.dumps(j, separators=(",", ":")).encode()
                elif rel == "host.json":
                    j = json.loads(data)
                    j["hostname"] = host
                    j["boot_id"] = boot
                    data = json.dumps(j, separators=(",", ":"), ensure_ascii=False).encode()
                elif rel == "MANIFEST.sha256":
                    data = "".join(manifest).encode()
                if rel != "MANIFEST.sha256":
                    manifest.append(f"{hashlib.sha256(data).hexdigest()}  {rel}\n")
                ti = tarfile.TarInfo(f"{top}/{rel}")
                ti.size = len(data)
                ti.mode = m.mode
                ti.mtime = m.mtime
                ti.uid = ti.gid = 0
                ti.uname = m.uname
                ti.gname = m.gname
                t.addfile(ti, io.BytesIO(data))
    return out


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, count, srcs = argv[1], int(argv[2]), argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    try:
        for i in range(count):
            copy(srcs[i % len(srcs)], out_dir, i)
    except (OSError, ValueError, tarfile.TarError) as e:
        print(f"stackgen: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
