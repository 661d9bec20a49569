"""cold_contact: real two-way relationships gone quiet for longer than their own rhythm, strongest first."""

from __future__ import annotations

from datetime import datetime

from rules.settings import ColdContactRule, IdentitySettings
from tests.fixtures_rules import USER, RulesEnvFactory, Scenario, days_ago

COLD = ColdContactRule(name="cold-contacts")


def exchange(
    scenario: Scenario, contact: str, at: datetime, *, cc: tuple[str, ...] = (), subject: str = "Catching up"
) -> None:
    """The user writes to `contact` and gets an answer two hours later, the same day."""
    sent = scenario.user_writes(contact, subject, "How are things? Shall we talk?", at=at, cc=cc)
    scenario.writes(
        contact, f"Re: {subject}", "All good, talk soon.", at=at.replace(hour=at.hour + 2), reply_to=sent
    )


def at_ten(days: float) -> datetime:
    return days_ago(days).replace(hour=10, minute=0, second=0, microsecond=0)


def test_a_three_weekly_correspondent_silent_for_five_months_has_gone_cold(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario(timezone="UTC")
    for days in range(150 + 21 * 17, 149, -21):  # 18 exchanges three weeks apart, the last 150 days ago
        exchange(scenario, "Sam Lee <sam@example.org>", at_ten(days))
    env = rules_env(scenario)

    env.run([COLD])

    [finding] = env.findings("cold_contact")
    last = at_ten(150)
    first_year = at_ten(150 + 21 * 17).year
    assert finding["emails"] == ["sam@example.org"]
    assert finding["last_interaction"] == last.replace(hour=12).isoformat()
    silence = (days_ago(0) - last.replace(hour=12)).days
    year = "" if last.year == days_ago(0).year else f" {last.year}"
    assert finding["reason"] == (
        f"You and Sam wrote every ~3 weeks (18 exchanges since {first_year}); "
        f"last on {last.day} {last:%b}{year}, {silence} days ago"
    )
    assert finding["occasion_key"] == f"cold_contact:sam@example.org:{last.date().isoformat()}"


def test_each_relationship_goes_cold_at_its_own_rhythm(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    for days in range(50, 50 + 7 * 10, 7):  # weekly, silent 50 days: threshold max(45, 3 × 7) = 45
        exchange(scenario, "weekly@example.org", at_ten(days))
    for days in range(30, 30 + 7 * 10, 7):  # weekly, silent 30 days: not yet
        exchange(scenario, "recent@example.org", at_ten(days))
    for days in (100, 190, 280, 370):  # quarterly, silent 100 days: threshold 3 × 90 = 270
        exchange(scenario, "quarterly@example.org", at_ten(days))
    for days in (290, 380, 470, 560):  # quarterly, silent 290 days: cold
        exchange(scenario, "lapsed@example.org", at_ten(days))
    env = rules_env(scenario)

    env.run([COLD])

    assert {f["emails"][0] for f in env.findings("cold_contact")} == {
        "weekly@example.org",
        "lapsed@example.org",
    }


def test_only_two_way_human_relationships_are_candidates(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    for days in (200, 180, 160):
        scenario.user_writes("silent@example.org", "Hello?", "Are you there?", at=at_ten(days))
        scenario.writes("fan@example.org", "Newsletter idea", "You should read this.", at=at_ten(days))
        exchange(scenario, "No Reply <no-reply@shop.example>", at_ten(days))
        scenario.user_writes("digest@news.example", "Unsubscribe?", "How do I leave?", at=at_ten(days))
        scenario.writes(
            "digest@news.example",
            "Weekly digest",
            at=at_ten(days - 1),
            headers=[("List-Unsubscribe", "<mailto:x@news.example>")],
        )
        scenario.user_writes("bot@ci.example", "Rerun", "Please rerun.", at=at_ten(days))
        scenario.writes(
            "bot@ci.example",
            "Build failed",
            at=at_ten(days - 1),
            headers=[("Auto-Submitted", "auto-generated")],
        )
        exchange(scenario, "friend@example.org", at_ten(days))
    env = rules_env(scenario)

    env.run([COLD])

    assert [f["emails"] for f in env.findings("cold_contact")] == [["friend@example.org"]]


def test_meetings_make_a_relationship_unless_configured_otherwise(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.meeting("m1", summary="Coffee", start=at_ten(160), attendees=["kai@example.org"])
    scenario.meeting("m2", summary="Coffee", start=at_ten(150), attendees=["kai@example.org"])
    env = rules_env(scenario)

    env.run([COLD])
    assert [f["emails"] for f in env.findings("cold_contact")] == [["kai@example.org"]]
    assert env.findings("cold_contact")[0]["reason"].startswith(
        "You and Kai met every ~10 days (2 exchanges since"
    )

    env.run([COLD.model_copy(update={"meeting_counts": False})], sync=False)
    assert env.findings("cold_contact") == []


def test_relationships_silent_beyond_max_days_are_not_nagged(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    for days in (400, 420, 440):
        exchange(scenario, "old@example.org", at_ten(days))
    env = rules_env(scenario)

    env.run([COLD.model_copy(update={"max_days": 365})])
    assert env.findings("cold_contact") == []
    env.run([COLD], sync=False)
    assert len(env.findings("cold_contact")) == 1


def test_one_contact_per_person_across_case_plus_and_configured_aliases(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario(aliases=["alex.m@other.example"])
    exchange(scenario, "Dana Kim <Dana.Kim@Acme.io>", at_ten(200))
    exchange(scenario, "dana.kim+jobs@acme.io", at_ten(190))
    exchange(scenario, "Sam <sam@a.example>", at_ten(200))
    exchange(scenario, "Sam Lee <sam.lee@b.example>", at_ten(180))
    scenario.mail(sender="Alex <alex.m@other.example>", to="dana.kim@acme.io", subject="Hi", at=at_ten(170))
    scenario.writes("dana.kim@acme.io", "Re: Hi", to="alex.m@other.example", at=at_ten(169))
    env = rules_env(scenario)

    env.run([COLD], identity=IdentitySettings(same_person=[["sam@a.example", "sam.lee@b.example"]]))

    found = sorted(email for f in env.findings("cold_contact") for email in f["emails"])
    assert len(found) == 2  # one finding per person, named by one address
    assert found[0] == "dana.kim@acme.io"
    assert found[1] in {"sam@a.example", "sam.lee@b.example"}
    assert all(USER not in f["emails"] and "alex.m@other.example" not in f["emails"] for f in env.findings())


def test_direct_relationships_rank_above_list_ones_above_a_single_exchange(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario()
    for days in (300, 270, 240, 210, 180):
        exchange(scenario, "direct@example.org", at_ten(days))
        poster = scenario.writes(
            "Lister <lister@example.org>",
            "[dev] Patch",
            "Here is a patch.",
            at=at_ten(days),
            to="dev@lists.example",
            headers=[
                ("List-Id", "<dev.lists.example>"),
                ("List-Post", "<mailto:dev@lists.example>"),
                ("Precedence", "list"),
            ],
        )
        scenario.user_writes(
            "lister@example.org",
            "Re: [dev] Patch",
            "Looks good.",
            at=at_ten(days - 0.1),
            cc="dev@lists.example",
            reply_to=poster,
        )
    exchange(scenario, "once@example.org", at_ten(150))
    env = rules_env(scenario)

    env.run([COLD])

    ranked = [f["emails"][0] for f in sorted(env.findings("cold_contact"), key=lambda f: -f["score"])]
    assert ranked == ["direct@example.org", "lister@example.org", "once@example.org"]
    assert all("dev@lists.example" not in f["emails"] for f in env.findings())


def test_never_nudge_addresses_and_labelled_threads_yield_nothing(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    label = scenario.label("Rapport/never-nudge")
    for days in (300, 250, 200):
        exchange(scenario, "boss@example.org", at_ten(days))
        exchange(scenario, "ex@example.org", at_ten(days))
    scenario.user_writes("ex@example.org", "Last words", "Bye.", at=at_ten(190), labels=["SENT", label])
    env = rules_env(scenario)

    env.run([COLD], identity=IdentitySettings(never_nudge=["Boss@Example.org"]))

    assert env.findings("cold_contact") == []


def test_several_instances_with_filters_and_the_first_instance_wins(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    for days in (120, 110, 100):  # gap 10 → threshold 45 → 100 days silent
        exchange(scenario, "ann@recruit.example", at_ten(days))
        exchange(scenario, "bo@friends.example", at_ten(days))
    for days in (70, 60, 50):  # 50 days silent: cold only for an instance with a 40-day minimum
        exchange(scenario, "cy@recruit.example", at_ten(days))
    env = rules_env(scenario)
    recruiters = ColdContactRule(
        name="recruiters", min_days=40, k=1.0, filters={"include_domains": ["recruit.example"]}
    )
    everyone = ColdContactRule(name="everyone", min_days=90)

    env.run([recruiters, everyone])

    found = {f["emails"][0]: f["rule"] for f in env.findings("cold_contact")}
    assert found == {
        "ann@recruit.example": "recruiters",
        "cy@recruit.example": "recruiters",
        "bo@friends.example": "everyone",
    }


def test_a_list_without_list_post_relays_people_while_a_newsletter_stays_a_machine(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario()
    vger = [
        ("List-Id", "<linux-kernel.vger.kernel.org>"),
        ("List-Unsubscribe", "<mailto:leave@vger.kernel.org>"),
    ]
    letter = [("List-Unsubscribe", "<mailto:leave@weekly.example>"), ("Precedence", "bulk")]
    for days in (200, 180, 160):
        post = scenario.writes(
            "Joe <joe@perches.example>",
            "[PATCH] fix",
            at=at_ten(days),
            to="linux-kernel@vger.kernel.org",
            headers=vger,
        )
        scenario.user_writes(
            "joe@perches.example",
            "Re: [PATCH] fix",
            "Nice.",
            at=at_ten(days - 0.2),
            cc="linux-kernel@vger.kernel.org",
            reply_to=post,
        )
        issue = scenario.writes("Weekly <editor@weekly.example>", "Issue", at=at_ten(days), headers=letter)
        scenario.user_writes(
            "editor@weekly.example", "Re: Issue", "Great issue.", at=at_ten(days - 0.2), reply_to=issue
        )
    env = rules_env(scenario)

    env.run([COLD])

    assert [f["emails"] for f in env.findings("cold_contact")] == [["joe@perches.example"]]


def test_bulk_or_junk_precedence_outside_any_list_is_a_machine_writing(rules_env: RulesEnvFactory) -> None:
    # An old `vacation` auto-reply carries only "Precedence: junk"; a mass mailing only "Precedence: bulk".
    # Neither is a person writing back, unless a list relayed the mail (the people on lists stay people).
    scenario = Scenario()
    for days in (200, 180, 160):
        sent = scenario.user_writes("Pat <pat@corp.example>", "Proposal", "Could you look?", at=at_ten(days))
        scenario.writes(
            "Pat <pat@corp.example>",
            "Out of office: Proposal",
            "I am away until Monday.",
            at=at_ten(days - 0.01),
            reply_to=sent,
            headers=[("Precedence", "junk")],
        )
        ticket = scenario.writes(
            "Events <events@conf.example>", "Your ticket", at=at_ten(days), headers=[("Precedence", "bulk")]
        )
        scenario.user_writes(
            "events@conf.example",
            "Re: Your ticket",
            "Can I change the name?",
            at=at_ten(days - 0.2),
            reply_to=ticket,
        )
        post = scenario.writes(
            "Kim <kim@hikers.example>",
            "Saturday walk",
            at=at_ten(days),
            to="hikers@lists.example",
            headers=[("Precedence", "bulk"), ("Sender", "hikers-bounces@lists.example")],
        )
        scenario.user_writes(
            "kim@hikers.example", "Re: Saturday walk", "Count me in.", at=at_ten(days - 0.2), reply_to=post
        )
    env = rules_env(scenario)

    env.run([COLD])

    assert [f["emails"] for f in env.findings("cold_contact")] == [["kim@hikers.example"]]
