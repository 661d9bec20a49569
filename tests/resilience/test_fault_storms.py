"""A fault storm changes how long Rapport takes, never where it ends.

One mailbox is served twice: without faults, and with 30 % of requests and batch parts failing (500, 503,
429 with Retry-After, connections dropped before or after the server acted, slow answers). Through an
initial sync with its drafting, an incremental sync after a day of mail and a drafting cycle after
meetings ended, `rapport run --once` is repeated in the storm until a cycle ends without an error; then the
two stores hold the same content and Gmail holds each draft exactly once.

The mailbox is compact (every kind of finding, thirty messages): Rapport's backoff makes a storm's cost the
length of its unluckiest call's losing streak, and that grows with the number of calls. The sync tests run
a storm over a larger mailbox; `python -m bench resilience` sweeps fault rates over a generated one.
"""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from sandbox.faults import Fault
from tests.fixtures_rapport import hour_now
from tests.fixtures_resilience import CAMPAIGN_DRAFTS, SiteFactory, gmail_drafts, store_content
from tests.resilience.campaign import Phase, weather_storm
from tests.resilience.scenario import compact_mailbox, life_goes_on, meetings_end

SEED = 7031
RATE = 0.3
PHASES = [
    Phase("initial sync and drafting", None),
    Phase("incremental sync after a day of mail", life_goes_on),
    Phase("drafting after meetings ended", meetings_end),
]


@pytest.mark.slow
def test_a_storm_of_faults_at_thirty_percent_ends_where_a_calm_run_does(
    rapport_site: SiteFactory, engine_url: str
) -> None:
    now = hour_now()
    document = compact_mailbox(now)
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
    struck: list[int] = []

    def same_as_calm(phase: str) -> None:
        struck.append(len(stormy.server.faults.history()))
        assert store_content(stormy.store_url) == store_content(calm.store_url), phase
        assert gmail_drafts(stormy) == gmail_drafts(calm), phase

    weather_storm(calm, stormy, PHASES, now=now, after=same_as_calm)

    assert 0 < struck[0] < struck[1] < struck[2]  # faults struck in every phase
    assert {fault for _, fault in stormy.server.faults.history()} == set(Fault)
    keys = Counter(key for key, *_ in gmail_drafts(stormy))
    assert keys
    assert max(keys.values()) == 1  # each draft exactly once
    assert stormy.server.log.forbidden() == []
