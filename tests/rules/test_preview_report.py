"""What `rapport preview` shows: a JSON object per open finding with the documented names, and a table with
the strongest findings first and at most N cold contacts plus a line counting the rest."""

from __future__ import annotations

from datetime import datetime

from rules.report import preview
from rules.settings import default_rules
from tests.fixtures_rules import RulesEnvFactory, Scenario, days_ago, hours_ago


def exchanges(scenario: Scenario, contact: str, days: list[int]) -> None:
    for day in days:
        sent = scenario.user_writes(contact, "Hi", "How are you?", at=days_ago(day))
        scenario.writes(contact, "Re: Hi", "Fine!", at=days_ago(day - 0.1), reply_to=sent)


def build() -> Scenario:
    scenario = Scenario()
    scenario.meeting(
        "interview",
        summary="Interview",
        start=hours_ago(30),
        attendees=[{"email": "Dana@Acme.io", "displayName": "Dana Kim", "responseStatus": "accepted"}],
    )
    exchanges(scenario, "Close Friend <close@example.org>", [300, 270, 240, 210, 180, 150])
    exchanges(scenario, "medium@example.org", [260, 230, 200])
    exchanges(scenario, "weak@example.org", [200])
    scenario.user_writes("Lee <lee@acme.io>", "Question", "Could you send me the notes?", at=days_ago(10))
    return scenario


def test_the_json_names_every_open_finding_with_the_documented_fields(rules_env: RulesEnvFactory) -> None:
    env = rules_env(build())
    env.run(default_rules())

    found = env.findings()

    assert [f["kind"] for f in found] == ["thank_you"] + ["cold_contact"] * 3 + ["awaiting_reply"]
    for finding in found:
        assert {
            "kind",
            "emails",
            "event_id",
            "thread_id",
            "message_id",
            "last_interaction",
            "score",
            "reason",
        } <= set(finding)
        assert {"rule", "occasion_key", "due_at", "names", "state"} <= set(finding)
        assert finding["state"] == "open"
        assert all(email == email.lower() for email in finding["emails"])
    thank_you, *cold, awaiting = found
    assert thank_you["event_id"] == "interview"
    assert thank_you["emails"] == ["dana@acme.io"]
    assert thank_you["names"] == ["Dana Kim"]
    assert awaiting["message_id"] is not None
    assert awaiting["thread_id"] is not None
    assert all(datetime.fromisoformat(c["last_interaction"]).tzinfo is not None for c in cold)
    assert [c["emails"][0] for c in cold] == ["close@example.org", "medium@example.org", "weak@example.org"]


def test_the_table_shows_the_strongest_cold_contacts_and_counts_the_rest(rules_env: RulesEnvFactory) -> None:
    env = rules_env(build())
    env.run(default_rules())

    with env.sync_env.session_factory() as session:
        table = preview(session, env.sync_env.account_id, max_cold_contacts=2)

    assert [row.kind for row in table.rows] == ["thank_you", "cold_contact", "cold_contact", "awaiting_reply"]
    assert [row.contacts for row in table.rows if row.kind == "cold_contact"] == [
        "Close Friend (close@example.org)",
        "medium@example.org",
    ]
    assert table.more_cold_contacts == 1
    assert table.more_line == "1 more cold contact (rapport preview --json lists them all)"
    assert table.rows[0].contacts == "Dana Kim (dana@acme.io)"
