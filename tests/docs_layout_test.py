#!/usr/bin/env python3
"""docs/architecture.md's code layout table must match the tree.

Every row names a folder (or a file stem) that exists; every folder a row names
as a sub-folder (`name/`) exists below it (or is a top-level folder); and every code folder (the top-level
libraries and each stage) has a row, so a new stage or library cannot land
undocumented and a moved one cannot leave a stale row behind.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
text = (root / "docs" / "architecture.md").read_text()
section = text.split("## Code layout", 1)[1].split("\n## ", 1)[0]
rows = [line for line in section.splitlines() if line.startswith("| `")]

problems = []
named = set()
for row in rows:
    cells = row.split("|")
    first = re.findall(r"`([^`]+)`", cells[1])
    if not first:
        continue
    path = first[0].rstrip("/")
    named.add(path)
    target = root / path
    if not target.is_dir() and not list(target.parent.glob(target.name + ".*")):
        problems.append(f"row `{first[0]}`: no such folder or file in the tree")
        continue
    if target.is_dir():
        for sub in re.findall(r"`([a-z0-9_]+)/`", cells[2]):
            # A row may also point at another top-level folder ("below `bus/`").
            if not (root / sub).is_dir() and not any(p.is_dir() for p in target.rglob(sub)):
                problems.append(f"row `{first[0]}` names `{sub}/`, which is not a folder below it")

code_folders = ["proto", "bus", "base", "protocol", "skeleton", "tests"]
code_folders += [str(p.relative_to(root)) for p in sorted((root / "stages").iterdir()) if p.is_dir()]
for folder in code_folders:
    if folder not in named:
        problems.append(f"folder {folder}/ has no row in the code layout table")

for problem in problems:
    print(problem)
if problems:
    sys.exit(1)
print(f"code layout table matches the tree ({len(rows)} rows)")
