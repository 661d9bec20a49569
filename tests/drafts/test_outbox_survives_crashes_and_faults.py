"""Exactly one draft per occasion, whatever happens between Rapport and Gmail: kills, dropped connections,
faults, and runs repeated over and over."""

from __future__ import annotations

from collections import Counter

import pytest

from sandbox.faults import Fault, FaultInjector
from sync.drafts_writer import CREATED, PENDING, DraftReport
from sync.settings import DraftSettings
from tests.fixtures_drafts import (
    ALEX,
    COLD_SAM,
    EVERY_KEY,
    ROADMAP_THREAD,
    SAM,
    DraftScenario,
    DraftScenarioFactory,
)
from tests.fixtures_sandbox import fault_seed


class SimulatedKill(BaseException):
    """The process dying (kill -9): nothing after the raise runs, no handler catches it."""


def _keys_in_gmail(scenario: DraftScenario) -> Counter[str | None]:
    return Counter(draft.key for draft in scenario.gmail_drafts())


@pytest.mark.parametrize(
    ("stage", "drafts_in_gmail_after_kill"),
    [(PENDING, 0), (CREATED, 1)],  # killed before drafts.create was sent / before its answer was committed
)
def test_a_kill_mid_write_never_yields_a_second_draft(
    draft_scenario: DraftScenarioFactory, stage: str, drafts_in_gmail_after_kill: int
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    victim = COLD_SAM

    def die(reached: str, key: str) -> None:
        if (reached, key) == (stage, victim):
            raise SimulatedKill

    with pytest.raises(SimulatedKill):
        scenario.write(checkpoint=die)
    assert scenario.outbox()[victim].state == "pending"
    assert _keys_in_gmail(scenario)[victim] == drafts_in_gmail_after_kill
    scenario.restart()

    report = scenario.write()

    assert report.adopted == drafts_in_gmail_after_kill
    assert _keys_in_gmail(scenario) == Counter(EVERY_KEY)
    assert scenario.outbox()[victim].state == "written"
    assert scenario.outbox()[victim].gmail_draft_id == scenario.draft_with_key(victim).draft_id
    assert scenario.finding(victim).state == "drafted"


def test_a_dropped_connection_after_gmail_created_the_draft_still_leaves_one_draft(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    scenario.sync()
    scenario.find()

    def only_the_create_drops(injector: FaultInjector) -> bool:
        # drafts.list, then drafts.create (dropped after Gmail stored it), then everything clean.
        draws = [injector.for_request(str(number)) for number in range(12)]
        return draws[1] is not None and not any(draws[:1] + draws[2:])

    scenario.server.set_faults(
        0.3, fault_seed(0.3, [Fault.DROP_AFTER], only_the_create_drops), [Fault.DROP_AFTER]
    )

    report = scenario.write(DraftSettings(max_per_run=1))

    assert scenario.server.faults.history() == [("gmail.users.drafts.create", Fault.DROP_AFTER)]
    assert scenario.calls("drafts.create") == 2  # httplib2 silently sent the POST again
    assert report.created == 1
    assert report.deleted_duplicates == 1
    (written,) = [draft.draft_key for draft in report.planned]
    assert _keys_in_gmail(scenario) == Counter({written: 1})
    assert scenario.outbox()[written].gmail_draft_id == scenario.draft_with_key(written).draft_id


def test_a_drafting_cycle_under_a_storm_of_faults_ends_as_a_clean_one(
    draft_scenario: DraftScenarioFactory,
) -> None:
    clean = draft_scenario()
    clean.sync_and_find()
    clean.write()
    stormy = draft_scenario(account="stormy", slow_seconds=0.001)
    stormy.sync_and_find()
    # Seed 12 drops drafts.create connections after Gmail stored the draft, among 500s, 503s, 429s, drops
    # before the handler and slow answers.
    stormy.server.set_faults(0.3, seed=12)

    reports = [stormy.write(), stormy.write()]

    dropped_creates = stormy.server.faults.history().count(("gmail.users.drafts.create", Fault.DROP_AFTER))
    assert dropped_creates >= 1
    assert sum(report.deleted_duplicates for report in reports) == dropped_creates  # each left one extra copy
    assert _keys_in_gmail(stormy) == _keys_in_gmail(clean) == Counter(EVERY_KEY)
    assert {row.state for row in stormy.outbox().values()} == {"written"}
    assert sum(report.created + report.adopted for report in reports) == len(EVERY_KEY)
    assert sorted(draft.body for draft in stormy.gmail_drafts()) == sorted(
        draft.body for draft in clean.gmail_drafts()
    )


def test_running_again_writes_nothing_and_asks_gmail_only_for_its_draft_list(
    draft_scenario: DraftScenarioFactory,
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    scenario.write()
    scenario.server.log.clear()

    again: DraftReport = scenario.write()

    assert again.created == again.adopted == again.deleted == 0
    assert [call.method_id for call in scenario.server.log.calls()] == ["gmail.users.drafts.list"]
    assert _keys_in_gmail(scenario) == Counter(EVERY_KEY)


def test_a_draft_without_rapports_key_is_never_touched(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    own = scenario.state.gmail(ALEX)
    scenario.sync_and_find()
    users = scenario.api.gmail().users()
    mine = scenario.api.execute(
        users.drafts().create(userId="me", body={"message": {"raw": "VG86IHNhbUBleGFtcGxlLm9yZw0KDQpIaQ"}})
    )
    scenario.write()
    scenario.state.deliver(
        ALEX, from_=f"Sam Lee <{SAM}>", to=ALEX, subject="Re: Roadmap", body="Hi!", thread_id=ROADMAP_THREAD
    )
    scenario.sync_and_find()

    scenario.write()

    assert mine["id"] in own.drafts
    assert own.drafts[mine["id"]] == mine["message"]["id"]
    assert scenario.server.log.count("gmail.users.drafts.delete") == 1  # Sam's untouched draft, nothing else
