"""Account leases: one holder at a time across connections and processes; expired leases can be taken over."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine
from store.db import session_factory as make_session_factory
from store.locks import acquire, make_holder, release, renew
from store.models import AccountLock
from tests.fixtures_store import add_account

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TTL = 60.0


def _after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_held_lease_refuses_other_holders_until_released(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)

    assert acquire(session_factory, account_id, "host-a:1:x", TTL, now=T0)
    assert not acquire(session_factory, account_id, "host-b:2:y", TTL, now=_after(59))
    assert not release(session_factory, account_id, "host-b:2:y")
    assert release(session_factory, account_id, "host-a:1:x")
    assert acquire(session_factory, account_id, "host-b:2:y", TTL, now=_after(59))


def test_the_holder_acquiring_again_extends_its_lease(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    acquire(session_factory, account_id, "host-a:1:x", TTL, now=T0)

    assert acquire(session_factory, account_id, "host-a:1:x", TTL, now=_after(50))
    assert not acquire(session_factory, account_id, "host-b:2:y", TTL, now=_after(100))


def test_an_expired_lease_is_taken_over_and_its_old_holder_told_so(
    session_factory: sessionmaker[Session],
) -> None:
    account_id = add_account(session_factory)
    acquire(session_factory, account_id, "host-a:1:x", TTL, now=T0)

    assert acquire(session_factory, account_id, "host-b:2:y", TTL, now=_after(61))
    assert not renew(session_factory, account_id, "host-a:1:x", TTL, now=_after(62))
    assert not release(session_factory, account_id, "host-a:1:x")
    with session_factory() as session:
        lease = session.get_one(AccountLock, account_id)
    assert (lease.holder, lease.acquired_at, lease.expires_at) == ("host-b:2:y", _after(61), _after(121))


def test_renewing_keeps_the_lease_past_its_first_expiry(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    acquire(session_factory, account_id, "host-a:1:x", TTL, now=T0)

    assert renew(session_factory, account_id, "host-a:1:x", TTL, now=_after(50))
    assert not acquire(session_factory, account_id, "host-b:2:y", TTL, now=_after(100))
    assert acquire(session_factory, account_id, "host-b:2:y", TTL, now=_after(111))


def test_leases_of_different_accounts_are_independent(session_factory: sessionmaker[Session]) -> None:
    personal = add_account(session_factory, "personal")
    work = add_account(session_factory, "work")

    assert acquire(session_factory, personal, "host-a:1:x", TTL, now=T0)
    assert acquire(session_factory, work, "host-b:2:y", TTL, now=T0)


def _contend(store_url: str, account_id: int, contenders: int, now: datetime) -> list[str]:
    """Each contender on its own engine (its own connections) tries at once; returns the winners."""
    factories = [make_session_factory(make_engine(store_url)) for _ in range(contenders)]
    barrier = threading.Barrier(contenders)
    winners: list[str] = []
    errors: list[BaseException] = []

    def contend(factory: sessionmaker[Session], holder: str) -> None:
        barrier.wait()
        try:
            if acquire(factory, account_id, holder, TTL, now=now):
                winners.append(holder)
        except Exception as error:  # noqa: BLE001  (asserted on below)
            errors.append(error)

    threads = [
        threading.Thread(target=contend, args=(factory, f"host:{n}:contender"))
        for n, factory in enumerate(factories)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for factory in factories:
        bind = factory.kw["bind"]
        bind.dispose()
    assert errors == []
    return winners


def test_contenders_on_separate_connections_never_both_win(
    engine_url: str, session_factory: sessionmaker[Session]
) -> None:
    account_id = add_account(session_factory)

    for round_number in range(4):
        winners = _contend(engine_url, account_id, contenders=6, now=_after(round_number))
        assert len(winners) == 1
        release(session_factory, account_id, winners[0])


def test_contenders_for_an_expired_lease_never_both_take_it_over(
    engine_url: str, session_factory: sessionmaker[Session]
) -> None:
    account_id = add_account(session_factory)
    acquire(session_factory, account_id, "host-dead:1:x", TTL, now=T0)

    winners = _contend(engine_url, account_id, contenders=6, now=_after(TTL + 1))

    assert len(winners) == 1
    with session_factory() as session:
        assert session.get_one(AccountLock, account_id).holder == winners[0]


CONTENDER_SCRIPT = """
import sys, time
from datetime import datetime
from pathlib import Path
from store.db import make_engine, session_factory
from store.locks import acquire, make_holder
url, account_id, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
now = datetime.fromisoformat(sys.argv[4])
factory = session_factory(make_engine(url))
while not go.exists():
    time.sleep(0.005)
print("won" if acquire(factory, account_id, make_holder(), 60, now=now) else "lost")
"""


def test_processes_contending_for_one_account_never_both_win(
    engine_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    account_id = add_account(session_factory)
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CONTENDER_SCRIPT, engine_url, str(account_id), str(go), T0.isoformat()],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    go.touch()
    outcomes = sorted(process.communicate(timeout=120)[0].strip() for process in processes)

    assert outcomes == ["lost", "lost", "won"]


def test_a_holder_name_says_which_host_and_process_holds_the_lease() -> None:
    first, second = make_holder(), make_holder()

    host, pid, unique = first.split(":")
    assert host
    assert pid.isdigit()
    assert len(unique) == 32
    assert first != second
