"""What the user does with a draft wins: deleted stays deleted, sent resolves, edited is never touched, and a
draft the situation made pointless disappears only if the user never touched it."""

from __future__ import annotations

import pytest

from sync.settings import DraftSettings
from tests.fixtures_drafts import (
    ALEX,
    COLD_SAM,
    COLD_ZOE,
    DANA,
    JOERG,
    ROADMAP_THREAD,
    SAM,
    THANK_YOU,
    ZOE,
    DraftScenario,
    DraftScenarioFactory,
)


def _drafted(draft_scenario: DraftScenarioFactory) -> DraftScenario:
    scenario = draft_scenario()
    scenario.sync_and_find()
    scenario.write()
    return scenario


def _sam_writes_first(scenario: DraftScenario) -> None:
    scenario.state.deliver(
        ALEX,
        from_=f"Sam Lee <{SAM}>",
        to=ALEX,
        subject="Re: Roadmap",
        body="Long time!",
        thread_id=ROADMAP_THREAD,
    )
    scenario.sync_and_find()


def test_a_draft_the_user_deleted_dismisses_its_finding_and_never_comes_back(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = _drafted(draft_scenario)
    scenario.state.user_deletes_draft(ALEX, scenario.draft_with_key(COLD_SAM).draft_id)
    creates_before = scenario.calls("drafts.create")

    report = scenario.write()
    scenario.sync()
    scenario.write()

    assert report.dismissed == 1
    assert scenario.finding(COLD_SAM).state == "dismissed"
    assert "you deleted the draft" in (scenario.finding(COLD_SAM).state_reason or "")
    assert scenario.outbox()[COLD_SAM].state == "deleted_by_user"
    assert all(draft.key != COLD_SAM for draft in scenario.gmail_drafts())
    assert scenario.calls("drafts.create") == creates_before


def test_a_draft_the_user_sent_resolves_its_finding(draft_scenario: DraftScenarioFactory) -> None:
    scenario = _drafted(draft_scenario)
    sent_id = scenario.state.user_sends_draft(ALEX, scenario.draft_with_key(COLD_SAM).draft_id)
    scenario.sync()  # the SENT message, with its X-Rapport-Key, reaches the store; the rules have not run
    scenario.server.log.clear()

    report = scenario.write()

    assert report.resolved == 1
    assert scenario.outbox()[COLD_SAM].state == "sent"
    assert scenario.finding(COLD_SAM).state == "resolved"
    assert scenario.finding(COLD_SAM).state_reason == f"you sent the draft to {SAM}"
    assert scenario.calls("threads.get") == 0  # the store already knew
    assert "SENT" in scenario.state.message(ALEX, sent_id)["labelIds"]


def test_a_draft_sent_after_the_last_sync_is_recognised_in_gmail_itself(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = _drafted(draft_scenario)
    scenario.state.user_sends_draft(ALEX, scenario.draft_with_key(COLD_SAM).draft_id)

    report = scenario.write()  # no sync in between: the store has not seen the sent mail yet

    assert report.resolved == 1
    assert report.dismissed == 0
    assert scenario.outbox()[COLD_SAM].state == "sent"


@pytest.mark.parametrize("synced", [True, False])
def test_a_reply_sent_into_the_drafts_thread_counts_as_sending_it(
    draft_scenario: DraftScenarioFactory, synced: bool
) -> None:
    # Gmail's editor may drop Rapport's header: the user's mail in the thread is what says "sent".
    scenario = _drafted(draft_scenario)
    scenario.state.user_deletes_draft(ALEX, scenario.draft_with_key(COLD_SAM).draft_id)
    scenario.state.user_sends(
        ALEX, to=SAM, subject="Re: Roadmap", body="Sam! Coffee?", thread_id=ROADMAP_THREAD
    )
    if synced:
        scenario.sync()

    report = scenario.write()

    assert (report.resolved, report.dismissed) == (1, 0)
    assert scenario.outbox()[COLD_SAM].state == "sent"


def test_a_draft_the_user_edited_is_never_touched_even_when_resolved(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = _drafted(draft_scenario)
    draft = scenario.draft_with_key(COLD_SAM)
    scenario.state.user_edits_draft(ALEX, draft.draft_id, body="Sam! Coffee next week? — A")

    first = scenario.write()
    _sam_writes_first(scenario)
    second = scenario.write()

    assert first.user_edited == 1
    assert scenario.finding(COLD_SAM).state == "resolved"
    assert second.withdrawn == 0
    assert scenario.outbox()[COLD_SAM].state == "user_edited"
    edited = scenario.draft_with_key(COLD_SAM)
    assert edited.draft_id == draft.draft_id
    assert edited.body.strip() == "Sam! Coffee next week? — A"


def test_when_the_situation_resolves_itself_only_the_untouched_draft_goes(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = _drafted(draft_scenario)
    zoe = scenario.draft_with_key(COLD_ZOE)
    scenario.state.user_edits_draft(ALEX, zoe.draft_id, subject="Re: Über den Kaffee ☕ — nächste Woche?")
    scenario.state.user_sends(ALEX, to=ZOE, subject="Kaffee?", body="Zoë, Kaffee nächste Woche?")
    _sam_writes_first(scenario)

    report = scenario.write()

    assert report.withdrawn == 1
    assert scenario.outbox()[COLD_SAM].state == "withdrawn"
    assert all(draft.key != COLD_SAM for draft in scenario.gmail_drafts())
    assert scenario.outbox()[COLD_ZOE].state == "user_edited"
    assert scenario.draft_with_key(COLD_ZOE).draft_id == zoe.draft_id
    assert scenario.finding(COLD_SAM).state == scenario.finding(COLD_ZOE).state == "resolved"


def test_removing_untouched_drafts_of_resolved_findings_can_be_switched_off(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = _drafted(draft_scenario)
    _sam_writes_first(scenario)

    report = scenario.write(DraftSettings(delete_untouched_when_resolved=False))

    assert report.withdrawn == 0
    assert scenario.draft_with_key(COLD_SAM).key == COLD_SAM
    assert scenario.outbox()[COLD_SAM].state == "written"


def test_sending_one_attendees_thank_you_leaves_the_others_to_the_user(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = _drafted(draft_scenario)
    scenario.state.user_sends_draft(ALEX, scenario.draft_with_key(f"{THANK_YOU}:{DANA}").draft_id)
    scenario.sync_and_find()  # the rules see the thank-you sent to an attendee

    scenario.write()
    scenario.write()

    assert scenario.finding(THANK_YOU).state == "resolved"
    assert scenario.outbox()[f"{THANK_YOU}:{DANA}"].state == "sent"
    assert scenario.outbox()[f"{THANK_YOU}:{JOERG}"].state == "written"
    assert scenario.draft_with_key(f"{THANK_YOU}:{JOERG}").to == [("Jörg Müller", JOERG)]
