#!/usr/bin/env python3
"""layers.py BUILD: no two source files of src/ depend on each other, even
through others (docs/ARCHITECTURE.md, "Dependencies run one way").

A file depends on another when its object uses a symbol the other's
object defines (nm).  Prints every cycle found and exits 1; exits 0 when
the graph is acyclic."""
import collections
import glob
import subprocess
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
objs = sorted(glob.glob(build + "/obj/*/*.o"))
if not objs:
    print("layers: no objects under %s/obj: build first" % build)
    sys.exit(2)
defs, uses = {}, collections.defaultdict(set)
for o in objs:
    out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "TDRBC":
            defs[p[2]] = o
        elif len(p) == 2 and p[0] == "U":
            uses[o].add(p[1])
name = lambda o: "src/" + o.split("/obj/", 1)[1][:-2] + ".c"
graph = collections.defaultdict(set)
for o, syms in uses.items():
    for s in syms:
        if s in defs and defs[s] != o:
            graph[name(o)].add(name(defs[s]))

# Tarjan's strongly connected components: a component of more than one
# file is a cycle.
index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(100000)


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            comps.append(sorted(comp))


for v in list(graph):
    if v not in index:
        visit(v)
for c in comps:
    print("layers: these files depend on each other in a circle: " + ", ".join(c))
print("layers: %d files, %d dependencies, %d cycles" % (len(objs), sum(len(v) for v in graph.values()), len(comps)))
sys.exit(1 if comps else 0)
