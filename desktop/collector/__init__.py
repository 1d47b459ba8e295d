"""Collector / province mode of the application (see ``docs/collector.md``).

``open_collector_window(data_dir, runner)`` builds the window on ``<data_dir>/collector.sqlite``
with the trust registry ``<data_dir>/trust.json`` and the criteria sets the app knows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_collector_window(data_dir: Path, runner: Any = None, extra_criteria: list[Any] | None = None) -> Any:
    from desktop.collector.window import CollectorWindow
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    trust = TrustRegistry.load(data_dir / "trust.json")
    return CollectorWindow(data_dir / "collector.sqlite", trust, [reference_set(), *(extra_criteria or [])], runner)
