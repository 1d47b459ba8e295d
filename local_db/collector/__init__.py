"""Collector and province storage: received packages, bundles, current submissions, reports.

Qt-free, like all of ``local_db``. Public entry points::

    from local_db.collector import CollectorStore  # what the GUI and the command line use
    from local_db.collector import open_collector, merge_paths, MergeSummary
    from local_db.collector.reports import ranking_for_year, completeness, inbox_rows
    from local_db.collector.bundles import export_bundle

See ``docs/collector.md``.
"""

from __future__ import annotations

from local_db.collector.merge import MergeSummary, Reason, Rejection, merge_paths
from local_db.collector.schema import CollectorSchemaError, connect, dump
from local_db.collector.store import CollectorStore

open_collector = connect

__all__ = [
    "CollectorSchemaError",
    "CollectorStore",
    "MergeSummary",
    "Reason",
    "Rejection",
    "connect",
    "dump",
    "merge_paths",
    "open_collector",
]
