"""What a failed step of a cycle means for the user: an outcome, a one-line cause and the fix.

Each layer raises its own errors (`sync.errors`, `rules.rendering.TemplateProblem`, SQLAlchemy's, the
shell's `AuthRequired`); this is the one place that turns them into what `rapport status`, the log and the
CLI say. Expected failures (a revoked token, Google throttling, a broken template, the database down) get
one line and their traceback only at DEBUG; anything else is a bug, logged with its traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from rapport.errors import AuthRequired, RapportError
from rules.rendering import TemplateProblem
from store.errors import StoreError
from sync.errors import AccountMismatch, AuthRevoked, RateLimited, SyncError, TransientApiError

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=BaseException)

FailedOutcome = Literal["error", "auth_error"]
Step = Literal["cycle", "connect", "sync", "audit", "rules", "drafts"]

RETRY_LATER = "nothing to do: the next cycle retries (check the network if this persists)"
REPORT_BUG = "this is a bug: please report it with the log of `rapport -v` (the traceback is there)"


@dataclass(frozen=True)
class Failure:
    """A failed step as the user is told about it."""

    outcome: FailedOutcome
    message: str  # one line
    fix: str
    expected: bool  # False: a bug, logged with its traceback


class StepError(RapportError):
    """A step of an account's cycle failed; carries what the user is told and what the cycle did before."""

    def __init__(self, failure: Failure, synced: int = 0, events: int = 0, found: int = 0) -> None:
        self.failure = failure
        self.synced = synced
        self.events = events
        self.found = found
        super().__init__(failure.message)


def describe(step: Step, account: str, email: str, error: BaseException) -> Failure:
    """The failure the user sees for `error`, raised by `step` of the cycle of `account`."""
    failure = _authorization_failure(account, email, error) or _expected_failure(step, error)
    if failure is not None:
        return failure
    message = f"{step} failed unexpectedly: {type(error).__name__}: {error}"
    return Failure("error", _line(message), REPORT_BUG, expected=False)


def _authorization_failure(account: str, email: str, error: BaseException) -> Failure | None:
    """Failures only the user can fix, by authorising Rapport again (as the right Google account)."""
    auth = in_chain(error, AuthRequired)
    if auth is not None:
        return Failure("auth_error", _line(str(auth)), auth.fix, expected=True)
    reauthorize = f"rapport auth --account {account}"
    if isinstance(error, AuthRevoked):
        message = f'account "{account}" ({email}): Google refused the saved token ({error})'
        return Failure("auth_error", _line(f"{message} — run: {reauthorize}"), reauthorize, expected=True)
    if isinstance(error, AccountMismatch):
        fix = f"{reauthorize}, signing in as {email} (or correct the account's email in the config)"
        return Failure("auth_error", _line(f'account "{account}": {error}'), fix, expected=True)
    return None


def _expected_failure(step: Step, error: BaseException) -> Failure | None:
    """Failures that happen to a service that runs for months: Google, the templates, the database."""
    message: str | None = None
    fix = REPORT_BUG
    if isinstance(error, RateLimited | TransientApiError):
        message, fix = f"{step}: Google did not answer ({error})", RETRY_LATER
    elif isinstance(error, SyncError):
        message = f"{step}: Google refused a request ({error})"
    elif isinstance(error, TemplateProblem):
        message = f"{step}: {error}"
        fix = "correct the template named (the rule's `template` file), then run `rapport draft --dry-run`"
    elif isinstance(error, SQLAlchemyError | StoreError):
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        message = f"{step}: the store failed ({first})"
        fix = "check that the database of store.url is running, reachable and writable"
    return Failure("error", _line(message), fix, expected=True) if message is not None else None


def step_failed(
    step: Step,
    account: str,
    email: str,
    error: BaseException,
    *,
    synced: int = 0,
    events: int = 0,
    found: int = 0,
) -> StepError:
    """`describe` the error, log it (traceback at DEBUG if expected, at ERROR if a bug) and wrap it."""
    failure = describe(step, account, email, error)
    if failure.expected:
        logger.debug("account=%s %s failed", account, step, exc_info=error)
    else:
        logger.error("account=%s %s failed", account, step, exc_info=error)
    return StepError(failure, synced=synced, events=events, found=found)


def in_chain(error: BaseException, kind: type[E]) -> E | None:
    """The first `kind` among `error` and its causes (a layer may wrap it: `raise X(...) from auth`)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _line(text: str) -> str:
    return " ".join(text.split())
