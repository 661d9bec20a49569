"""The contract between the sandbox server and the API semantics: one Call in, a JSON body out.

The server authenticates, validates against the discovery documents, charges quota and logs; it then
hands a `Call` to the handler registered for the discovery method id. Handlers raise `ApiError` for
error answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from sandbox.errors import bad_request

if TYPE_CHECKING:
    from sandbox.state import SandboxState

_TRUE_WORDS = frozenset({"true", "1"})
_FALSE_WORDS = frozenset({"false", "0"})


@dataclass(frozen=True)
class Call:
    """One validated API call.

    `user` is the authenticated user's email ("me" and the user's own address resolved); `path` holds the
    URL-decoded path parameters except userId; `query` the validated query parameters, each as the list
    of values it arrived with; `body` the parsed JSON request body, or None.
    """

    method_id: str
    user: str
    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, list[str]] = field(default_factory=dict)
    body: Any = None

    @overload
    def one(self, name: str, default: str) -> str: ...
    @overload
    def one(self, name: str, default: None = None) -> str | None: ...
    def one(self, name: str, default: str | None = None) -> str | None:
        """The parameter's value (its first, if repeated), or `default` when absent."""
        values = self.query.get(name)
        return values[0] if values else default

    @overload
    def integer(self, name: str, default: int) -> int: ...
    @overload
    def integer(self, name: str, default: None = None) -> int | None: ...
    def integer(self, name: str, default: int | None = None) -> int | None:
        """The parameter as an int (the server has already checked it parses), or `default`."""
        value = self.one(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"Invalid value '{value}' for {name}", location=name) from None

    @overload
    def boolean(self, name: str, default: bool) -> bool: ...
    @overload
    def boolean(self, name: str, default: None = None) -> bool | None: ...
    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        """The parameter as a bool ("true"/"false", as the client sends them), or `default`."""
        value = self.one(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE_WORDS:
            return True
        if lowered in _FALSE_WORDS:
            return False
        raise bad_request(f"Invalid value '{value}' for {name}", location=name)

    def many(self, name: str) -> list[str]:
        """Every value of a repeatable parameter, in the order sent (empty when absent)."""
        return list(self.query.get(name, ()))


Handler = Callable[["SandboxState", Call], Any]
"""Returns the JSON response body (a dict); None means 204 No Content."""
