"""Errors of trustkit.sso: one rejection type carrying a short, stable reason code."""

from __future__ import annotations

from trustkit.exceptions import TrustkitError

__all__ = ["TokenRejected"]


class TokenRejected(TrustkitError):
    """A token, ticket or key set was refused; ``reason`` is a stable code such as ``expired``.

    The message says what is wrong; it never contains the token, a secret or key bytes.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
