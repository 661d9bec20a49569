"""Per-user Gmail quota: Google's per-method unit costs and a moving one-second window.

Calendar calls cost nothing against the Gmail quota. A call that would push a user's units in the last
second above `units_per_second` is refused with Gmail's 429 (and a Retry-After header) and charged nothing.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sandbox.errors import ApiError

# Gmail per-method quota units, from Google's "Usage limits" page,
# https://developers.google.com/gmail/api/reference/quota ("Per-method quota usage"). Keys are method
# names as that page writes them (the discovery id without "gmail.users.").
GMAIL_METHOD_COSTS: dict[str, int] = {
    "drafts.create": 10,
    "drafts.delete": 10,
    "drafts.get": 5,
    "drafts.list": 5,
    "drafts.send": 100,
    "drafts.update": 15,
    "getProfile": 1,
    "history.list": 2,
    "labels.create": 5,
    "labels.delete": 5,
    "labels.get": 1,
    "labels.list": 1,
    "labels.update": 5,
    "messages.attachments.get": 5,
    "messages.batchDelete": 50,
    "messages.batchModify": 50,
    "messages.delete": 10,
    "messages.get": 5,
    "messages.import": 25,
    "messages.insert": 25,
    "messages.list": 5,
    "messages.modify": 5,
    "messages.send": 100,
    "messages.trash": 5,
    "messages.untrash": 5,
    "settings.delegates.create": 100,
    "settings.delegates.delete": 5,
    "settings.delegates.get": 1,
    "settings.delegates.list": 1,
    "settings.filters.create": 5,
    "settings.filters.delete": 5,
    "settings.filters.get": 1,
    "settings.filters.list": 1,
    "settings.forwardingAddresses.create": 100,
    "settings.forwardingAddresses.delete": 5,
    "settings.forwardingAddresses.get": 1,
    "settings.forwardingAddresses.list": 1,
    "settings.getAutoForwarding": 1,
    "settings.getImap": 1,
    "settings.getPop": 1,
    "settings.getVacation": 1,
    "settings.sendAs.create": 100,
    "settings.sendAs.delete": 5,
    "settings.sendAs.get": 1,
    "settings.sendAs.list": 1,
    "settings.sendAs.update": 100,
    "settings.sendAs.verify": 100,
    "settings.updateAutoForwarding": 5,
    "settings.updateImap": 5,
    "settings.updatePop": 100,
    "settings.updateVacation": 5,
    "stop": 50,
    "threads.delete": 20,
    "threads.get": 10,
    "threads.list": 10,
    "threads.modify": 10,
    "threads.trash": 10,
    "threads.untrash": 10,
    "watch": 100,
}
# Methods the page does not list (labels.patch, settings.getLanguage, cse.*, smimeInfo.*) cost 1 here.
UNLISTED_GMAIL_COST = 1

GMAIL_PREFIX = "gmail.users."
WINDOW_SECONDS = 1.0


def cost_of(method_id: str) -> int:
    """Gmail quota units a call of this discovery method costs (0 for Calendar)."""
    if not method_id.startswith(GMAIL_PREFIX):
        return 0
    return GMAIL_METHOD_COSTS.get(method_id.removeprefix(GMAIL_PREFIX), UNLISTED_GMAIL_COST)


def rate_limit_error(retry_at: datetime, retry_after_seconds: int) -> ApiError:
    """Gmail's per-user 429, naming the RFC 3339 time after which to retry."""
    stamp = retry_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return ApiError(
        429,
        f"User-rate limit exceeded.  Retry after {stamp}",
        "rateLimitExceeded",
        domain="usageLimits",
        headers={"Retry-After": str(retry_after_seconds)},
    )


class QuotaLimiter:
    """Admits or refuses Gmail calls per user against a moving one-second window of units.

    `units_per_second=None` turns the limit off (the default). A call is always admitted when the
    user's window is empty, so a single call dearer than the whole limit cannot lock a user out forever.
    """

    def __init__(
        self,
        units_per_second: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.units_per_second = units_per_second
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._windows: dict[str, deque[tuple[float, int]]] = {}

    def admit(self, user: str, cost: int) -> None:
        """Charge `cost` units to `user`, or raise the 429 ApiError without charging anything."""
        limit = self.units_per_second
        if limit is None or cost == 0:
            return
        now = self._clock()
        with self._lock:
            window = self._windows.setdefault(user, deque())
            while window and window[0][0] <= now - WINDOW_SECONDS:
                window.popleft()
            used = sum(units for _, units in window)
            if window and used + cost > limit:
                wait = self._seconds_until_room(window, used, cost, limit, now)
                raise rate_limit_error(self._wall_clock() + timedelta(seconds=wait), max(1, math.ceil(wait)))
            window.append((now, cost))

    @staticmethod
    def _seconds_until_room(
        window: deque[tuple[float, int]], used: int, cost: int, limit: int, now: float
    ) -> float:
        remaining = used
        for charged_at, units in window:
            remaining -= units
            if remaining + cost <= limit:
                return charged_at + WINDOW_SECONDS - now
        return WINDOW_SECONDS

    def reset(self) -> None:
        """Forget every user's window."""
        with self._lock:
            self._windows.clear()
