"""A fault storm changes how long Rapport takes, never where it ends.

One mailbox is served twice: without faults, and with 30 % of requests and batch parts failing (500, 503,
429 with Retry-After, connections dropped before or after the server acted, slow answers). Through an
initial sync with its drafting, an incremental sync after a day of mail and a drafting cycle after
meetings ended, `rapport run --once` is repeated in the storm until a cycle ends without an error; then the
two stores hold the same content and Gmail holds each draft exactly once.

The mailbox is compact (every kind of finding, sixty messages): Rapport's backoff makes a storm's cost the
length of its unluckiest call's losing streak, and that grows with the number of calls. The sync tests run
a storm over a larger mailbox; `python -m bench resilience` sweeps fault rates over a generated one.
"""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from sandbox.faults import Fault
from tests.fixtures_rapport import SandboxRapport, hour_now
from tests.fixtures_resilience import CAMPAIGN_DRAFTS, Run, SiteFactory, cycle, gmail_drafts, store_content
from tests.resilience.scenario import Move, compact_mailbox, life_goes_on, meetings_end

SEED = 7031
RATE = 0.3
MAX_CYCLES = 12  # a storm at 30 % ends in a clean cycle long before this; reaching it is a failure

PHASES: list[tuple[str, Move | None]] = [
    ("initial sync and drafting", None),
    ("incremental sync after a day of mail", life_goes_on),
    ("drafting after meetings ended", meetings_end),
]


def until_a_clean_cycle(site: SandboxRapport) -> list[Run]:
    """`rapport run --once` until a cycle exits 0 without a single error; every run, in order."""
    runs: list[Run] = []
    while not runs or not _clean(runs[-1]):
        assert len(runs) < MAX_CYCLES, runs[-1].log
        runs.append(cycle(site))
    return runs


def _clean(run: Run) -> bool:
    return run.returncode == 0 and "errors=0" in run.log


@pytest.mark.slow
def test_a_storm_of_faults_at_thirty_percent_ends_where_a_calm_run_does(
    rapport_site: SiteFactory, engine_url: str
) -> None:
    now = hour_now()
    document = compact_mailbox(now)
    user = document["users"][0]["email"]
    calm = rapport_site(copy.deepcopy(document), "calm", extra_sections=CAMPAIGN_DRAFTS)
    stormy = rapport_site(
        copy.deepcopy(document),
        "stormy",
        store_url=engine_url,
        extra_sections=CAMPAIGN_DRAFTS,
        fault_rate=RATE,
        fault_seed=SEED,
        slow_seconds=0.05,
    )

    for phase, move in PHASES:
        if move is not None:
            for site in (calm, stormy):
                move(site.server, user, now)
        struck_before = len(stormy.server.faults.history())
        for _ in range(2):  # the cycle, then one that reads back the drafts it wrote
            assert _clean(cycle(calm))
        for _ in range(2):
            until_a_clean_cycle(stormy)

        assert len(stormy.server.faults.history()) > struck_before, f"{phase}: no fault struck"
        assert store_content(stormy.store_url) == store_content(calm.store_url), phase
        assert gmail_drafts(stormy) == gmail_drafts(calm), phase

    keys = Counter(key for key, *_ in gmail_drafts(stormy))
    assert keys
    assert max(keys.values()) == 1  # each draft exactly once
    assert {fault for _, fault in stormy.server.faults.history()} == set(Fault)
    assert stormy.server.log.forbidden() == []
