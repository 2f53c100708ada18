"""Errors that reach the user as one line and an exit code, never a traceback."""

from __future__ import annotations


class CorpuskitError(Exception):
    """A failure the user can act on; the command prints its message and exits with `exit_code`."""

    exit_code = 1


class UsageError(CorpuskitError):
    """What was asked for cannot be done as asked: a missing path or column, a bad option (exit 2)."""

    exit_code = 2


class BuildError(CorpuskitError):
    """Nothing could be built from the inputs (exit 1); `inputs` says what became of each file."""

    exit_code = 1

    def __init__(self, message: str, inputs: list[dict] | None = None):
        super().__init__(message)
        self.inputs = inputs or []
