"""thank_you: a meeting the user attended that still needs its thank-you, and every near miss."""

from __future__ import annotations

from rules.settings import ThankYouRule
from tests.fixtures_rules import USER, RulesEnvFactory, Scenario, days_ago, hours_ago

DANA = "Dana Kim <dana@acme.io>"
THANK_YOU = ThankYouRule(name="thank-you")


def test_an_interview_with_no_mail_since_needs_a_thank_you(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario(timezone="UTC")
    scenario.meeting(
        "interview1",
        summary="Interview — Platform team",
        start=hours_ago(30),
        attendees=[{"email": "dana@acme.io", "displayName": "Dana Kim", "responseStatus": "accepted"}],
    )
    env = rules_env(scenario)

    report = env.run([THANK_YOU])

    [finding] = env.findings("thank_you")
    assert finding["event_id"] == "interview1"
    assert finding["emails"] == ["dana@acme.io"]
    assert finding["state"] == "open"
    assert finding["occasion_key"] == "thank_you:interview1"
    start = hours_ago(30)
    assert finding["reason"] == (
        f"Met Dana Kim (dana@acme.io), 'Interview — Platform team', "
        f"{start:%a} {start.day} {start:%b} {start:%H:%M}–{hours_ago(29):%H:%M}; no mail to Dana since"
    )
    # 1 + keyword ("interview") + 0.5 × (6 − 1), at most 1
    assert finding["score"] == 3.0
    assert report.found_by_kind["thank_you"] == 1


def test_near_misses_need_no_thank_you(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    dana = ["dana@acme.io"]
    scenario.meeting("good", summary="Coffee", start=hours_ago(26), attendees=dana)
    scenario.meeting("too-recent", summary="Coffee", start=hours_ago(2.5), attendees=dana)
    scenario.meeting("too-old", summary="Coffee", start=days_ago(8), attendees=dana)
    scenario.meeting("cancelled", summary="Coffee", start=hours_ago(30), attendees=dana, status="cancelled")
    scenario.meeting("all-day", summary="Offsite", start=hours_ago(30), attendees=dana)
    scenario.events[-1].update(
        start={"date": days_ago(2).date().isoformat()}, end={"date": days_ago(1).date().isoformat()}
    )
    for kind in ("outOfOffice", "focusTime", "workingLocation"):
        scenario.meeting(kind.lower(), summary=kind, start=hours_ago(30), attendees=dana, eventType=kind)
    scenario.meeting(
        "declined",
        summary="Coffee",
        start=hours_ago(30),
        attendees=dana,
        organizer_self=False,
        self_response="declined",
    )
    # The user organised the meeting for others and declined their own invitation: not there.
    scenario.meeting(
        "organised-declined", summary="Coffee", start=hours_ago(30), attendees=dana, self_response="declined"
    )
    scenario.meeting(
        "not-answered",
        summary="Coffee",
        start=hours_ago(30),
        attendees=dana,
        organizer_self=False,
        self_response="needsAction",
    )
    weekly = scenario.weekly_meeting("weekly", summary="1:1", start=hours_ago(40), attendees=dana)
    scenario.meeting(
        "room-only",
        summary="Focus room",
        start=hours_ago(30),
        attendees=[
            {"email": "room-1@resource.calendar.google.com", "resource": True, "responseStatus": "accepted"},
            {"email": "team@group.calendar.google.com", "responseStatus": "accepted"},
        ],
    )
    scenario.meeting(
        "too-many", summary="Review", start=hours_ago(30), attendees=[f"p{n}@acme.io" for n in range(7)]
    )
    scenario.meeting(
        "omitted", summary="All hands", start=hours_ago(30), attendees=dana, attendeesOmitted=True
    )
    scenario.meeting(
        "all-declined",
        summary="Coffee",
        start=hours_ago(30),
        attendees=[{"email": "lee@acme.io", "responseStatus": "declined"}],
    )
    scenario.meeting("thanked", summary="Coffee", start=hours_ago(50), attendees=["sam@beta.example"])
    scenario.user_writes(
        "Sam <sam+work@Beta.example>", "Thank you!", "Thanks for the coffee.", at=hours_ago(47)
    )
    scenario.meeting("mailed-before", summary="Coffee", start=hours_ago(30), attendees=["kai@gamma.example"])
    scenario.user_writes("kai@gamma.example", "See you tomorrow", "Looking forward to it.", at=hours_ago(40))
    env = rules_env(scenario)

    env.run([THANK_YOU])

    assert {finding["event_id"] for finding in env.findings("thank_you")} == {"good", "mailed-before"}
    assert weekly not in {finding["event_id"] for finding in env.findings()}


def test_recurring_meetings_count_when_configured(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    instance = scenario.weekly_meeting(
        "weekly", summary="1:1", start=hours_ago(40), attendees=["dana@acme.io"]
    )
    env = rules_env(scenario)

    env.run([THANK_YOU.model_copy(update={"include_recurring": True})])

    assert [finding["event_id"] for finding in env.findings("thank_you")] == [instance]


def test_title_keywords_and_small_meetings_score_higher(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.meeting("coffee", summary="Coffee with Dana", start=hours_ago(30), attendees=["dana@acme.io"])
    scenario.meeting("sync", summary="Quarterly sync", start=hours_ago(30), attendees=["lee@acme.io"])
    scenario.meeting(
        "review", summary="Quarterly sync", start=hours_ago(30), attendees=[f"p{n}@acme.io" for n in range(5)]
    )
    env = rules_env(scenario)

    env.run([THANK_YOU])

    scores = {finding["event_id"]: finding["score"] for finding in env.findings("thank_you")}
    assert scores == {"coffee": 3.0, "sync": 2.0, "review": 1.5}


def test_mail_to_an_attendee_resolves_the_finding_and_says_so(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario(timezone="UTC")
    scenario.meeting(
        "coffee", summary="Coffee", start=hours_ago(30), attendees=["dana@acme.io", "lee@acme.io"]
    )
    env = rules_env(scenario)
    env.run([THANK_YOU])
    assert len(env.findings("thank_you")) == 1

    sent = env.sync_env.state.user_sends(
        USER, to="Lee <LEE@acme.io>", subject="Thanks!", body="Great to meet you.", at=hours_ago(1)
    )
    report = env.run([THANK_YOU])

    assert env.findings("thank_you") == []
    assert report.resolved == 1
    [stored] = env.stored_findings()
    assert stored.state == "resolved"
    assert stored.state_reason == f"you wrote to lee@acme.io on {hours_ago(1).day} {hours_ago(1):%b}"
    assert stored.evidence["resolved_by"] == sent


def test_other_calendars_and_titles_are_filtered_per_instance(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.meeting(
        "interview", summary="Interview: backend", start=hours_ago(30), attendees=["dana@acme.io"]
    )
    scenario.meeting("standup", summary="Standup", start=hours_ago(30), attendees=["lee@acme.io"])
    scenario.meeting("recruiter", summary="Intro", start=hours_ago(30), attendees=["ann@recruit.example"])
    env = rules_env(scenario)
    interviews = ThankYouRule(name="interviews", filters={"title_keywords": ["interview"]})
    recruiters = ThankYouRule(name="recruiters", filters={"include_domains": ["recruit.example"]})
    elsewhere = ThankYouRule(name="elsewhere", filters={"calendars": ["work-calendar"]})

    env.run([interviews, recruiters, elsewhere])

    found = {finding["event_id"]: finding["rule"] for finding in env.findings("thank_you")}
    assert found == {"interview": "interviews", "recruiter": "recruiters"}
