"""The evidence of a package of format 2: each content stored once, named by its sha256.

A scanned plan cited by 65 indicators was 65 entries in format 1 (an 11 KB PDF made a 771 KB
package, a 20 MB scan would have made 1.3 GB). Here the attachments are grouped by content:
one entry ``evidence/<sha256>.<ext>`` per content and type, referenced by every attachment
that cites it (the manifest keeps one reference per attachment, with its own indicator, name
and document details). The extension is the one ``EXTENSION_FOR_TYPE`` gives the checked
type ("jpg", never "jpeg"), so a content of one type has exactly one possible name.

Compression, decided by type and by trying (``compression_for``):

- JPEG, PNG and the zip-based files (docx, xlsx, odt, ods, zip) are stored as they are,
  without trying: their data is already entropy-coded or deflated inside, so deflating again
  saves next to nothing and costs a pass over every byte of the largest files an office sends.
- Everything else (PDF, legacy doc/xls) is tried on its first ``PROBE_BYTES``: deflated when
  that shrinks by at least ``WORTH`` (a PDF from a word processor often carries uncompressed
  text or fonts; a scanned PDF is JPEG pages and does not shrink), stored otherwise. A sample
  that shrinks more than half the verifier's zip-bomb ratio, of a file past the size where the
  verifier starts checking the ratio, is stored too: a file of padding
  deflated that well would be refused as a bomb (``forms.packages.zip_limits.check_sizes``).
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forms.evidence_types import ALLOWED, EXTENSION_FOR_TYPE, extension_of
from forms.packages.format import CHUNK, EVIDENCE_DIR, MAX_RATIO, RATIO_FLOOR


@dataclass(frozen=True)
class EvidenceFile:
    """One evidence document: a file on disk (``source``) or bytes in memory (``content``)."""

    indicator: str
    original_name: str
    source: Path | None = None
    content: bytes | None = None
    document: Mapping[str, Any] = field(default_factory=dict)  # number, date, issuer, summary


ALREADY_COMPRESSED = frozenset({"jpeg", "png", "docx", "xlsx", "odt", "ods", "zip"})
PROBE_BYTES = 256 * 1024
WORTH = 0.10  # deflate only when the sample shrinks by a tenth or more


def checked_kind(original_name: str) -> str:
    """The type an attachment was checked to be, from its name (``build._check`` made sure
    the content agrees)."""
    return ALLOWED[extension_of(original_name)][1]


def compression_for(kind: str, sample: bytes, size: int) -> int:
    """``ZIP_STORED`` or ``ZIP_DEFLATED`` for a content of ``kind`` and ``size`` bytes
    starting with ``sample``."""
    if kind in ALREADY_COMPRESSED or not sample:
        return zipfile.ZIP_STORED
    deflated = len(zlib.compress(sample, 6))
    if size > RATIO_FLOOR and deflated * MAX_RATIO // 2 < len(sample):  # would look like a bomb
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED if deflated <= len(sample) * (1 - WORTH) else zipfile.ZIP_STORED


def chunks(item: EvidenceFile) -> Iterator[bytes]:
    if item.content is not None:
        yield item.content
        return
    assert item.source is not None
    with open(item.source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


@dataclass
class Content:
    """One stored entry and the attachments that cite it, in the submission's order."""

    sha256: str
    size: int
    kind: str
    compress: int
    cited_by: list[EvidenceFile] = field(default_factory=list)

    @property
    def entry(self) -> str:
        return f"{EVIDENCE_DIR}{self.sha256}.{EXTENSION_FOR_TYPE[self.kind]}"


def _measure(item: EvidenceFile) -> tuple[str, int, bytes]:
    """sha256, size and the first ``PROBE_BYTES`` of an attachment, in one read."""
    digest, size, sample = hashlib.sha256(), 0, bytearray()
    for chunk in chunks(item):
        digest.update(chunk)
        size += len(chunk)
        if len(sample) < PROBE_BYTES:
            sample += chunk[: PROBE_BYTES - len(sample)]
    return digest.hexdigest(), size, bytes(sample)


def group_contents(evidence: Sequence[EvidenceFile]) -> tuple[list[Content], list[Content]]:
    """The distinct contents (by sha256 and type) of ``evidence`` in order of first citation,
    and for each attachment, in its order, the content it cites."""
    found: dict[tuple[str, str], Content] = {}
    cites: list[Content] = []
    for item in evidence:
        sha, size, sample = _measure(item)
        kind = checked_kind(item.original_name)
        content = found.get((sha, kind))
        if content is None:
            content = found[(sha, kind)] = Content(
                sha, size, kind, compression_for(kind, sample, size)
            )
        content.cited_by.append(item)
        cites.append(content)
    return list(found.values()), cites
