"""A guest whose address has non-ASCII characters before the @ (RFC 6531) gets a draft, as Gmail takes it."""

from __future__ import annotations

import base64
from typing import Any

from tests.fixtures_drafts import ALEX, DANA, THANK_YOU, DraftScenario, DraftScenarioFactory, drafts_mailbox

INES = "inès@example.fr"


def _meeting_with_ines() -> dict[str, Any]:
    """drafts_mailbox(), Inès Dupont (an internationalised address) among yesterday's interview guests."""
    document = drafts_mailbox()
    meeting = document["users"][0]["calendars"][0]["events"][0]
    meeting["attendees"].append({"email": INES, "displayName": "Inès Dupont", "responseStatus": "accepted"})
    return document


def _served_headers(scenario: DraftScenario, draft_id: str) -> dict[str, str]:
    """The draft's headers as Gmail serves them to any client (format=metadata)."""
    gmail = scenario.api.gmail()
    draft = scenario.api.execute(gmail.users().drafts().get(userId="me", id=draft_id, format="metadata"))
    return {header["name"]: header["value"] for header in draft["message"]["payload"]["headers"]}


def test_a_guest_with_an_internationalised_address_gets_a_thank_you(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario(_meeting_with_ines())
    scenario.sync_and_find()

    report = scenario.write()

    assert report.failed == 0
    draft = scenario.draft_with_key(f"{THANK_YOU}:{INES}")
    assert draft.to == [("Inès Dupont", INES)]
    assert draft.body.startswith("Hi Inès,")
    assert _served_headers(scenario, draft.draft_id)["To"] == f"Inès Dupont <{INES}>"
    assert scenario.outbox()[f"{THANK_YOU}:{INES}"].state == "written"


def test_only_the_draft_to_the_internationalised_address_travels_as_utf8(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario(_meeting_with_ines())
    scenario.sync_and_find()
    scenario.write()

    def wire(key: str) -> bytes:
        draft_id = scenario.draft_with_key(key).draft_id
        gmail = scenario.api.gmail()
        served = scenario.api.execute(gmail.users().drafts().get(userId="me", id=draft_id, format="raw"))
        return base64.urlsafe_b64decode(served["message"]["raw"])

    to_ines, to_dana = wire(f"{THANK_YOU}:{INES}"), wire(f"{THANK_YOU}:{DANA}")
    assert f"To: Inès Dupont <{INES}>".encode() in to_ines
    assert f"From: Alex Morgan <{ALEX}>".encode() in to_ines
    assert to_dana.isascii()


def test_the_next_cycle_syncs_the_draft_and_writes_nothing_more(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario(_meeting_with_ines())
    scenario.sync_and_find()
    scenario.write()
    scenario.server.log.clear()

    scenario.sync_and_find()
    again = scenario.write()

    assert (again.created, again.failed) == (0, 0)
    assert scenario.calls("drafts.create") == 0
    assert [draft.key for draft in scenario.gmail_drafts()].count(f"{THANK_YOU}:{INES}") == 1
