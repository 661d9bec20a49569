"""A meeting makes the people in it "met" only when it is small enough to know them all: at most
`max_meeting_size` other attendees (default 8) and not `attendeesOmitted`. Sitting in an all-hands is no
relationship: it qualifies nobody as a cold contact, refreshes nobody's last interaction, adds no strength."""

from __future__ import annotations

from datetime import datetime

from rules.settings import AwaitingReplyRule, ColdContactRule
from tests.fixtures_rules import RulesEnvFactory, Scenario, days_ago

COLD = ColdContactRule(name="cold-contacts")
AWAITING = AwaitingReplyRule(name="awaiting-reply")
ROOM = {"email": "c_42@resource.calendar.google.com", "resource": True, "responseStatus": "accepted"}


def at_ten(days: float) -> datetime:
    return days_ago(days).replace(hour=10, minute=0, second=0, microsecond=0)


def staff(count: int, domain: str = "corp.example") -> list[str]:
    return [f"person{number}@{domain}" for number in range(1, count + 1)]


def all_hands(scenario: Scenario, event_id: str, start: datetime, people: list[str]) -> None:
    """A company all-hands someone else organised, which the user accepted."""
    scenario.meeting(event_id, summary="All-hands", start=start, attendees=people, organizer_self=False)


def test_an_all_hands_of_twenty_and_nothing_else_makes_no_cold_contact(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    all_hands(scenario, "all-hands", at_ten(100), staff(20))
    env = rules_env(scenario)

    env.run([COLD])
    assert env.findings("cold_contact") == []

    env.run([COLD.model_copy(update={"max_meeting_size": 25})], sync=False)
    assert len(env.findings("cold_contact")) == 20  # the same meeting, counted when it is small enough


def test_one_mail_to_a_colleague_met_at_an_all_hands_is_still_one_way(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.user_writes("person3@corp.example", "Slides", "Here are the slides.", at=at_ten(110))
    all_hands(scenario, "all-hands", at_ten(100), staff(20))
    env = rules_env(scenario)

    env.run([COLD])

    assert env.findings("cold_contact") == []


def test_a_one_to_one_coffee_with_someone_the_user_mailed_once_makes_a_cold_contact(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario(timezone="UTC")
    scenario.user_writes("Kai Ito <kai@example.org>", "Coffee?", "Coffee next week?", at=at_ten(110))
    scenario.meeting("coffee", summary="Coffee with Kai", start=at_ten(100), attendees=["kai@example.org"])
    env = rules_env(scenario)

    env.run([COLD])

    [finding] = env.findings("cold_contact")
    assert finding["emails"] == ["kai@example.org"]
    assert finding["last_interaction"] == at_ten(100).isoformat()
    assert finding["reason"].startswith("You and Kai met or wrote every ~10 days (2 exchanges since")


def test_max_meeting_size_other_attendees_still_count_and_one_more_does_not(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario()
    team = staff(8, "team.example")
    declined = {"email": "away@team.example", "responseStatus": "declined"}
    scenario.meeting("workshop", summary="Workshop", start=at_ten(100), attendees=[*team, ROOM, declined])
    scenario.meeting(
        "review", summary="Design review", start=at_ten(100), attendees=staff(9, "crowd.example")
    )
    scenario.meeting(
        "omitted",
        summary="Town hall",
        start=at_ten(100),
        attendees=["listed@hall.example"],
        attendeesOmitted=True,
    )
    env = rules_env(scenario)

    env.run([COLD])

    assert sorted(f["emails"][0] for f in env.findings("cold_contact")) == sorted(team)


def test_an_all_hands_does_not_refresh_a_relationship_gone_cold(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario(timezone="UTC")
    for days in (192, 171, 150):  # every three weeks, the last 150 days ago
        sent = scenario.user_writes(
            "Sam Lee <sam@corp.example>", "Catching up", "How are things?", at=at_ten(days)
        )
        scenario.writes(
            "sam@corp.example",
            "Re: Catching up",
            "All good.",
            at=at_ten(days).replace(hour=12),
            reply_to=sent,
        )
    all_hands(scenario, "all-hands", at_ten(10), ["sam@corp.example", *staff(19)])
    env = rules_env(scenario)

    env.run([COLD])

    [finding] = env.findings("cold_contact")
    assert finding["emails"] == ["sam@corp.example"]
    assert finding["last_interaction"].startswith(at_ten(150).date().isoformat())
    assert finding["reason"].startswith("You and Sam wrote every ~3 weeks (3 exchanges since")


def test_a_cold_contact_known_only_from_an_all_hands_resolves_and_says_why(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario()
    all_hands(scenario, "all-hands", at_ten(100), staff(20))
    env = rules_env(scenario)
    env.run([COLD.model_copy(update={"max_meeting_size": 25})])

    env.run([COLD], sync=False)

    reasons = {f.state_reason for f in env.stored_findings() if f.state == "resolved"}
    assert len(env.stored_findings()) == 20
    assert reasons == {
        f"you met person{n}@corp.example only in meetings with more than 8 others" for n in range(1, 21)
    }


def test_an_all_hands_adds_no_strength_to_an_awaiting_reply(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    for days in (60, 40, 20):
        scenario.meeting(
            f"one-to-one-{days}", summary="1:1", start=at_ten(days), attendees=["ann@corp.example"]
        )
        all_hands(scenario, f"all-hands-{days}", at_ten(days), ["bo@corp.example", *staff(19)])
    asked_ann = scenario.user_writes(
        "ann@corp.example", "Budget", "Could you check the budget?", at=at_ten(12)
    )
    asked_bo = scenario.user_writes("bo@corp.example", "Budget", "Could you check the budget?", at=at_ten(12))
    env = rules_env(scenario)

    env.run([COLD, AWAITING])

    scores = {f["message_id"]: f["score"] for f in env.findings("awaiting_reply")}
    assert scores.keys() == {asked_ann.id, asked_bo.id}
    assert scores[asked_ann.id] > scores[asked_bo.id]
