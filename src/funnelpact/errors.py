"""One error base for everything a user can get wrong outside the domain.

Each error carries the HTTP status the API answers with and the exit code the CLI ends with;
one handler per delivery channel renders it (never a traceback to a user).
"""

from __future__ import annotations


class FunnelpactError(Exception):
    """An expected failure with a message fit for a user."""

    status_code: int = 400
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InputError(FunnelpactError):
    """A file, row, field or argument is wrong; the message says where."""


class NotFoundError(FunnelpactError):
    status_code = 404
