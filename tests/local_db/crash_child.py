"""Child process of the crash test: autosaves answers in a loop, printing each acknowledged edit.

Run as ``python crash_child.py DATA_DIR ASSESSMENT_ID START``. A line ``k`` on stdout means
``answers.set_value`` returned for edit ``k``, i.e. the storage promised it is durable.
"""

from __future__ import annotations

import sys
from pathlib import Path

from local_db import answers, open_database

KEYS = 37  # edits cycle over this many fields, so rows are both inserted and updated


def main() -> None:
    data_dir, assessment_id, start = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    db = open_database(data_dir, user="crash")
    print("open", flush=True)
    k = start
    while True:
        answers.set_value(db, assessment_id, "1.1", f"f{k % KEYS}", k, points=k % 20)
        print(k, flush=True)
        k += 1


if __name__ == "__main__":
    main()
