#!/usr/bin/env python3
"""schema_check.py: validates snapread's --json outputs against docs/schema/.

    schema_check.py SCHEMA_DIR OUT_DIR [--require ps,fds,...]

OUT_DIR holds one file per snapread run with --json, named COMMAND.XXXXXX
(diff-summary.XXXXXX for diff --summary --json), as tests/lib.sh's snapread
wrapper tees them.  Every line of every file is one JSON document and must
validate against the schema of its command; every schema must itself be a
valid draft 2020-12 schema.  --require names the commands that must have
been seen with output at least once.  Exit 0 when all is well, 1 when an
output does not validate (each failure printed), 2 on trouble.
"""
import json
import os
import sys

import jsonschema

# command (file name prefix) -> schema file
SCHEMA_OF = {
    "ps": "process.json",
    "fds": "fd.json",
    "show": "show.json",
    "extract": "extract.json",
    "verify": "verify.json",
    "diff": "diff.json",
    "diff-summary": "diff-summary.json",
    "fds-count": "fds-count.json",
    "watch": "watch.json",
    "timeline": "timeline.json",
    "triage": "triage.json",
    "stack": "stack.json",
}


def load_schemas(sdir):
    schemas = {}
    for name in sorted(os.listdir(sdir)):
        if name.endswith(".json"):
            with open(os.path.join(sdir, name), encoding="utf-8") as f:
                schemas[name] = json.load(f)
    for name, s in schemas.items():
        jsonschema.Draft202012Validator.check_schema(s)
    return schemas


def validators(schemas):
    """One validator per schema file; $ref between files by their $id.
    python3-jsonschema 4.10 (Debian 12) resolves through RefResolver, newer
    versions through the referencing library."""
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
        reg = Registry().with_resources(
            (s["$id"], Resource.from_contents(s, default_specification=DRAFT202012))
            for s in schemas.values())
        return {n: jsonschema.Draft202012Validator(s, registry=reg)
                for n, s in schemas.items()}
    except (ImportError, TypeError):
        # jsonschema before 4.18 (Debian 12 has 4.10) takes no registry.
        store = {s["$id"]: s for s in schemas.values()}
        return {n: jsonschema.Draft202012Validator(
                    s, resolver=jsonschema.RefResolver.from_schema(s, store=store))
                for n, s in schemas.items()}


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sdir, odir = argv[1], argv[2]
    require = []
    if len(argv) == 5 and argv[3] == "--require":
        require = [c for c in argv[4].split(",") if c]
    try:
        v = validators(load_schemas(sdir))
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print(f"schema_check: {sdir}: {e}", file=sys.stderr)
        return 2
    seen, bad, docs = set(), 0, 0
    for name in sorted(os.listdir(odir)) if os.path.isdir(odir) else []:
        cmd = name.split(".", 1)[0]
        if cmd not in SCHEMA_OF:
            print(f"schema_check: {name}: no schema for '{cmd}'", file=sys.stderr)
            bad += 1
            continue
        with open(os.path.join(odir, name), "rb") as f:
            lines = f.read().split(b"\n")
        for i, line in enumerate(lines, 1):
            if not line.strip():
                continue
            docs += 1
            seen.add(cmd.split("-")[0])
            try:
                doc = json.loads(line)
            except ValueError as e:
                print(f"FAIL {name}:{i}: not JSON: {e}")
                bad += 1
                continue
            errs = sorted(v[SCHEMA_OF[cmd]].iter_errors(doc), key=lambda e: list(e.path))
            for e in errs[:3]:
                path = "/".join(str(p) for p in e.absolute_path)
                print(f"FAIL {name}:{i}: {SCHEMA_OF[cmd]}: at /{path}: {e.message[:300]}")
            bad += bool(errs)
    for cmd in require:
        if cmd not in seen:
            print(f"FAIL no {cmd} --json output was validated")
            bad += 1
    print(f"schema_check: {docs} documents of {', '.join(sorted(seen)) or 'no command'}: "
          f"{'all valid' if not bad else f'{bad} invalid'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
