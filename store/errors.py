"""The store's error hierarchy: what callers above the store catch instead of SQLAlchemy's exceptions."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class StoreUnavailable(StoreError):  # noqa: N818  (the name callers are told to catch)
    """The configured store URL is malformed, names an unknown backend, or cannot be reached.

    The message names the URL with any password masked, so it can be shown to the user as is.
    """

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"store {url} is unavailable: {problem}")
        self.url = url
        self.problem = problem
