#!/usr/bin/env python3
"""The floors hold: every `#include "valley/..."` in src/valley, bench and
python points to its own folder or to a lower floor of src/valley/floors.txt.

Usage: check_floors.py SOURCE_DIR. Prints one line per include that points
up or sideways, and per folder missing from floors.txt; exits 1 if there is
any, else prints a summary and exits 0.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"valley/(.+)"')
SOURCES = {".h", ".cpp", ".cu", ".cuh"}


def read_floors(path):
    floor_of, floor = {}, 0
    for line in path.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        for word in words:
            if word in floor_of:
                sys.exit(f"{path}: folder {word} is listed twice")
            floor_of[word] = floor
        floor += bool(words)
    return floor_of


def folder_of_include(target):
    parent = str(pathlib.PurePosixPath(target).parent)
    return parent  # "." for valley/valley.h


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    floor_of = read_floors(root / "src/valley/floors.txt")
    rooms = [(root / "src/valley", None), (root / "bench", "bench"), (root / "python", "python")]
    problems, n_includes, n_files = [], 0, 0
    for base, fixed in rooms:
        for path in sorted(base.rglob("*")):
            if path.suffix not in SOURCES or not path.is_file():
                continue
            n_files += 1
            folder = fixed or str(path.parent.relative_to(base).as_posix())
            where = path.relative_to(root)
            if folder not in floor_of:
                problems.append(f"{where}: folder {folder} is not in src/valley/floors.txt")
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                n_includes += 1
                target = folder_of_include(match.group(1))
                if target == folder:
                    continue
                if target not in floor_of:
                    problems.append(f"{where}:{number}: includes {match.group(1)}, whose folder "
                                    f"{target} is not in src/valley/floors.txt")
                elif floor_of[target] > floor_of[folder]:
                    problems.append(f"{where}:{number}: {folder} includes {match.group(1)} from "
                                    f"a higher floor ({target})")
                elif floor_of[target] == floor_of[folder]:
                    problems.append(f"{where}:{number}: {folder} includes {match.group(1)} from "
                                    f"{target}, a folder on its own floor")
    for p in problems:
        print(p)
    if problems:
        print(f"floors: {len(problems)} include(s) break src/valley/floors.txt")
        return 1
    print(f"floors: {n_includes} includes in {n_files} files, none points up "
          f"({len(set(floor_of.values()))} floors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
