"""How many drafts appear and which: per-run and per-day caps, strongest findings first; a dry run writes
nothing at all."""

from __future__ import annotations

from datetime import timedelta

from sync.settings import DraftSettings
from tests.fixtures_drafts import AWAITING, EVERY_KEY, OPS, DraftScenarioFactory


def test_each_run_writes_at_most_max_per_run_drafts_strongest_first(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    settings = DraftSettings(max_per_run=2, max_per_day=10)

    runs = [[draft.draft_key for draft in scenario.write(settings).planned] for _ in range(4)]

    assert [len(run) for run in runs] == [2, 2, 2, 0]
    in_order = [scenario.score_of(key) for run in runs for key in run]
    assert in_order == sorted(in_order, reverse=True)
    assert {key for run in runs for key in run} == EVERY_KEY
    assert len(scenario.gmail_drafts()) == 6


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
    assert len(shown) == 3
    assert min(scenario.score_of(key) for key in shown) >= max(
        scenario.score_of(key) for key in EVERY_KEY - shown
    )


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
