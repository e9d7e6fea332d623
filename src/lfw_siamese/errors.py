"""The project's own error type, and how a stage script reports it."""

import sys


class LfwError(Exception):
    """Bad input, bad parameters or bad files, with a message naming what and where."""


def run_stage(name: str, main) -> None:
    """Run a stage's `main()`; an LfwError ends it with `<name>: <message>` and exit status 1."""
    try:
        main()
    except LfwError as exc:
        sys.exit(f"{name}: {exc}")
