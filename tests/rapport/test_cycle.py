"""The per-account cycle: a stop request inside the sync ends the cycle before the rules (the next run
resumes); a failing step is recorded with a one-line cause and its fix while what the earlier steps did is
kept; each layer's errors become the outcome, message and fix the user sees, with a traceback only for a
bug."""

from __future__ import annotations

import logging
import threading
from importlib import resources
from pathlib import Path

import pytest
from googleapiclient.errors import HttpError
from httplib2 import Response
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from rapport.config import load_config
from rapport.cycle import FULL_CYCLE, AccountCycle
from rapport.daemon import AccountJob, Daemon
from rapport.errors import AuthRequired
from rapport.failures import REPORT_BUG, RETRY_LATER, describe, step_failed
from rapport.runs import run_accounts
from rapport.store_access import open_store
from rules.rendering import TemplateProblem
from store.models import CycleRun, Finding, PendingMessage
from sync.errors import (
    AccountMismatch,
    ApiRejected,
    AuthRevoked,
    RateLimited,
    TransientApiError,
    map_http_error,
)
from tests.fixtures_rapport import ALEX, SandboxRapportFactory, networkers_mailbox
from tests.rapport.test_daemon import SETTINGS, InstantCycle


def test_a_stop_requested_during_the_sync_ends_the_cycle_before_the_rules(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    config_path, config = load_config(str(rapport.config))
    store = open_store(config_path, config)
    stop = threading.Event()
    cycle = AccountCycle(
        config,
        config.accounts[0],
        store.sessions,
        store.account_ids["work"],
        progress=lambda done, total: stop.set(),  # SIGTERM arrives as the first messages are fetched
    )

    stats = cycle(stop)

    with store.sessions() as session:
        pending = session.scalars(select(PendingMessage.gmail_id)).all()
        findings = session.scalars(select(Finding)).all()
    assert cycle.results.sync is not None
    assert cycle.results.sync.interrupted
    assert (cycle.results.rules, cycle.results.drafts) == (None, None)
    assert (stats.found, stats.drafted) == (0, 0)
    assert len(pending) == 4  # listed, not yet fetched: the next sync resumes there
    assert findings == []
    assert rapport.server.log.count("gmail.users.drafts.list") == 0

    resumed = cycle(threading.Event())

    assert (resumed.synced, resumed.found, resumed.drafted) == (4, 3, 3)
    store.engine.dispose()


def test_a_template_broken_while_rapport_runs_fails_the_drafts_step_with_its_fix_and_keeps_the_rest(
    sandbox_rapport: SandboxRapportFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    template = tmp_path / "thanks.j2"
    template.write_text(
        resources.files("rules").joinpath("templates/thank_you.j2").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    rules = (
        f'[[rules]]\nname = "thanks"\nkind = "thank_you"\ntemplate = "{template}"\n'
        '[[rules]]\nname = "cold"\nkind = "cold_contact"\n'
        '[[rules]]\nname = "waiting"\nkind = "awaiting_reply"\n'
    )
    rapport = sandbox_rapport(networkers_mailbox(ALEX), extra_sections=rules)
    config_path, config = load_config(str(rapport.config))
    template.write_text("Subject: Thanks\n\nHi {{ greeting \n", encoding="utf-8")  # the user's edit, mid-run
    store = open_store(config_path, config)

    with caplog.at_level(logging.DEBUG):
        result = run_accounts(config, store, config.accounts, FULL_CYCLE, record=True)

    [run] = result.runs
    with store.sessions() as session:
        [record] = session.scalars(select(CycleRun)).all()
    store.engine.dispose()
    assert result.exit_code == 1
    assert run.outcome.outcome == "error"
    assert run.outcome.error.startswith(f"drafts: template {template} line 3: ")
    assert "correct the template" in run.outcome.fix
    assert (record.outcome, record.synced_messages, record.found, record.drafted) == ("error", 4, 3, 0)
    assert (record.error, record.fix) == (run.outcome.error, run.outcome.fix)
    assert rapport.drafts() == []  # a broken template stops the run before anything is written
    tracebacks = [entry for entry in caplog.records if entry.exc_info is not None]
    assert tracebacks
    assert {entry.levelno for entry in tracebacks} == {logging.DEBUG}


def http_error(status: int, reason: str) -> HttpError:
    body = f'{{"error": {{"code": {status}, "message": "no", "errors": [{{"reason": "{reason}"}}]}}}}'
    return HttpError(Response({"status": str(status)}), body.encode())


@pytest.mark.parametrize(
    ("error", "outcome", "message", "fix"),
    [
        (
            AuthRequired("work", "me@work.example"),
            "auth_error",
            'account "work" (me@work.example): Google refused the saved token (revoked or expired) '
            "— run: rapport auth --account work",
            "rapport auth --account work",
        ),
        (
            AuthRevoked("gmail.users.messages.get: HTTP 401"),
            "auth_error",
            'account "work" (me@work.example): Google refused the saved token '
            "(gmail.users.messages.get: HTTP 401) — run: rapport auth --account work",
            "rapport auth --account work",
        ),
        (
            AccountMismatch("me@work.example", "other@example.com"),
            "auth_error",
            'account "work": the token is for other@example.com, but the account is configured as '
            "me@work.example",
            "rapport auth --account work, signing in as me@work.example (or correct the account's email "
            "in the config)",
        ),
        (
            map_http_error(http_error(503, "backendError"), "gmail.users.history.list"),
            "error",
            "sync: Google did not answer (gmail.users.history.list: HTTP 503 backendError: no)",
            RETRY_LATER,
        ),
        (
            RateLimited("gmail.users.messages.get: HTTP 429"),
            "error",
            "sync: Google did not answer",
            RETRY_LATER,
        ),
        (TransientApiError("connection reset"), "error", "sync: Google did not answer", RETRY_LATER),
        (
            ApiRejected("gmail.users.history.list: HTTP 400 invalidArgument", 400, "invalidArgument"),
            "error",
            "sync: Google refused a request (gmail.users.history.list: HTTP 400 invalidArgument)",
            REPORT_BUG,
        ),
        (
            TemplateProblem("thanks.j2", 3, "unexpected end of template"),
            "error",
            "sync: template thanks.j2 line 3: unexpected end of template",
            "correct the template named (the rule's `template` file), then run `rapport draft --dry-run`",
        ),
        (
            OperationalError("INSERT ...", {}, Exception("database is locked\nmore detail")),
            "error",
            "sync: the store failed (",
            "check that the database of store.url is running, reachable and writable",
        ),
    ],
)
def test_each_layers_error_becomes_an_outcome_a_one_line_cause_and_a_fix(
    error: Exception, outcome: str, message: str, fix: str
) -> None:
    failure = describe("sync", "work", "me@work.example", error)

    assert (failure.outcome, failure.fix, failure.expected) == (outcome, fix, True)
    assert failure.message.startswith(message)
    assert "\n" not in failure.message


def test_a_revoked_token_behind_the_sync_error_is_still_named_with_its_fix() -> None:
    try:
        try:
            raise AuthRequired("home", "me@home.example")
        except AuthRequired as refused:
            raise map_http_error(refused, "gmail.users.getProfile") from refused
    except AuthRevoked as wrapped:
        failure = describe("sync", "home", "me@home.example", wrapped)

    assert failure.outcome == "auth_error"
    assert failure.message.startswith('account "home" (me@home.example): Google refused the saved token')
    assert failure.fix == "rapport auth --account home"


def test_anything_else_is_a_bug_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    settings: dict[str, int] = {}
    try:
        settings["missing"]
    except KeyError as error:
        with caplog.at_level(logging.DEBUG):
            wrapped = step_failed("rules", "work", "me@work.example", error)

    assert wrapped.failure.message == "rules failed unexpectedly: KeyError: 'missing'"
    assert (wrapped.failure.outcome, wrapped.failure.fix, wrapped.failure.expected) == (
        "error",
        REPORT_BUG,
        False,
    )
    [logged] = [entry for entry in caplog.records if entry.exc_info is not None]
    assert logged.levelno == logging.ERROR


class UnreachableStoreLease:
    """The store went down: taking the account's lease fails."""

    def acquire(self) -> bool:
        raise OperationalError("INSERT INTO account_locks ...", {}, Exception("could not connect to server"))

    def renew(self) -> bool:
        return False

    def release(self) -> None:
        """Nothing was taken."""


def test_the_store_down_when_the_lease_is_taken_fails_the_account_with_its_fix_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    daemon = Daemon(
        [AccountJob("work", "me@work.example", InstantCycle(), UnreachableStoreLease())], SETTINGS
    )

    with caplog.at_level(logging.DEBUG):
        exit_code, [outcome] = daemon.run_once()

    assert exit_code == 1
    assert outcome.outcome == "error"
    assert outcome.error.startswith("cycle: the store failed (")
    assert "could not connect to server" in outcome.error
    assert outcome.fix == "check that the database of store.url is running, reachable and writable"
    assert {entry.levelno for entry in caplog.records if entry.exc_info is not None} == {logging.DEBUG}
