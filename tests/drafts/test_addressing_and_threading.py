"""Who each draft goes to and where it sits in Gmail: thank-yous as new messages, replies in their thread."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from typing import Any

from googleapiclient.http import HttpRequest
from rich.console import Console

from rapport.preview_table import render_drafts
from rules.settings import IdentitySettings
from sandbox.testing import credentials_for
from sync.client import GoogleApi
from sync.settings import DraftSettings
from tests.fixtures_drafts import (
    ALEX,
    AWAITING,
    CAFE_THREAD,
    COLD_LEE,
    COLD_SAM,
    COLD_ZOE,
    DANA,
    JOERG,
    LEE,
    NOW,
    OLD_THREAD,
    OPS,
    QUESTION,
    ROADMAP_THREAD,
    SAM,
    SCHEDULE_THREAD,
    THANK_YOU,
    ZOE,
    DraftScenario,
    DraftScenarioFactory,
    drafts_mailbox,
)

NEVER_NUDGE = "Label_1"


def test_a_thank_you_is_one_new_message_per_attendee_by_default(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()

    scenario.write()

    dana = scenario.draft_with_key(f"{THANK_YOU}:{DANA}")
    joerg = scenario.draft_with_key(f"{THANK_YOU}:{JOERG}")
    assert dana.to == [("Kim, Dana", DANA)]
    assert joerg.to == [("Jörg Müller", JOERG)]
    assert dana.subject == "Thank you for the interview yesterday"
    assert dana.body.startswith("Hi Dana,\n\nThank you for taking the time to speak with me yesterday.")
    assert joerg.body.startswith("Hi Jörg,")
    assert dana.thread_id != joerg.thread_id  # each a conversation of its own
    assert dana.in_reply_to is None
    assert scenario.finding(THANK_YOU).state == "drafted"
    assert {row.state for key, row in scenario.outbox().items() if key.startswith(THANK_YOU)} == {"written"}


def test_a_thank_you_can_be_one_message_to_all_attendees(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()

    scenario.write(DraftSettings(thank_you_mode="all"))

    draft = scenario.draft_with_key(THANK_YOU)
    assert draft.to == [("Kim, Dana", DANA), ("Jörg Müller", JOERG)]
    assert draft.body.startswith("Hi Dana and Jörg,")
    assert not any(key.startswith(f"{THANK_YOU}:") for key in scenario.outbox())


def test_a_cold_contact_gets_a_reply_in_the_last_thread_with_them(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()

    report = scenario.write()

    draft = scenario.draft_with_key(COLD_SAM)
    assert draft.thread_id == ROADMAP_THREAD
    assert draft.to == [("Sam Lee", SAM)]
    assert draft.subject == "Re: Roadmap"
    assert draft.in_reply_to == "<roadmap-3@example.org>"
    assert draft.references == "<roadmap-2@example.com> <roadmap-3@example.org>"
    assert "It's been 4 months since we last talked" in draft.body
    assert report.misthreaded == 0
    assert scenario.outbox()[COLD_SAM].gmail_thread_id == ROADMAP_THREAD


class ThreadlessGmail(GoogleApi):
    """The scenario's client, except that drafts.create loses the thread id: Gmail starts a new thread."""

    def __init__(self, scenario: DraftScenario) -> None:
        super().__init__(
            credentials_for(scenario.server, ALEX),
            api_endpoint=scenario.server.base_url,
            retry=scenario.api.retry,
        )

    def execute(self, request: HttpRequest) -> Any:
        if request.methodId == "gmail.users.drafts.create":
            body = json.loads(request.body or "{}")
            body["message"].pop("threadId", None)
            request.body = json.dumps(body)
            request.headers["content-length"] = str(len(request.body))
        return super().execute(request)


def test_a_reply_gmail_put_in_a_new_thread_is_shown_as_such(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.api = ThreadlessGmail(scenario)
    scenario.sync_and_find()

    report = scenario.write()
    screen = io.StringIO()
    render_drafts(Console(file=screen, width=100), "work", report)

    assert scenario.draft_with_key(COLD_SAM).thread_id != ROADMAP_THREAD
    (sam,) = [draft for draft in report.written if draft.draft_key == COLD_SAM]
    assert sam.misthreaded
    assert report.misthreaded == 3  # Sam's, Zoë's and the follow-up: every reply
    shown = screen.getvalue()
    assert shown.count("(meant as a reply in its thread; Gmail put it in a new conversation)") == 3
    assert "(a reply in its thread)" not in shown
    assert "3 put in a new thread by Gmail" in shown


def test_a_cold_contact_with_two_addresses_is_answered_where_they_last_wrote(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    new_job = "sam@newjob.example"
    thread = scenario.state.deliver(
        ALEX,
        from_=f"Sam Lee <{new_job}>",
        to=ALEX,
        subject="New job!",
        body="Guess what?",
        at=NOW - timedelta(days=100),
    )
    scenario.sync()
    scenario.find(IdentitySettings(same_person=[[SAM, new_job]]))

    scenario.write()

    (draft,) = [
        draft
        for draft in scenario.gmail_drafts()
        if draft.key and draft.key.startswith(f"cold_contact:{SAM}")
    ]
    assert draft.thread_id == thread
    assert draft.to == [("Sam Lee", new_job)]
    assert draft.subject == "Re: New job!"


def _sam_last_wrote_on_a_list(scenario: DraftScenario, headers: list[tuple[str, str]] | None = None) -> None:
    """Sam's last exchange with the user is inside a list thread (so the cold-contact rule, which looks at
    the label of that last thread only, finds Sam cold whatever labels their private threads carry), the
    list relaying with `headers` (default: a modern List-Id)."""
    post = scenario.state.deliver(
        ALEX,
        from_=f"Sam Lee <{SAM}>",
        to="hikers@lists.example",
        subject="Saturday walk",
        body="Who is in?",
        headers=headers or [("List-Id", "<hikers.lists.example>")],
        at=NOW - timedelta(days=110),
    )
    scenario.state.user_sends(
        ALEX,
        to=SAM,
        cc="hikers@lists.example",
        subject="Re: Saturday walk",
        body="Count me in.",
        in_reply_to=post,
        at=NOW - timedelta(days=109),
    )


def test_a_cold_contact_is_never_answered_inside_a_mailing_list_thread(
    draft_scenario: DraftScenarioFactory,
) -> None:
    # Sam last wrote on a list relayed the old way (no List-* header, only Precedence and a bounce Sender);
    # the user's answer copied the list. A personal note belongs in their last private thread.
    scenario = draft_scenario()
    _sam_last_wrote_on_a_list(
        scenario, headers=[("Precedence", "bulk"), ("Sender", "hikers-bounces@lists.example")]
    )
    scenario.sync_and_find()

    scenario.write()

    (draft,) = [d for d in scenario.gmail_drafts() if d.key and d.key.startswith(f"cold_contact:{SAM}:")]
    assert draft.key != COLD_SAM  # the list exchange is the last interaction…
    assert draft.thread_id == ROADMAP_THREAD  # …but the draft answers the last private thread
    assert draft.to == [("Sam Lee", SAM)]
    assert draft.subject == "Re: Roadmap"


def _with_never_nudge_label(name: str = "Rapport/never-nudge") -> dict[str, Any]:
    """drafts_mailbox() with the user's never-nudge label (Label_1), not yet on any thread."""
    document = drafts_mailbox()
    document["users"][0]["labels"] = [{"id": NEVER_NUDGE, "name": name}]
    return document


def test_a_cold_contact_is_never_answered_inside_a_thread_labelled_never_nudge(
    draft_scenario: DraftScenarioFactory,
) -> None:
    # The user labelled the Roadmap thread "never nudge about this"; an older private thread with Sam is
    # where the reply goes instead.
    scenario = draft_scenario(_with_never_nudge_label())
    conference = scenario.state.deliver(
        ALEX,
        from_=f"Sam Lee <{SAM}>",
        to=ALEX,
        subject="Conference",
        body="See you in Lisbon?",
        at=NOW - timedelta(days=200),
    )
    scenario.state.user_sends(
        ALEX,
        to=SAM,
        subject="Re: Conference",
        body="Yes!",
        in_reply_to=conference,
        at=NOW - timedelta(days=199),
    )
    _sam_last_wrote_on_a_list(scenario)
    scenario.state.modify_labels(ALEX, ROADMAP_THREAD, add=[NEVER_NUDGE])  # one message labels the thread
    scenario.sync_and_find()

    scenario.write()

    (draft,) = [d for d in scenario.gmail_drafts() if d.key and d.key.startswith(f"cold_contact:{SAM}:")]
    assert draft.thread_id == conference
    assert draft.subject == "Re: Conference"
    assert draft.to == [("Sam Lee", SAM)]
    assert "Roadmap" not in draft.body
    assert not [d for d in scenario.gmail_drafts() if d.thread_id == ROADMAP_THREAD]


def test_with_no_other_private_thread_a_never_nudge_label_as_configured_means_a_new_message(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario(_with_never_nudge_label("Private"))
    _sam_last_wrote_on_a_list(scenario)
    scenario.state.modify_labels(ALEX, "18f0000000000003", add=[NEVER_NUDGE])  # Sam's last Roadmap mail
    identity = IdentitySettings(never_nudge_label="Private")
    scenario.sync()
    scenario.find(identity)

    scenario.write(identity=identity)

    (draft,) = [d for d in scenario.gmail_drafts() if d.key and d.key.startswith(f"cold_contact:{SAM}:")]
    assert draft.thread_id != ROADMAP_THREAD
    assert draft.in_reply_to is None
    assert draft.subject == "Catching up"
    assert "Roadmap" not in draft.body  # the labelled conversation is not brought up either
    assert draft.to == [("Sam Lee", SAM)]


def test_a_cold_contact_whose_last_thread_is_too_old_gets_a_new_message(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()

    scenario.write()

    draft = scenario.draft_with_key(COLD_LEE)
    assert draft.thread_id != OLD_THREAD
    assert draft.in_reply_to is None
    assert draft.subject == "Catching up"
    assert draft.to == [("Lee Park", LEE)]
    assert "It's been a year since we last talked" in draft.body


def test_the_age_limit_for_reviving_a_thread_is_configurable(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()

    scenario.write(DraftSettings(cold_reply_max_thread_age_days=600))

    assert scenario.draft_with_key(COLD_LEE).thread_id == OLD_THREAD


def test_an_unanswered_question_gets_a_follow_up_in_its_thread(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()

    scenario.write()

    draft = scenario.draft_with_key(AWAITING)
    assert draft.thread_id == SCHEDULE_THREAD
    assert draft.to == [("Vendor Ops", OPS)]
    assert draft.subject == "Re: Schedule"
    assert draft.in_reply_to == "<schedule-1@example.com>"
    assert draft.references == "<schedule-1@example.com>"
    assert f'"{QUESTION}"' in draft.body
    assert draft.body.startswith("Hi there,")  # "Vendor Ops" is a team, not someone to greet by name


def test_a_follow_up_on_outreach_that_asked_nothing_never_calls_it_a_question(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    outreach = scenario.state.user_sends(
        ALEX,
        to="Pat Lee <pat@venture.example>",
        subject="Introduction",
        body="Hi Pat,\n\nElena suggested I get in touch. I lead the platform team at Acme.\n\nAlex\n",
        at=NOW - timedelta(days=10),
    )
    scenario.sync_and_find()

    scenario.write()

    draft = scenario.draft_with_key(f"awaiting_reply:{outreach}")
    assert draft.subject == "Re: Introduction"
    assert "asked" not in draft.body
    assert "Elena suggested" not in draft.body
    assert (
        "I wanted to follow up on my note below from Tuesday 10 November, in case it got buried."
        in draft.body
    )


def test_non_ascii_names_and_subjects_round_trip_through_gmail(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()

    scenario.write()

    draft = scenario.draft_with_key(COLD_ZOE)
    assert draft.thread_id == CAFE_THREAD
    assert draft.to == [("Zoë Çelik", ZOE)]
    assert draft.subject == "Re: Über den Kaffee ☕"
    assert draft.body.startswith("Hi Zoë,")
    served = scenario.api.execute(
        scenario.api.gmail().users().drafts().get(userId="me", id=draft.draft_id, format="raw")
    )
    wire = base64.urlsafe_b64decode(served["message"]["raw"])
    assert wire.isascii()
    assert b"Subject: Re: =?utf-8?" in wire
    assert b"To: =?utf-8?" in wire
