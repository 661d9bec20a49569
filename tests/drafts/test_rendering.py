"""Rendering drafts: built-in templates sound like a person, user templates work, the sandbox holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rules.render_context import Contact, DraftFacts, MeetingFacts, ThreadFacts
from rules.rendering import (
    BUILTIN_TEMPLATES,
    SAMPLE_NOW,
    TemplateProblem,
    check_template,
    load_template,
    render_draft,
    sample_facts,
)
from rules.settings import UserSettings

NOW = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)  # a Wednesday
USER = UserSettings(name="Alex Morgan", signature="", timezone="Europe/Berlin")


def _meeting(title: str, start: datetime = datetime(2026, 11, 3, 13, 0, tzinfo=UTC)) -> MeetingFacts:
    return MeetingFacts(title=title, start=start, end=start + timedelta(hours=1))


def test_thank_you_names_the_meeting_the_day_and_the_contact() -> None:
    facts = DraftFacts(
        kind="thank_you",
        contacts=(Contact("dana@acme.io", "Kim, Dana"),),
        is_reply=False,
        meeting=_meeting("Interview — Platform team"),
    )

    draft = render_draft(load_template("thank_you"), facts, USER, NOW)

    assert draft.subject == "Thank you for the interview yesterday"
    assert draft.body.startswith("Hi Dana,\n\nThank you for taking the time to speak with me yesterday.")
    assert "next steps" in draft.body
    assert draft.body.endswith("Best,\nAlex Morgan\n")


@pytest.mark.parametrize(
    ("title", "subject", "opening"),
    [
        (
            "Coffee chat: Avery / Alex",
            "Thank you for the coffee yesterday",
            "Thanks for the coffee yesterday.",
        ),
        ("Lunch with Hannah", "Thank you for lunch yesterday", "Thanks for lunch yesterday."),
        ("Intro call: Orbital × Alex", "Great to meet you", "Thanks for making the time to meet yesterday."),
        ("Quick call re budget", "Thank you for the call yesterday", "Thanks for the call yesterday."),
        (
            "Quarterly planning",
            "Thank you for the meeting yesterday",
            'Thank you for making the time for "Quarterly planning" yesterday.',
        ),
    ],
)
def test_thank_you_says_what_the_meeting_was(title: str, subject: str, opening: str) -> None:
    facts = DraftFacts(
        kind="thank_you",
        contacts=(Contact("dana@acme.io", "Dana Kim"),),
        is_reply=False,
        meeting=_meeting(title),
    )

    draft = render_draft(load_template("thank_you"), facts, USER, NOW)

    assert draft.subject == subject
    assert draft.body.split("\n\n")[1].startswith(opening)


def test_thank_you_to_all_greets_every_attendee_by_first_name() -> None:
    contacts = (
        Contact("dana@acme.io", "Dana Kim"),
        Contact("sam.lee@example.org"),
        Contact("lee@x.org", "LEE"),
    )
    meeting = _meeting("Lunch", start=NOW - timedelta(days=2))
    facts = DraftFacts(kind="thank_you", contacts=contacts, is_reply=False, meeting=meeting)

    draft = render_draft(load_template("thank_you"), facts, USER, NOW)

    assert draft.body.startswith("Hi Dana, Sam and Lee,\n\nThanks for lunch on Monday.")


def test_cold_contact_says_how_long_it_has_been_and_recalls_the_thread() -> None:
    last = NOW - timedelta(days=125)
    facts = DraftFacts(
        kind="cold_contact",
        contacts=(Contact("sam@example.org", "Sam Lee"),),
        is_reply=True,
        thread=ThreadFacts(subject="Re: AW: Roadmap", last_date=last),
        last_interaction=last,
    )

    draft = render_draft(load_template("cold_contact"), facts, USER, NOW)

    assert draft.body.startswith(
        "Hi Sam,\n\nIt's been 4 months since we last talked — I was just thinking back to our exchange about "
        '"Roadmap". How are you doing?'
    )


def test_awaiting_reply_quotes_the_question_that_is_still_open() -> None:
    sent = datetime(2026, 10, 23, 10, 0, tzinfo=UTC)
    facts = DraftFacts(
        kind="awaiting_reply",
        contacts=(Contact("ops@vendor.example", "Vendor Ops"),),
        is_reply=True,
        thread=ThreadFacts(subject="Schedule", last_date=sent),
        last_interaction=sent,
        question="Could you send me the schedule for next week?",
    )

    draft = render_draft(load_template("awaiting_reply"), facts, USER, NOW)

    assert 'what I asked on 23 October:\n\n"Could you send me the schedule for next week?"' in draft.body


def test_a_follow_up_on_outreach_that_asked_nothing_quotes_no_question() -> None:
    sent = datetime(2026, 10, 23, 10, 0, tzinfo=UTC)
    facts = DraftFacts(
        kind="awaiting_reply",
        contacts=(Contact("pat@venture.example", "Pat Lee"),),
        is_reply=True,
        thread=ThreadFacts(subject="Introduction", last_date=sent),
        last_interaction=sent,
    )

    draft = render_draft(load_template("awaiting_reply"), facts, USER, NOW)

    assert "asked" not in draft.body
    assert (
        "I wanted to follow up on my note below from Friday 23 October, in case it got buried." in draft.body
    )


def test_the_signature_from_config_closes_the_draft() -> None:
    user = UserSettings(name="Alex Morgan", signature="Alex\nExample Ltd · +44 20 7946 0000", timezone="UTC")
    facts = sample_facts("cold_contact")[0]

    draft = render_draft(load_template("cold_contact"), facts, user, SAMPLE_NOW)

    assert draft.body.endswith("Best,\nAlex\nExample Ltd · +44 20 7946 0000\n")


@pytest.mark.parametrize("kind", sorted(BUILTIN_TEMPLATES))
def test_every_builtin_template_passes_its_own_check(kind: str) -> None:
    for facts in sample_facts(kind):
        draft = render_draft(load_template(kind), facts, USER, SAMPLE_NOW)
        assert draft.subject
        assert "\n\n\n" not in draft.body
        assert "None" not in draft.body


def test_a_user_template_is_rendered_with_the_same_variables(tmp_path: Path) -> None:
    path = tmp_path / "thanks.j2"
    path.write_text(
        "Subject: Great to meet, {{ contact.first_name }}\n\n"
        "{{ contact.full_name }} <{{ contact.email }}>: {{ meeting.when }} ({{ meeting.time }}–"
        "{{ meeting.end_time }})\n-- \n{{ user.first_name }}\n",
        encoding="utf-8",
    )
    facts = sample_facts("thank_you")[0]

    draft = render_draft(
        load_template("thank_you", path), facts, UserSettings(name="Alex Morgan"), SAMPLE_NOW
    )

    assert draft.subject == "Great to meet, Dana"
    assert (
        draft.body == "Dana Kim <dana@acme.example>: Tuesday 3 November at 07:00 (07:00–08:00)\n-- \nAlex\n"
    )


HOSTILE = [
    ("{{ ''.__class__.__mro__ }}", "names starting with '_' are Python internals"),
    ("{{ cycler.__init__.__globals__ }}", "names starting with '_' are Python internals"),
    ("{{ contact['__class__'] }}", "'__class__' is not allowed"),
    ("{% include '/etc/passwd' %}", "include is not allowed"),
    ("{% import 'os' as os %}", "import is not allowed"),
    ("{% from 'os' import system %}", "from-import is not allowed"),
    ("{% extends 'base.j2' %}", "extends is not allowed"),
    ("{{ contact|attr('__class__') }}", "not allowed"),
    ("{{ contacts.append(1) }}", "not allowed"),
    ("{{ 'x' * 100000000 }}", "not allowed: repetition"),
    ("{{ 10 ** 100000 }}", "not allowed: exponent"),
    ("{% for i in range(10**9) %}{% endfor %}", "Range too big"),
]


@pytest.mark.parametrize(("line", "refusal"), HOSTILE)
def test_a_hostile_template_is_refused_naming_the_file_and_line(
    tmp_path: Path, line: str, refusal: str
) -> None:
    path = tmp_path / "hostile.j2"
    path.write_text(f"Subject: hello\n\nHi {{{{ greeting }}}},\n{line}\n", encoding="utf-8")

    with pytest.raises(TemplateProblem) as problem:
        check_template(path)

    assert problem.value.template == str(path)
    assert problem.value.line == 4
    assert refusal in problem.value.message
    assert f"{path} line 4" in str(problem.value)


def test_a_forbidden_attribute_built_at_run_time_is_refused_while_rendering(tmp_path: Path) -> None:
    path = tmp_path / "sneaky.j2"
    path.write_text(
        "Subject: x\n\n{% set name = '__cla' ~ 'ss__' %}\n{{ contact[name] }}\n", encoding="utf-8"
    )

    with pytest.raises(TemplateProblem) as problem:
        check_template(path, "cold_contact")

    assert problem.value.line == 4
    assert "unsafe" in problem.value.message


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.j2"
    path.write_text("Subject: x\n\nHi,\n{% if greeting %}\nno endif\n", encoding="utf-8")

    with pytest.raises(TemplateProblem) as problem:
        check_template(path)

    assert problem.value.line == 5
    assert "syntax error" in problem.value.message


def test_an_undefined_variable_names_the_variable_and_line(tmp_path: Path) -> None:
    path = tmp_path / "typo.j2"
    path.write_text("Subject: x\n\nHi {{ frist_name }},\n", encoding="utf-8")

    with pytest.raises(TemplateProblem) as problem:
        check_template(path, "thank_you")

    assert problem.value.line == 3
    assert "'frist_name' is undefined" in problem.value.message


def test_a_template_using_the_thread_without_a_guard_is_caught_by_the_check(tmp_path: Path) -> None:
    path = tmp_path / "cold.j2"
    path.write_text("Subject: hi\n\nLast time: {{ thread.subject }}\n", encoding="utf-8")

    with pytest.raises(TemplateProblem) as problem:
        check_template(path, "cold_contact")

    assert problem.value.line == 3


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Hello\n\nbody\n", "must start with a 'Subject: ...' line"),
        ("Subject:   \n\nbody\n", "Subject line is empty"),
        ("Subject: x\nbody\n", "a blank line must separate"),
        ("Subject: x{% if true %} y{% endif %}\n\nbody\n", "a blank line must separate"),
        ("Subject: x\n\n   \n", "body is empty"),
    ],
)
def test_the_subject_and_body_format_is_checked(tmp_path: Path, source: str, message: str) -> None:
    path = tmp_path / "format.j2"
    path.write_text(source, encoding="utf-8")

    with pytest.raises(TemplateProblem, match=r"format\.j2") as problem:
        check_template(path)

    assert message in problem.value.message


def test_a_missing_template_file_is_a_template_problem(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match="no such file"):
        check_template(tmp_path / "nope.j2")


def test_a_template_cannot_change_the_values_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "mutate.j2"
    path.write_text("Subject: x\n\n{{ contact.update({'email': 'evil@x'}) }}\n", encoding="utf-8")

    with pytest.raises(TemplateProblem, match="not allowed"):
        check_template(path)
