"""A draft that can never be written is recorded once, failed with its reason, and not tried every cycle;
a refusal that may pass (about the account or the day's quota) is tried again."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
from googleapiclient.http import HttpRequest

from sandbox.testing import credentials_for
from sync.client import GoogleApi
from sync.errors import ApiRejected
from tests.fixtures_drafts import (
    ALEX,
    DANA,
    JOERG,
    THANK_YOU,
    DraftScenario,
    DraftScenarioFactory,
    drafts_mailbox,
)

# Real addresses some carriers hand out (consecutive dots) that RFC 5322 only allows quoted: the draft's
# message cannot be built with them.
TARO = "taro..yamada@docomo.ne.jp"


def _meeting_with(guest: str, name: str) -> dict[str, Any]:
    document = drafts_mailbox()
    meeting = document["users"][0]["calendars"][0]["events"][0]
    meeting["attendees"].append({"email": guest, "displayName": name, "responseStatus": "accepted"})
    return document


class RefusingGmail(GoogleApi):
    """The scenario's client, except that Gmail answers drafts.create to `recipient` with `refusal`."""

    def __init__(self, scenario: DraftScenario, recipient: str, refusal: ApiRejected) -> None:
        super().__init__(
            credentials_for(scenario.server, ALEX),
            api_endpoint=scenario.server.base_url,
            retry=scenario.api.retry,
        )
        self.recipient = recipient
        self.refusal = refusal
        self.refused = 0

    def execute(self, request: HttpRequest) -> Any:
        if request.methodId == "gmail.users.drafts.create":
            raw = json.loads(request.body or "{}")["message"]["raw"]
            if self.recipient.encode() in base64.urlsafe_b64decode(raw):
                self.refused += 1
                raise self.refusal
        return super().execute(request)


def _cycles(scenario: DraftScenario, count: int) -> list[tuple[int, int]]:
    """(created, failed) of `count` cycles (sync, rules, drafts) in a row."""
    reports = []
    for _ in range(count):
        scenario.sync_and_find()
        report = scenario.write()
        reports.append((report.created, report.failed))
    return reports


def test_a_draft_whose_message_cannot_be_built_fails_once_with_its_reason(
    draft_scenario: DraftScenarioFactory, caplog: pytest.LogCaptureFixture
) -> None:
    scenario = draft_scenario(_meeting_with(TARO, "Taro Yamada"))

    with caplog.at_level(logging.WARNING, logger="sync.drafts_writer"):
        reports = _cycles(scenario, 3)

    assert reports == [(6, 1), (0, 0), (0, 0)]
    failed = scenario.outbox()[f"{THANK_YOU}:{TARO}"]
    assert failed.state == "failed"
    assert failed.gmail_draft_id is None
    assert failed.failure is not None
    assert TARO in failed.failure
    assert "cannot be built" in failed.failure
    warnings = [record.getMessage() for record in caplog.records if TARO in record.getMessage()]
    assert len(warnings) == 1
    assert "will not be tried again" in warnings[0]
    assert {draft.key for draft in scenario.gmail_drafts()} >= {f"{THANK_YOU}:{DANA}", f"{THANK_YOU}:{JOERG}"}


def test_a_draft_gmail_refuses_as_invalid_is_asked_for_once(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    refusing = RefusingGmail(
        scenario,
        DANA,
        ApiRejected("gmail.users.drafts.create: HTTP 400: Invalid To header", 400, "invalidArgument"),
    )
    scenario.api = refusing

    reports = _cycles(scenario, 3)

    assert reports == [(5, 1), (0, 0), (0, 0)]
    assert refusing.refused == 1
    failed = scenario.outbox()[f"{THANK_YOU}:{DANA}"]
    assert failed.state == "failed"
    assert failed.failure is not None
    assert "Gmail refused it" in failed.failure
    assert "Invalid To header" in failed.failure


def test_the_report_says_of_each_draft_whether_it_was_written_or_why_not(
    draft_scenario: DraftScenarioFactory,
) -> None:
    # Taro's draft can never be written; Gmail refuses Dana's for today only.
    scenario = draft_scenario(_meeting_with(TARO, "Taro Yamada"))
    scenario.api = RefusingGmail(
        scenario,
        DANA,
        ApiRejected("gmail.users.drafts.create: HTTP 403: Daily Limit Exceeded", 403, "dailyLimitExceeded"),
    )
    scenario.sync_and_find()
    dry_run = scenario.write(dry_run=True)

    report = scenario.write()

    assert {draft.outcome for draft in dry_run.planned} == {"planned"}
    assert dry_run.written == []
    assert dry_run.failures == []
    never, today = sorted(report.failures, key=lambda draft: draft.retried)
    assert never.draft_key == f"{THANK_YOU}:{TARO}"
    assert never.failure is not None
    assert never.failure.startswith("the message cannot be built:")
    assert today.draft_key == f"{THANK_YOU}:{DANA}"
    assert today.failure is not None
    assert "Daily Limit Exceeded" in today.failure
    assert today.retried
    assert not never.retried
    assert len(report.written) == report.created == 5
    assert {draft.draft_key for draft in report.written} == {draft.key for draft in scenario.gmail_drafts()}


def test_a_refusal_that_may_pass_is_tried_again_next_cycle(draft_scenario: DraftScenarioFactory) -> None:
    scenario = draft_scenario()
    daily_limit = ApiRejected(
        "gmail.users.drafts.create: HTTP 403 dailyLimitExceeded: Daily Limit Exceeded",
        403,
        "dailyLimitExceeded",
    )
    refusing = RefusingGmail(scenario, DANA, daily_limit)
    scenario.api = refusing

    refused_twice = _cycles(scenario, 2)
    scenario.restart()  # the next day: Gmail takes it
    accepted = _cycles(scenario, 1)

    assert refused_twice == [(5, 1), (0, 1)]
    assert refusing.refused == 2
    assert accepted == [(1, 0)]
    assert scenario.outbox()[f"{THANK_YOU}:{DANA}"].state == "written"
