"""Which submission is current for one unit and year: a pure function of the set received.

Merging must give the same result whatever order packages arrive in, so the current
submission is never decided by "what came last". It is recomputed, after every package, from
all verified submissions of that unit and year:

- ``q`` *supersedes* ``p`` when ``q.supersedes == p.submission_id`` and ``q.revision >
  p.revision`` (both verified, so both signed by a signer trusted for the unit).
- The *heads* are the submissions nothing supersedes. One head: it is current, the rest is
  history ("superseded"). Several heads: a conflict. Two packages claiming the same revision
  are always two heads, so they always conflict; a newer revision whose predecessor never
  arrived is a head beside the older one, so it conflicts too, until the missing link arrives.
- A person may settle a conflict (``decisions`` table): the chosen head becomes current and the
  other heads are "passed over". A decision naming something that is no longer a head is
  ignored, so a later, properly superseding revision still wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    key: str  # manifest sha256
    submission_id: str
    revision: int
    supersedes: str | None


@dataclass(frozen=True)
class Resolution:
    current: str | None  # the key of the current submission, None in a conflict
    conflict: tuple[str, ...]  # heads in conflict (sorted), empty when settled
    states: dict[str, str]  # key -> current | superseded | conflict | passed_over


def resolve(nodes: Iterable[Node], chosen: str | None = None) -> Resolution:
    items = sorted(set(nodes), key=lambda n: n.key)
    by_id: dict[str, list[Node]] = {}
    for n in items:
        by_id.setdefault(n.submission_id, []).append(n)
    superseded: set[str] = set()
    for q in items:
        if q.supersedes:
            for p in by_id.get(q.supersedes, ()):
                if q.revision > p.revision:
                    superseded.add(p.key)
    heads = [n.key for n in items if n.key not in superseded]
    states = {key: "superseded" for key in superseded}
    if len(heads) == 1:
        states[heads[0]] = "current"
        return Resolution(heads[0], (), states)
    if chosen in heads:
        for key in heads:
            states[key] = "current" if key == chosen else "passed_over"
        return Resolution(chosen, (), states)
    for key in heads:
        states[key] = "conflict"
    return Resolution(None, tuple(heads), states)
