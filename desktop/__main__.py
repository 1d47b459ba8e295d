import sys

from desktop.cli import main

if __name__ == "__main__":  # worker processes (multiprocessing spawn) import this module too
    sys.exit(main())
