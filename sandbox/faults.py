"""Deterministic fault injection: 500, 503, 429, a dropped connection (before or after the handler ran)
and a slow response, drawn from `random.Random(seed)` at a given rate.

The server draws once per API HTTP request (any kind) and once per batch part (status faults only: a
part cannot drop a connection). The token and admin endpoints are never faulted.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
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

    def __init__(self, rate: float = 0.0, seed: int = 0, kinds: Iterable[Fault] | None = None) -> None:
        self._lock = threading.Lock()
        self._rate = 0.0
        self._seed = 0
        self._kinds: frozenset[Fault] = frozenset(Fault)
        self._random = random.Random(seed)
        self._history: list[tuple[str, Fault]] = []
        self.configure(rate, seed, kinds)

    @property
    def rate(self) -> float:
        """The probability that a request or part gets a fault."""
        return self._rate

    @property
    def seed(self) -> int:
        """The seed the current sequence was started from."""
        return self._seed

    @property
    def kinds(self) -> frozenset[Fault]:
        """The kinds of fault that may be injected."""
        return self._kinds

    def configure(self, rate: float, seed: int, kinds: Iterable[Fault] | None = None) -> None:
        """Set the rate (and optionally restrict the kinds), restarting the sequence from `seed` and
        forgetting the history."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {rate}")
        allowed = frozenset(Fault) if kinds is None else frozenset(Fault(kind) for kind in kinds)
        if not allowed:
            raise ValueError("at least one kind of fault must be allowed")
        with self._lock:
            self._rate = rate
            self._seed = seed
            self._kinds = allowed
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

    def _draw(self, target: str, candidates: tuple[Fault, ...]) -> Fault | None:
        if self._rate == 0.0:
            return None
        with self._lock:
            kinds = [kind for kind in candidates if kind in self._kinds]
            # Two draws every time, so the sequence depends only on the seed and the number of draws.
            roll = self._random.random()
            pick = self._random.random()
            if roll >= self._rate or not kinds:
                return None
            fault = kinds[int(pick * len(kinds))]
            self._history.append((target, fault))
            return fault
