"""A collector command on a SQLite store does not load the PostgreSQL driver or SQLAlchemy
(together about 0.3 s at every start); they come in only when used."""

from __future__ import annotations

import subprocess
import sys


def test_the_collector_store_loads_neither_psycopg_nor_sqlalchemy():
    probe = (
        "import sys, local_db.collector, local_db.collector.store; "
        "print(sorted(m for m in ('psycopg', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out
