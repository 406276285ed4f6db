#!/usr/bin/env python3
"""Which folder of the core library (src/Keel) uses which, read from the code's own text.

A folder of src/Keel is a namespace (Keel.Solvers, Keel.Results, ...); a file uses another folder when
it says `using Keel.X;` (or `using static Keel.X...`) or names a type as `Keel.X.Type`. Prints each
folder's dependencies (with the number of files behind each), every pair of folders that use each
other (with the files on both sides), and every group of folders that reach each other through longer
loops: the cycles docs/architecture.md asks never to add.

    python3 scripts/folder-deps.py            # from anywhere
    python3 scripts/folder-deps.py --check    # also exit 1 when a cycle exists

What it cannot see: a type of a parent namespace used without a using (Keel.Solvers from
Keel.Solvers.Glm), and uses inside strings. Comments are skipped.
"""
import collections
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "Keel")
folders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and d not in ("bin", "obj"))
uses = collections.defaultdict(lambda: collections.defaultdict(set))
pattern = re.compile(r"\busing\s+(?:static\s+)?Keel\.(\w+)|\bKeel\.(\w+)\.[A-Z]")
for folder in folders:
    for path, dirs, files in os.walk(os.path.join(root, folder)):
        dirs[:] = [d for d in dirs if d not in ("bin", "obj")]
        for name in files:
            if name.endswith(".cs"):
                text = open(os.path.join(path, name), encoding="utf-8").read()
                text = re.sub(r"/\*.*?\*/", "", re.sub(r"//.*", "", text), flags=re.S)
                for m in pattern.finditer(text):
                    other = m.group(1) or m.group(2)
                    if other in folders and other != folder:
                        uses[folder][other].add(os.path.relpath(os.path.join(path, name), root))

for folder in folders:
    print(f"{folder} -> " + ", ".join(f"{o} ({len(f)})" for o, f in sorted(uses[folder].items())))
pairs = [(a, b) for a in folders for b in folders if a < b and b in uses[a] and a in uses[b]]
print("two-way:" if pairs else "two-way: none")
for a, b in pairs:
    print(f"  {a} <-> {b}: {a} -> {b} in {', '.join(sorted(uses[a][b]))}; {b} -> {a} in {', '.join(sorted(uses[b][a]))}")

# Groups of folders that reach each other (strongly connected components, by reachability: few folders).
def reach(start):
    seen, todo = set(), [start]
    while todo:
        for o in uses[todo.pop()]:
            if o not in seen:
                seen.add(o)
                todo.append(o)
    return seen

reaches = {f: reach(f) for f in folders}
groups = sorted({tuple(sorted({f} | {o for o in reaches[f] if f in reaches[o]})) for f in folders if f in reaches[f]})
print("cycles: " + ("; ".join(" <-> ".join(g) for g in groups) if groups else "none"))
sys.exit(1 if groups and "--check" in sys.argv[1:] else 0)
