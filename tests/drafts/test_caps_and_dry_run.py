"""How many drafts appear and which: per-run and per-day caps, strongest findings first; a dry run writes
nothing at all."""

from __future__ import annotations

from datetime import timedelta

from sync.settings import DraftSettings
from tests.fixtures_drafts import (
    AWAITING,
    COLD_SAM,
    DANA,
    EVERY_KEY,
    JOERG,
    OPS,
    THANK_YOU,
    DraftScenarioFactory,
)


def test_each_run_writes_at_most_max_per_run_drafts_expiring_occasions_first_then_strongest(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    settings = DraftSettings(max_per_run=2, max_per_day=10)

    runs = [[draft.draft_key for draft in scenario.write(settings).planned] for _ in range(4)]

    assert [len(run) for run in runs] == [2, 2, 2, 0]
    in_order = [key for run in runs for key in run]
    kinds = [key.split(":")[0] for key in in_order]
    assert kinds == [
        "thank_you",
        "thank_you",
        "awaiting_reply",
        "cold_contact",
        "cold_contact",
        "cold_contact",
    ]
    cold_scores = [scenario.score_of(key) for key in in_order[3:]]
    assert cold_scores == sorted(cold_scores, reverse=True)
    assert set(in_order) == EVERY_KEY
    assert len(scenario.gmail_drafts()) == 6


def test_cold_contacts_that_outscore_a_thank_you_never_take_its_place_under_the_cap(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    assert scenario.score_of(COLD_SAM) > scenario.score_of(f"{THANK_YOU}:{DANA}")

    written = scenario.write(DraftSettings(max_per_run=2, max_per_day=2)).planned

    assert {draft.draft_key for draft in written} == {f"{THANK_YOU}:{DANA}", f"{THANK_YOU}:{JOERG}"}


def test_a_day_never_gets_more_than_max_per_day_drafts(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    settings = DraftSettings(max_per_run=10, max_per_day=4)

    first = scenario.write(settings)
    scenario.now += timedelta(hours=11, minutes=30)  # 23:30 in London, still the same day
    same_day = scenario.write(settings)
    scenario.now += timedelta(hours=1)  # 00:30 the next day
    next_day = scenario.write(settings)

    assert (first.created, same_day.created, next_day.created) == (4, 0, 2)
    assert len(scenario.gmail_drafts()) == 6


def test_a_dry_run_shows_the_drafts_and_writes_nothing(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    scenario.server.log.clear()

    report = scenario.write(dry_run=True)

    assert report.dry_run
    assert len(report.planned) == 6
    awaiting = next(draft for draft in report.planned if draft.draft_key == AWAITING)
    assert awaiting.recipients == (f"Vendor Ops <{OPS}>",)
    assert awaiting.subject == "Re: Schedule"
    assert "Could you send me the schedule for next week?" in awaiting.body
    assert awaiting.reply
    assert scenario.server.log.calls() == []  # not even a read
    assert scenario.outbox() == {}
    assert scenario.gmail_drafts() == []
    assert scenario.finding(AWAITING).state == "open"


def test_a_dry_run_respects_the_caps_it_would_run_under(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()

    report = scenario.write(DraftSettings(max_per_run=3), dry_run=True)

    shown = {draft.draft_key for draft in report.planned}
    assert shown == {f"{THANK_YOU}:{DANA}", f"{THANK_YOU}:{JOERG}", AWAITING}  # what a real run would write


def test_with_drafting_switched_off_the_users_actions_are_still_recorded(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    scenario.write(DraftSettings(max_per_run=1))
    deleted = scenario.gmail_drafts()[0]
    scenario.state.user_deletes_draft("alex@example.com", deleted.draft_id)

    report = scenario.write(DraftSettings(enabled=False))

    assert report.created == 0
    assert report.dismissed == 1
    assert scenario.gmail_drafts() == []
