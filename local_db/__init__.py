"""Offline storage for dti-desk: SQLite (WAL, sqlmodel), evidence files, audit, backups.

No Qt here: the CLI, tests, benchmarks and the GUI share these functions. See docs/storage.md.
"""

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
from local_db.paths import resolve_data_dir

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
