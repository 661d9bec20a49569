"""The sync layer's error hierarchy, and the one place where Google's HTTP answers become those errors.

The application shell decides per type what to do: retry later (`RateLimited`, `TransientApiError`), re-sync
(`HistoryExpired`, `SyncTokenExpired`, handled inside sync), stop this account and tell the user how to fix
it (`AuthRevoked`, `AccountMismatch`), or report a bug (`ApiRejected`, `ForbiddenMethod`).
"""

# The names say what happened, as the rest of the project and Google's docs say it ("RateLimited", not
# "RateLimitedError"): the Error suffix would add nothing.
# ruff: noqa: N818

from __future__ import annotations

import http.client
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_AUTH_REASONS_403 = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})

# Transport failures below the HTTP status level: a dropped or refused connection, a timeout, a TLS error
# (socket, ssl and timeout errors are all OSErrors).
CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    httplib2.HttpLib2Error,
    http.client.HTTPException,
    OSError,
    TransportError,
)
# Everything a call to Google can fail with that `map_http_error` understands.
API_FAILURES: tuple[type[Exception], ...] = (HttpError, RefreshError, *CONNECTION_ERRORS)


class SyncError(Exception):
    """Base of every error the sync layer raises on purpose."""


class AuthRevoked(SyncError):
    """Google refused the account's credentials (refresh token revoked or expired, scopes missing).

    Only the user can fix this, by authorising Rapport again; the shell names the account and the command.
    """


class AccountMismatch(SyncError):
    """The token belongs to another mailbox than the configured account's address."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"the token is for {actual}, but the account is configured as {expected}")
        self.expected = expected
        self.actual = actual


class RateLimited(SyncError):
    """Google asked us to slow down (429, or 403 rateLimitExceeded/userRateLimitExceeded)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientApiError(SyncError):
    """A failure that may pass: 5xx, a dropped connection, a timeout."""


class HistoryExpired(SyncError):
    """history.list answered 404: the stored historyId is older than what Gmail keeps."""


class SyncTokenExpired(SyncError):
    """events.list answered 410: the calendar's sync token is no longer valid."""


class NotFound(SyncError):
    """The resource does not exist (any more): a message deleted between list and get."""


class ApiRejected(SyncError):
    """Google refused the request itself (a 4xx other than the above); retrying cannot help."""

    def __init__(self, message: str, status: int, reason: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class ForbiddenMethod(SyncError):
    """Something tried to build a request for a method off Rapport's allow-list (send, delete...)."""


def map_http_error(exc: BaseException, method_id: str) -> SyncError:
    """The sync error for a failed call of `method_id`; callers `raise map_http_error(exc, m) from exc`.

    Accepts what `API_FAILURES` lists: the client's `HttpError`, google-auth's `RefreshError` and
    transport exceptions. Anything else is a programming error and is raised as TypeError.
    """
    if isinstance(exc, SyncError):
        return exc
    if isinstance(exc, RefreshError):
        if exc.retryable:  # the token endpoint itself failed (5xx, timeout): not the user's problem
            return TransientApiError(f"{method_id}: token refresh failed, will retry: {exc}")
        return AuthRevoked(f"Google refused to refresh the access token: {exc}")
    if isinstance(exc, HttpError):
        return _map_status(exc, method_id)
    if isinstance(exc, CONNECTION_ERRORS):
        return TransientApiError(f"{method_id}: connection failed: {type(exc).__name__}: {exc}")
    raise TypeError(f"{method_id}: not an API failure: {type(exc).__name__}: {exc}") from exc


def _map_status(exc: HttpError, method_id: str) -> SyncError:
    status = int(exc.resp.status)
    message, reason = _error_message_and_reason(exc)
    text = f"{method_id}: HTTP {status} {reason or ''}: {message}".replace("  ", " ")
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        return RateLimited(text, retry_after=_retry_after(exc, message))
    if status >= 500:
        return TransientApiError(text)
    if status == 401 or (status == 403 and reason in _AUTH_REASONS_403):
        return AuthRevoked(text)
    if status == 404 and method_id == "gmail.users.history.list":
        return HistoryExpired(text)
    by_status: dict[int, type[SyncError]] = {404: NotFound, 410: SyncTokenExpired}
    if status in by_status:
        return by_status[status](text)
    return ApiRejected(text, status, reason)


def _error_message_and_reason(exc: HttpError) -> tuple[str, str | None]:
    """Google's `error.message` and first `errors[].reason`, read defensively from the body."""
    content: Any = exc.content
    try:
        body = json.loads(content.decode("utf-8") if isinstance(content, bytes) else content)
    except (ValueError, TypeError, UnicodeDecodeError):
        return str(exc.reason or content[:200]), None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return str(body)[:200], None
    message = str(error.get("message", ""))
    details = error.get("errors")
    reason = None
    if isinstance(details, list) and details and isinstance(details[0], dict):
        reason = details[0].get("reason")
    if reason is None and isinstance(error.get("status"), str):
        reason = error["status"]
    return message, reason if isinstance(reason, str) else None


def _retry_after(exc: HttpError, message: str) -> float | None:
    """Seconds to wait: the Retry-After header (seconds or HTTP date), else Gmail's "Retry after <time>"."""
    header = exc.resp.get("retry-after") if hasattr(exc.resp, "get") else None
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            return _seconds_until(header, http_date=True)
    marker = "Retry after "
    if marker in message:
        return _seconds_until(message.split(marker, 1)[1].strip().split()[0], http_date=False)
    return None


def _seconds_until(value: str, *, http_date: bool) -> float | None:
    try:
        when = parsedate_to_datetime(value) if http_date else datetime.fromisoformat(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
