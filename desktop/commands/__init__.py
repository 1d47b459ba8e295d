"""Subcommands of `dti-desk`, one module each.

Every module here defines ``register(subparsers)``; the CLI discovers them, so a feature adds
its commands without touching a shared list. A handler returns the exit code:
0 ok, 1 problems found, 2 usage error.
"""
