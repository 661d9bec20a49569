"""kill -9 at any API call loses nothing and doubles nothing.

One generated mailbox is served twice. On one sandbox Rapport runs as a user would see it, one clean
`rapport run --once` per phase (and one more that reads back the drafts it wrote); on the other the
`rapport run --once` process is SIGKILLed at seeded API calls — through the initial sync, the drafting
right after it, an incremental sync after a day of mail (answers, mail written by hand, drafts deleted,
edited and sent, a meeting ended), a drafting-heavy cycle and the repair after Gmail's history and the
Calendar sync tokens expired — restarted after each kill, and finally run to completion. After each
phase the two stores hold the same content, each draft is in Gmail exactly once, the integrity audit
(every cycle) never found a gap, and no forbidden call reached either sandbox.
"""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from sandbox.generator import generate
from tests.fixtures_rapport import hour_now
from tests.fixtures_resilience import CAMPAIGN_DRAFTS, SiteFactory, audit_gaps, gmail_drafts, store_content
from tests.resilience.campaign import Phase, Station, run_campaign
from tests.resilience.scenario import cursors_expire, life_goes_on, meetings_end

SEED = 20261206
MESSAGES = 800

GET, THREAD = "gmail.users.messages.get", "gmail.users.threads.get"
CREATE, LIST_DRAFTS = "gmail.users.drafts.create", "gmail.users.drafts.list"
HISTORY, EVENTS = "gmail.users.history.list", "calendar.events.list"
PHASES = [
    Phase(
        "initial sync and drafting",
        None,
        [
            Station(None, 1, 3),  # the profile, the labels or the first listing page
            Station("gmail.users.messages.list", 1, 2),
            Station(GET, 10, 60),
            Station(GET, 80, 160),
            Station(THREAD, 5, 30),
            Station(EVENTS, 1, 1),
            Station(LIST_DRAFTS, 1, 1),
            Station(CREATE, 1, 1, refused=False),  # Gmail created the draft; its id never reached the store
            Station(CREATE, 2, 4, refused=True),  # the outbox row is pending; Gmail never saw the draft
            Station(CREATE, 3, 8, refused=False),
        ],
    ),
    Phase(
        "incremental sync after a day of mail",
        life_goes_on,
        [
            Station(HISTORY, 1, 1),
            Station(GET, 1, 5),
            Station(EVENTS, 1, 1),
            Station(LIST_DRAFTS, 1, 1),
            Station("gmail.users.drafts.delete", 1, 1, refused=False),
            Station(CREATE, 1, 1),
        ],
    ),
    Phase(
        "drafting after meetings ended",
        meetings_end,
        [
            Station(CREATE, 1, 1, refused=True),
            Station(CREATE, 1, 1, refused=False),
            Station(CREATE, 1, 2, refused=True),
            Station(CREATE, 2, 3, refused=False),
            Station(LIST_DRAFTS, 1, 2),
        ],
    ),
    Phase(
        "repair after the cursors expired",
        cursors_expire,
        [
            Station(HISTORY, 1, 1, refused=False),  # answered 404: the window repair starts
            Station("gmail.users.messages.list", 1, 1),
            Station(GET, 1, 3),
            Station(EVENTS, 1, 2),  # the 410, or the first page of the calendar's re-sync
            Station(CREATE, 1, 1),
        ],
    ),
]


@pytest.mark.slow
def test_killed_at_twenty_six_api_calls_rapport_ends_where_a_clean_run_does(
    rapport_site: SiteFactory, engine_url: str
) -> None:
    now = hour_now()
    document = generate(SEED, MESSAGES, now=now).mailbox
    options = {"sync": "audit_every_cycles = 1", "extra_sections": CAMPAIGN_DRAFTS}
    clean = rapport_site(copy.deepcopy(document), "clean", **options)
    battered = rapport_site(copy.deepcopy(document), "battered", store_url=engine_url, **options)

    def same_as_clean(phase: str) -> None:
        assert store_content(battered.store_url) == store_content(clean.store_url), phase
        assert gmail_drafts(battered) == gmail_drafts(clean), phase

    log = run_campaign(clean, battered, PHASES, seed=SEED, now=now, after=same_as_clean)

    assert log.missed == []
    assert len(log.kills) == 26
    keys = Counter(key for key, *_ in gmail_drafts(battered))
    assert keys
    assert max(keys.values()) == 1  # each draft exactly once
    assert audit_gaps(battered.store_url) == 0
    assert store_content(battered.store_url)["pending_fetches"] == 0
    for site in (clean, battered):
        assert site.server.log.forbidden() == []
