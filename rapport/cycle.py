"""One account's cycle: sync Gmail and calendars → the integrity audit when due → rules → drafts.

`AccountCycle` is the daemon's `Cycle` for one account; the commands run parts of it (`Steps`): `rapport
sync` the sync and the audit when due, `preview` only the rules, `draft` the rules and the drafts. The stop
event (SIGTERM) is checked inside the sync between batches and pages, and between steps: a stopped cycle
leaves every committed transaction in place and the next one resumes. A step that fails raises
`StepError`, which says what the user is told and the fix (`rapport.failures`); the reports of the steps
that ran are kept in `results` for the commands to show.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from rapport.config import AccountSettings, RapportConfig
from rapport.daemon import CycleStats
from rapport.failures import Step, step_failed
from rapport.token_store import load_credentials
from rules.engine import RulesReport, run_rules
from store.models import AuditRun, CycleRun
from store.models_accounts import RunKind
from sync.audit import AuditResult, audit
from sync.bodies import fetch_plain_bodies
from sync.client import GoogleApi, Usage
from sync.context import Progress
from sync.drafts_writer import DraftReport, write_drafts
from sync.service import SyncReport, sync_account

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Steps:
    """Which steps a run takes; `dry_run` shows the drafts without writing anything to Gmail."""

    sync: bool = True
    audit: bool = True
    rules: bool = True
    drafts: bool = True
    dry_run: bool = False


FULL_CYCLE = Steps()
# The audit checks what the sync stored, so a manual sync takes it when due too: a user who only ever runs
# `rapport sync` is audited on the same schedule as the daemon (`audit_due` counts both).
SYNC_ONLY = Steps(rules=False, drafts=False)
RULES_ONLY = Steps(sync=False, audit=False, drafts=False)


def draft_steps(*, dry_run: bool) -> Steps:
    """`rapport draft`: bring the findings up to date, then write (or only show) their drafts."""
    return Steps(sync=False, audit=False, dry_run=dry_run)


def utc_now() -> datetime:
    return datetime.now(UTC)


def connect_google(config: RapportConfig, account: AccountSettings) -> GoogleApi:
    """The account's Gmail and Calendar client, from its token file and `[google]`; no call is made yet.

    A missing or unusable token file raises `AuthRequired` naming the account and `rapport auth`.
    """
    credentials = load_credentials(account.token_file, account.name, account.email, config.google.token_uri)
    return GoogleApi(
        credentials,
        api_endpoint=config.google.api_endpoint,
        units_per_second=config.sync.quota_units_per_second,
    )


@dataclass
class CycleResults:
    """What the last run of a cycle did, step by step (None: the step did not run)."""

    sync: SyncReport | None = None
    audit: AuditResult | None = None
    rules: RulesReport | None = None
    drafts: DraftReport | None = None
    usage: Usage = field(default_factory=Usage)  # calls made and Gmail units spent, every step together

    def stats(self) -> CycleStats:
        sync, rules, drafts = self.sync, self.rules, self.drafts
        return CycleStats(
            synced=(sync.messages_added + sync.messages_deleted + sync.messages_relabelled) if sync else 0,
            events=sync.events_changed if sync else 0,
            found=rules.opened if rules else 0,
            drafted=drafts.created if drafts else 0,
            errors=drafts.failed if drafts else 0,
        )


@dataclass
class AccountCycle:
    """The cycle of one account (callable as the daemon's `Cycle`)."""

    config: RapportConfig
    account: AccountSettings
    sessions: sessionmaker[Session]
    account_id: int
    steps: Steps = FULL_CYCLE
    progress: Progress | None = None  # told (messages fetched, to fetch) during an initial sync
    clock: Callable[[], datetime] = utc_now
    connect: Callable[[RapportConfig, AccountSettings], GoogleApi] = connect_google
    results: CycleResults = field(default_factory=CycleResults)

    def __call__(self, stop: threading.Event) -> CycleStats:
        self.results = CycleResults()
        api = self._step("connect", lambda: self.connect(self.config, self.account))
        try:
            self._run_steps(api, stop)
        finally:
            self.results.usage = api.meter.snapshot()
        return self.results.stats()

    def _run_steps(self, api: GoogleApi, stop: threading.Event) -> None:
        steps, config, results = self.steps, self.config, self.results
        if steps.sync:
            results.sync = self._step("sync", lambda: self._sync(api, stop))
            if results.sync.interrupted:
                logger.debug("account=%s: sync stopped; the next cycle resumes it", self.account.name)
                return
        if stop.is_set():
            return
        if steps.audit and audit_due(self.sessions, self.account_id, config.sync.audit_every_cycles):
            results.audit = self._step("audit", lambda: self._audit(api))
        if stop.is_set():
            return
        if steps.rules:
            results.rules = self._step("rules", lambda: self._rules(api))
        if stop.is_set():
            return
        if steps.drafts:
            results.drafts = self._step("drafts", lambda: self._drafts(api))

    def _sync(self, api: GoogleApi, stop: threading.Event) -> SyncReport:
        return sync_account(
            self.sessions,
            api,
            self.account_id,
            self.config.sync,
            fold_plus=self.config.identity.fold_plus_addresses,
            calendars=self.account.calendars,
            stop=stop,
            progress=self.progress,
        )

    def _audit(self, api: GoogleApi) -> AuditResult:
        return audit(
            api,
            self.sessions,
            self.account_id,
            self.config.sync.audit_days,
            fold_plus=self.config.identity.fold_plus_addresses,
            settings=self.config.sync,
        )

    def _rules(self, api: GoogleApi) -> RulesReport:
        def fetch_bodies(gmail_ids: list[str]) -> Mapping[str, str]:
            return fetch_plain_bodies(api, gmail_ids, batch_size=self.config.sync.batch_size)

        with self.sessions() as session:
            return run_rules(
                session,
                self.account_id,
                rules=self.config.rules,
                identity=self.config.identity,
                user=self.config.user,
                now=self.clock(),
                fetch_bodies=fetch_bodies,
            )

    def _drafts(self, api: GoogleApi) -> DraftReport:
        return write_drafts(
            self.sessions,
            api,
            self.account_id,
            settings=self.config.drafts,
            user=self.config.user,
            identity=self.config.identity,
            rules=self.config.rules,
            now=self.clock(),
            dry_run=self.steps.dry_run,
        )

    def _step(self, step: Step, action: Callable[[], T]) -> T:
        try:
            return action()
        except Exception as error:
            stats = self.results.stats()
            raise step_failed(
                step,
                self.account.name,
                self.account.email,
                error,
                synced=stats.synced,
                events=stats.events,
                found=stats.found,
            ) from error


# The runs that sync, and so audit when due; a `rapport draft` syncs nothing and does not count.
SYNCING_RUNS: tuple[RunKind, ...] = ("cycle", "sync")


def audit_due(sessions: sessionmaker[Session], account_id: int, every_cycles: int) -> bool:
    """Whether `every_cycles` recorded syncing runs (cycles and `rapport sync`s, this one included) have
    started since the last audit."""
    if every_cycles <= 0:
        return False
    with sessions() as session:
        last_audit = session.scalar(select(func.max(AuditRun.at)).where(AuditRun.account_id == account_id))
        cycles = select(func.count(CycleRun.id)).where(
            CycleRun.account_id == account_id, CycleRun.kind.in_(SYNCING_RUNS)
        )
        if last_audit is not None:
            cycles = cycles.where(CycleRun.started_at > last_audit)
        return (session.scalar(cycles) or 0) >= every_cycles
