"""Many Gmail GETs through batch requests: paced, concurrent, re-queueing failed parts, results streamed.

The client does not retry a part that failed inside a batch (429, 5xx): the part's callback just gets an
HttpError. Here such parts go back into the queue with backoff (a round holding a single call sends it as a
plain request, retried by the client's own policy), the batch shrinks while there is trouble and
grows back slowly, a part answered 404 is reported as gone (a message deleted between list and get), and any
other error stops the run. Each batch costs the sum of its parts and is kept within one second of quota
(Google rejects, part by part, a batch that exceeds it) and within `batch_size` parts (Google advises 50).

`workers` threads may run batches at once, each on its own service and transport. Answers are handed to the
caller batch by batch as they arrive, through a small bounded queue, so memory stays flat however many calls
there are. The caller's iterable of calls is consumed lazily by the worker threads, one item at a time
under a lock: give it an iterator over plain data, not one that uses the caller's database session.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from sync.errors import (
    API_FAILURES,
    NotFound,
    RateLimited,
    SyncError,
    TransientApiError,
    map_http_error,
)
from sync.pacer import method_units

if TYPE_CHECKING:
    from googleapiclient._apis.gmail.v1 import GmailResource
    from googleapiclient.http import HttpRequest

    from sync.client import GoogleApi

log = logging.getLogger(__name__)

GROW_AFTER_CLEAN_BATCHES = 2  # grow by one part after this many batches without a rate-limited part
SHRINK_WHEN_RATE_LIMITED_SHARE = 0.25  # halve the batch when more of its parts than this were throttled


@dataclass(frozen=True)
class BatchCall:
    """One GET to make: `key` names it; `build` makes the request on the worker's service; `covers` lists
    the caller's ids its answer settles (e.g. the listed message ids of a thread fetched whole)."""

    key: str
    method_id: str
    build: Callable[[GmailResource], HttpRequest]
    covers: tuple[str, ...] = ()

    @property
    def units(self) -> int:
        """Gmail quota units this call costs."""
        return method_units(self.method_id)


@dataclass(frozen=True)
class BatchAnswer:
    """The answer to one call: its JSON body, or None when the resource is gone (404)."""

    call: BatchCall
    body: Any

    @property
    def gone(self) -> bool:
        """Whether Google answered 404: the resource no longer exists."""
        return self.body is None


@dataclass(order=True)
class _Retry:
    ready_at: float
    sequence: int
    call: BatchCall = field(compare=False)
    attempts: int = field(compare=False)


@dataclass
class _Part:
    call: BatchCall
    attempts: int  # attempts already made before this one


class _BatchRun:
    """The shared state of one `run_batches` call: the source, the retry queue, the adaptive batch size."""

    def __init__(
        self, api: GoogleApi, calls: Iterable[BatchCall], batch_size: int, stop: threading.Event | None
    ) -> None:
        self.api = api
        self.max_size = batch_size
        self.size = batch_size
        self.stop = stop
        self._source = iter(calls)
        self._source_done = False
        self._retries: list[_Retry] = []
        self._sequence = itertools.count()
        self._in_flight = 0
        self._clean_streak = 0
        self._condition = threading.Condition()
        self.closing = False
        self.error: BaseException | None = None

    def next_batch(self) -> list[_Part] | None:
        """The next batch to send, waiting for retries to come due; None when there is nothing left to do."""
        with self._condition:
            while True:
                if self.closing or self.error is not None or (self.stop is not None and self.stop.is_set()):
                    return None
                parts = self._take_parts()
                if parts:
                    self._in_flight += 1
                    return parts
                if self._source_done and not self._retries and self._in_flight == 0:
                    self._condition.notify_all()
                    return None
                timeout = max(self._retries[0].ready_at - time.monotonic(), 0.001) if self._retries else 0.5
                self._condition.wait(timeout=timeout)

    def _take_parts(self) -> list[_Part]:
        parts: list[_Part] = []
        units = 0
        capacity = self.api.pacer.capacity

        def fits(call: BatchCall) -> bool:
            return len(parts) < self.size and (not parts or units + call.units <= capacity)

        now = time.monotonic()
        while self._retries and self._retries[0].ready_at <= now and fits(self._retries[0].call):
            retry = heapq.heappop(self._retries)
            parts.append(_Part(retry.call, retry.attempts))
            units += retry.call.units
        while not self._source_done and len(parts) < self.size:
            try:
                call = next(self._source)
            except StopIteration:
                self._source_done = True
                break
            if not fits(call):
                heapq.heappush(self._retries, _Retry(now, next(self._sequence), call, 0))
                break
            parts.append(_Part(call, 0))
            units += call.units
        return parts

    def settle(self, failed: list[tuple[_Part, SyncError]], *, whole_batch_failed: bool, sent: int) -> None:
        """Re-queue the parts that deserve another attempt and adapt the batch size."""
        with self._condition:
            self._in_flight -= 1
            throttled = sum(1 for _, error in failed if isinstance(error, RateLimited))
            if whole_batch_failed or throttled > SHRINK_WHEN_RATE_LIMITED_SHARE * sent:
                self.size = max(1, self.size // 2)
                self._clean_streak = 0
            elif throttled == 0:
                self._clean_streak += 1
                if self._clean_streak >= GROW_AFTER_CLEAN_BATCHES and self.size < self.max_size:
                    self.size += 1
                    self._clean_streak = 0
            now = time.monotonic()
            for part, error in failed:
                attempts = part.attempts + 1
                if attempts >= self.api.retry.max_attempts:
                    self.error = TransientApiError(f"{part.call.method_id} {part.call.key}: gave up: {error}")
                    break
                retry_after = error.retry_after if isinstance(error, RateLimited) else None
                ready_at = now + self.api.retry.backoff(attempts, retry_after)
                heapq.heappush(self._retries, _Retry(ready_at, next(self._sequence), part.call, attempts))
            self._condition.notify_all()

    def fail(self, error: BaseException) -> None:
        """Stop the run: `error` is raised to the caller once the workers have finished."""
        with self._condition:
            self._in_flight -= 1
            if self.error is None:
                self.error = error
            self._condition.notify_all()

    def close(self) -> None:
        """Ask the workers to stop after the batches they are sending."""
        with self._condition:
            self.closing = True
            self._condition.notify_all()


def execute_batch(
    api: GoogleApi, parts: list[_Part]
) -> tuple[list[BatchAnswer], list[tuple[_Part, SyncError]]]:
    """Send one batch; the answers, and the parts that failed retryably (raises for fatal errors)."""
    answers: list[BatchAnswer] = []
    failed: list[tuple[_Part, SyncError]] = []
    fatal: list[SyncError] = []

    def on_answer(request_id: str, body: Any, exception: HttpError | None) -> None:
        part = parts[int(request_id)]
        if exception is None:
            answers.append(BatchAnswer(part.call, body))
            return
        error = map_http_error(exception, part.call.method_id)
        if isinstance(error, NotFound):
            answers.append(BatchAnswer(part.call, None))
        elif isinstance(error, RateLimited | TransientApiError):
            failed.append((part, error))
        else:
            fatal.append(error)

    service = api.gmail()
    batch = BatchHttpRequest(callback=on_answer, batch_uri=api.endpoints.gmail_batch_uri)
    for index, part in enumerate(parts):
        batch.add(part.call.build(service), request_id=str(index))
    with api.pacer.spend(sum(part.call.units for part in parts)):
        for part in parts:
            api.meter.record(part.call.method_id)
        try:
            batch.execute(http=api.http())
        except API_FAILURES as exc:
            raise map_http_error(exc, "batch") from exc
    if fatal:
        raise fatal[0]
    return answers, failed


def execute_alone(api: GoogleApi, part: _Part) -> list[BatchAnswer]:
    """Send a lone call as a plain request through the client's `execute` (its one retry policy); a batch of
    one would save nothing and expose the call to two faults, the batch request's and the part's."""
    call = part.call
    try:
        return [BatchAnswer(call, api.execute(call.build(api.gmail())))]
    except NotFound:
        return [BatchAnswer(call, None)]


def _worker(run: _BatchRun, results: queue.Queue[list[BatchAnswer]]) -> None:
    while (parts := run.next_batch()) is not None:
        alone = len(parts) == 1
        try:
            answers, failed = (
                (execute_alone(run.api, parts[0]), []) if alone else execute_batch(run.api, parts)
            )
        except (RateLimited, TransientApiError) as error:
            if alone:  # the client's retry policy has run out: final, like a batch part that gave up
                run.fail(error)
                return
            log.info("batch of %d parts failed, re-queued: %s", len(parts), error)
            run.settle([(part, error) for part in parts], whole_batch_failed=True, sent=len(parts))
            continue
        except SyncError as error:
            run.fail(error)
            return
        except Exception as error:  # noqa: BLE001  (handed to the caller's thread and raised there)
            run.fail(error)
            return
        if failed:
            log.debug("%d of %d batch parts failed, re-queued", len(failed), len(parts))
        _put(run, results, answers)
        run.settle(failed, whole_batch_failed=False, sent=len(parts))


def _put(run: _BatchRun, results: queue.Queue[list[BatchAnswer]], answers: list[BatchAnswer]) -> None:
    while not run.closing:
        try:
            results.put(answers, timeout=0.1)
            return
        except queue.Full:
            continue


def run_batches(
    api: GoogleApi,
    calls: Iterable[BatchCall],
    *,
    batch_size: int = 50,
    workers: int = 1,
    stop: threading.Event | None = None,
) -> Iterator[list[BatchAnswer]]:
    """Make every call in batches; yield each batch's answers (gone ones included) as it completes.

    Stops early, after the batches already sent, when `stop` is set or the caller closes the iterator.
    Raises the first fatal error (auth, rejected request, retries exhausted) after the workers finished.
    """
    run = _BatchRun(api, calls, batch_size, stop)
    results: queue.Queue[list[BatchAnswer]] = queue.Queue(maxsize=workers + 1)
    threads = [
        threading.Thread(target=_worker, args=(run, results), name=f"gmail-batch-{n}", daemon=True)
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        while True:
            try:
                yield results.get(timeout=0.05)
            except queue.Empty:
                if not any(thread.is_alive() for thread in threads):
                    break
        while not results.empty():
            yield results.get_nowait()
        if run.error is not None:
            raise run.error
    finally:
        run.close()
        for thread in threads:
            thread.join()
