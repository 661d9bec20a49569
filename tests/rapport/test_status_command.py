"""`rapport status` shows each account's last cycle, open findings and drafts, and a failed account's fix."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy.orm import Session, sessionmaker

from rapport.cli import cli
from rapport.config import load_config
from rapport.daemon import AccountJob, CycleStats, Daemon
from rapport.errors import AuthRequired
from rapport.store_access import CycleRecords, StoreLease, open_store
from store.locks import make_holder
from store.models import AuditRun, CycleRun, Draft, Finding
from tests.fixtures_rapport import ConfigWriter
from tests.rapport.test_daemon import SETTINGS, InstantCycle

TWO_ACCOUNTS = [
    'name = "work"\nemail = "me@work.example"\ntoken_file = "tokens/work.json"',
    'name = "home"\nemail = "me@home.example"\ntoken_file = "tokens/home.json"',
]


def add_findings(sessions: sessionmaker[Session], account_id: int) -> None:
    with sessions.begin() as session:
        open_ones = [("thank_you", "t1"), ("thank_you", "t2"), ("cold_contact", "c1")]
        for kind, key in open_ones:
            session.add(
                Finding(account_id=account_id, rule_name=kind, kind=kind, occasion_key=key, state="open")
            )
        drafted = Finding(
            account_id=account_id,
            rule_name="awaiting",
            kind="awaiting_reply",
            occasion_key="a1",
            state="drafted",
        )
        session.add(drafted)
        session.flush()
        session.add(Draft(account_id=account_id, finding_id=drafted.id, draft_key="a1", state="written"))


def test_status_before_any_cycle_lists_the_accounts_and_creates_no_store(
    rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    config = rapport_config()

    table = CliRunner().invoke(cli, ["--config", str(config), "status"])
    as_json = CliRunner().invoke(cli, ["--config", str(config), "status", "--json"])

    assert table.exit_code == 0, table.output
    assert "never" in table.output
    assert "work: no saved token — run: rapport auth --account work" in table.output
    [work] = json.loads(as_json.output)
    assert (work["account"], work["last_cycle"], work["token_file_present"]) == ("work", None, False)
    assert not (tmp_path / "data").exists()


def test_status_shows_the_failed_account_with_its_fix_beside_the_healthy_one(
    rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    config_path = rapport_config(accounts=TWO_ACCOUNTS)
    path, config = load_config(str(config_path))
    store = open_store(path, config)
    add_findings(store.sessions, store.account_ids["home"])
    Daemon(
        [
            AccountJob(
                "work", "me@work.example", InstantCycle(error=AuthRequired("work", "me@work.example"))
            ),
            AccountJob(
                "home", "me@home.example", InstantCycle(CycleStats(synced=40, events=5, found=4, drafted=1))
            ),
        ],
        SETTINGS,
        recorder=CycleRecords(store.sessions, store.account_ids),
    ).run_once()
    store.engine.dispose()

    as_json = CliRunner().invoke(cli, ["--config", str(config_path), "status", "--json"])
    table = CliRunner().invoke(cli, ["--config", str(config_path), "status"], terminal_width=200)

    assert as_json.exit_code == 0, as_json.output
    work, home = json.loads(as_json.output)
    assert work["last_cycle"]["outcome"] == "auth_error"
    assert work["last_error"]["fix"] == "rapport auth --account work"
    assert work["last_error"]["resolved"] is False
    assert home["last_cycle"]["outcome"] == "ok"
    assert (home["last_cycle"]["synced_messages"], home["last_cycle"]["synced_events"]) == (40, 5)
    assert home["last_error"] is None
    assert home["open_findings"] == {"thank_you": 2, "cold_contact": 1, "awaiting_reply": 0}
    assert home["drafts"] == {"written": 1}
    assert table.exit_code == 0
    assert "(revoked or expired) — run: rapport auth --account work\n" in table.output
    assert "home: last cycle failed" not in table.output


def test_the_status_reads_whole_on_an_80_column_terminal(rapport_config: ConfigWriter) -> None:
    long_email = "firstname.lastname@a-long-company-name.example"
    config_path = rapport_config(
        accounts=[f'name = "work"\nemail = "{long_email}"\ntoken_file = "tokens/work.json"']
    )
    path, config = load_config(str(config_path))
    store = open_store(path, config)
    add_findings(store.sessions, store.account_ids["work"])
    cycle = InstantCycle(CycleStats(synced=1739, events=172, found=74, drafted=10))
    records = CycleRecords(store.sessions, store.account_ids)
    Daemon([AccountJob("work", long_email, cycle)], SETTINGS, recorder=records).run_once()
    store.engine.dispose()

    table = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["--config", str(config_path), "status"])

    assert table.exit_code == 0, table.output
    assert "…" not in table.output
    assert f"work ({long_email})" in table.output
    assert "thank-you: 2, cold contact: 1, awaiting reply: 0" in table.output
    assert "1 (in Gmail: 1)" in table.output
    assert "1739 mails and 172 events synced" in table.output
    assert max(len(line.rstrip()) for line in table.output.splitlines()) <= 80


def test_drafts_that_could_not_be_written_are_counted_apart_from_the_written_ones(
    rapport_config: ConfigWriter,
) -> None:
    config_path = rapport_config()
    path, config = load_config(str(config_path))
    store = open_store(path, config)
    with store.sessions.begin() as session:
        finding = Finding(
            account_id=store.account_ids["work"],
            rule_name="thank-you",
            kind="thank_you",
            occasion_key="thank_you:m1",
            state="drafted",
        )
        session.add(finding)
        session.flush()
        for guest, state, failure in [
            ("dana", "written", None),
            ("joerg", "user_edited", None),
            ("kim", "pending", None),  # being written: in no count yet
            ("taro", "failed", "the message cannot be built: 'taro..yamada@docomo.ne.jp' is not an address"),
        ]:
            session.add(
                Draft(
                    account_id=finding.account_id,
                    finding_id=finding.id,
                    draft_key=f"thank_you:m1:{guest}",
                    state=state,
                    failure=failure,
                )
            )
    store.engine.dispose()

    table = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["--config", str(config_path), "status"])
    as_json = CliRunner().invoke(cli, ["--config", str(config_path), "status", "--json"])

    assert table.exit_code == 0, table.output
    (drafts,) = [line for line in table.output.splitlines() if "Drafts written" in line]
    assert drafts.partition("Drafts written")[2].strip() == (
        "2 (in Gmail: 1, edited by you: 1); 1 could not be written (the log says why)"
    )
    [work] = json.loads(as_json.output)
    assert work["drafts"] == {"written": 1, "user_edited": 1, "pending": 1, "failed": 1}


def test_a_later_successful_cycle_marks_the_last_error_resolved(rapport_config: ConfigWriter) -> None:
    path, config = load_config(str(rapport_config()))
    store = open_store(path, config)
    records = CycleRecords(store.sessions, store.account_ids)
    failing = InstantCycle(error=RuntimeError("network down"))
    Daemon([AccountJob("work", "me@work.example", failing)], SETTINGS, recorder=records).run_once()
    Daemon([AccountJob("work", "me@work.example", InstantCycle())], SETTINGS, recorder=records).run_once()
    store.engine.dispose()

    result = CliRunner().invoke(cli, ["--config", str(path), "status", "--json"])

    [work] = json.loads(result.output)
    assert work["last_cycle"]["outcome"] == "ok"
    assert work["last_error"]["error"] == "RuntimeError: network down"
    assert work["last_error"]["resolved"] is True


def test_status_shows_the_last_audit_and_names_a_gap_it_found(rapport_config: ConfigWriter) -> None:
    config_path = rapport_config()
    path, config = load_config(str(config_path))
    store = open_store(path, config)
    with store.sessions.begin() as session:
        session.add(AuditRun(account_id=store.account_ids["work"], sampled=120, missing=2, repaired=2))
    store.engine.dispose()

    table = CliRunner(env={"COLUMNS": "250"}).invoke(cli, ["--config", str(config_path), "status"])
    [work] = json.loads(CliRunner().invoke(cli, ["--config", str(config_path), "status", "--json"]).output)

    assert (work["last_audit"]["sampled"], work["last_audit"]["missing"]) == (120, 2)
    assert "120 checked, 2 missing (restored 2)" in table.output
    assert "work: the audit at " in table.output
    assert "found 2 recent messages missing from the store and restored them" in table.output


def test_a_cycle_whose_process_died_reads_interrupted_and_one_under_a_live_lease_running(
    rapport_config: ConfigWriter,
) -> None:
    config_path = rapport_config()
    path, config = load_config(str(config_path))
    store = open_store(path, config)
    work = store.account_ids["work"]
    with store.sessions.begin() as session:
        session.add(CycleRun(account_id=work, outcome="running"))  # its process was killed mid-cycle

    def status(*args: str) -> Result:
        return CliRunner(env={"COLUMNS": "100"}).invoke(cli, ["--config", str(config_path), "status", *args])

    dead = status("--json"), status()
    lease = StoreLease(store.sessions, work, make_holder())
    assert lease.acquire()  # a live process (this one) now works the account
    live = json.loads(status("--json").output)
    lease.release()
    store.engine.dispose()

    assert json.loads(dead[0].output)[0]["last_cycle"]["outcome"] == "interrupted"
    table = " ".join(dead[1].output.split())
    assert ", interrupted: Rapport ended mid-cycle (killed or crashed); the next cycle resumes Open" in table
    assert live[0]["last_cycle"]["outcome"] == "running"


def test_a_cycle_left_running_before_a_later_run_reads_interrupted_even_while_that_run_holds_the_lease(
    rapport_config: ConfigWriter,
) -> None:
    # A later run began under the lease, so the cycle's process had lost it: it is not running any more.
    config_path = rapport_config()
    path, config = load_config(str(config_path))
    store = open_store(path, config)
    work = store.account_ids["work"]
    with store.sessions.begin() as session:
        session.add(CycleRun(account_id=work, outcome="running"))  # its process was killed mid-cycle
    lease = StoreLease(store.sessions, work, make_holder())
    assert lease.acquire()
    CycleRecords(store.sessions, store.account_ids, "sync").start("work")  # a `rapport sync`, running now

    [status] = json.loads(CliRunner().invoke(cli, ["--config", str(config_path), "status", "--json"]).output)
    table = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["--config", str(config_path), "status"]).output
    lease.release()
    store.engine.dispose()

    assert (status["last_run"]["kind"], status["last_run"]["outcome"]) == ("sync", "running")
    assert (status["last_cycle"]["kind"], status["last_cycle"]["outcome"]) == ("cycle", "interrupted")
    assert ", rapport sync, running now" in table
    assert ", interrupted: Rapport ended mid-cycle (killed or crashed); the next cycle resumes" in table
