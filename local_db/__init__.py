"""Offline storage for dti-desk: SQLite (WAL, sqlmodel), evidence files, audit, backups.

No Qt here: the CLI, tests, benchmarks and the GUI share these functions. See docs/storage.md.

The names below are imported on first use (PEP 562): importing ``local_db.collector`` or
``local_db.paths`` must not pay for SQLAlchemy and sqlmodel (about 0.3 s), which the
collector's plain-sqlite merge and its verification worker processes never use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from local_db.paths import resolve_data_dir

_LAZY = {
    "Change": "local_db.database",
    "Database": "local_db.database",
    "open_database": "local_db.database",
    "DatabaseDamaged": "local_db.errors",
    "DatabaseLocked": "local_db.errors",
    "EvidenceRejected": "local_db.errors",
    "NotFound": "local_db.errors",
    "ReadOnlyAssessment": "local_db.errors",
    "SchemaTooNew": "local_db.errors",
    "StorageError": "local_db.errors",
    "UnsafeLocation": "local_db.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'local_db' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from local_db.database import Change, Database, open_database
    from local_db.errors import (
        DatabaseDamaged,
        DatabaseLocked,
        EvidenceRejected,
        NotFound,
        ReadOnlyAssessment,
        SchemaTooNew,
        StorageError,
        UnsafeLocation,
    )

__all__ = [
    "Change",
    "Database",
    "DatabaseDamaged",
    "DatabaseLocked",
    "EvidenceRejected",
    "NotFound",
    "ReadOnlyAssessment",
    "SchemaTooNew",
    "StorageError",
    "UnsafeLocation",
    "open_database",
    "resolve_data_dir",
]
