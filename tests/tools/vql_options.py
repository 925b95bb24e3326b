#!/usr/bin/env python3
"""vql_options.py: evaluates the Velociraptor artifact's procsnap options.

    vql_options.py ARTIFACT [NAME=VALUE...]

Velociraptor is not available here, so the part of the artifact's VQL that
turns parameters into procsnap's options -- `LET PidArgs` and `LET Options`
in contrib/velociraptor/Linux.Forensics.ProcSnap.yaml -- is evaluated by
this small interpreter of the few VQL forms it uses: list literals, `+` of
lists, `if(condition=C, then=A, else=B)`, `X = "literal"`, parameter names
and `PidArgs.Arg`.  Any other form is an error, so the test fails when the
VQL grows something this does not understand instead of checking less.

Each parameter takes its default, or VALUE when given, which must be one a
collection would accept (a choice, a match of its validating_regex); a
`bool` parameter is true for Y/YES/TRUE/OK, as Velociraptor converts it.
Prints the options as one JSON list.  Exit 0, or 2 on trouble (said on stderr).
"""
import json
import re
import sys

import yaml

TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>[0-9]+)|'
                   r'(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|'
                   r'(?P<op>[\[\](),=+]))')


def tokens(text):
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise ValueError("VQL not understood at: %r" % text[pos:pos + 40])
        kind = m.lastgroup
        val = m.group(kind)
        out.append((kind, json.loads(val) if kind == "str" else val))
        pos = m.end()
    return out


class Eval:
    """Recursive descent over the tokens, evaluating as it goes."""

    def __init__(self, toks, env):
        self.t, self.i, self.env = toks, 0, env

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else (None, None)

    def take(self, want=None):
        tok = self.peek()
        if tok[0] is None or (want is not None and tok[1] != want):
            raise ValueError("VQL: expected %r, got %r" % (want, tok[1]))
        self.i += 1
        return tok

    def expr(self):
        v = self.term()
        while self.peek()[1] == "+":
            self.take("+")
            w = self.term()
            if not isinstance(v, list) or not isinstance(w, list):
                raise ValueError("VQL: + of something other than lists")
            v = v + w
        return v

    def term(self):
        kind, val = self.peek()
        if val == "[":
            self.take("[")
            items = []
            while self.peek()[1] != "]":
                items.append(self.expr())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("]")
            return items
        if val == "if":
            return self.call_if()
        if kind == "str":
            self.take()
            return val
        if kind == "name":
            self.take()
            return self.ref(val)
        raise ValueError("VQL: unexpected %r" % val)

    def call_if(self):
        self.take("if")
        self.take("(")
        args = {}
        for key in ("condition", "then", "else"):
            self.take(key)
            self.take("=")
            if key == "condition":
                args[key] = self.condition()
            else:
                args[key] = self.expr()
            self.take("," if key != "else" else ")")
        return args["then"] if truth(args["condition"]) else args["else"]

    def condition(self):
        left = self.term()
        if self.peek()[1] == "=":
            self.take("=")
            return left == self.term()
        return left

    def ref(self, name):
        head, _, attr = name.partition(".")
        if head not in self.env:
            raise ValueError("VQL: unknown name " + head)
        v = self.env[head]
        if attr:
            if not isinstance(v, list) or not all(isinstance(r, dict) for r in v):
                raise ValueError("VQL: %s is not rows" % head)
            v = [r[attr] for r in v]
        return v


def truth(v):
    return bool(v)


def let_block(query, name):
    """The text of `LET NAME <= ...` up to the next blank line."""
    m = re.search(r"^\s*LET %s <=(.*?)(?:\n\s*\n|\Z)" % name, query, re.S | re.M)
    if not m:
        raise ValueError("no LET %s in the artifact's query" % name)
    return m.group(1)


def pid_args(query, pids):
    """LET PidArgs: the VQL splits Pids and keeps the numbers."""
    block = let_block(query, "PidArgs")
    sep = re.search(r'split\(string=Pids, sep="((?:[^"\\]|\\.)*)"\)', block)
    keep = re.search(r'WHERE _value =~ "((?:[^"\\]|\\.)*)"', block)
    if not sep or not keep or '"--pid=" + _value AS Arg' not in block:
        raise ValueError("LET PidArgs is not the form this understands")
    sep_re, keep_re = json.loads('"%s"' % sep.group(1)), json.loads('"%s"' % keep.group(1))
    return [{"Arg": "--pid=" + v} for v in re.split(sep_re, pids) if re.search(keep_re, v)]


def main(argv):
    art = yaml.safe_load(open(argv[1]))
    params = {p["name"]: p for p in art["parameters"]}
    values = {n: str(p.get("default", "")) for n, p in params.items()}
    for a in argv[2:]:
        n, _, v = a.partition("=")
        if n not in params:
            raise ValueError("no parameter " + n)
        values[n] = v
    # What Velociraptor would refuse to collect with.
    for n, p in params.items():
        v = values[n]
        if p.get("type") == "bool" and v.strip().upper() not in ("Y", "N", "YES", "NO", "TRUE", "FALSE", "OK", ""):
            raise ValueError("%s=%r is not a bool" % (n, v))
        if p.get("type") == "choices" and v not in p.get("choices", []):
            raise ValueError("%s=%r is not one of its choices" % (n, v))
        if "validating_regex" in p and not re.search(p["validating_regex"], v):
            raise ValueError("%s=%r does not match its validating_regex" % (n, v))
    env = {}
    for n, p in params.items():
        if p.get("type") == "bool":
            env[n] = values[n].strip().upper() in ("Y", "YES", "TRUE", "OK")
        else:
            env[n] = values[n]
    query = "\n".join(s["query"] for s in art["sources"])
    env["PidArgs"] = pid_args(query, values.get("Pids", ""))
    block = let_block(query, "Options")
    # VQL comments run to the end of the line.
    block = "\n".join(line.split("--", 1)[0] if line.lstrip().startswith("--") else line
                      for line in block.splitlines())
    ev = Eval(tokens(block), env)
    opts = ev.expr()
    if ev.peek()[0] is not None:
        raise ValueError("VQL: left over: %r" % (ev.peek(),))
    if not isinstance(opts, list) or not all(isinstance(o, str) for o in opts):
        raise ValueError("Options is not a list of strings: %r" % (opts,))
    print(json.dumps(opts))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ValueError, KeyError, OSError, yaml.YAMLError) as e:
        print("vql_options: %s" % e, file=sys.stderr)
        sys.exit(2)
