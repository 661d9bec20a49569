"""`rapport run --once` against the sandbox: one cycle syncs the mailbox, finds the occasions and writes their
drafts into Gmail; the next cycles find nothing new to write and cost only the calls that ask "anything new?".

Every command here runs with a token file already in place, as `rapport sandbox serve` writes them:
no `rapport auth`.
"""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from store.models import CycleRun, Draft, Finding
from tests.fixtures_rapport import (
    ALEX,
    KIM,
    OPS,
    SandboxRapport,
    SandboxRapportFactory,
    expected_draft_keys,
    hour_now,
    networkers_mailbox,
)


def methods(rapport: SandboxRapport) -> Counter[str]:
    return Counter(call.method_id for call in rapport.server.log.calls())


def test_one_cycle_finds_the_occasions_and_writes_their_drafts_into_gmail(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    now = hour_now()
    rapport = sandbox_rapport(networkers_mailbox(ALEX, now=now))

    result = rapport.invoke("run", "--once")

    assert result.exit_code == 0, result.output
    assert "account=work synced=4 found=3 drafted=3 errors=0" in result.stderr
    assert rapport.draft_keys() == expected_draft_keys(1, now)
    assert {json.dumps(draft["headers"]).count("X-Rapport-Key") for draft in rapport.drafts()} == {1}
    engine = create_engine(rapport.store_url)
    with Session(engine) as session:
        findings = {finding.kind: finding for finding in session.scalars(select(Finding))}
        drafts = session.scalars(select(Draft.state)).all()
        [cycle] = session.scalars(select(CycleRun)).all()
    engine.dispose()
    assert {kind: finding.state for kind, finding in findings.items()} == {
        "thank_you": "drafted",
        "cold_contact": "drafted",
        "awaiting_reply": "drafted",
    }
    assert findings["awaiting_reply"].emails == [OPS]
    assert drafts == ["written", "written", "written"]
    assert (cycle.outcome, cycle.synced_messages, cycle.found, cycle.drafted) == ("ok", 4, 3, 3)
    assert rapport.server.log.count("gmail.users.messages.send") == 0


def test_the_log_has_one_line_per_cycle_per_account_and_each_steps_detail_only_at_debug(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX, KIM), accounts={"work": ALEX, "home": KIM})

    first = rapport.invoke("run", "--once")
    second = rapport.invoke("-v", "run", "--once")

    assert first.exit_code == 0, first.output
    lines = first.stderr.splitlines()
    assert len(lines) == 2, first.stderr
    assert " INFO rapport.daemon: account=work synced=4 found=3 drafted=3 errors=0 " in lines[0]
    assert " INFO rapport.daemon: account=home synced=4 found=3 drafted=3 errors=0 " in lines[1]
    assert " INFO sync.service: sync account=" in second.stderr  # the steps' own lines, at -v


def test_later_cycles_write_nothing_new_and_cost_only_the_change_checks(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    assert rapport.invoke("run", "--once").exit_code == 0
    written = rapport.draft_keys()

    rapport.server.log.clear()
    second = rapport.invoke("run", "--once")
    second_calls = methods(rapport)
    rapport.server.log.clear()
    third = rapport.invoke("run", "--once")
    third_calls = methods(rapport)

    assert (second.exit_code, third.exit_code) == (0, 0)
    assert rapport.draft_keys() == written
    # The drafts the first cycle wrote come back once through history (the store keeps the mailbox's
    # drafts, which is how it notices the user sending or deleting one): one messages.get each.
    assert second_calls == Counter(
        {
            "gmail.users.history.list": 1,
            "gmail.users.messages.get": len(written),
            "calendar.events.list": 1,
            "gmail.users.drafts.list": 1,
        }
    )
    assert third_calls == Counter(
        {"gmail.users.history.list": 1, "calendar.events.list": 1, "gmail.users.drafts.list": 1}
    )
    assert "found=0 drafted=0" in third.stderr


def test_a_second_calendar_costs_one_more_events_list_a_cycle(sandbox_rapport: SandboxRapportFactory) -> None:
    document = networkers_mailbox(ALEX)
    calendars = document["users"][0]["calendars"]
    calendars.append({**calendars[0], "id": "team@example.com", "summary": "Team", "primary": False})
    rapport = sandbox_rapport(document)
    config = rapport.config.read_text(encoding="utf-8")
    rapport.config.write_text(
        config.replace(f'email = "{ALEX}"', f'email = "{ALEX}"\ncalendars = ["primary", "team@example.com"]'),
        encoding="utf-8",
    )
    assert rapport.invoke("run", "--once").exit_code == 0
    assert rapport.invoke("run", "--once").exit_code == 0

    rapport.server.log.clear()
    assert rapport.invoke("run", "--once").exit_code == 0

    assert methods(rapport) == Counter(
        {"gmail.users.history.list": 1, "calendar.events.list": 2, "gmail.users.drafts.list": 1}
    )


def test_the_audit_runs_every_configured_number_of_cycles_and_status_shows_it(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    config = rapport.config.read_text(encoding="utf-8")
    rapport.config.write_text(config.replace("workers = 2", "workers = 2\naudit_every_cycles = 2"))

    audited = []
    for _ in range(4):
        rapport.server.log.clear()
        assert rapport.invoke("run", "--once").exit_code == 0
        audited.append(rapport.server.log.count("gmail.users.messages.list") > 0)
    status = json.loads(rapport.invoke("status", "--json").output)

    # Cycle 1 lists the mailbox for its initial sync; the audits (messages.list) come at cycles 2 and 4.
    assert audited == [True, True, False, True]
    assert status[0]["last_audit"]["missing"] == 0
    assert status[0]["last_audit"]["sampled"] >= 1
