"""The project's own error type, and how a stage script reports it."""

import sys

from .backend import configure_environment


class LfwError(Exception):
    """Bad input, bad parameters or bad files, with a message naming what and where."""


def run_stage(name: str, main) -> None:
    """Run a stage's `main()` with the backend's environment set; an LfwError ends it with
    `<name>: <message>` and exit status 1."""
    configure_environment()
    try:
        main()
    except LfwError as exc:
        sys.exit(f"{name}: {exc}")
