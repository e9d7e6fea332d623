"""The project's own error type: a problem the user can fix, stated for the user."""


class LfwError(Exception):
    """Bad input, bad parameters or bad files, with a message naming what and where."""
