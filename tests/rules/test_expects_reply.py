"""Whether a sent mail expects an answer, judged on the user's own new text only (issue 10 point 2)."""

from __future__ import annotations

import pytest

from rules.intent import IntentClassifier, says_thank_you
from rules.newtext import new_text
from rules.settings import AwaitingReplyRule

DEFAULTS = AwaitingReplyRule(name="awaiting-reply")
CLASSIFIER = IntentClassifier(DEFAULTS.request_phrases, DEFAULTS.acknowledgements)

TOP_POSTED_QUESTION = """Hi Dana,

Could you send me the schedule for next week?

Thanks,
Alex

On Tue, Nov 12, 2024 at 10:00 AM Dana Kim <dana@acme.io>
wrote:
> Happy to help. Do you need anything else?
> Dana
"""

BOTTOM_POSTED_QUESTION = (
    "On Tue, 17 Nov 2009 13:15:25 -0800, Keith Packard <keithp@keithp.com> wrote:\n"
    "> I pushed the change to close the file after parsing.\n"
    "> Does it work for you?\n"
    "\n"
    "Did you test it on FreeBSD as well? The build fails there for me.\n"
    "\n"
    "-- \n"
    "Carl Worth\n"
)

INTERLEAVED_ANSWERS = """Keith Packard <keithp@keithp.com> writes:
> Can we merge this today?

Yes, merged.

> And the other one?

Also merged.
"""


@pytest.mark.parametrize(
    ("body", "trigger"),
    [
        (TOP_POSTED_QUESTION, "Could you send me the schedule for next week?"),
        (BOTTOM_POSTED_QUESTION, "Did you test it on FreeBSD as well?"),
        ("Let me know when the contract is ready.", "Let me know when the contract is ready."),
        ("Hi Sam, any update on the offer? Best, Alex", "any update on the offer?"),
        ("Thanks, queued. Would you mind rebasing it?", "Would you mind rebasing it?"),
        (
            "Am 12.11.2024 um 10:00 schrieb Dana Kim <dana@acme.io>:\n> Kannst du?\n\nWann passt es dir?",
            "Wann passt es dir?",
        ),
    ],
)
def test_a_question_or_request_in_the_new_text_expects_an_answer(body: str, trigger: str) -> None:
    intent = CLASSIFIER.classify(body, outreach=False)

    assert intent.expects_reply
    assert intent.trigger == trigger


@pytest.mark.parametrize(
    "body",
    [
        "Thanks, queued for the next release.\n\nOn Mon, 3 Nov 2025, Dana wrote:\n> Can you apply v2?",
        "Keith Packard <keithp@keithp.com> writes:\n> [PATCH] fix it?\n\nAcked-by: Carl <cworth@cworth.org>",
        "Looks right to me.\n\nReviewed-by: Carl Worth <cworth@cworth.org>",
        "Sounds good, see you then!\n\nSent from my iPhone\n\nOn 12 Nov 2024, Dana wrote:\n\n> Tuesday?",
        "Congrats!",
        "Will do.\n\n-----Original Message-----\nFrom: Dana\nSent: Tuesday\nSubject: Can you?\n\nCan you?",
        "Yes, I'll be there.\n\n________________________________\nFrom: Dana Kim\nSent: Monday\n\nComing?",
        INTERLEAVED_ANSWERS,
        "See https://example.com/calendar?week=47 for the slots.",
        "Noted.\n-- \nAlex Morgan\nAny questions? Call me.",
    ],
)
def test_acknowledgements_and_answers_expect_nothing(body: str) -> None:
    assert not CLASSIFIER.classify(body, outreach=False).expects_reply


def test_a_from_date_attribution_over_a_quote_keeps_the_answer_below_it() -> None:
    davem = (  # David Miller's replies on netdev, as the lkml corpus has them
        "From: Joe Perches <joe@perches.com>\n"
        "Date: Sun, 14 Nov 2010 19:04:58 -0800\n"
        "\n"
        "> Signed-off-by: Joe Perches <joe@perches.com>\n"
        "\n"
        "Applied, but could you send the rest as one series?\n"
    )

    assert new_text(davem) == "Applied, but could you send the rest as one series?"
    assert CLASSIFIER.classify(davem, outreach=False).expects_reply


def test_outreach_that_opens_a_thread_expects_an_answer_unless_it_is_a_thank_you() -> None:
    outreach = "Hi Dana,\n\nI'm Alex, a platform engineer. I'd love to learn about your team.\n\nBest,\nAlex"
    thanks = "Hi Dana,\n\nThank you for taking the time to meet today.\n\nBest,\nAlex"

    assert CLASSIFIER.classify(outreach, outreach=True).trigger == "I'm Alex, a platform engineer."
    assert not CLASSIFIER.classify(outreach, outreach=False).expects_reply
    assert not CLASSIFIER.classify(thanks, outreach=True).expects_reply


def test_the_request_phrases_are_configurable() -> None:
    strict = IntentClassifier(["please advise"], [])
    body = "Please advise on the invoice."

    assert strict.classify(body, outreach=False).expects_reply
    assert not CLASSIFIER.classify(body, outreach=False).expects_reply


def test_a_decisions_fingerprint_changes_with_the_phrase_lists_as_matched_and_outreach() -> None:
    fingerprint = CLASSIFIER.fingerprint(outreach=False)
    requests, acks = DEFAULTS.request_phrases, DEFAULTS.acknowledgements
    reordered = IntentClassifier([p.upper() for p in reversed(requests)] + [" could you ", ""], acks)

    assert reordered.fingerprint(outreach=False) == fingerprint  # case, order, repeats and blanks aside
    assert IntentClassifier([*requests, "please advise"], acks).fingerprint(outreach=False) != fingerprint
    assert IntentClassifier(requests, acks[1:]).fingerprint(outreach=False) != fingerprint
    assert CLASSIFIER.fingerprint(outreach=True) != fingerprint
    assert len(fingerprint) == 16


def test_a_long_asking_sentence_is_clipped_for_the_reason() -> None:
    body = "Could you " + "really " * 40 + "send it?"

    trigger = CLASSIFIER.classify(body, outreach=False).trigger

    assert trigger is not None
    assert len(trigger) <= 160
    assert trigger.endswith("…")


def test_mobile_signatures_and_signature_blocks_are_not_the_users_text() -> None:
    body = "On my way.\n\nSent from my iPhone\n\nOn Tue, Dana wrote:\n> Where are you?\n"

    assert new_text(body) == "On my way."


@pytest.mark.parametrize(
    ("subject", "snippet", "expected"),
    [
        ("Thank you!", "It was great to meet you", True),
        ("Re: Interview", "Hi Dana, Thank you so much for your time today. It was great", True),
        ("Following up", "Thanks again for the coffee — I enjoyed it", True),
        ("Today", "Hi Dana, Lovely to meet you today. I&#39;ll send the deck next week.", True),
        ("Following up", "It was a pleasure meeting you on Monday. Here is the link", True),
        ("Great to see you", "Here are the slides.", True),
        ("Catching up", "So good to talk yesterday! Let&#39;s do it again", True),
        ("Re: Schedule", "Nice. Could you send me the schedule?", False),
        ("Meet next week?", "Would you like to meet next week?", False),
        ("Following up", "On Tue, Nov 12, 2024 at 10:00 AM Dana &lt;d@acme.io&gt; wrote: &gt; thanks", False),
        ("Schedule", "Could you send me the schedule? Thanks, Alex", False),
        (None, None, False),
    ],
)
def test_a_thank_you_note_says_so_in_its_subject_or_opening(
    subject: str | None, snippet: str | None, expected: bool
) -> None:
    assert says_thank_you(subject, snippet) is expected
