"""The one retry policy for calls to Google (tenacity): what is retried, how long to wait, when to give up.

Retried: `RateLimited` (429, 403 rate-limit reasons) and `TransientApiError` (5xx, dropped connections,
timeouts; `map_http_error` turns transport exceptions into it), with exponential backoff and full jitter,
never sooner than a Retry-After the server gave. Never retried: every other 4xx. The client's own retry is
switched off (`execute(num_retries=0)` everywhere) so this is the only policy.

Retrying assumes the call is idempotent. Every read is; `drafts.create` is not (a retried create can leave
two drafts, and httplib2 itself re-sends a request whose connection dropped), and `drafts.update`/`delete`
may answer 404 on a retry after succeeding: the draft writer reconciles with drafts.list by the draft's
`X-Rapport-Key` header, which makes those safe.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from sync.errors import RateLimited, TransientApiError

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE_ERRORS = (RateLimited, TransientApiError)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with exponential backoff (full jitter), honouring Retry-After."""

    max_attempts: int = 10
    initial_wait: float = 0.5
    max_wait: float = 32.0

    def backoff(
        self, attempt: int, retry_after: float | None = None, *, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempts count from 1)."""
        ceiling = min(self.max_wait, self.initial_wait * 2 ** (attempt - 1))
        jittered = (rng or random).uniform(ceiling / 2, ceiling)
        return max(jittered, retry_after or 0.0)

    def call(self, action: Callable[[], T], *, describe: str) -> T:
        """Run `action` until it succeeds, fails with a non-retryable error, or attempts run out."""
        retrying = Retrying(
            retry=retry_if_exception_type(RETRYABLE_ERRORS),
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            before_sleep=lambda state: _log_retry(state, describe),
            reraise=True,
        )
        return retrying(action)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        return self.backoff(state.attempt_number, retry_after)


def _log_retry(state: RetryCallState, describe: str) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.info("%s failed (attempt %d): %s; retrying in %.2fs", describe, state.attempt_number, error, wait)
