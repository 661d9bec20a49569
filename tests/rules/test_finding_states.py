"""Findings keep the user's decisions across runs: dismissed stays dismissed, resolved is never reopened,
drafted is refreshed in place, and a finding that no longer holds is resolved with the reason why."""

from __future__ import annotations

from datetime import timedelta

from rules.settings import ColdContactRule, ThankYouRule
from tests.fixtures_rules import NOW, USER, RulesEnvFactory, Scenario, days_ago, hours_ago

THANK_YOU = ThankYouRule(name="thank-you")
COLD = ColdContactRule(name="cold-contacts")


def test_a_dismissed_finding_stays_dismissed(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.meeting("coffee", summary="Coffee", start=hours_ago(30), attendees=["dana@acme.io"])
    env = rules_env(scenario)
    env.run([THANK_YOU])
    env.set_state("thank_you:coffee", "dismissed")

    report = env.run([THANK_YOU])

    assert env.findings() == []
    assert [(f.occasion_key, f.state) for f in env.stored_findings()] == [("thank_you:coffee", "dismissed")]
    assert report.opened == 0


def test_a_drafted_finding_is_refreshed_and_keeps_its_state(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    for days in (200, 180, 160):
        sent = scenario.user_writes("sam@example.org", "Hi", "How are you?", at=days_ago(days))
        scenario.writes("sam@example.org", "Re: Hi", "Fine!", at=days_ago(days - 0.1), reply_to=sent)
    env = rules_env(scenario)
    env.run([COLD])
    [finding] = env.findings("cold_contact")
    env.set_state(finding["occasion_key"], "drafted")

    env.run([COLD], now=NOW + timedelta(days=3), sync=False)

    [refreshed] = env.findings("cold_contact")
    assert refreshed["state"] == "drafted"
    assert refreshed["occasion_key"] == finding["occasion_key"]
    assert refreshed["reason"] != finding["reason"]  # three more days of silence
    assert len(env.stored_findings()) == 1


def test_a_resolved_finding_is_never_reopened(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.meeting("coffee", summary="Coffee", start=hours_ago(30), attendees=["dana@acme.io"])
    env = rules_env(scenario)
    env.run([THANK_YOU])
    thanks = env.sync_env.state.user_sends(
        USER, to="dana@acme.io", subject="Thanks", body="Thanks!", at=hours_ago(3)
    )
    env.run([THANK_YOU])
    assert [f.state for f in env.stored_findings()] == ["resolved"]

    env.sync_env.state.delete_message(USER, thanks)  # the condition holds again
    env.run([THANK_YOU])

    assert env.findings() == []
    assert [f.state for f in env.stored_findings()] == ["resolved"]


def test_a_new_interaction_resolves_a_cold_contact_and_says_what_happened(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario(timezone="UTC")
    for days in (200, 180, 160):
        sent = scenario.user_writes("sam@example.org", "Hi", "How are you?", at=days_ago(days))
        scenario.writes("sam@example.org", "Re: Hi", "Fine!", at=days_ago(days - 0.1), reply_to=sent)
    env = rules_env(scenario)
    env.run([COLD])

    env.sync_env.state.deliver(
        USER, from_="Sam <sam@example.org>", to=USER, subject="News", body="Hi!", at=hours_ago(5)
    )
    env.run([COLD])

    [stored] = env.stored_findings()
    assert stored.state == "resolved"
    assert stored.state_reason == f"sam@example.org wrote on {hours_ago(5).day} {hours_ago(5):%b}"


def test_expired_and_disabled_findings_are_resolved_with_their_reason(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.meeting("coffee", summary="Coffee", start=days_ago(6), attendees=["dana@acme.io"])
    scenario.meeting("lunch", summary="Lunch", start=days_ago(2), attendees=["lee@acme.io"])
    env = rules_env(scenario)
    env.run([THANK_YOU])
    assert len(env.findings("thank_you")) == 2

    env.run([THANK_YOU], now=NOW + timedelta(days=2), sync=False)
    env.run([THANK_YOU.model_copy(update={"enabled": False})], now=NOW + timedelta(days=2), sync=False)

    reasons = {f.occasion_key: (f.state, f.state_reason) for f in env.stored_findings()}
    assert reasons == {
        "thank_you:coffee": ("resolved", "expired: the meeting is more than 7 days ago"),
        "thank_you:lunch": ("resolved", "its rule is no longer enabled"),
    }


def test_a_cancelled_meeting_resolves_its_finding(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.meeting("coffee", summary="Coffee", start=hours_ago(30), attendees=["dana@acme.io"])
    env = rules_env(scenario)
    env.run([THANK_YOU])

    env.sync_env.state.cancel_event(USER, USER, "coffee")
    env.run([THANK_YOU])

    assert [(f.state, f.state_reason) for f in env.stored_findings()] == [
        ("resolved", "the meeting was cancelled")
    ]
