"""What a refused change raises. Messages are Norwegian and never contain a fødselsnummer."""

from __future__ import annotations


class AdminError(Exception):
    """A change the registries refuse. Raised before anything is written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(AdminError):
    """A value that breaks a rule of the registries."""


class InvalidFnr(InvalidInput):
    pass


class InvalidDate(InvalidInput):
    pass


class NotAMinor(InvalidInput):
    pass


class InvalidHpr(InvalidInput):
    pass


class InvalidOrgnr(InvalidInput):
    pass


class NotFound(AdminError):
    pass


class AlreadyExists(AdminError):
    pass


class InUse(AdminError):
    """Other data depends on the entry, so it cannot be deleted; the message says what."""
