"""Entry script of the frozen dti-desk (PyInstaller runs this file as ``__main__``).

The installed package uses the ``dti-desk`` console script instead; this file exists so the
bundle has one small place for what only a frozen program needs.
"""

import multiprocessing
import sys

# A frozen program re-executes itself for every multiprocessing child; without this call the
# child would start a second copy of the app instead of running its task (Windows spawns).
multiprocessing.freeze_support()

from desktop.cli import main  # noqa: E402  (after freeze_support, as the docs require)

sys.exit(main())
