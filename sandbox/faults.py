"""Deterministic fault injection: 500, 503, 429, a dropped connection (before or after the handler ran)
and a slow response, drawn from `random.Random(seed)` at a given rate.

The server draws once per API HTTP request (any kind) and once per batch part (status faults only: a
part cannot drop a connection). The token and admin endpoints are never faulted.
"""

from __future__ import annotations

import random
import threading
from enum import StrEnum

from sandbox.errors import ApiError


class Fault(StrEnum):
    """One kind of injected fault."""

    BACKEND_ERROR = "500"
    UNAVAILABLE = "503"
    RATE_LIMITED = "429"
    DROP_BEFORE = "drop_before"
    DROP_AFTER = "drop_after"
    SLOW = "slow"

    @property
    def is_status(self) -> bool:
        """Whether the fault is an error answer (as opposed to a drop or a delay)."""
        return self in _STATUS_FAULTS


_STATUS_FAULTS = (Fault.BACKEND_ERROR, Fault.UNAVAILABLE, Fault.RATE_LIMITED)
_REQUEST_FAULTS = tuple(Fault)


def fault_error(fault: Fault) -> ApiError:
    """The error answer Google gives for this fault."""
    if fault is Fault.BACKEND_ERROR:
        return ApiError(500, "Backend Error", "backendError")
    if fault is Fault.UNAVAILABLE:
        return ApiError(503, "The service is currently unavailable.", "backendError")
    if fault is Fault.RATE_LIMITED:
        return ApiError(
            429,
            "Too many concurrent requests for user.",
            "rateLimitExceeded",
            domain="usageLimits",
            headers={"Retry-After": "1"},
        )
    raise ValueError(f"{fault} is not an error answer")


class FaultInjector:
    """Draws faults at `rate` from a seeded generator; `history()` lists what was injected, in order."""

    def __init__(self, rate: float = 0.0, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rate = 0.0
        self._seed = 0
        self._random = random.Random(seed)
        self._history: list[tuple[str, Fault]] = []
        self.configure(rate, seed)

    @property
    def rate(self) -> float:
        """The probability that a request or part gets a fault."""
        return self._rate

    @property
    def seed(self) -> int:
        """The seed the current sequence was started from."""
        return self._seed

    def configure(self, rate: float, seed: int) -> None:
        """Set the rate and restart the sequence from `seed` (forgetting the history)."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {rate}")
        with self._lock:
            self._rate = rate
            self._seed = seed
            self._random = random.Random(seed)
            self._history = []

    def for_request(self, target: str) -> Fault | None:
        """The fault for one HTTP request to the API (any kind), or None."""
        return self._draw(target, _REQUEST_FAULTS)

    def for_batch_part(self, target: str) -> Fault | None:
        """The fault for one call inside a batch (status faults only), or None."""
        return self._draw(target, _STATUS_FAULTS)

    def history(self) -> list[tuple[str, Fault]]:
        """(target, fault) for every fault injected since the last configure, oldest first."""
        with self._lock:
            return list(self._history)

    def _draw(self, target: str, kinds: tuple[Fault, ...]) -> Fault | None:
        if self._rate == 0.0:
            return None
        with self._lock:
            # Two draws every time, so the sequence depends only on the seed and the number of draws.
            roll = self._random.random()
            pick = self._random.randrange(len(kinds))
            if roll >= self._rate:
                return None
            fault = kinds[pick]
            self._history.append((target, fault))
            return fault
