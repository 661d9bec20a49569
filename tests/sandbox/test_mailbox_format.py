"""The mailbox file (`rapport-sandbox-mailbox/1`): it loads from a path or a dict, every problem in it is
reported with the place it sits, and what the sandbox holds can be saved and loaded back unchanged."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sandbox import mailbox
from sandbox.mailbox import MailboxError
from sandbox.state import SandboxState
from tests.fixtures_sandbox import ALEX, SAM, small_mailbox_document


def _problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(MailboxError) as raised:
        mailbox.validate(document)
    return raised.value.problems


def test_a_mailbox_loads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mailbox.json"
    path.write_text(json.dumps(small_mailbox_document()), encoding="utf-8")
    state = SandboxState.from_mailbox(path)
    assert state.users == [ALEX, SAM]
    assert len(state.messages(ALEX)) == 3


def test_a_wrongly_typed_field_is_named_by_its_path() -> None:
    document = small_mailbox_document()
    document["users"][0]["messages"][1]["labelIds"] = "SENT"
    document["users"][0]["messages"][2]["internalDate"] = 1.5
    problems = _problems(document)
    assert any(problem.startswith("users[0].messages[1].labelIds") for problem in problems)
    assert any(problem.startswith("users[0].messages[2].internalDate") for problem in problems)


def test_unknown_keys_and_missing_ones_are_reported() -> None:
    document = small_mailbox_document()
    document["users"][1]["mesages"] = []
    del document["users"][0]["messages"][0]["body"]
    problems = _problems(document)
    assert any(problem.startswith("users[1].mesages") for problem in problems)
    assert any(problem.startswith("users[0].messages[0].body") for problem in problems)


def test_rules_beyond_the_shape_are_checked_and_all_reported_together() -> None:
    document = small_mailbox_document()
    messages = document["users"][0]["messages"]
    messages[1]["id"] = messages[0]["id"]
    messages[2]["labelIds"] = ["INBOX", "Label_404"]
    messages[2]["threadId"] = "THREAD"
    document["users"][0]["calendars"][0]["events"][0]["recurringEventId"] = "nowhere"
    problems = _problems(document)
    assert "users[0].messages[1].id: duplicate message id 18c0000000000001" in problems
    assert "users[0].messages[2].labelIds: unknown label ids ['Label_404']" in problems
    assert any(problem.startswith("users[0].messages[2].threadId") for problem in problems)
    assert "users[0].calendars[0].events[0].recurringEventId: no event nowhere in this calendar" in problems


def test_a_wrong_format_name_is_refused() -> None:
    document = small_mailbox_document()
    document["format"] = "rapport-sandbox-mailbox/0"
    assert any(problem.startswith("format") for problem in _problems(document))


def test_internal_dates_may_be_numbers_or_digit_strings() -> None:
    document = small_mailbox_document()
    document["users"][0]["messages"][0]["internalDate"] = 1764000000000
    state = SandboxState.from_mailbox(document)
    assert state.message(ALEX, "18c0000000000001")["internalDate"] == "1764000000000"


def test_a_user_without_calendars_still_has_an_empty_primary_calendar() -> None:
    state = SandboxState.from_mailbox(small_mailbox_document())
    [primary] = state.calendars(SAM)
    assert (primary.id, primary.primary, primary.events) == (SAM, True, {})


def test_a_draft_labelled_message_without_a_draft_entry_becomes_a_draft() -> None:
    document = small_mailbox_document()
    document["users"][1]["messages"][0]["labelIds"] = ["DRAFT"]
    [draft] = SandboxState.from_mailbox(document).drafts(SAM)
    assert draft["messageId"] == "18c0000000000101"
    assert draft["id"].startswith("r")


def _without_history(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key != "historyId"}


def test_what_the_sandbox_holds_saves_and_loads_back(tmp_path: Path) -> None:
    state = SandboxState.from_mailbox(small_mailbox_document())
    state.deliver(
        ALEX, from_="=?UTF-8?Q?Ren=C3=A9e?= <renee@example.fr>", to=ALEX, subject="Hé", body="Ça va ?"
    )
    state.cancel_event(ALEX, "primary", "coffee20251127")
    saved = tmp_path / "saved.json"
    mailbox.save(state.to_mailbox(), saved)
    reloaded = SandboxState.from_mailbox(saved)
    # History is not part of the file: every message restarts at the saved historyId.
    assert [_without_history(message) for message in reloaded.messages(ALEX)] == [
        _without_history(message) for message in state.messages(ALEX)
    ]
    assert reloaded.history_id(ALEX) == state.history_id(ALEX)
    [event] = reloaded.calendar(ALEX, "primary").events.values()
    assert event.resource["status"] == "cancelled"


def test_validation_returns_the_document_unchanged() -> None:
    document = small_mailbox_document()
    before = copy.deepcopy(document)
    assert mailbox.validate(document) == before
