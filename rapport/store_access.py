"""The store as the shell uses it: opened and migrated from config, accounts ensured by name, each account's
cross-process lease, and one `cycle_runs` row per cycle for `rapport status`.

An unreachable or malformed store URL is a config error (exit 2) naming `store.url`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rapport.config import RapportConfig
from rapport.daemon import CycleOutcome
from rapport.errors import ConfigError, ConfigProblem
from store import locks
from store.accounts import ensure_account
from store.db import make_engine, session_factory, upgrade
from store.errors import StoreUnavailable
from store.models import CycleRun
from store.models_accounts import CycleOutcome as StoredOutcome

logger = logging.getLogger(__name__)

LEASE_TTL_SECONDS = 300.0  # renewed every minute while a cycle runs; a killed holder frees it after this
STOPPED_ERROR = "stopped before the cycle finished (Rapport was shut down); the next cycle resumes"


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
    try:
        engine = make_engine(config.store.url)
        upgrade(engine)
        sessions = session_factory(engine)
        with sessions.begin() as session:
            account_ids = {
                account.name: ensure_account(session, account.name, account.email).id
                for account in config.accounts
            }
    except StoreUnavailable as error:
        raise ConfigError(config_path, [_unreachable(config.store.url, error.problem)]) from error
    except SQLAlchemyError as error:
        raise ConfigError(
            config_path, [_unreachable(config.store.url, str(error).splitlines()[0])]
        ) from error
    return Store(engine, sessions, account_ids)


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
        return locks.acquire(self.sessions, self.account_id, self.holder, self.ttl_seconds)

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


@dataclass
class CycleRecords:
    """Writes a `cycle_runs` row when a cycle starts ("running") and completes it when the cycle ends."""

    sessions: sessionmaker[Session]
    account_ids: dict[str, int]

    def start(self, account: str) -> Callable[[CycleOutcome], None]:
        try:
            with self.sessions.begin() as session:
                run = CycleRun(account_id=self.account_ids[account], outcome="running")
                session.add(run)
                session.flush()
                run_id = run.id
        except SQLAlchemyError:
            logger.exception("account=%s: could not record the cycle's start", account)
            return lambda _outcome: None
        return lambda outcome: self._finish(run_id, outcome)

    def _finish(self, run_id: int, outcome: CycleOutcome) -> None:
        stopped = outcome.outcome == "stopped"
        try:
            with self.sessions.begin() as session:
                run = session.get(CycleRun, run_id)
                if run is None:
                    return
                run.finished_at = datetime.now(UTC)
                run.outcome = "error" if stopped else _STORED_OUTCOMES.get(outcome.outcome, "error")
                run.synced_messages = outcome.stats.synced
                run.synced_events = outcome.stats.events
                run.found = outcome.stats.found
                run.drafted = outcome.stats.drafted
                run.error = STOPPED_ERROR if stopped else (outcome.error or None)
                run.fix = outcome.fix or None
        except SQLAlchemyError:
            logger.exception("account=%s: could not record the cycle's outcome", outcome.account)


_STORED_OUTCOMES: dict[str, StoredOutcome] = {"ok": "ok", "error": "error", "auth_error": "auth_error"}
