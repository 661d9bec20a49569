"""The store as the shell uses it: opened and migrated from config, accounts ensured by name, each account's
cross-process lease, and one `cycle_runs` row per cycle for `rapport status`.

A store that cannot be opened ends a command with exit code 2 and a line naming `store.url`, the URL
(password masked), the cause and the fix. A database that cannot be reached now (down, restarting, refusing
Rapport) is `StoreUnreachableError`, which the daemon waits out instead of exiting; a URL no retry can fix
(malformed, an unknown driver, a SQLite file that cannot be created or opened) is a plain `ConfigError`.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rapport.config import RapportConfig
from rapport.daemon import CycleOutcome
from rapport.errors import ConfigError, ConfigProblem, StoreUnreachableError
from store import locks
from store.accounts import ensure_account
from store.db import make_engine, session_factory, upgrade
from store.errors import StoreUnavailable
from store.models import AccountLock, CycleRun
from store.models_accounts import CycleOutcome as StoredOutcome
from store.models_accounts import RunKind
from store.utc import utcnow

logger = logging.getLogger(__name__)

LEASE_TTL_SECONDS = 300.0  # renewed every minute while a cycle runs; a killed holder frees it after this


@dataclass(frozen=True)
class Store:
    engine: Engine
    sessions: sessionmaker[Session]
    account_ids: dict[str, int]  # config account name → store id


def shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other backends and in-memory databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "")


def open_store(config_path: Path, config: RapportConfig) -> Store:
    """Connect, bring the schema up to date and make sure every configured account has its row."""
    engine = connect(config_path, config)
    try:
        upgrade(engine)
        sessions = session_factory(engine)
        with sessions.begin() as session:
            account_ids = {
                account.name: ensure_account(session, account.name, account.email).id
                for account in config.accounts
            }
    except SQLAlchemyError as error:
        # Connected, then lost the database or found it locked (SQLite) while migrating: it may pass.
        engine.dispose()
        problem = _unreachable(config.store.url, str(error).strip().splitlines()[0])
        raise StoreUnreachableError(config_path, problem) from error
    return Store(engine, sessions, account_ids)


def connect(config_path: Path, config: RapportConfig) -> Engine:
    """An engine on the configured store, checked to answer; nothing is written to the store."""
    try:
        return make_engine(config.store.url)
    except StoreUnavailable as error:
        problem = _unreachable(config.store.url, error.problem)
        if _may_pass_by_itself(config.store.url, error):
            raise StoreUnreachableError(config_path, problem) from error
        raise ConfigError(config_path, [problem]) from error


def check_store(config_path: Path, config: RapportConfig) -> str:
    """How the store stands, for `rapport check`, found without writing anything: a database is connected
    to, a SQLite file that does not exist yet has the folder it would be made in looked at. Raises as
    `open_store` does."""
    database = sqlite_file(config.store.url)
    if database is not None and not database.exists():
        problem = _folder_problem(database.parent)
        if problem is not None:
            raise ConfigError(config_path, [_unreachable(config.store.url, problem)])
        return "not created yet: the first sync creates it"
    connect(config_path, config).dispose()
    return "reachable"


def _may_pass_by_itself(url: str, error: StoreUnavailable) -> bool:
    """A database server that did not answer, or refused Rapport, may be restarting or not up yet; a
    malformed URL, an unknown driver or a SQLite file the system refuses will be the same on every retry."""
    return isinstance(error.__cause__, DBAPIError) and make_url(url).get_backend_name() != "sqlite"


def _folder_problem(folder: Path) -> str | None:
    """Why a file could not be created in `folder` (made first if missing), or None; nothing is created."""
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot create directory {folder}: {existing} is not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot create a file in {folder}: {existing} is not writable"
    return None


def _unreachable(url: str, problem: str) -> ConfigProblem:
    return ConfigProblem(
        "store.url",
        f'"{shown_url(url)}" ({problem})',
        "a database Rapport can reach and write",
        "start the database or correct the URL (host, port, name, user); for SQLite, a writable path",
    )


@dataclass
class StoreLease:
    """`store.locks` for one account and this process, as the daemon's Lease."""

    sessions: sessionmaker[Session]
    account_id: int
    holder: str
    ttl_seconds: float = LEASE_TTL_SECONDS

    def acquire(self) -> bool:
        if locks.acquire(self.sessions, self.account_id, self.holder, self.ttl_seconds):
            return True
        return self._take_over_from_a_dead_process()

    def _take_over_from_a_dead_process(self) -> bool:
        """Take a lease whose holder was a process on this host that no longer exists (killed -9).

        Waiting out its expiry would skip the account for minutes after every crash; a process that is gone
        cannot be working the account. The takeover is one conditional UPDATE, so a live competitor that
        took the lease meanwhile wins.
        """
        with self.sessions() as session:
            holder = session.scalar(
                select(AccountLock.holder).where(AccountLock.account_id == self.account_id)
            )
        if holder is None or not _is_dead_local_process(holder):
            return False
        now = utcnow()
        with self.sessions.begin() as session:
            taken = session.connection().execute(
                update(AccountLock)
                .where(AccountLock.account_id == self.account_id, AccountLock.holder == holder)
                .values(
                    holder=self.holder, acquired_at=now, expires_at=now + timedelta(seconds=self.ttl_seconds)
                )
            )
        if taken.rowcount == 1:
            logger.warning(
                "account %d: took over the lease of %s, which no longer runs", self.account_id, holder
            )
        return bool(taken.rowcount == 1)

    def renew(self) -> bool:
        try:
            return locks.renew(self.sessions, self.account_id, self.holder, self.ttl_seconds)
        except SQLAlchemyError:
            # Unable to prove we still hold it: stopping the cycle is the safe side.
            logger.exception("could not renew the lease on account %d", self.account_id)
            return False

    def release(self) -> None:
        try:
            if not locks.release(self.sessions, self.account_id, self.holder):
                logger.warning("the lease on account %d had already expired when released", self.account_id)
        except SQLAlchemyError:
            logger.exception(
                "could not release the lease on account %d; it expires by itself", self.account_id
            )


def is_worked_on(session: Session, account_id: int) -> bool:
    """Whether a live process holds the account's lease (unexpired, and not a process of this host that has
    exited): a `cycle_runs` row still "running" without one belongs to a process that died mid-cycle."""
    lock = session.get(AccountLock, account_id)
    return lock is not None and lock.expires_at > utcnow() and not _is_dead_local_process(lock.holder)


def _is_dead_local_process(holder: str) -> bool:
    """True when `holder` ("host:pid:uuid") names a process of this host that has exited (POSIX only)."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if os.name != "posix" or host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another daemon in this very process: alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False


@dataclass
class CycleRecords:
    """Writes a `cycle_runs` row when a run starts ("running") and completes it when the run ends; `kind`
    says what ran (a whole cycle, or the user's `rapport sync` or `rapport draft`)."""

    sessions: sessionmaker[Session]
    account_ids: dict[str, int]
    kind: RunKind = "cycle"

    def start(self, account: str) -> Callable[[CycleOutcome], None]:
        try:
            with self.sessions.begin() as session:
                run = CycleRun(account_id=self.account_ids[account], kind=self.kind, outcome="running")
                session.add(run)
                session.flush()
                run_id = run.id
        except SQLAlchemyError:
            logger.exception("account=%s: could not record the cycle's start", account)
            return lambda _outcome: None
        return lambda outcome: self._finish(run_id, outcome)

    def _finish(self, run_id: int, outcome: CycleOutcome) -> None:
        try:
            with self.sessions.begin() as session:
                run = session.get(CycleRun, run_id)
                if run is None:
                    return
                run.finished_at = datetime.now(UTC)
                run.outcome = _STORED_OUTCOMES.get(outcome.outcome, "error")
                run.synced_messages = outcome.stats.synced
                run.synced_events = outcome.stats.events
                run.found = outcome.stats.found
                run.drafted = outcome.stats.drafted
                run.error = outcome.error or None
                run.fix = outcome.fix or None
        except SQLAlchemyError:
            logger.exception("account=%s: could not record the cycle's outcome", outcome.account)


# "skipped" never reaches here: a skipped cycle has no record (it never held the lease).
_STORED_OUTCOMES: dict[str, StoredOutcome] = {
    "ok": "ok",
    "error": "error",
    "auth_error": "auth_error",
    "stopped": "stopped",
}
