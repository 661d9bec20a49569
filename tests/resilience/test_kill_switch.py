"""The kill campaign's instrument: the sandbox tells observers of each call as it arrives and lets them refuse
it, and the kill switch built on that SIGKILLs `rapport run --once` at exactly the Nth call — either before
Gmail carries the call out, or after Gmail did but before Rapport read the answer. The calls a killed
process left in flight are settled before the test looks (the sandbox waits until it is idle)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.errors import ApiError
from sandbox.server import SandboxServer
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_rapport import ALEX, hour_now, networkers_mailbox
from tests.fixtures_resilience import KillPoint, KillSwitch, SiteFactory, gmail_drafts, run_once

DRAFTS_CREATE = "gmail.users.drafts.create"


def test_observers_see_each_call_as_it_arrives_and_may_refuse_it(
    sandbox_factory: Callable[..., SandboxServer], small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    seen: list[tuple[str, str]] = []

    def refuse_drafts(method_id: str, user: str) -> None:
        seen.append((method_id, user))
        if method_id == DRAFTS_CREATE:
            raise ApiError(503, "refused by the test", "backendError")

    server.on_call.append(refuse_drafts)
    gmail = gmail_service(server, credentials_for(server, ALEX))

    gmail.users().labels().list(userId="me").execute()
    with pytest.raises(HttpError) as refused:
        gmail.users().drafts().create(
            userId="me", body={"message": {"raw": "U3ViamVjdDogaGkKCmhp"}}
        ).execute()

    assert seen == [("gmail.users.labels.list", ALEX), (DRAFTS_CREATE, ALEX)]
    assert refused.value.resp.status == 503
    assert server.state.drafts(ALEX) == []  # a refused call is never carried out
    assert [(call.method_id, call.status) for call in server.log.calls()] == [
        ("gmail.users.labels.list", 200),
        (DRAFTS_CREATE, 503),
    ]


@pytest.mark.parametrize(("refused", "drafts_in_gmail"), [(True, 1), (False, 2)])
def test_the_switch_kills_rapport_at_the_nth_call_before_or_after_gmail_carries_it_out(
    rapport_site: SiteFactory, refused: bool, drafts_in_gmail: int
) -> None:
    site = rapport_site(networkers_mailbox(ALEX, now=hour_now()), "killed")
    switch = KillSwitch(site.server)

    run = run_once(site, switch, KillPoint(DRAFTS_CREATE, 2, refused=refused))

    assert (run.returncode, run.killed) == (-9, True)
    assert "drafted=" not in run.log  # it died mid-cycle, before its summary line
    assert site.server.log.count(DRAFTS_CREATE) == 2
    assert len(gmail_drafts(site)) == drafts_in_gmail


def test_a_run_that_finishes_before_the_kill_point_is_not_killed(rapport_site: SiteFactory) -> None:
    site = rapport_site(networkers_mailbox(ALEX, now=hour_now()), "spared")
    switch = KillSwitch(site.server)

    run = run_once(site, switch, KillPoint(DRAFTS_CREATE, 4, refused=True))

    assert (run.returncode, run.killed) == (0, False)
    assert len(gmail_drafts(site)) == 3
