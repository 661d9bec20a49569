"""The `q` search language: each operator Rapport may use finds what Gmail would find, and anything the
sandbox does not implement is refused with 400 "Invalid query" instead of being silently ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.state import SandboxState
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import SandboxFactory

USER = "alex@example.com"
ALIAS = "alex.m@consulting.example"
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _state() -> tuple[SandboxState, dict[str, str]]:
    """A small mailbox where every message is there to be found by exactly one kind of term."""
    document = {
        "format": "rapport-sandbox-mailbox/1",
        "users": [
            {
                "email": USER,
                "name": "Alex Morgan",
                "aliases": [ALIAS],
                "labels": [{"id": "Label_7", "name": "Rapport/never nudge"}],
                "messages": [],
            }
        ],
    }
    state = SandboxState.from_mailbox(document, clock=lambda: NOW)
    ids = {
        "old_dana": state.deliver(
            USER,
            from_='"Kim, Dana" <Dana.Kim@Acme.io>',
            to=USER,
            subject="Interview loop next steps",
            body="See you Tuesday.",
            at=NOW - timedelta(days=400),
            headers={"Message-ID": "<loop-1@acme.io>"},
        ),
        "recent_sam": state.deliver(
            USER,
            from_="=?UTF-8?B?U2Ftw7VlbA==?= <sam@example.org>",
            to="team@lists.example",
            cc=USER,
            subject="Quarterly numbers",
            body="Numbers attached.",
            at=NOW - timedelta(days=2),
        ),
        "sent": state.user_sends(
            USER,
            to="ops@vendor.example",
            subject="Invoice question",
            body="Any update?",
            at=NOW - timedelta(days=10),
        ),
        "from_alias": state.deliver(
            USER,
            from_=f"Alex M <{ALIAS}>",
            to="client@customer.example",
            subject="Proposal",
            body="Proposal attached.",
            at=NOW - timedelta(days=40),
            labels=["SENT"],
        ),
        "spam": state.deliver(
            USER,
            from_="win@prize.example",
            to=USER,
            subject="You won",
            body="!",
            at=NOW - timedelta(days=1),
            labels=["SPAM"],
        ),
    }
    state.modify_labels(USER, ids["old_dana"], add=["Label_7", "STARRED"], remove=["UNREAD"])
    return state, ids


def _found(server: Any, q: str) -> set[str]:
    messages = gmail_service(server, credentials_for(server, USER)).users().messages()
    answer = messages.list(userId="me", q=q).execute()
    return {item["id"] for item in answer.get("messages", [])}


@pytest.fixture
def scenario(sandbox_factory: SandboxFactory) -> tuple[Any, dict[str, str]]:
    state, ids = _state()
    return sandbox_factory(state), ids


def test_after_and_before_take_epoch_seconds(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    cutoff = int((NOW - timedelta(days=30)).timestamp())
    assert _found(server, f"after:{cutoff}") == {ids["recent_sam"], ids["sent"]}
    assert _found(server, f"before:{cutoff}") == {ids["old_dana"], ids["from_alias"]}


def test_dates_are_midnight_pacific_time_as_googles_guide_says(sandbox_factory: SandboxFactory) -> None:
    state, _ = _state()
    # 07:30 UTC on 1 March is still 28 February in California: "after:2026/03/01" must not find it.
    early = state.deliver(
        USER, from_="a@b.example", to=USER, subject="s", body="b", at="2026-03-01T07:30:00+00:00"
    )
    late = state.deliver(
        USER, from_="a@b.example", to=USER, subject="s", body="b", at="2026-03-01T08:30:00+00:00"
    )
    server = sandbox_factory(state)
    assert _found(server, "after:2026/03/01 before:2026/03/02") == {late}
    assert early in _found(server, "before:2026/03/01")


def test_newer_than_and_older_than_count_back_from_now(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    assert _found(server, "newer_than:7d") == {ids["recent_sam"]}
    assert _found(server, "older_than:1y") == {ids["old_dana"]}
    assert _found(server, "newer_than:2m") == {ids["recent_sam"], ids["sent"], ids["from_alias"]}


def test_in_sent_inbox_and_anywhere(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    assert _found(server, "in:sent") == {ids["sent"], ids["from_alias"]}
    assert _found(server, "in:inbox") == {ids["old_dana"], ids["recent_sam"]}
    assert ids["spam"] in _found(server, "in:anywhere")
    assert _found(server, "in:spam") == {ids["spam"]}


def test_label_matches_id_or_name_with_gmails_separator_rules(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    assert _found(server, "label:Label_7") == {ids["old_dana"]}
    assert _found(server, "label:rapport-never-nudge") == {ids["old_dana"]}
    assert _found(server, 'label:"Rapport/never nudge"') == {ids["old_dana"]}
    assert _found(server, "label:starred") == {ids["old_dana"]}
    assert _found(server, "label:no-such-label") == set()


def test_negation_excludes(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    assert _found(server, "-in:sent -label:rapport-never-nudge") == {ids["recent_sam"]}


def test_address_operators_match_names_addresses_and_domains(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    assert _found(server, "from:dana.kim@acme.io") == {ids["old_dana"]}
    assert _found(server, "from:acme.io") == {ids["old_dana"]}
    assert _found(server, "from:kim") == {ids["old_dana"]}
    assert _found(server, "from:Samõel") == {ids["recent_sam"]}
    assert _found(server, "from:dan") == set()
    assert _found(server, "cc:alex@example.com") == {ids["recent_sam"]}
    # Gmail's to: covers every recipient field, Cc included.
    assert _found(server, "to:alex@example.com") == {ids["old_dana"], ids["recent_sam"]}


def test_me_stands_for_the_user_and_every_alias(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    assert _found(server, "from:me") == {ids["sent"], ids["from_alias"]}


def test_subject_is_unread_is_starred_and_rfc822msgid(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    assert _found(server, 'subject:"next steps"') == {ids["old_dana"]}
    assert _found(server, "subject:invoice") == {ids["sent"]}
    assert _found(server, "is:unread") == {ids["recent_sam"]}
    assert _found(server, "is:read") == {ids["old_dana"], ids["sent"], ids["from_alias"]}
    assert _found(server, "is:starred") == {ids["old_dana"]}
    assert _found(server, "rfc822msgid:<loop-1@acme.io>") == {ids["old_dana"]}
    assert _found(server, "rfc822msgid:loop-1@acme.io") == {ids["old_dana"]}


def test_category_and_the_older_date_spellings(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    assert _found(server, "category:primary") == set()
    assert _found(server, "older:01/01/2026") == {ids["old_dana"]}
    assert _found(server, "newer:2026-06-01") == {ids["recent_sam"], ids["sent"]}


def test_terms_are_anded(scenario: tuple[Any, dict[str, str]]) -> None:
    server, ids = scenario
    assert _found(server, "in:sent newer_than:30d") == {ids["sent"]}
    assert _found(server, "in:sent AND newer_than:30d") == {ids["sent"]}


@pytest.mark.parametrize(
    ("q", "named"),
    [
        ("coffee", "coffee"),
        ("from:dana OR from:sam", "OR"),
        ("{from:dana from:sam}", "{from:dana"),
        ("subject:(next steps)", "subject:(next"),
        ("has:attachment", "has:attachment"),
        ("is:snoozed", "is:snoozed"),
        ("in:chats", "in:chats"),
        ("newer_than:3h", "newer_than:3h"),
        ("after:yesterday", "after:yesterday"),
    ],
)
def test_what_the_sandbox_does_not_implement_is_refused_and_named(
    scenario: tuple[Any, dict[str, str]], q: str, named: str
) -> None:
    server, _ = scenario
    with pytest.raises(HttpError) as raised:
        _found(server, q)
    assert raised.value.resp.status == 400
    assert "Invalid query" in str(raised.value)
    assert named in str(raised.value)
