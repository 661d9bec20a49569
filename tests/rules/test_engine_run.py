"""A run of the rules as a whole: what it leaves behind in the process besides its findings."""

from __future__ import annotations

import gc
from collections.abc import Mapping

import pytest

from rules.settings import AwaitingReplyRule
from tests.fixtures_rules import RulesEnvFactory, Scenario, days_ago

AWAITING = AwaitingReplyRule(name="awaiting-reply")
DANA = "Dana Kim <dana@acme.io>"


def test_a_run_pauses_the_garbage_collector_and_gives_it_back_as_it_found_it(
    rules_env: RulesEnvFactory,
) -> None:
    scenario = Scenario(timezone="UTC")
    hello = scenario.writes(DANA, "Schedule", "Happy to help with the move.", at=days_ago(14))
    scenario.user_writes(
        DANA, "Re: Schedule", "Could you send me the schedule?", at=days_ago(12), reply_to=hello
    )
    env = rules_env(scenario)
    fetch = env.fetch_bodies
    collecting: list[bool] = []

    def unreachable(gmail_ids: list[str]) -> Mapping[str, str]:
        collecting.append(gc.isenabled())
        raise ConnectionError("Gmail is unreachable")

    def fetch_watched(gmail_ids: list[str]) -> Mapping[str, str]:
        collecting.append(gc.isenabled())
        return fetch(gmail_ids)

    env.fetch_bodies = unreachable  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        env.run([AWAITING])
    assert collecting == [False]
    assert gc.isenabled()

    env.fetch_bodies = fetch_watched  # type: ignore[method-assign]
    gc.disable()  # paused by someone else: the run leaves it paused
    try:
        env.run([AWAITING], sync=False)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert collecting == [False, False]
    assert [finding["kind"] for finding in env.findings()] == ["awaiting_reply"]
