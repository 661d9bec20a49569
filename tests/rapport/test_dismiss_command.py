"""`rapport dismiss KEY...`: the user says "never nudge me about this occasion".

The finding becomes dismissed and stays so through later cycles, which never draft it; Rapport's untouched
draft for it leaves Gmail, a draft the user edited stays, and the command says which. A key that names no
finding changes nothing and exits 2. Each scenario runs the real cycle against the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from rapport import dismiss as dismiss_command
from rapport.cli import cli
from rapport.preview_table import short_key
from rapport.sandbox_cli import write_sandbox_token
from store import locks
from store.models import Account, Draft, Finding
from tests.fixtures_rapport import (
    ALEX,
    DANA,
    OPS,
    SAM,
    TIMEZONE,
    SandboxRapport,
    SandboxRapportFactory,
    expected_draft_keys,
    hour_now,
    networkers_mailbox,
)


def occasion_keys(rapport: SandboxRapport) -> dict[str, str]:
    """Each open finding's occasion key by kind, as `rapport preview --json` prints them."""
    result = rapport.invoke("preview", "--json")
    assert result.exit_code == 0, result.output
    return {finding["kind"]: finding["occasion_key"] for finding in json.loads(result.stdout)}


@contextmanager
def store_session(rapport: SandboxRapport) -> Iterator[Session]:
    engine = create_engine(rapport.store_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def finding_state(rapport: SandboxRapport, occasion_key: str) -> tuple[str, str | None]:
    with store_session(rapport) as session:
        finding = session.scalars(select(Finding).where(Finding.occasion_key == occasion_key)).one()
        return finding.state, finding.state_reason


def draft_id(rapport: SandboxRapport, draft_key: str) -> str:
    """The sandbox's id of the Gmail draft carrying `draft_key`."""
    for draft in rapport.drafts():
        for header in draft["headers"]:
            if header["name"] == "X-Rapport-Key" and header["value"] == draft_key:
                return str(draft["id"])
    raise AssertionError(f"no draft carries {draft_key}: {rapport.draft_keys()}")


def today() -> str:
    return datetime.now(ZoneInfo(TIMEZONE)).date().isoformat()


def test_a_dismissed_open_finding_is_never_drafted_and_dismissing_it_asks_nothing_of_gmail(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    now = hour_now()
    rapport = sandbox_rapport(networkers_mailbox(ALEX, now=now))
    assert rapport.invoke("sync").exit_code == 0
    thank_you = occasion_keys(rapport)["thank_you"]
    rapport.server.log.clear()

    dismissed = rapport.invoke("dismiss", thank_you)
    calls_to_dismiss = rapport.server.log.calls()
    cycles = [rapport.invoke("run", "--once") for _ in range(2)]
    again = rapport.invoke("dismiss", thank_you)

    assert dismissed.exit_code == 0, dismissed.output
    expected = f"work: dismissed thank-you {DANA} ({thank_you}); Rapport will not nudge you about it again"
    assert expected in dismissed.stdout
    assert calls_to_dismiss == []  # never drafted: nothing to withdraw, so Gmail is not asked
    assert [cycle.exit_code for cycle in cycles] == [0, 0]
    assert rapport.draft_keys() == [
        key for key in expected_draft_keys(1, now) if not key.startswith("thank_you")
    ]
    assert finding_state(rapport, thank_you) == ("dismissed", f"dismissed by the user on {today()}")
    assert thank_you not in occasion_keys(rapport)
    assert again.exit_code == 0, again.output
    assert f"({thank_you}) was dismissed already (dismissed by the user on {today()})" in again.stdout


@pytest.mark.parametrize("delete_untouched_when_resolved", ["true", "false"])
def test_dismissing_a_drafted_finding_by_the_key_the_table_shows_deletes_its_untouched_draft(
    sandbox_rapport: SandboxRapportFactory, delete_untouched_when_resolved: str
) -> None:
    now = hour_now()
    rapport = sandbox_rapport(
        networkers_mailbox(ALEX, now=now),
        extra_sections=f"[drafts]\ndelete_untouched_when_resolved = {delete_untouched_when_resolved}\n",
    )
    assert rapport.invoke("run", "--once").exit_code == 0
    awaiting = occasion_keys(rapport)["awaiting_reply"]
    table = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["--config", str(rapport.config), "preview"])
    lines = table.output.splitlines()
    under_kind = lines[next(i for i, line in enumerate(lines) if "│ awaiting reply" in line) + 1]
    rapport.server.log.clear()

    result = rapport.invoke("dismiss", short_key(awaiting))
    deletes = rapport.server.log.count("gmail.users.drafts.delete")
    cycles = [rapport.invoke("run", "--once") for _ in range(2)]

    assert f"│ {short_key(awaiting)}" in under_kind
    assert "rapport dismiss KEY" in table.output
    assert result.exit_code == 0, result.output
    assert f"work: dismissed awaiting reply {OPS} ({awaiting})" in result.stdout
    assert f"deleted its untouched draft to {OPS} from Gmail" in result.stdout
    assert deletes == 1
    assert [cycle.exit_code for cycle in cycles] == [0, 0]
    assert rapport.draft_keys() == [key for key in expected_draft_keys(1, now) if key != awaiting]
    assert finding_state(rapport, awaiting)[0] == "dismissed"
    with store_session(rapport) as session:
        states = session.scalars(select(Draft.state).where(Draft.draft_key == awaiting)).all()
    assert states == ["withdrawn"]
    assert rapport.server.log.count("gmail.users.messages.send") == 0


def test_a_draft_the_user_edited_is_kept_and_the_command_says_so(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    assert rapport.invoke("run", "--once").exit_code == 0
    cold = occasion_keys(rapport)["cold_contact"]
    rapport.server.state.user_edits_draft(ALEX, draft_id(rapport, cold), body="Sam! Lunch next week?\n")
    rapport.server.log.clear()

    result = rapport.invoke("dismiss", cold)
    deletes = rapport.server.log.count("gmail.users.drafts.delete")
    cycle = rapport.invoke("run", "--once")

    assert result.exit_code == 0, result.output
    assert f"work: dismissed cold contact {SAM} ({cold})" in result.stdout
    assert f"kept its draft to {SAM}: you edited it" in result.stdout
    assert deletes == 0
    assert cycle.exit_code == 0, cycle.output
    assert rapport.draft_keys().count(cold) == 1
    [edited] = [draft for draft in rapport.drafts() if draft["id"] == draft_id(rapport, cold)]
    assert edited["body"] == "Sam! Lunch next week?\n"
    assert finding_state(rapport, cold)[0] == "dismissed"


def test_unknown_keys_exit_2_naming_them_and_how_to_list_keys_and_dismiss_nothing(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    assert rapport.invoke("sync").exit_code == 0
    thank_you = occasion_keys(rapport)["thank_you"]

    result = rapport.invoke("dismiss", thank_you, "thank_you:no-such-meeting", "abcdef0")

    assert result.exit_code == 2
    assert "no finding has the key 'thank_you:no-such-meeting'" in result.stderr
    assert "no finding has the key 'abcdef0'" in result.stderr
    assert "`rapport preview` shows each finding's key" in result.stderr
    assert "dismissed" not in result.stdout
    assert finding_state(rapport, thank_you)[0] == "open"


def test_when_gmail_refuses_the_token_the_finding_is_dismissed_and_the_next_cycle_deletes_its_draft(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    now = hour_now()
    rapport = sandbox_rapport(networkers_mailbox(ALEX, now=now))
    assert rapport.invoke("run", "--once").exit_code == 0
    awaiting = occasion_keys(rapport)["awaiting_reply"]
    rapport.server.tokens.revoke(rapport.refresh_tokens["work"])

    result = rapport.invoke("dismiss", awaiting)
    drafts_meanwhile = rapport.draft_keys()
    write_sandbox_token(rapport.server, ALEX, rapport.config.parent / "tokens" / "work.json")  # auth again
    cycle = rapport.invoke("run", "--once")

    assert result.exit_code == 1
    assert "Gmail could not be reached" in result.stderr
    assert "rapport auth --account work" in result.stderr
    assert f"its draft to {OPS} stays in Gmail until the next cycle deletes it" in result.stdout
    assert awaiting in drafts_meanwhile
    assert cycle.exit_code == 0, cycle.output
    assert rapport.draft_keys() == [key for key in expected_draft_keys(1, now) if key != awaiting]
    assert finding_state(rapport, awaiting)[0] == "dismissed"


def test_an_account_another_process_is_working_on_is_left_alone_and_the_command_says_so(
    sandbox_rapport: SandboxRapportFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    assert rapport.invoke("sync").exit_code == 0
    thank_you = occasion_keys(rapport)["thank_you"]
    engine = create_engine(rapport.store_url)
    with Session(engine) as session:
        account_id = session.scalars(select(Account.id).where(Account.name == "work")).one()
    assert locks.acquire(sessionmaker(engine), account_id, "another-host:4242:cycle", 300)
    engine.dispose()
    monkeypatch.setattr(dismiss_command, "LEASE_WAIT_SECONDS", 0.0)

    result = rapport.invoke("dismiss", thank_you)

    assert result.exit_code == 1
    assert "account work: another Rapport process kept working on it" in result.stderr
    assert "nothing was dismissed there" in result.stderr
    assert finding_state(rapport, thank_you)[0] == "open"
