"""Rapport writes drafts, never sends: sending is unreachable; a broken template stops before any write."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.rendering import TemplateProblem
from rules.settings import AwaitingReplyRule, ColdContactRule, RuleSettings, ThankYouRule
from sync.errors import ForbiddenMethod
from sync.google_api import GuardedHttpRequest
from tests.fixtures_drafts import DraftScenarioFactory

DRAFT_METHODS = {
    "gmail.users.drafts.list",
    "gmail.users.drafts.create",
    "gmail.users.drafts.get",
    "gmail.users.drafts.delete",
    "gmail.users.messages.get",
    "gmail.users.threads.get",
}


def test_the_draft_writers_client_has_no_way_to_send(draft_scenario: DraftScenarioFactory) -> None:
    users = draft_scenario().api.gmail().users()

    with pytest.raises(AttributeError):
        users.drafts().send  # noqa: B018  (the attribute lookup is the test)
    with pytest.raises(AttributeError):
        users.messages().send  # noqa: B018
    with pytest.raises(ForbiddenMethod):
        GuardedHttpRequest(None, None, "http://x/send", methodId="gmail.users.drafts.send")


def test_a_whole_drafting_life_calls_only_draft_methods(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    scenario.server.log.clear()

    scenario.write()
    drafts = scenario.gmail_drafts()
    scenario.state.user_deletes_draft("alex@example.com", drafts[0].draft_id)
    scenario.state.user_sends_draft("alex@example.com", drafts[1].draft_id)
    scenario.state.user_edits_draft("alex@example.com", drafts[2].draft_id, body="mine now")
    scenario.write()

    called = {call.method_id for call in scenario.server.log.calls()}
    assert called <= DRAFT_METHODS
    assert scenario.server.log.forbidden() == []


def test_a_hostile_template_stops_the_run_before_anything_is_written(
    draft_scenario: DraftScenarioFactory, tmp_path: Path
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    template = tmp_path / "cold.j2"
    template.write_text(
        "Subject: hi\n\nHi {{ greeting }},\n{{ contact.__class__.__mro__ }}\n", encoding="utf-8"
    )
    rules: list[RuleSettings] = [
        ThankYouRule(name="thank-you"),
        ColdContactRule(name="cold-contacts", template=str(template)),
        AwaitingReplyRule(name="awaiting-reply"),
    ]

    with pytest.raises(TemplateProblem) as problem:
        scenario.write(rules=rules)

    assert str(problem.value).startswith(f"template {template} line 4:")
    assert scenario.calls("drafts.create") == 0
    assert scenario.outbox() == {}


def test_a_template_failing_only_on_real_data_stops_the_run_before_anything_is_written(
    draft_scenario: DraftScenarioFactory, tmp_path: Path
) -> None:
    scenario = draft_scenario()
    scenario.sync_and_find()
    template = tmp_path / "thanks.j2"
    template.write_text("Subject: Thanks\n\n{{ contacts[3].first_name }}\n", encoding="utf-8")

    with pytest.raises(TemplateProblem, match="line 3"):
        scenario.write(rules=[ThankYouRule(name="thank-you", template=str(template))])

    assert scenario.calls("drafts.create") == 0
