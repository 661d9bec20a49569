"""Google-shaped API errors: handlers raise ApiError, the server turns it into Google's JSON error body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The RPC status Google puts in `error.status` for each HTTP code. Calendar's sync-token 410 is documented
# without a status, so 410 has none here and the key is left out.
RPC_STATUS: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}

# The reason Google gives when the caller names none.
DEFAULT_REASON: dict[int, str] = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    409: "conflict",
    410: "gone",
    412: "conditionNotMet",
    429: "rateLimitExceeded",
    500: "backendError",
    501: "notImplemented",
    503: "backendError",
}

HTTP_REASON_PHRASE: dict[int, str] = {
    200: "OK",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


class ApiError(Exception):
    """An error answer from the Gmail or Calendar API, as Google shapes it.

    `headers` are extra response headers (e.g. Retry-After on a 429).
    """

    def __init__(
        self,
        status: int,
        message: str,
        reason: str | None = None,
        *,
        domain: str = "global",
        location: str | None = None,
        location_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason if reason is not None else DEFAULT_REASON.get(status, "unknown")
        self.domain = domain
        self.location = location
        self.location_type = location_type
        self.headers: Mapping[str, str] = dict(headers or {})

    def to_json(self) -> dict[str, Any]:
        """Google's error body: {"error": {"code", "message", "errors": [...], "status"}}."""
        detail: dict[str, Any] = {"message": self.message, "domain": self.domain, "reason": self.reason}
        if self.location is not None:
            detail["location"] = self.location
        if self.location_type is not None:
            detail["locationType"] = self.location_type
        error: dict[str, Any] = {"code": self.status, "message": self.message, "errors": [detail]}
        rpc_status = RPC_STATUS.get(self.status)
        if rpc_status is not None:
            error["status"] = rpc_status
        return {"error": error}

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.message!r}, reason={self.reason!r})"


def bad_request(message: str, *, reason: str = "badRequest", location: str | None = None) -> ApiError:
    """A 400 for an invalid request, naming the offending parameter as Google's `location` when known."""
    return ApiError(400, message, reason, location=location, location_type="parameter" if location else None)


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    """Google's plain 404."""
    return ApiError(404, message, "notFound")
