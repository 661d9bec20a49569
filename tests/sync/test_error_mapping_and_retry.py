"""Google's answers become the sync's own errors in one place, and one retry policy decides what is tried
again: rate limits and transient failures (honouring Retry-After), never a request Google refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from sandbox.server import SandboxServer
from sandbox.testing import credentials_for
from sync.client import GoogleApi
from sync.errors import (
    ApiRejected,
    AuthRevoked,
    HistoryExpired,
    NotFound,
    RateLimited,
    SyncTokenExpired,
    TransientApiError,
    map_http_error,
)
from sync.retry import RetryPolicy
from tests.fixtures_sync import FAST_RETRY, USER, mailbox, message


def _http_error(status: int, reason: str | None = None, headers: dict[str, str] | None = None) -> HttpError:
    body: dict[str, Any] = {"error": {"code": status, "message": f"status {status}"}}
    if reason:
        body["error"]["errors"] = [{"reason": reason, "domain": "global", "message": "x"}]
    response = httplib2.Response({"status": str(status), **(headers or {})})
    return HttpError(response, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("status", "reason", "method_id", "expected"),
    [
        (429, "rateLimitExceeded", "gmail.users.messages.get", RateLimited),
        (403, "userRateLimitExceeded", "gmail.users.messages.get", RateLimited),
        (403, "rateLimitExceeded", "calendar.events.list", RateLimited),
        (500, "backendError", "gmail.users.messages.get", TransientApiError),
        (503, None, "gmail.users.messages.list", TransientApiError),
        (404, "notFound", "gmail.users.history.list", HistoryExpired),
        (404, "notFound", "gmail.users.messages.get", NotFound),
        (410, "fullSyncRequired", "calendar.events.list", SyncTokenExpired),
        (401, "authError", "gmail.users.getProfile", AuthRevoked),
        (403, "insufficientPermissions", "gmail.users.drafts.create", AuthRevoked),
        (403, "forbidden", "gmail.users.messages.get", ApiRejected),
        (400, "invalidArgument", "calendar.events.list", ApiRejected),
    ],
)
def test_http_status_and_reason_map_to_one_error_type(
    status: int, reason: str | None, method_id: str, expected: type[Exception]
) -> None:
    assert type(map_http_error(_http_error(status, reason), method_id)) is expected


def test_retry_after_is_read_from_the_header_or_from_gmails_message() -> None:
    from_header = map_http_error(_http_error(429, "rateLimitExceeded", {"retry-after": "7"}), "m")
    in_message = HttpError(
        httplib2.Response({"status": "429"}),
        json.dumps(
            {
                "error": {
                    "code": 429,
                    "message": "User-rate limit exceeded.  Retry after 2000-01-01T00:00:00.000Z",
                }
            }
        ).encode(),
    )

    assert isinstance(from_header, RateLimited)
    assert from_header.retry_after == 7.0
    assert map_http_error(in_message, "m").retry_after == 0.0  # type: ignore[attr-defined]


def test_transport_failures_and_refused_tokens_are_told_apart() -> None:
    assert isinstance(map_http_error(TimeoutError("slow"), "m"), TransientApiError)
    assert isinstance(map_http_error(ConnectionResetError(), "m"), TransientApiError)
    assert isinstance(map_http_error(httplib2.ServerNotFoundError("x"), "m"), TransientApiError)
    revoked = RefreshError("invalid_grant: Token has been revoked.")  # type: ignore[no-untyped-call]
    backend_down = RefreshError("backend", retryable=True)  # type: ignore[no-untyped-call]
    assert isinstance(map_http_error(revoked, "m"), AuthRevoked)
    assert isinstance(map_http_error(backend_down, "m"), TransientApiError)


def _counting(outcomes: list[Exception | str]) -> tuple[Callable[[], str], list[int]]:
    calls = [0]

    def action() -> str:
        outcome = outcomes[min(calls[0], len(outcomes) - 1)]
        calls[0] += 1
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return action, calls


def test_rate_limits_and_transient_errors_are_retried_until_success() -> None:
    action, calls = _counting([RateLimited("slow down"), TransientApiError("503"), "ok"])

    assert FAST_RETRY.call(action, describe="test") == "ok"
    assert calls[0] == 3


def test_a_refused_request_is_never_retried_and_retries_are_bounded() -> None:
    refused, refused_calls = _counting([ApiRejected("bad", 400, "badRequest"), "ok"])
    failing, failing_calls = _counting([TransientApiError("down")])
    policy = RetryPolicy(max_attempts=4, initial_wait=0.001, max_wait=0.002)

    with pytest.raises(ApiRejected):
        policy.call(refused, describe="test")
    with pytest.raises(TransientApiError):
        policy.call(failing, describe="test")
    assert (refused_calls[0], failing_calls[0]) == (1, 4)


def test_backoff_grows_exponentially_and_never_undercuts_retry_after() -> None:
    policy = RetryPolicy(initial_wait=1.0, max_wait=30.0)

    ceilings = [max(policy.backoff(attempt) for _ in range(200)) for attempt in (1, 2, 3, 4, 8)]
    assert ceilings[0] <= 1.0 < ceilings[2] <= 4.0 < ceilings[3]
    assert ceilings[4] <= 30.0
    assert policy.backoff(1, retry_after=12.5) == 12.5


def test_the_client_retries_a_throttled_call_once_the_server_lets_it_through(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(mailbox([message(1)]), quota_units_per_second=5)
    api = GoogleApi(
        credentials_for(server, USER), api_endpoint=server.base_url, units_per_second=1e9, retry=FAST_RETRY
    )

    first = api.execute(api.gmail().users().messages().list(userId="me"))
    second = api.execute(api.gmail().users().messages().list(userId="me"))  # 429 first, then through

    assert first == second
    assert [record.status for record in server.log.calls()][:2] == [200, 429]
    assert api.meter.snapshot().calls == server.log.count()
