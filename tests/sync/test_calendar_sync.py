"""Calendars: a full pass over the window once, then only what changed by sync token; a 410 clears and
re-syncs that calendar; a pass killed between pages resumes at its saved page."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.calendar_api import list_events
from sandbox.errors import ApiError
from sandbox.handlers import Call
from sandbox.server import default_handlers
from sandbox.state import SandboxState
from store.models import Attendee, Calendar, CalendarCursor, Event, Finding
from sync.calendar_sync import CALENDAR_CURSOR_VERSION
from tests.fixtures_sync import (
    NOW,
    USER,
    DyingApi,
    SimulatedKill,
    SyncEnv,
    SyncEnvFactory,
    event,
    mailbox,
    message,
)

TEAM = "team@group.calendar.google.com"


def _calendar_mailbox(extra_primary_events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    today = NOW.date()
    return mailbox(
        [message(1)],
        events=[
            event("coffee1", hours_ago=30, attendees=["Dana@Acme.io"], summary="Coffee with Dana"),
            event(
                "offsite",
                hours_ago=0,
                start={"date": (today - timedelta(days=3)).isoformat()},
                end={"date": (today - timedelta(days=1)).isoformat()},
            ),
            event("dropped", hours_ago=50, status="cancelled"),
            event("ancient", hours_ago=24 * 500),
            event("planning", hours_ago=-24 * 30, attendees=["dana@acme.io", "sam@example.org"]),
            *(extra_primary_events or []),
        ],
        extra_calendars=[
            {
                "id": TEAM,
                "summary": "Team",
                "timeZone": "UTC",
                "accessRole": "reader",
                "events": [event("standup", hours_ago=20, attendees=["sam@example.org"])],
            }
        ],
    )


def _events(env: SyncEnv, config_id: str = "primary") -> dict[str, Event]:
    with env.session_factory() as session:
        rows = session.scalars(
            select(Event)
            .join(Calendar, Calendar.id == Event.calendar_id)
            .where(Calendar.config_id == config_id)
        )
        return {row.gcal_id: row for row in rows}


def _responses(env: SyncEnv, gcal_id: str) -> dict[str, str | None]:
    with env.session_factory() as session:
        rows = session.execute(
            select(Attendee.email, Attendee.response_status)
            .join(Event, Event.id == Attendee.event_id)
            .where(Event.gcal_id == gcal_id)
        )
        return {email: status for email, status in rows}


def test_first_sync_stores_the_window_of_each_configured_calendar(sync_env: SyncEnvFactory) -> None:
    env = sync_env(_calendar_mailbox())
    env.calendars = ("primary", TEAM)

    env.sync()

    events = _events(env)
    assert set(events) == {"coffee1", "offsite", "planning"}  # not the cancelled one, not the ancient one
    coffee = events["coffee1"]
    assert coffee.summary == "Coffee with Dana"
    assert coffee.start_at == NOW - timedelta(hours=30)
    assert coffee.end_at == NOW - timedelta(hours=29)
    assert coffee.organizer_self
    assert coffee.self_response == "accepted"
    assert _responses(env, "coffee1") == {USER: "accepted", "dana@acme.io": "accepted"}
    offsite = events["offsite"]
    assert offsite.all_day
    assert offsite.start_at == datetime.combine(NOW.date() - timedelta(days=3), datetime.min.time(), UTC)
    assert set(_events(env, TEAM)) == {"standup"}
    with env.session_factory() as session:
        resolved = {row.config_id: row.gcal_id for row in session.scalars(select(Calendar))}
    assert resolved == {"primary": USER, TEAM: TEAM}
    assert env.server.log.count("calendar.calendarList.list") == 1  # resolving the ids, the first time only

    env.server.log.clear()
    env.sync()
    assert env.server.log.count("calendar.calendarList.list") == 0
    assert env.server.log.count("calendar.events.list") == 2


def test_changes_arrive_by_sync_token(sync_env: SyncEnvFactory) -> None:
    env = sync_env(_calendar_mailbox())
    env.sync()
    env.state.cancel_event(USER, "primary", "coffee1")
    env.state.set_response(USER, "primary", "planning", "sam@example.org", "declined")
    env.state.add_event(USER, "primary", event("lunch", hours_ago=5, attendees=["kim@example.org"]))
    env.server.log.clear()

    report = env.sync()

    events = _events(env)
    assert events["coffee1"].status == "cancelled"
    assert _responses(env, "planning")["sam@example.org"] == "declined"
    assert "lunch" in events
    assert report.events_changed == 3
    assert env.server.log.count("calendar.events.list") == 1


def test_an_expired_sync_token_clears_and_resyncs_that_calendar_only(sync_env: SyncEnvFactory) -> None:
    env = sync_env(_calendar_mailbox())
    env.calendars = ("primary", TEAM)
    env.sync()
    with env.session_factory.begin() as session:
        session.add(
            Finding(
                account_id=env.account_id,
                rule_name="thanks",
                kind="thank_you",
                occasion_key="thank_you:coffee1",
                state="dismissed",
                event_gcal_id="coffee1",
            )
        )
    env.state.update_event(USER, "primary", "coffee1", summary="Coffee (moved)")
    env.state.invalidate_sync_tokens(USER, "primary")
    env.server.log.clear()

    report = env.sync()

    assert report.resynced
    assert _events(env)["coffee1"].summary == "Coffee (moved)"
    assert set(_events(env)) == {"coffee1", "offsite", "planning"}
    assert env.server.log.count("calendar.events.list") == 3  # 410, the full pass, the team calendar
    with env.session_factory() as session:
        finding = session.scalar(select(Finding))
    assert finding is not None
    assert finding.state == "dismissed"


def test_a_full_pass_killed_between_pages_resumes_at_the_saved_page(sync_env: SyncEnvFactory) -> None:
    many = [event(f"busy{n}", hours_ago=24 * (n % 300) + 3) for n in range(2600)]  # two pages of 2,500
    env = sync_env(_calendar_mailbox(many))
    healthy, env.api = env.api, DyingApi(env, "calendar.events.list", calls=2)

    with pytest.raises(SimulatedKill):
        env.sync()
    with env.session_factory() as session:
        cursor = session.scalar(select(CalendarCursor))
    assert cursor is not None
    assert cursor.page_token is not None
    assert cursor.sync_token is None  # only the last page brings it
    assert len(_events(env)) == 2500
    env.api = healthy
    env.server.log.clear()

    env.sync()

    assert env.server.log.count("calendar.events.list") == 1
    assert len(_events(env)) == 2600 + 3
    with env.session_factory() as session:
        cursor = session.scalar(select(CalendarCursor))
    assert cursor is not None
    assert cursor.sync_token is not None
    assert cursor.phase == "incremental"


def test_a_configured_calendar_the_account_lacks_is_skipped(sync_env: SyncEnvFactory) -> None:
    env = sync_env(_calendar_mailbox())
    env.calendars = ("nope@group.calendar.google.com", "primary")

    report = env.sync()

    assert not report.interrupted
    assert set(_events(env)) == {"coffee1", "offsite", "planning"}


def test_a_newer_calendar_cursor_version_forces_a_full_resync(sync_env: SyncEnvFactory) -> None:
    env = sync_env(_calendar_mailbox())
    env.sync()
    with env.session_factory.begin() as session:
        cursor = session.scalar(select(CalendarCursor))
        assert cursor is not None
        cursor.version = CALENDAR_CURSOR_VERSION - 1
        # A row as an older format stored it: only a full pass rewrites an event that did not change.
        stale = session.scalar(select(Event).where(Event.gcal_id == "offsite"))
        assert stale is not None
        stale.summary = "written by an older format"
    env.server.log.clear()

    report = env.sync()

    assert report.resynced
    assert set(_events(env)) == {"coffee1", "offsite", "planning"}
    assert _events(env)["offsite"].summary == "Meeting offsite"
    assert env.server.log.count("calendar.events.list") == 1
    with env.session_factory() as session:
        cursor = session.scalar(select(CalendarCursor))
    assert cursor is not None
    assert cursor.version == CALENDAR_CURSOR_VERSION
    assert cursor.phase == "incremental"


def test_text_with_nul_bytes_is_stored_without_them(sync_env: SyncEnvFactory) -> None:
    lunch = event(
        "lunch",
        hours_ago=5,
        summary="Lunch\x00 at noon",
        attendees=[],
        organizer={"email": "kim@example.org", "displayName": "Kim\x00 Lee"},
    )
    lunch["attendees"].append({"email": "kim@example.org", "displayName": "Kim\x00 Lee", "organizer": True})
    env = sync_env(_calendar_mailbox([lunch]))

    report = env.sync()

    assert not report.interrupted
    assert _events(env)["lunch"].summary == "Lunch at noon"
    with env.session_factory() as session:
        names = set(session.scalars(select(Attendee.display_name).where(Attendee.email == "kim@example.org")))
    assert names == {"Kim Lee"}


def test_a_calendar_gone_from_the_account_is_skipped_until_it_is_back(
    sync_env: SyncEnvFactory, caplog: pytest.LogCaptureFixture
) -> None:
    # The user unsubscribed from (or lost access to) a calendar the config still names: Google answers 404.
    team_gone = threading.Event()

    def events_list(state: SandboxState, call: Call) -> Any:
        if team_gone.is_set() and call.path["calendarId"] == TEAM:
            raise ApiError(404, "Not Found", "notFound")
        return list_events(state, call)

    handlers = {**default_handlers(), "calendar.events.list": events_list}
    env = sync_env(_calendar_mailbox(), handlers=handlers)
    env.calendars = ("primary", TEAM)
    env.sync()
    env.state.add_event(USER, "primary", event("lunch", hours_ago=5))
    team_gone.set()

    with caplog.at_level(logging.WARNING, logger="sync"):
        report = env.sync()

    assert not report.interrupted
    assert "lunch" in _events(env)  # the other calendars (and Gmail) are still synced
    assert set(_events(env, TEAM)) == {"standup"}  # what was stored stays
    assert any(TEAM in record.getMessage() for record in caplog.records if record.levelno == logging.WARNING)

    team_gone.clear()
    env.state.add_event(USER, TEAM, event("retro", hours_ago=2))
    env.sync()
    assert set(_events(env, TEAM)) == {"standup", "retro"}
