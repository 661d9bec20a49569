"""How Rapport reads the mailbox's drafts: every page, its own drafts told apart by key, cheaply."""

from __future__ import annotations

import base64
from email.message import EmailMessage

from sync.drafts_gmail import list_drafts
from sync.drafts_reconcile import read_gmail_drafts
from tests.fixtures_drafts import ALEX, EVERY_KEY, SAM, DraftScenario, DraftScenarioFactory


def _users_own_draft(scenario: DraftScenario, subject: str) -> str:
    message = EmailMessage()
    message["To"] = SAM
    message["Subject"] = subject
    message.set_content("a note of my own")
    raw = base64.urlsafe_b64encode(message.as_bytes()).decode()
    users = scenario.api.gmail().users()
    created = scenario.api.execute(users.drafts().create(userId="me", body={"message": {"raw": raw}}))
    return str(created["id"])


def test_every_page_of_drafts_is_read(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    mine = {_users_own_draft(scenario, f"note {number}") for number in range(5)}
    scenario.server.log.clear()

    drafts = list_drafts(scenario.api, page_size=2)

    assert {draft.draft_id for draft in drafts} == mine
    assert scenario.calls("drafts.list") == 3


def test_drafts_the_store_knows_cost_no_extra_call(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    scenario.write()
    own = _users_own_draft(scenario, "mine")
    scenario.sync()  # the store now holds every draft message, with its X-Rapport-Key or none
    scenario.server.log.clear()

    drafts = read_gmail_drafts(scenario.session_factory, scenario.api, scenario.account_id)

    assert [call.method_id for call in scenario.server.log.calls()] == ["gmail.users.drafts.list"]
    assert drafts.keys[own] is None
    assert {key for key in drafts.keys.values() if key} == EVERY_KEY


def test_a_draft_the_store_has_not_seen_is_asked_for_its_key_once(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    own = _users_own_draft(scenario, "mine")
    scenario.server.log.clear()

    drafts = read_gmail_drafts(scenario.session_factory, scenario.api, scenario.account_id)

    assert drafts.keys == {own: None}
    assert scenario.calls("messages.get") == 1
    assert scenario.state.drafts(ALEX)[0]["id"] == own
