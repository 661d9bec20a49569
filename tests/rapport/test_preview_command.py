"""`rapport preview` runs the rules over the store and shows the open findings: `--json` with the stable keys
other tools rely on, the table with reasons, strongest first, and at most `preview.max_cold_contacts` cold
contacts followed by an "N more" line. It writes no draft."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from rapport.cli import cli
from tests.fixtures_rapport import (
    ALEX,
    DANA,
    OPS,
    QUESTION,
    SAM,
    TIMEZONE,
    SandboxRapportFactory,
    hour_now,
    networkers_mailbox,
    occasions,
)

STABLE_KEYS = {
    "kind",
    "emails",
    "event_id",
    "thread_id",
    "message_id",
    "last_interaction",
    "score",
    "reason",
    "state",
}
LEE = "lee.park@old.example"


def business_days_between(sent: datetime, now: datetime) -> int:
    """Weekdays after the sending day up to today, in the user's timezone (both at the same wall time)."""
    zone = ZoneInfo(TIMEZONE)
    first, last = sent.astimezone(zone).date(), now.astimezone(zone).date()
    days = (last - first).days
    return sum(1 for offset in range(1, days + 1) if (first + timedelta(days=offset)).weekday() < 5)


def with_lee(document: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Add a closer, older relationship: five exchanges with Lee Park, the last 260 days ago."""
    user = document["users"][0]
    for number, days in enumerate((300, 290, 280, 270, 260), start=40):
        at = now - timedelta(days=days)
        inbound = number % 2 == 0
        sender, to = (f"Lee Park <{LEE}>", ALEX) if inbound else (f"Alex Morgan <{ALEX}>", LEE)
        user["messages"].append(
            {
                "id": f"{0x18F0000000000000 + number:016x}",
                "threadId": f"{0x18F0000000000000 + 40:016x}",
                "labelIds": ["INBOX" if inbound else "SENT"],
                "internalDate": str(int(at.timestamp() * 1000)),
                "headers": [
                    {"name": "From", "value": sender},
                    {"name": "To", "value": to},
                    {"name": "Subject", "value": "The old project"},
                    {"name": "Date", "value": at.strftime("%a, %d %b %Y %H:%M:%S +0000")},
                ],
                "body": "How is it going?",
            }
        )
    return document


def test_preview_json_has_every_open_finding_with_the_stable_keys_and_their_values(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    now = hour_now()
    ids = occasions(1)
    rapport = sandbox_rapport(networkers_mailbox(ALEX, now=now))
    assert rapport.invoke("sync").exit_code == 0

    result = rapport.invoke("preview", "--json")

    assert result.exit_code == 0, result.output
    findings = {finding["kind"]: finding for finding in json.loads(result.stdout)}
    assert set(findings) == {"thank_you", "cold_contact", "awaiting_reply"}
    for finding in findings.values():
        assert set(finding) >= STABLE_KEYS
        assert (finding["account"], finding["state"]) == ("work", "open")
    thank_you, cold, awaiting = findings["thank_you"], findings["cold_contact"], findings["awaiting_reply"]
    assert (thank_you["emails"], thank_you["event_id"], thank_you["thread_id"], thank_you["message_id"]) == (
        [DANA],
        ids.meeting_id,
        None,
        None,
    )
    assert thank_you["score"] == 3.0  # 1 + a keyword in the title ("coffee") + one attendee of six (capped)
    assert thank_you["reason"].startswith("Met Dana Kim (dana@acme.io), 'Coffee with Dana', ")
    assert thank_you["reason"].endswith("; no mail to Dana since")
    assert (cold["emails"], cold["event_id"], cold["thread_id"], cold["message_id"]) == (
        [SAM],
        None,
        ids.sam_thread,
        None,
    )
    assert datetime.fromisoformat(cold["last_interaction"]) == now - timedelta(days=125)
    assert cold["score"] == pytest.approx(3.39, abs=0.01)  # 3 direct days x 0.75 reciprocity x 1.5 overdue
    assert cold["reason"].startswith("You and Sam wrote every ~2 days (3 exchanges since ")
    assert cold["reason"].endswith(", 125 days ago")
    waited = business_days_between(now - timedelta(days=10), now)
    assert (awaiting["emails"], awaiting["thread_id"], awaiting["message_id"]) == (
        [OPS],
        ids.schedule_message,
        ids.schedule_message,
    )
    assert awaiting["score"] >= waited - 5 + 1
    assert f": '{QUESTION}' — no reply in {waited} business days" in awaiting["reason"]
    assert rapport.drafts() == []


def test_the_table_shows_reasons_strongest_first_and_counts_the_cold_contacts_left_out(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    now = hour_now()
    rapport = sandbox_rapport(
        with_lee(networkers_mailbox(ALEX, now=now), now), extra_sections="[preview]\nmax_cold_contacts = 1\n"
    )
    assert rapport.invoke("sync").exit_code == 0

    table = rapport.invoke("preview")
    as_json = json.loads(rapport.invoke("preview", "--json").stdout)

    assert table.exit_code == 0, table.output
    cold = [finding for finding in as_json if finding["kind"] == "cold_contact"]
    assert [finding["emails"] for finding in cold] == [[LEE], [SAM]]  # five exchanges beat three
    assert cold[0]["score"] > cold[1]["score"]
    assert "Lee Park (lee.park@old.example)" in table.output
    assert "Sam Lee (sam.lee@example.org)" not in table.output
    assert "1 more cold contact (rapport preview --json lists them all)" in table.output
    assert "Met Dana Kim (dana@acme.io), 'Coffee with Dana'" in table.output
    assert QUESTION in table.output
    lines = table.output.splitlines()
    kinds = [
        label
        for line in lines
        for label in ("thank-you", "cold contact", "awaiting reply")
        if f"│ {label}" in line
    ]
    assert kinds == ["thank-you", "cold contact", "awaiting reply"]


def test_the_table_reads_whole_on_an_80_column_terminal(sandbox_rapport: SandboxRapportFactory) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    assert rapport.invoke("sync").exit_code == 0

    table = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["--config", str(rapport.config), "preview"])

    assert table.exit_code == 0, table.output
    assert "…" not in table.output  # long addresses wrap inside their cell instead of being cut
    assert max(len(line) for line in table.output.splitlines()) <= 80


def test_preview_and_draft_before_the_first_sync_say_to_sync_first(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))

    before = [
        rapport.invoke(*command) for command in (["preview"], ["preview", "--json"], ["draft", "--dry-run"])
    ]
    assert rapport.invoke("sync").exit_code == 0
    after = rapport.invoke("preview")

    hint = (
        "rapport: account work has not finished its first sync, so its findings are incomplete"
        " — run: rapport sync"
    )
    for result in before:
        assert result.exit_code == 0, result.output
        assert hint in result.stderr
    assert json.loads(before[1].stdout) == []
    assert hint not in after.stderr
