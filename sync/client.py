"""One account's door to Google: per-thread services, the quota pacer, a usage meter, and `execute`.

`GoogleApi.execute(request)` is how every single (non-batch) call is made: it waits for quota, runs the
request with the client's own retries off, maps failures to the sync's errors in the one place that does it
(`map_http_error`), and retries what deserves it under the one policy (`RetryPolicy`). Batches use the same
pieces from `sync.batches`.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sync.errors import API_FAILURES, map_http_error
from sync.google_api import DEFAULT_TIMEOUT_SECONDS, Endpoints, ServiceFactory
from sync.pacer import QuotaPacer, method_units
from sync.retry import RetryPolicy

if TYPE_CHECKING:
    import google_auth_httplib2
    from google.auth.credentials import Credentials
    from googleapiclient._apis.calendar.v3 import CalendarResource
    from googleapiclient._apis.gmail.v1 import GmailResource
    from googleapiclient.http import HttpRequest


@dataclass(frozen=True)
class Usage:
    """Calls made (every attempt, batch parts counted one by one) and Gmail units they were charged."""

    calls: int = 0
    units: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def since(self, earlier: Usage) -> Usage:
        """What was spent between `earlier` and this snapshot."""
        methods = Counter(self.by_method)
        methods.subtract(earlier.by_method)
        return Usage(
            calls=self.calls - earlier.calls,
            units=self.units - earlier.units,
            by_method={name: count for name, count in methods.items() if count},
        )


class UsageMeter:
    """Thread-safe counters of the calls an account made and the Gmail units they cost."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._units = 0

    def record(self, method_id: str, count: int = 1) -> None:
        """Count `count` calls of `method_id` (sent, whatever their answer)."""
        with self._lock:
            self._calls[method_id] += count
            self._units += method_units(method_id) * count

    def snapshot(self) -> Usage:
        """The totals so far."""
        with self._lock:
            return Usage(calls=sum(self._calls.values()), units=self._units, by_method=dict(self._calls))


class GoogleApi:
    """Gmail and Calendar for one account, paced to its quota, with one retry policy."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        api_endpoint: str = "",
        units_per_second: float = 250.0,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.endpoints = Endpoints.for_base(api_endpoint)
        self.services = ServiceFactory(credentials, self.endpoints, timeout=timeout)
        self.pacer = QuotaPacer(units_per_second)
        self.meter = UsageMeter()
        self.retry = retry or RetryPolicy()

    def gmail(self) -> GmailResource:
        """This thread's Gmail service (allow-listed methods only)."""
        return self.services.gmail()

    def calendar(self) -> CalendarResource:
        """This thread's Calendar service (calendarList.list and events.list only)."""
        return self.services.calendar()

    def http(self) -> google_auth_httplib2.AuthorizedHttp:
        """This thread's authorised transport."""
        return self.services.http()

    def execute(self, request: HttpRequest) -> Any:
        """Run `request` (built on this thread's service) paced, metered and retried; its JSON body."""
        method_id = request.methodId or "unknown"
        return self.retry.call(lambda: self._execute_once(request, method_id), describe=method_id)

    def _execute_once(self, request: HttpRequest, method_id: str) -> Any:
        with self.pacer.spend(method_units(method_id)):
            self.meter.record(method_id)
            try:
                return request.execute(num_retries=0)
            except API_FAILURES as exc:
                raise map_http_error(exc, method_id) from exc
