"""The user's own `rapport sync` and `rapport draft` are runs `rapport status` reports like the daemon's
cycles: what ran, how it ended and, when it failed, the fix; a later run that went well resolves the error. A
preview or a dry run changes nothing in Gmail and is not recorded. A manual sync also takes the integrity
audit when it is due, counted with the daemon's cycles."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from rapport.config import load_config
from rapport.sandbox_cli import write_sandbox_token
from rapport.store_access import StoreLease, open_store
from store.locks import make_holder
from store.models import AuditRun, CycleRun
from tests.fixtures_rapport import ALEX, SandboxRapport, SandboxRapportFactory, networkers_mailbox

FIX = "rapport auth --account work"


def status_of(rapport: SandboxRapport) -> dict[str, Any]:
    result = rapport.invoke("status", "--json")
    assert result.exit_code == 0, result.output
    [work] = json.loads(result.output)
    return dict(work)


def recorded(rapport: SandboxRapport) -> list[tuple[str, str]]:
    """Every recorded run of the store, oldest first: (kind, outcome)."""
    engine = create_engine(rapport.store_url)
    with Session(engine) as session:
        runs = [(run.kind, run.outcome) for run in session.scalars(select(CycleRun).order_by(CycleRun.id))]
    engine.dispose()
    return runs


def audits(rapport: SandboxRapport) -> int:
    engine = create_engine(rapport.store_url)
    with Session(engine) as session:
        count = len(session.scalars(select(AuditRun)).all())
    engine.dispose()
    return count


def test_a_manual_sync_refused_by_google_shows_in_status_with_its_fix_until_a_later_sync_succeeds(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    rapport.server.tokens.revoke(rapport.refresh_tokens["work"])

    failed = rapport.invoke("sync")
    after_failure = status_of(rapport)
    table = rapport.invoke("status").output

    assert failed.exit_code == 1
    assert f"— run: {FIX}" in failed.stderr
    assert after_failure["last_run"]["kind"] == "sync"
    assert after_failure["last_run"]["outcome"] == "auth_error"
    assert after_failure["last_run"]["fix"] == FIX
    assert after_failure["last_cycle"] is None  # the daemon never ran: that stays true
    assert (after_failure["last_error"]["kind"], after_failure["last_error"]["fix"]) == ("sync", FIX)
    assert after_failure["last_error"]["resolved"] is False
    assert ", rapport sync, failed: authorization" in table
    (last_cycle,) = [line for line in table.splitlines() if "Last cycle" in line]
    assert last_cycle.split() == ["Last", "cycle", "never"]
    assert "work: last rapport sync failed at " in table
    assert f"Google refused the saved token (revoked or expired) — run: {FIX}" in table

    # The user runs `rapport auth` (a new token file), then syncs again.
    write_sandbox_token(rapport.server, ALEX, rapport.config.parent / "tokens" / "work.json")
    synced = rapport.invoke("sync")
    after_success = status_of(rapport)
    table = rapport.invoke("status").output

    assert synced.exit_code == 0, synced.output
    assert after_success["last_run"]["kind"] == "sync"
    assert after_success["last_run"]["outcome"] == "ok"
    last_run = after_success["last_run"]
    assert (last_run["synced_messages"], last_run["synced_events"]) == (4, 1)
    assert after_success["last_error"]["resolved"] is True
    assert ", rapport sync, ok: 4 mails and 1 events synced" in table
    assert "failed" not in table
    assert recorded(rapport) == [("sync", "auth_error"), ("sync", "ok")]


def test_a_draft_run_is_recorded_and_a_preview_or_a_dry_run_is_not(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    assert rapport.invoke("run", "--once").exit_code == 0
    rapport.server.tokens.revoke(rapport.refresh_tokens["work"])
    assert rapport.invoke("draft").exit_code == 1
    write_sandbox_token(rapport.server, ALEX, rapport.config.parent / "tokens" / "work.json")

    for looks in (["preview"], ["preview", "--json"], ["draft", "--dry-run"]):
        assert rapport.invoke(*looks).exit_code == 0, looks
    looked = status_of(rapport)
    assert rapport.invoke("draft").exit_code == 0
    drafted = status_of(rapport)
    table = rapport.invoke("status").output

    # A preview that went well says nothing of the failed draft run: still unresolved.
    assert (looked["last_run"]["kind"], looked["last_run"]["outcome"]) == ("draft", "auth_error")
    assert looked["last_error"]["resolved"] is False
    assert (drafted["last_run"]["kind"], drafted["last_run"]["outcome"]) == ("draft", "ok")
    assert drafted["last_error"]["resolved"] is True
    assert drafted["last_cycle"]["kind"] == "cycle"  # the `run --once` before: still the last cycle
    assert drafted["last_cycle"]["drafted"] == 3
    assert recorded(rapport) == [("cycle", "ok"), ("draft", "auth_error"), ("draft", "ok")]
    assert ", rapport draft, ok: 0 found, 0 drafted" in table  # the cycle wrote the three drafts already
    (last_cycle,) = [line for line in table.splitlines() if "Last cycle" in line]
    assert ", ok: 4 mails and 1 events synced, 3 found, 3 drafted" in last_cycle


def test_a_manual_sync_takes_the_audit_when_due_counted_with_the_cycles_and_a_draft_run_does_not_count(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    config = rapport.config.read_text(encoding="utf-8")
    rapport.config.write_text(config.replace("workers = 2", "workers = 2\naudit_every_cycles = 2"))

    steps = [("sync",), ("draft",), ("draft",), ("sync",), ("run", "--once"), ("sync",)]
    audited: list[int] = []
    outputs: list[str] = []
    for step in steps:
        result = rapport.invoke(*step)
        assert result.exit_code == 0, (step, result.output)
        audited.append(audits(rapport))
        outputs.append(result.stdout)

    # Syncing runs 1 and 2 (the draft runs between them not counted), then 3 (the cycle) and 4.
    assert audited == [0, 0, 0, 1, 1, 2]
    assert "work (alex@example.com): audit of " in outputs[3]
    assert " recent messages against the store: none missing; " in outputs[3]
    assert "audit of" not in outputs[0]
    assert status_of(rapport)["last_audit"]["missing"] == 0


def test_a_manual_sync_leaves_an_account_another_process_works_alone_and_records_nothing(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    path, config = load_config(str(rapport.config))
    store = open_store(path, config)
    lease = StoreLease(store.sessions, store.account_ids["work"], make_holder())
    assert lease.acquire()  # another Rapport (here: this process) works the account

    result = rapport.invoke("sync")
    lease.release()
    store.engine.dispose()

    assert result.exit_code == 0
    assert "account work skipped: another Rapport process is working on this account" in result.stderr
    assert rapport.server.log.count(user=ALEX) == 0
    assert recorded(rapport) == []
