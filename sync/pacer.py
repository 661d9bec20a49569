"""Client-side pacing of Gmail quota units, so a long sync is not throttled into a storm of 429s.

Gmail charges every call a number of quota units (`GMAIL_METHOD_UNITS`, from Google's "Usage limits" page,
https://developers.google.com/workspace/gmail/api/reference/quota) and limits each user to 250 units a
second, enforced over a moving window. A plain token bucket admits up to its capacity *plus* a second's
refill within one second, which such a window rejects; so the pacer keeps a ledger instead: a call may start
when the units still in flight, plus those answered within the last window, plus its own fit the budget.
Counting a call until its answer has arrived (not from when it was sent) keeps the ledger conservative
whatever the latency, since the server charges each call somewhere between those two instants.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Gmail quota units per call (Google's "Usage limits" page). Calendar calls are not charged against Gmail's.
GMAIL_METHOD_UNITS: dict[str, int] = {
    "gmail.users.getProfile": 1,
    "gmail.users.labels.list": 1,
    "gmail.users.messages.list": 5,
    "gmail.users.messages.get": 5,
    "gmail.users.threads.list": 10,
    "gmail.users.threads.get": 10,
    "gmail.users.history.list": 2,
    "gmail.users.drafts.create": 10,
    "gmail.users.drafts.list": 5,
    "gmail.users.drafts.get": 5,
    "gmail.users.drafts.update": 15,
    "gmail.users.drafts.delete": 10,
}


def method_units(method_id: str) -> int:
    """Gmail quota units a call of `method_id` costs (0 for Calendar and anything not Gmail)."""
    return GMAIL_METHOD_UNITS.get(method_id, 0)


class QuotaPacer:
    """Keeps the units of calls started within any window of `window` seconds under `units_per_second`.

    Thread-safe: the workers of one account share one pacer. `capacity` is the most one request (a batch
    included) may cost; callers split batches to fit it.
    """

    def __init__(
        self,
        units_per_second: float,
        *,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if units_per_second <= 0:
            raise ValueError("units_per_second must be positive")
        self.units_per_second = units_per_second
        self.window = window
        self.capacity = max(1, int(units_per_second * window))
        self._clock = clock
        self._condition = threading.Condition()
        self._answered: deque[tuple[float, int]] = deque()  # (when the answer arrived, units), oldest first
        self._answered_units = 0
        self._in_flight = 0
        self.waited_seconds = 0.0

    @contextmanager
    def spend(self, units: int) -> Iterator[None]:
        """Wait until `units` fit the budget, hold them while the caller's request runs, then log them."""
        if units <= 0:
            yield
            return
        self._acquire(units)
        try:
            yield
        finally:
            self._release(units)

    def _acquire(self, units: int) -> None:
        started = self._clock()
        with self._condition:
            while True:
                now = self._clock()
                self._forget_before(now - self.window)
                used = self._in_flight + self._answered_units
                # A call costing more than the whole budget still runs once nothing else is counted.
                if used + units <= self.capacity or used == 0:
                    self._in_flight += units
                    self.waited_seconds += now - started
                    return
                wait = self._answered[0][0] + self.window - now if self._answered else None
                self._condition.wait(timeout=None if wait is None else max(wait, 0.001))

    def _release(self, units: int) -> None:
        with self._condition:
            self._in_flight -= units
            self._answered.append((self._clock(), units))
            self._answered_units += units
            self._condition.notify_all()

    def _forget_before(self, horizon: float) -> None:
        while self._answered and self._answered[0][0] <= horizon:
            self._answered_units -= self._answered.popleft()[1]
