"""Incremental calendar sync with sync tokens, as Google defines it: only what changed since the token,
cancelled events included, the filters Google refuses alongside a token answered 400, and 410 for a
token that can no longer be honoured."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.state import SandboxState
from sandbox.testing import calendar_service, credentials_for
from tests.fixtures_sandbox import SandboxFactory

USER = "alex@example.com"
TEAM = "team@group.calendar.google.com"


def _meeting(event_id: str, day: int) -> dict[str, Any]:
    return {
        "id": event_id,
        "status": "confirmed",
        "summary": f"Meeting {event_id}",
        "start": {"dateTime": f"2026-02-{day:02d}T10:00:00+00:00"},
        "end": {"dateTime": f"2026-02-{day:02d}T11:00:00+00:00"},
        "attendees": [
            {"email": USER, "self": True, "responseStatus": "accepted"},
            {"email": "dana@acme.io", "responseStatus": "needsAction"},
        ],
    }


@pytest.fixture
def state() -> SandboxState:
    document = {
        "format": "rapport-sandbox-mailbox/1",
        "users": [
            {
                "email": USER,
                "messages": [],
                "calendars": [
                    {
                        "id": USER,
                        "summary": USER,
                        "primary": True,
                        "events": [_meeting(f"m{day}", day) for day in range(1, 6)],
                    },
                    {"id": TEAM, "summary": "Team", "events": [_meeting("t1", 3)]},
                ],
            }
        ],
    }
    return SandboxState.from_mailbox(document)


@pytest.fixture
def events(sandbox_factory: SandboxFactory, state: SandboxState) -> Any:
    server = sandbox_factory(state)
    return calendar_service(server, credentials_for(server, USER)).events()


def _full_sync(events: Any, calendar_id: str = "primary") -> str:
    answer = events.list(calendarId=calendar_id, singleEvents=True).execute()
    return str(answer["nextSyncToken"])


def test_nothing_changed_means_no_items_and_a_fresh_token(events: Any) -> None:
    token = _full_sync(events)
    answer = events.list(calendarId="primary", singleEvents=True, syncToken=token).execute()
    assert answer["items"] == []
    assert answer["nextSyncToken"]


def test_changes_come_back_cancelled_ones_included_whatever_show_deleted_says(
    events: Any, state: SandboxState
) -> None:
    token = _full_sync(events)
    state.cancel_event(USER, "primary", "m2")
    state.set_response(USER, "primary", "m4", "dana@acme.io", "declined")
    state.add_event(USER, "primary", _meeting("m9", 9))
    answer = events.list(
        calendarId="primary", singleEvents=True, syncToken=token, showDeleted=False
    ).execute()
    by_id = {event["id"]: event for event in answer["items"]}
    assert set(by_id) == {"m2", "m4", "m9"}
    assert by_id["m2"]["status"] == "cancelled"
    assert by_id["m4"]["attendees"][1]["responseStatus"] == "declined"


def test_the_next_token_carries_on_from_the_last_incremental(events: Any, state: SandboxState) -> None:
    token = _full_sync(events)
    state.update_event(USER, "primary", "m1", summary="Renamed")
    first = events.list(calendarId="primary", singleEvents=True, syncToken=token).execute()
    state.update_event(USER, "primary", "m3", summary="Renamed too")
    second = events.list(calendarId="primary", singleEvents=True, syncToken=first["nextSyncToken"]).execute()
    assert [event["id"] for event in first["items"]] == ["m1"]
    assert [event["id"] for event in second["items"]] == ["m3"]
    assert second["items"][0]["summary"] == "Renamed too"


def test_incremental_results_page_with_the_token_on_the_last_page(events: Any, state: SandboxState) -> None:
    token = _full_sync(events)
    for day in (1, 2, 3):
        state.update_event(USER, "primary", f"m{day}", summary="Moved")
    first = events.list(calendarId="primary", singleEvents=True, syncToken=token, maxResults=2).execute()
    second = events.list(
        calendarId="primary",
        singleEvents=True,
        syncToken=token,
        maxResults=2,
        pageToken=first["nextPageToken"],
    ).execute()
    assert ("nextSyncToken" in first, "nextSyncToken" in second) == (False, True)
    assert [event["id"] for page in (first, second) for event in page["items"]] == ["m1", "m2", "m3"]


def test_a_change_made_while_paging_is_reported_by_the_next_sync(events: Any, state: SandboxState) -> None:
    first = events.list(calendarId="primary", singleEvents=True, maxResults=3).execute()
    state.update_event(USER, "primary", "m1", summary="Changed mid-sync")  # already on the first page
    second = events.list(
        calendarId="primary", singleEvents=True, maxResults=3, pageToken=first["nextPageToken"]
    ).execute()
    later = events.list(calendarId="primary", singleEvents=True, syncToken=second["nextSyncToken"]).execute()
    assert [event["id"] for event in later["items"]] == ["m1"]


def test_an_invalidated_token_answers_410_full_sync_required(events: Any, state: SandboxState) -> None:
    token = _full_sync(events)
    state.invalidate_sync_tokens(USER, "primary")
    with pytest.raises(HttpError) as raised:
        events.list(calendarId="primary", singleEvents=True, syncToken=token).execute()
    assert raised.value.resp.status == 410
    assert "fullSyncRequired" in str(raised.value.error_details)
    assert (
        events.list(calendarId="primary", singleEvents=True, syncToken=_full_sync(events)).execute()["items"]
        == []
    )


@pytest.mark.parametrize("token_kind", ["other-calendar", "garbage"])
def test_a_token_this_calendar_never_issued_answers_410(events: Any, token_kind: str) -> None:
    token = _full_sync(events, TEAM) if token_kind == "other-calendar" else "CnotAToken"
    with pytest.raises(HttpError) as raised:
        events.list(calendarId="primary", singleEvents=True, syncToken=token).execute()
    assert raised.value.resp.status == 410


@pytest.mark.parametrize(
    "clash",
    [
        {"timeMin": "2026-01-01T00:00:00Z"},
        {"timeMax": "2026-12-31T00:00:00Z"},
        {"orderBy": "startTime"},
        {"q": "meeting"},
        {"updatedMin": "2026-01-01T00:00:00Z"},
        {"iCalUID": "m1@google.com"},
        {"privateExtendedProperty": "kind=interview"},
    ],
    ids=lambda clash: next(iter(clash)),
)
def test_filters_google_refuses_with_a_sync_token_answer_400(events: Any, clash: dict[str, str]) -> None:
    token = _full_sync(events)
    with pytest.raises(HttpError) as raised:
        events.list(calendarId="primary", singleEvents=True, syncToken=token, **clash).execute()
    assert raised.value.resp.status == 400


def _series_state() -> SandboxState:
    master = {**_meeting("weekly", 2), "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=2"]}
    instances = [
        {
            **_meeting(f"weekly_{day}", day),
            "recurringEventId": "weekly",
            "originalStartTime": {"dateTime": f"2026-02-{day:02d}T10:00:00+00:00"},
        }
        for day in (2, 9)
    ]
    calendar = {"id": USER, "summary": USER, "primary": True, "events": [master, *instances]}
    document = {
        "format": "rapport-sandbox-mailbox/1",
        "users": [{"email": USER, "messages": [], "calendars": [calendar]}],
    }
    return SandboxState.from_mailbox(document)


def test_an_answer_to_the_whole_series_reaches_every_instance(sandbox_factory: SandboxFactory) -> None:
    state = _series_state()
    server = sandbox_factory(state)
    events = calendar_service(server, credentials_for(server, USER)).events()
    token = _full_sync(events)
    state.set_response(USER, "primary", "weekly", "dana@acme.io", "declined")
    answer = events.list(calendarId="primary", singleEvents=True, syncToken=token).execute()
    assert {event["id"]: event["attendees"][1]["responseStatus"] for event in answer["items"]} == {
        "weekly_2": "declined",
        "weekly_9": "declined",
    }


def test_a_changed_instance_shows_next_to_its_master_without_single_events(
    sandbox_factory: SandboxFactory,
) -> None:
    state = _series_state()
    server = sandbox_factory(state)
    events = calendar_service(server, credentials_for(server, USER)).events()
    token = events.list(calendarId="primary").execute()["nextSyncToken"]
    state.update_event(USER, "primary", "weekly_9", summary="Moved to the big room")
    changed = events.list(calendarId="primary", syncToken=token).execute()
    listed = events.list(calendarId="primary").execute()
    assert [event["id"] for event in changed["items"]] == ["weekly_9"]
    assert [event["id"] for event in listed["items"]] == ["weekly", "weekly_9"]
    state.update_event(USER, "primary", "weekly", summary="Renamed series")
    series = events.list(calendarId="primary", singleEvents=True).execute()
    # The series rename reaches the untouched instance, not the one changed on its own.
    assert [event["summary"] for event in series["items"]] == ["Renamed series", "Moved to the big room"]


def test_a_cancelled_series_cancels_its_instances_for_a_single_events_sync(
    sandbox_factory: SandboxFactory,
) -> None:
    state = _series_state()
    server = sandbox_factory(state)
    events = calendar_service(server, credentials_for(server, USER)).events()
    token = _full_sync(events)
    state.cancel_event(USER, "primary", "weekly")
    answer = events.list(calendarId="primary", singleEvents=True, syncToken=token).execute()
    assert {(event["id"], event["status"]) for event in answer["items"]} == {
        ("weekly_2", "cancelled"),
        ("weekly_9", "cancelled"),
    }
