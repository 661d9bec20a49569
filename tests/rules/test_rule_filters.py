"""Each rule instance's filters (docs/rules.md, "Filters, several instances, never nudge"): addresses,
domains, labels and titles, included or excluded, on every kind of finding."""

from __future__ import annotations

from datetime import datetime

from rules.settings import AwaitingReplyRule, ColdContactRule, ThankYouRule
from tests.fixtures_rules import RulesEnvFactory, Scenario, days_ago, hours_ago


def at_ten(days: float) -> datetime:
    return days_ago(days).replace(hour=10, minute=0, second=0, microsecond=0)


def exchange(scenario: Scenario, contact: str, at: datetime, labels: list[str] | None = None) -> None:
    """The user writes to `contact` and gets an answer two hours later; `labels` go on both mails."""
    sent = scenario.user_writes(
        contact, "Catching up", "How are things?", at=at, labels=None if labels is None else ["SENT", *labels]
    )
    scenario.writes(
        contact,
        "Re: Catching up",
        "All good.",
        at=at.replace(hour=12),
        reply_to=sent,
        labels=None if labels is None else ["INBOX", *labels],
    )


def test_cold_contacts_are_filtered_by_address_domain_and_label(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    personal = scenario.label("Personal")
    for days in (300, 250, 200):
        exchange(scenario, "ann@acme.io", at_ten(days))
        exchange(scenario, "bo@acme.io", at_ten(days))
        exchange(scenario, "cy@mail.spam.example", at_ten(days))
        exchange(scenario, "dee@friends.example", at_ten(days), labels=[personal])
    env = rules_env(scenario)
    filtered = ColdContactRule(
        name="cold",
        filters={
            "exclude_addresses": ["BO@acme.io"],
            "exclude_domains": ["spam.example"],  # a subdomain matches its domain
            "exclude_labels": ["Personal"],  # mail in those threads is no interaction
        },
    )
    only_bo = ColdContactRule(name="only-bo", filters={"include_addresses": ["bo@acme.io"]})

    env.run([filtered])
    assert [f["emails"] for f in env.findings("cold_contact")] == [["ann@acme.io"]]

    env.run([only_bo], sync=False)
    assert [f["emails"] for f in env.findings("cold_contact")] == [["bo@acme.io"]]


def test_thank_yous_are_filtered_by_title_and_name_only_the_attendees_that_pass(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario()
    scenario.meeting(
        "coffee",
        summary="Coffee",
        start=hours_ago(30),
        attendees=["dana@acme.io", "recruiter@agency.example"],
    )
    scenario.meeting("standup", summary="Team standup", start=hours_ago(30), attendees=["lee@acme.io"])
    scenario.meeting(
        "tentative",
        summary="Intro",
        start=hours_ago(30),
        attendees=["kai@gamma.example"],
        organizer_self=False,
        self_response="tentative",  # the user said "maybe": still there
    )
    env = rules_env(scenario)
    rule = ThankYouRule(
        name="thank-you",
        filters={"exclude_title_keywords": ["standup"], "exclude_domains": ["agency.example"]},
    )

    env.run([rule])

    found = {f["event_id"]: f["emails"] for f in env.findings("thank_you")}
    assert found == {"coffee": ["dana@acme.io"], "tentative": ["kai@gamma.example"]}


def test_awaiting_replies_are_filtered_by_label_subject_and_recipient(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    waiting = scenario.label("Waiting on vendor")
    ask = "Could you send the figures?"
    kept = scenario.user_writes("dana@acme.io", "Figures", ask, at=days_ago(10))
    scenario.user_writes("ops@vendor.example", "Invoice", ask, at=days_ago(10), labels=["SENT", waiting])
    scenario.user_writes("lee@acme.io", "[internal] Figures", ask, at=days_ago(10))
    scenario.user_writes("bo@agency.example", "Figures", ask, at=days_ago(10))
    both = scenario.user_writes(["kai@gamma.example", "cy@agency.example"], "Figures", ask, at=days_ago(10))
    env = rules_env(scenario)
    rule = AwaitingReplyRule(
        name="awaiting",
        filters={
            "exclude_labels": ["Waiting on vendor"],
            "exclude_title_keywords": ["[internal]"],
            "exclude_domains": ["agency.example"],
        },
    )

    env.run([rule])

    found = {f["message_id"]: f["emails"] for f in env.findings("awaiting_reply")}
    assert found == {kept.id: ["dana@acme.io"], both.id: ["kai@gamma.example"]}
