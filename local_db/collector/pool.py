"""The collector's part in verifying on worker processes (the protocol is
``forms.packages.parallel``): what a worker is sent for each package, what it reads and
verifies, and what it sends back.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from forms.bundles.format import LIMITS
from forms.bundles.verify import open_bundle
from forms.criteria import CriteriaSet
from forms.inbound import InboundRejected, read_inbound
from forms.packages import parallel
from forms.packages.format import MAX_PACKAGE_BYTES
from forms.packages.zipsafe import SafeZip, ZipProblem
from local_db.collector.inbox import Item
from local_db.collector.kinds import Checked
from local_db.collector.verification import check_package

# (sha256 of the bytes a worker verified, its verification), or None: verify here
Ahead = tuple[str, Checked] | None
# the manifest fields storing reads (``rows.store_accepted``/``store_rejected``); a worker
# sends back only these: pickling whole manifests (answers, evidence, every score) cost more
# than the verification the worker saved
_STORED_FIELDS = ("unit", "year", "submission_id", "revision", "supersedes", "criteria_set",
                  "officer", "created_at")  # fmt: skip
_STORED_SCORES = ("pillars", "total", "classification")


def default_workers() -> int:
    """Worker processes for a large merge: one per spare core (this process verifies too), at
    most 4, since beyond that storing, which only this process does, is the bottleneck."""
    return max(0, min((os.cpu_count() or 1) - 1, 4))


def _slim(manifest: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if manifest is None:
        return None
    out = {key: manifest[key] for key in _STORED_FIELDS if key in manifest}
    scores = manifest.get("scores")
    if isinstance(scores, dict):
        out["scores"] = {key: scores[key] for key in _STORED_SCORES if key in scores}
    return out


def verify_chunk(items: list[tuple[str, str | None]]) -> list[Ahead]:
    """A worker's task: verify (file, None) loose packages and (bundle, entry) inner packages,
    named as the merging process names them, so a rejection reads the same whoever verified
    it. An item it cannot read is None: the merging process reads it again and reports it."""
    state = parallel.worker_state()
    out: list[Ahead] = []
    opened: tuple[str, SafeZip] | None = None
    try:
        for file, entry in items:
            try:
                if entry is None:
                    path, data = Path(file), read_inbound(file, MAX_PACKAGE_BYTES)
                else:
                    if opened is None or opened[0] != file:
                        if opened is not None:
                            opened[1].close()
                        opened = (file, open_bundle(Path(file)))
                    path = Path(entry.rsplit("/", 1)[-1])
                    data = opened[1].read(entry, LIMITS.entry_bytes)
            except (OSError, ZipProblem, InboundRejected):
                out.append(None)
                continue
            checked = check_package(path, state.trust, state.criteria, data)
            out.append(
                (
                    hashlib.sha256(data).hexdigest(),
                    replace(checked, manifest=_slim(checked.manifest)),
                )
            )
    finally:
        if opened is not None:
            opened[1].close()
    return out


def _work(item: Item) -> tuple[str, str | None]:
    """What a worker is sent for an item: (file, None) or (bundle file, entry)."""
    return (str(item), None) if isinstance(item, Path) else (str(item.bundle), item.entry)


def verified_in_parallel(
    items: Sequence[Item],
    trust: Any,
    criteria: Mapping[str, CriteriaSet],
    *,
    workers: int,
    chunk: int,
    minimum: int,
) -> Iterator[tuple[Item, Ahead]]:
    """Every item once, with (sha256, verification) when a worker process verified it, or
    None when this process is to verify it (``parallel.share``: this process takes its share,
    and a worker's failure costs nothing but time). Stored in whatever order verification
    finishes: the order of storing does not matter (see ``resolve``)."""
    by_hash = {cs.content_hash: cs for cs in criteria.values()}
    for i, ahead in parallel.share(
        [_work(item) for item in items], verify_chunk, trust=trust, criteria=by_hash,
        workers=workers, chunk=chunk, minimum=minimum,
    ):  # fmt: skip
        yield items[i], ahead
