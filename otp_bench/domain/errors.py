"""The three ways a request to the core can be refused, so callers can answer each differently.

``NotFound``: a site, user, provider or flow named by the caller doesn't exist (HTTP 404).
``WrongState``: it exists, but can't take this step now, e.g. resending a verified flow (409).
``InvalidArgument``: the request itself is malformed or incomplete (400); ``field`` says where.
"""

from __future__ import annotations


class NotFound(LookupError):
    """A site, user, provider or flow the caller named doesn't exist."""


class WrongState(RuntimeError):
    """The thing exists but its state doesn't allow this step."""


class InvalidArgument(ValueError):
    """A malformed or incomplete request; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
