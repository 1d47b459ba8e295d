"""Check a built bundle: every binary in it finds the Qt/PySide/ICU libraries it links against.

    python packaging/check_bundle.py dist/dti-desk

The spec leaves out Qt plugins and libraries the app does not use; if a kept plugin or library
still links one of them, Qt would skip the plugin silently (or the app would not start) on an
office PC. This catches it at build time, on Linux (ELF, via ldd) and Windows (PE, via pefile)
alike, using PyInstaller's own reader of link-time dependencies. Only libraries the bundle is
meant to ship are checked: a system library the build machine lacks is not the bundle's.
Exit status 1 lists every missing link.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# Library names the bundle itself must provide (Linux libQt6Core.so.6, Windows Qt6Core.dll, ...).
SHIPPED = re.compile(r"^(lib)?(Qt6|pyside6|shiboken6|icu)", re.IGNORECASE)
BINARY = re.compile(r"\.(so(\.\d+)*|dll|pyd|exe)$", re.IGNORECASE)


def missing_links(bundle: Path) -> list[str]:
    from PyInstaller.depend.bindepend import get_imports

    binaries = [p for p in sorted(bundle.rglob("*")) if p.is_file() and BINARY.search(p.name)]
    present = {p.name.lower() for p in bundle.rglob("*") if p.exists()}  # not dangling links
    problems = []
    for path in binaries:
        for name, _resolved in get_imports(str(path)):
            base = Path(name).name
            if SHIPPED.match(base) and base.lower() not in present:
                problems.append(f"{path.relative_to(bundle)} needs {base}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python packaging/check_bundle.py BUNDLE_FOLDER", file=sys.stderr)
        return 2
    bundle = Path(argv[0])
    problems = missing_links(bundle)
    for problem in problems:
        print(f"   {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} missing link(s) in {bundle}", file=sys.stderr)
        return 1
    print(f"   every binary in {bundle} finds the Qt libraries it needs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
