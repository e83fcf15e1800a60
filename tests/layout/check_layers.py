#!/usr/bin/env python3
"""The layering of docs/ARCHITECTURE.md §1, checked on every source file.

- every project include names its layer from the repository root ("core/store/Workspace.h");
- each layer includes only the layers below it (app -> ui -> core, trainer -> core/model and core/io);
- core includes no Qt;
- the product never points at documents outside its repository.
Prints each violation as FILE:LINE: reason and exits 1 when there is any.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
ALLOWED = {
    "core/model": {"core/model"},
    "core/io": {"core/model", "core/io"},
    "core/jobs": {"core/model", "core/io", "core/jobs"},
    "core/fit": {"core/model", "core/io", "core/fit"},
    "core/store": {"core/model", "core/io", "core/fit", "core/store"},
    "ui": {"core/model", "core/io", "core/jobs", "core/fit", "core/store", "ui"},
    "app": {"core/model", "core/io", "core/jobs", "core/fit", "core/store", "ui", "app"},
    "trainer": {"core/model", "core/io", "trainer"},
    "datasets": {"core/model", "core/io", "core/fit"},
    "tests": None,  # tests may reach any layer
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(path):
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if path == layer or path.startswith(layer + "/"):
            return layer
    return None


def main():
    problems = []
    for top in ("core", "ui", "app", "trainer", "datasets", "tests"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if not name.endswith((".h", ".cpp")):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, ROOT).replace(os.sep, "/")
                mine = layer_of(rel)
                with open(full, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        kind, target = m.groups()
                        where = f"{rel}:{number}"
                        if kind == "<":
                            if mine.startswith("core/") and re.match(r"Q[A-Z]|Qt", target):
                                problems.append(f"{where}: core includes Qt ({target})")
                            continue
                        if target.endswith(".moc"):
                            continue
                        theirs = layer_of(target)
                        if theirs is None:
                            problems.append(f"{where}: '{target}' does not name its layer from the root")
                        elif not os.path.exists(os.path.join(ROOT, target)):
                            problems.append(f"{where}: '{target}' does not exist")
                        elif ALLOWED[mine] is not None and theirs not in ALLOWED[mine]:
                            problems.append(f"{where}: {mine} may not include {theirs} ('{target}')")
    if not os.path.exists(os.path.join(ROOT, "docs", "ARCHITECTURE.md")):
        problems.append("docs/ARCHITECTURE.md: missing")
    for doc in ("README.md", "docs/ARCHITECTURE.md", "datasets/README.md"):
        path = os.path.join(ROOT, doc)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if "DESIGN.md" in line or "../shared" in line:
                        problems.append(f"{doc}:{number}: points outside the repository")
    for p in problems:
        print(p)
    print(f"{len(problems)} layering problem(s)" if problems else "layers: every include in place")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
