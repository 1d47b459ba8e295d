"""What a merge is given: finding package and bundle files, and reading packages, loose or
inside a bundle, within their limits (a read that fails is a ``Reason``, never an exception).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from forms.bundles.verify import InnerPackage, open_bundle, read_inner
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound, sha256_inbound
from forms.packages.format import MAX_PACKAGE_BYTES
from forms.packages.zipsafe import SafeZip, ZipProblem
from local_db.collector.kinds import BUNDLE_SUFFIX, PACKAGE_SUFFIX, Reason

# a loose package's path, or a package inside a bundle
Item = Path | InnerPackage


def _packages_under(folder: Path) -> list[Path]:
    """Package and bundle files anywhere under ``folder``, sorted by path.

    ``os.scandir`` rather than ``Path.rglob`` + ``is_file``: the directory listing already
    says what is a regular file (no ``stat`` per entry; a FIFO named like a package, which
    would block reading, is still left out), and a folder of thousands of packages took
    0.1 s to list the other way. Symbolic links to folders are not followed (no loops)."""
    found: list[tuple[tuple[str, ...], str]] = []
    pending: list[tuple[tuple[str, ...], str]] = [((), str(folder))]
    while pending:
        parts, top = pending.pop()
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue  # an unreadable subfolder: its files cannot be merged anyway
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(((*parts, entry.name), entry.path))
            elif (
                os.path.splitext(entry.name)[1].lower() in (PACKAGE_SUFFIX, BUNDLE_SUFFIX)
                and entry.is_file()
            ):
                found.append(((*parts, entry.name), entry.path))
    found.sort()
    return [Path(full) for _parts, full in found]


def expand_paths(paths: Iterable[Path | str]) -> tuple[list[Path], list[Reason]]:
    """Files named, and packages/bundles inside folders (recursively), sorted; plus problems."""
    found: list[Path] = []
    problems: list[Reason] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(_packages_under(path))
        elif path.exists():
            # a regular file, or a FIFO/device named on the command line: the readers
            # (``forms.inbound``) refuse the latter with its own reason, without blocking
            found.append(path)
        else:
            problems.append(
                Reason("not_found", _("Không tìm thấy tệp hoặc thư mục {path}", path=str(path)))
            )
    unique = list(dict.fromkeys(found))
    return unique, problems


def split_known(
    loose: Sequence[Path], inner: Sequence[InnerPackage], known: set[str]
) -> tuple[list[Item], list[Item]]:
    """(new items, items whose file hash is in ``known``), loose ones first, in order. A loose
    file is hashed (not kept in memory); an inner package counts by its listed hash."""
    if not known:
        return [*loose, *inner], []
    fresh: list[Item] = []
    seen: list[Item] = []
    for path in loose:
        try:
            (seen if sha256_inbound(path, MAX_PACKAGE_BYTES) in known else fresh).append(path)
        except (OSError, InboundRejected):
            seen.append(path)  # reported when read
    for package in inner:
        (seen if package.listed_sha256 in known else fresh).append(package)
    return fresh, seen


def _unreadable(name: str, error: str) -> Reason:
    return Reason("unreadable", _("Không đọc được tệp {name}: {error}", name=name, error=error))


def read_package(path: Path) -> bytes | Reason:
    """A loose package's bytes, or why they cannot be read."""
    try:
        # the size checked before reading: a 4 GB sparse file or a FIFO costs nothing
        return read_inbound(path, MAX_PACKAGE_BYTES)
    except InboundRejected as exc:
        return Reason.of(exc.problem)
    except OSError as exc:  # a read failing half-way (a damaged disk, a USB stick pulled)
        return _unreadable(path.name, exc.strerror or str(exc))


class BundleReaders:
    """Open bundles for reading inner packages again, a few at a time (file handles are few
    on Windows; items of one bundle mostly come together)."""

    KEEP = 4

    def __init__(self) -> None:
        self._open: dict[Path, SafeZip] = {}

    def get(self, path: Path) -> SafeZip:
        zf = self._open.pop(path, None)
        if zf is None:
            zf = open_bundle(path)
            if len(self._open) >= self.KEEP:
                oldest = next(iter(self._open))
                self._open.pop(oldest).close()
        self._open[path] = zf  # most recently used last
        return zf

    def read(self, package: InnerPackage) -> bytes | Reason:
        """An inner package's bytes (opening its bundle again may fail too), or why not."""
        try:
            return read_inner(self.get(package.bundle), package)
        except (OSError, ZipProblem, InboundRejected) as exc:
            error = exc.strerror or str(exc) if isinstance(exc, OSError) else exc.problem.message
            return _unreadable(package.name, error)

    def close(self) -> None:
        for zf in self._open.values():
            zf.close()
        self._open.clear()
