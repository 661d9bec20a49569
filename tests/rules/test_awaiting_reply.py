"""awaiting_reply: a sent mail that asks something and got no answer, and every mail that must not nag."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from rules.settings import AwaitingReplyRule, Filters, IdentitySettings, ThankYouRule
from store.models import MessageIntent
from tests.fixtures_rules import USER, RulesEnvFactory, Scenario, days_ago, hours_ago

AWAITING = AwaitingReplyRule(name="awaiting-reply")
DANA = "Dana Kim <dana@acme.io>"
QUESTION = "Hi Dana,\n\nCould you send me the schedule for next week?\n\nThanks,\nAlex\n"


def weekdays_between(start: datetime, end: datetime) -> int:
    """Business days from `start` to `end`: each later weekday whose same hour has passed."""
    count, day = 0, start
    while (day := day + timedelta(days=1)) <= end:
        count += day.weekday() < 5
    return count


def test_an_unanswered_question_awaits_a_reply_and_quotes_the_question(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario(timezone="UTC")
    hello = scenario.writes(DANA, "Schedule", "Happy to help with the move.", at=days_ago(14))
    sent = scenario.user_writes(DANA, "Re: Schedule", QUESTION, at=days_ago(12), reply_to=hello)
    env = rules_env(scenario)

    env.run([AWAITING])

    [finding] = env.findings("awaiting_reply")
    asked = days_ago(12)
    assert (finding["message_id"], finding["thread_id"]) == (sent.id, hello.thread_id)
    assert finding["emails"] == ["dana@acme.io"]
    assert finding["reason"] == (
        f"You asked Dana on {asked.day} {asked:%b}: 'Could you send me the schedule for next week?' — "
        f"no reply in {weekdays_between(asked, days_ago(0))} business days"
    )


def test_mails_that_expect_nothing_or_were_answered_await_nothing(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    ask = "Could you review the draft?"
    # Found: bottom-posted question (quote first, question below), and a top-posted one.
    first = scenario.writes("lee@acme.io", "Draft", "Here it is.", at=days_ago(15))
    bottom = scenario.user_writes(
        "lee@acme.io",
        "Re: Draft",
        "On Mon, Lee wrote:\n> Here it is.\n\nDid you test the second part?\n",
        at=days_ago(12),
        reply_to=first,
    )
    top = scenario.user_writes(
        "kim@beta.example", "Offer", f"{ask}\n\nOn Tue, Kim wrote:\n> Thoughts?\n", at=days_ago(11)
    )
    # Not found: an acknowledgement, an Acked-by, an answered question, too recent, too old, a list,
    # and questions to machines (a no-reply address, Auto-Submitted, a bulk mailing outside any list).
    ack_to = scenario.writes("ann@gamma.example", "Patch v2", "Can you apply it?", at=days_ago(14))
    scenario.user_writes(
        "ann@gamma.example", "Re: Patch v2", "Thanks, queued for 1.4.\n", at=days_ago(12), reply_to=ack_to
    )
    acked_to = scenario.writes("bo@gamma.example", "[PATCH] fix", "Does this work?", at=days_ago(14))
    scenario.user_writes(
        "bo@gamma.example",
        "Re: [PATCH] fix",
        "> Does this work?\n\nAcked-by: Alex <alex@example.com>\n",
        at=days_ago(12),
        reply_to=acked_to,
    )
    answered = scenario.user_writes("cy@delta.example", "Lunch?", ask, at=days_ago(12))
    scenario.writes("cy@delta.example", "Re: Lunch?", "Sure!", at=days_ago(11), reply_to=answered)
    scenario.user_writes("di@delta.example", "Question", ask, at=days_ago(2))
    scenario.user_writes("ed@delta.example", "Question", ask, at=days_ago(25))
    scenario.user_writes(
        "dev@lists.example",
        "[dev] Question",
        ask,
        at=days_ago(12),
        headers=[("List-Id", "<dev.lists.example>")],
    )
    scenario.writes(
        "dev-poster@example.org",
        "[dev] Hello",
        "Hi all",
        at=days_ago(20),
        to="dev@lists.example",
        headers=[("List-Id", "<dev.lists.example>"), ("List-Post", "<mailto:dev@lists.example>")],
    )
    robot = scenario.writes("Shop <no-reply@shop.example>", "Your order", "Shipped.", at=days_ago(14))
    scenario.user_writes(
        "no-reply@shop.example", "Re: Your order", "Where is my parcel?", at=days_ago(12), reply_to=robot
    )
    notice = scenario.writes(
        "billing@service.example",
        "Invoice",
        "Due.",
        at=days_ago(14),
        headers=[("Auto-Submitted", "auto-generated")],
    )
    scenario.user_writes(
        "billing@service.example", "Re: Invoice", "Can you resend it?", at=days_ago(12), reply_to=notice
    )
    mass_mailing = scenario.writes(
        "Events <events@conf.example>", "Your ticket", at=days_ago(14), headers=[("Precedence", "bulk")]
    )
    scenario.user_writes(
        "events@conf.example",
        "Re: Your ticket",
        "Can I change the name?",
        at=days_ago(12),
        reply_to=mass_mailing,
    )
    env = rules_env(scenario)

    env.run([AWAITING])

    found = {finding["message_id"] for finding in env.findings("awaiting_reply")}
    assert found == {bottom.id, top.id}


def test_a_thank_you_note_never_awaits_a_reply(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.meeting("interview", summary="Interview", start=days_ago(13), attendees=["dana@acme.io"])
    scenario.user_writes(
        DANA,
        "Thank you!",
        "Hi Dana,\n\nThank you for your time today! Do let me know if you need anything?\n",
        at=days_ago(12.9),
    )
    scenario.meeting("coffee", summary="Coffee", start=days_ago(14), attendees=["lee@acme.io"])
    scenario.user_writes(
        "lee@acme.io", "Great to meet", "Thanks again for the coffee. Could we meet again?", at=days_ago(12)
    )
    scenario.meeting("intro", summary="Intro", start=days_ago(10), attendees=["kai@gamma.example"])
    scenario.user_writes(
        "kai@gamma.example",
        "Today",
        "Hi Kai,\n\nLovely to meet you today. I'll send the deck next week.\n",
        at=days_ago(9.9),
    )
    env = rules_env(scenario)

    env.run([ThankYouRule(name="thank-you"), AWAITING])

    assert env.findings("awaiting_reply") == []


def test_a_sent_thank_you_that_resolved_a_finding_is_not_awaiting_either(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    scenario.meeting("coffee", summary="Coffee", start=days_ago(6), attendees=["lee@acme.io"])
    env = rules_env(scenario)
    rules = [ThankYouRule(name="thank-you"), AWAITING.model_copy(update={"after_days": 1})]
    env.run(rules, now=days_ago(5.8))
    assert len(env.findings("thank_you")) == 1

    # No thanks in its subject or opening, but it is the mail that settled the thank-you.
    env.sync_env.state.user_sends(
        USER, to="lee@acme.io", subject="Follow-up", body="Could we meet again?", at=days_ago(5.5)
    )
    env.run(rules)

    assert env.findings("thank_you") == []
    assert env.findings("awaiting_reply") == []


def test_a_sent_rapport_thank_you_draft_never_awaits_a_reply(rules_env: RulesEnvFactory) -> None:
    # The user rewrote Rapport's draft: no thanks left in its subject or opening, and it asks something.
    # Its X-Rapport-Key still says it was the thank-you for a meeting.
    scenario = Scenario()
    body = "Hi Dana,\n\nI enjoyed hearing about the platform team. Could you send me the job description?\n"
    scenario.user_writes(
        DANA,
        "Platform team",
        body,
        at=days_ago(10),
        headers=[("X-Rapport-Key", "thank_you:interview:dana@acme.io")],
    )
    by_hand = scenario.user_writes("lee@acme.io", "Platform team", body, at=days_ago(10))
    env = rules_env(scenario)

    env.run([AWAITING])

    assert [finding["message_id"] for finding in env.findings("awaiting_reply")] == [by_hand.id]


def test_outreach_that_opened_a_thread_awaits_a_reply(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario(timezone="UTC")
    sent = scenario.user_writes(
        "Pat <pat@venture.example>",
        "Introduction",
        "Hi Pat,\n\nI lead the platform team at Acme. I'd love to compare notes.\n",
        at=days_ago(10),
    )
    env = rules_env(scenario)

    env.run([AWAITING])

    [finding] = env.findings("awaiting_reply")
    assert finding["message_id"] == sent.id
    assert finding["reason"].startswith(
        f"You wrote to Pat on {days_ago(10).day} {days_ago(10):%b}: 'I lead the platform team at Acme.'"
    )


def test_an_answer_gmail_threaded_apart_is_no_outreach(rules_env: RulesEnvFactory) -> None:
    # Only a mail that starts its thread and answers nothing is outreach, expecting an answer on its first
    # sentence alone. An answer under a new subject starts a new Gmail thread, and an answer to a mail that
    # is not in the mailbox starts its thread too, but both name their parent in In-Reply-To or References.
    scenario = Scenario()
    asked = scenario.writes(DANA, "Contract", "Can you send me the signed contract?", at=days_ago(12))
    scenario.user_writes(
        DANA,
        "Signed contract",
        "Here is the signed contract.",
        at=days_ago(11),
        headers=[("In-Reply-To", asked.message_id), ("References", asked.message_id)],
    )
    scenario.user_writes(
        "lee@acme.io",
        "Re: Offsite",
        "I booked the room for Thursday.",
        at=days_ago(11),
        headers=[("In-Reply-To", "<gone@acme.io>")],
    )
    scenario.user_writes(
        "kim@beta.example",
        "Re: Slides",
        "The slides are in the shared folder.",
        at=days_ago(11),
        headers=[("References", "<older@beta.example> <gone@beta.example>")],
    )
    env = rules_env(scenario)

    env.run([AWAITING])

    assert env.findings("awaiting_reply") == []


def test_only_the_last_mail_of_a_thread_awaits_and_a_draft_settles_nothing(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario()
    first = scenario.user_writes(DANA, "Offer", "Any news on the offer?", at=days_ago(16))
    again = scenario.user_writes(
        DANA, "Re: Offer", "Any update on the offer?", at=days_ago(9), reply_to=first
    )
    scenario.mail(
        sender=USER, to="dana@acme.io", subject="Re: Offer", at=days_ago(8), reply_to=again, labels=["DRAFT"]
    )
    env = rules_env(scenario)

    env.run([AWAITING])

    assert [finding["message_id"] for finding in env.findings("awaiting_reply")] == [again.id]


def test_never_nudge_labels_and_addresses_yield_nothing(rules_env: RulesEnvFactory) -> None:
    scenario = Scenario()
    label = scenario.label("Rapport/never-nudge")
    scenario.user_writes(DANA, "Question", "Could you check?", at=days_ago(10), labels=["SENT", label])
    scenario.user_writes("boss@acme.io", "Question", "Could you check?", at=days_ago(10))
    env = rules_env(scenario)

    env.run([AWAITING], identity=IdentitySettings(never_nudge=["boss@acme.io"]))

    assert env.findings("awaiting_reply") == []


def test_each_candidate_body_is_fetched_once_and_the_reply_resolves_the_finding(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario()
    sent = scenario.user_writes(DANA, "Schedule", QUESTION, at=days_ago(10))
    scenario.user_writes("lee@acme.io", "Thanks", "Thanks, see you then!", at=days_ago(10))
    env = rules_env(scenario)
    env.sync_env.sync()
    log = env.sync_env.server.log
    log.clear()

    first = env.run([AWAITING], sync=False)
    first_units = log.units()
    second = env.run([AWAITING], sync=False)

    assert first.bodies_fetched == 2  # the two candidates, in one call
    assert len(env.fetched) == 1
    assert first_units == 2 * 5  # the whole extra cost of the rules: two messages.get
    assert second.bodies_fetched == 0  # decided once, cached
    assert log.units() == first_units
    assert [f["message_id"] for f in env.findings("awaiting_reply")] == [sent.id]

    env.sync_env.state.deliver(
        USER,
        from_="Dana Kim <dana@acme.io>",
        to=USER,
        subject="Re: Schedule",
        body="Attached.",
        thread_id=sent.thread_id,
        at=hours_ago(2),
    )
    report = env.run([AWAITING])

    assert report.resolved == 1
    assert env.findings("awaiting_reply") == []
    [stored] = env.stored_findings()
    assert stored.state_reason == f"dana@acme.io replied on {hours_ago(2).day} {hours_ago(2):%b}"


def test_edited_phrase_lists_decide_again_exactly_the_mails_they_decided(rules_env: RulesEnvFactory) -> None:
    # Decisions are kept so that no body is fetched twice; one made with phrase lists the user has since
    # edited is made again with the new lists. Another instance's decisions, whose lists nobody edited,
    # stand: the same sentence to Kim still expects nothing.
    scenario = Scenario()
    invoice = scenario.writes(DANA, "Invoice", "The invoice is attached.", at=days_ago(12))
    advise = scenario.user_writes(
        DANA, "Re: Invoice", "Please advise on the payment terms.\n", at=days_ago(11), reply_to=invoice
    )
    notes = scenario.writes("lee@acme.io", "Slides", "Here are my notes.", at=days_ago(12))
    asks = scenario.user_writes(
        "lee@acme.io", "Re: Slides", "Could you send the slides too?\n", at=days_ago(11), reply_to=notes
    )
    draft = scenario.writes("kim@beta.example", "Draft", "Here it is.", at=days_ago(12))
    scenario.user_writes(
        "kim@beta.example",
        "Re: Draft",
        "Please advise on the second part.\n",
        at=days_ago(11),
        reply_to=draft,
    )
    acme = AwaitingReplyRule(name="acme", filters=Filters(include_domains=["acme.io"]))
    others = AwaitingReplyRule(name="others")
    env = rules_env(scenario)
    env.sync_env.sync()
    log = env.sync_env.server.log
    log.clear()

    first = env.run([acme, others], sync=False)
    assert first.bodies_fetched == log.count("gmail.users.messages.get") == 3
    assert [f["message_id"] for f in env.findings("awaiting_reply")] == [asks.id]

    log.clear()
    edited = acme.model_copy(update={"request_phrases": [*acme.request_phrases, "please advise"]})
    second = env.run([edited, others], sync=False)

    assert second.bodies_fetched == log.count("gmail.users.messages.get") == 2
    assert sorted(env.fetched[-1]) == sorted([advise.id, asks.id])  # the mails the edited lists decided
    found = {f["message_id"]: f for f in env.findings("awaiting_reply")}
    assert set(found) == {advise.id, asks.id}
    assert "'Please advise on the payment terms.'" in found[advise.id]["reason"]

    # Decided again once: the next run, with the lists reordered and in capitals, fetches nothing.
    log.clear()
    same = edited.model_copy(
        update={"request_phrases": [p.upper() for p in reversed(edited.request_phrases)]}
    )
    third = env.run([same, others], sync=False)

    assert third.bodies_fetched == log.count("gmail.users.messages.get") == 0
    assert {f["message_id"] for f in env.findings("awaiting_reply")} == {advise.id, asks.id}


def test_decisions_stored_without_a_fingerprint_are_made_again_once(rules_env: RulesEnvFactory) -> None:
    # Migration 0005 leaves the decisions stored before it without a fingerprint: nobody knows which
    # settings made them (nor whether they took an answer under a new subject for outreach).
    scenario = Scenario()
    sent = scenario.user_writes(DANA, "Schedule", QUESTION, at=days_ago(10))
    env = rules_env(scenario)
    env.run([AWAITING])
    with env.sync_env.session_factory.begin() as session:
        session.execute(update(MessageIntent).values(fingerprint=None))
    log = env.sync_env.server.log
    log.clear()

    again = env.run([AWAITING], sync=False)
    then = env.run([AWAITING], sync=False)

    assert again.bodies_fetched == 1
    assert then.bodies_fetched == 0
    assert log.count("gmail.users.messages.get") == 1
    assert [f["message_id"] for f in env.findings("awaiting_reply")] == [sent.id]


def test_an_answer_that_changed_the_subject_still_settles_the_question(rules_env: RulesEnvFactory) -> None:
    # A new subject makes Gmail start a new thread, but In-Reply-To still names the question it answers.
    scenario = Scenario()
    sent = scenario.user_writes(DANA, "Schedule", QUESTION, at=days_ago(10))
    env = rules_env(scenario)
    env.run([AWAITING])
    assert [f["message_id"] for f in env.findings("awaiting_reply")] == [sent.id]

    answer = env.sync_env.state.deliver(
        USER,
        from_="Dana Kim <dana@acme.io>",
        to=USER,
        subject="Next week's schedule (final)",
        body="Attached.",
        in_reply_to=sent.id,
        at=hours_ago(2),
    )
    report = env.run([AWAITING])

    assert env.sync_env.state.message(USER, answer)["threadId"] != sent.thread_id
    assert report.resolved == 1
    assert env.findings("awaiting_reply") == []
    [stored] = env.stored_findings()
    assert stored.state_reason == f"dana@acme.io replied on {hours_ago(2).day} {hours_ago(2):%b}"

    with_answer_from_the_start = Scenario()
    asked = with_answer_from_the_start.user_writes(DANA, "Schedule", QUESTION, at=days_ago(10))
    with_answer_from_the_start.mail(
        sender=DANA,
        to=USER,
        subject="Next week's schedule (final)",
        body="Attached.",
        at=days_ago(9),
        headers=[("In-Reply-To", asked.message_id)],
    )
    fresh = rules_env(with_answer_from_the_start)
    fresh.run([AWAITING])
    assert fresh.findings("awaiting_reply") == []


def test_mail_a_machine_sent_for_the_user_never_awaits_a_reply(rules_env: RulesEnvFactory) -> None:
    # Google Calendar sends the user's invitations from the user's address (Sender: calendar-notification);
    # an auto-reply carries Auto-Submitted. The answer to either comes through the calendar, or never.
    scenario = Scenario()
    scenario.user_writes(
        DANA,
        "Invitation: Coffee @ Tue 3 Nov 2026 10am - 11am (GMT)",
        "Alex Morgan has invited you to an event.\n\nJoin with Google Meet",
        at=days_ago(10),
        headers=[("Sender", "Google Calendar <calendar-notification@google.com>")],
    )
    scenario.user_writes(
        "lee@acme.io",
        "Away: Proposal",
        "I am away until Monday.",
        at=days_ago(10),
        headers=[("Auto-Submitted", "auto-replied")],
    )
    env = rules_env(scenario)

    env.run([AWAITING])

    assert env.findings("awaiting_reply") == []
