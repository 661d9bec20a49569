"""calendarList.list and a full events.list as Google Calendar answers them: paging with nextSyncToken on
the last page only, the time window, singleEvents (instances) against masters, cancelled events hidden
unless asked for, and the event fields Rapport reads."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.state import SandboxState
from sandbox.testing import calendar_service, credentials_for
from tests.fixtures_sandbox import SandboxFactory

USER = "alex@example.com"


def _timed(event_id: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "status": "confirmed",
        "summary": event_id,
        "start": {"dateTime": start, "timeZone": "Europe/London"},
        "end": {"dateTime": end, "timeZone": "Europe/London"},
        **fields,
    }


def _document() -> dict[str, Any]:
    """A primary calendar: a weekly 1:1 series (master + 3 instances), an interview with attendees, a
    cancelled call, an all-day event, and a second calendar."""
    weekly = [
        _timed(
            f"oneonone_2026010{day}",
            f"2026-01-0{day}T10:00:00+00:00",
            f"2026-01-0{day}T10:30:00+00:00",
            recurringEventId="oneonone",
            originalStartTime={"dateTime": f"2026-01-0{day}T10:00:00+00:00"},
        )
        for day in (5, 6, 7)
    ]
    events = [
        _timed(
            "oneonone",
            "2026-01-05T10:00:00+00:00",
            "2026-01-05T10:30:00+00:00",
            recurrence=["RRULE:FREQ=DAILY;COUNT=3"],
        ),
        *weekly,
        _timed(
            "interview",
            "2026-01-08T14:00:00+00:00",
            "2026-01-08T15:00:00+00:00",
            organizer={"email": "dana@acme.io", "displayName": "Dana Reyes"},
            attendees=[
                {"email": USER, "self": True, "responseStatus": "accepted"},
                {"email": "dana@acme.io", "organizer": True, "responseStatus": "accepted"},
                {"email": "lee@acme.io", "optional": True, "responseStatus": "needsAction"},
                {
                    "email": "room-4@resource.calendar.google.com",
                    "resource": True,
                    "responseStatus": "accepted",
                },
            ],
        ),
        _timed(
            "cancelled_call", "2026-01-09T09:00:00+00:00", "2026-01-09T09:30:00+00:00", status="cancelled"
        ),
        {
            "id": "holiday",
            "summary": "Holiday",
            "start": {"date": "2026-01-12"},
            "end": {"date": "2026-01-13"},
        },
    ]
    return {
        "format": "rapport-sandbox-mailbox/1",
        "users": [
            {
                "email": USER,
                "timezone": "Europe/London",
                "messages": [],
                "calendars": [
                    {
                        "id": USER,
                        "summary": USER,
                        "timeZone": "Europe/London",
                        "primary": True,
                        "events": events,
                    },
                    {
                        "id": "team@group.calendar.google.com",
                        "summary": "Team",
                        "accessRole": "reader",
                        "events": [],
                    },
                ],
            }
        ],
    }


@pytest.fixture
def calendar(sandbox_factory: SandboxFactory) -> Any:
    server = sandbox_factory(SandboxState.from_mailbox(_document()))
    return calendar_service(server, credentials_for(server, USER))


def _ids(answer: dict[str, Any]) -> list[str]:
    return [event["id"] for event in answer["items"]]


def test_the_calendar_list_names_each_calendar_and_the_primary(calendar: Any) -> None:
    answer = calendar.calendarList().list().execute()
    assert answer["kind"] == "calendar#calendarList"
    entries = {entry["id"]: entry for entry in answer["items"]}
    assert entries[USER]["primary"] is True
    assert entries[USER]["timeZone"] == "Europe/London"
    assert entries["team@group.calendar.google.com"]["accessRole"] == "reader"
    assert "primary" not in entries["team@group.calendar.google.com"]
    assert "nextSyncToken" in answer


def test_single_events_gives_instances_and_never_masters(calendar: Any) -> None:
    answer = calendar.events().list(calendarId="primary", singleEvents=True).execute()
    assert _ids(answer) == [
        "oneonone_20260105",
        "oneonone_20260106",
        "oneonone_20260107",
        "interview",
        "holiday",
    ]
    assert {event.get("recurringEventId") for event in answer["items"][:3]} == {"oneonone"}
    assert answer["items"][0]["originalStartTime"] == {"dateTime": "2026-01-05T10:00:00+00:00"}


def test_without_single_events_the_series_is_its_master(calendar: Any) -> None:
    answer = calendar.events().list(calendarId="primary").execute()
    assert _ids(answer) == ["oneonone", "interview", "holiday"]
    assert answer["items"][0]["recurrence"] == ["RRULE:FREQ=DAILY;COUNT=3"]


def test_cancelled_events_appear_only_with_show_deleted(calendar: Any) -> None:
    shown = calendar.events().list(calendarId="primary", singleEvents=True, showDeleted=True).execute()
    cancelled = [event for event in shown["items"] if event["status"] == "cancelled"]
    assert [event["id"] for event in cancelled] == ["cancelled_call"]


def test_the_window_selects_events_that_overlap_it(calendar: Any) -> None:
    answer = (
        calendar.events()
        .list(
            calendarId="primary",
            singleEvents=True,
            timeMin="2026-01-06T10:15:00Z",  # inside the 6 January instance: it overlaps
            timeMax="2026-01-08T14:00:00Z",  # the interview starts exactly at timeMax: it does not
        )
        .execute()
    )
    assert _ids(answer) == ["oneonone_20260106", "oneonone_20260107"]


def test_an_all_day_event_spans_its_day_in_the_calendars_zone(calendar: Any) -> None:
    answer = (
        calendar.events()
        .list(
            calendarId="primary",
            singleEvents=True,
            timeMin="2026-01-12T23:30:00Z",
            timeMax="2026-01-14T00:00:00Z",
        )
        .execute()
    )
    assert _ids(answer) == ["holiday"]
    assert answer["items"][0]["start"] == {"date": "2026-01-12"}


def test_paging_gives_the_sync_token_on_the_last_page_only(calendar: Any) -> None:
    events = calendar.events()
    pages = [events.list(calendarId="primary", singleEvents=True, maxResults=2).execute()]
    while "nextPageToken" in pages[-1]:
        pages.append(
            events.list(
                calendarId="primary", singleEvents=True, maxResults=2, pageToken=pages[-1]["nextPageToken"]
            ).execute()
        )
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert ["nextSyncToken" in page for page in pages] == [False, False, True]
    assert [event_id for page in pages for event_id in _ids(page)] == _ids(
        events.list(calendarId="primary", singleEvents=True).execute()
    )


def test_ordering_by_start_time_gives_no_sync_token(calendar: Any) -> None:
    answer = calendar.events().list(calendarId="primary", singleEvents=True, orderBy="startTime").execute()
    assert _ids(answer)[0] == "oneonone_20260105"
    assert "nextSyncToken" not in answer


def test_ordering_by_start_time_needs_single_events(calendar: Any) -> None:
    with pytest.raises(HttpError) as raised:
        calendar.events().list(calendarId="primary", orderBy="startTime").execute()
    assert raised.value.resp.status == 400


def test_events_carry_attendees_organizer_and_the_response_envelope(calendar: Any) -> None:
    answer = (
        calendar.events()
        .list(calendarId="primary", singleEvents=True, iCalUID="interview@google.com")
        .execute()
    )
    assert answer["kind"] == "calendar#events"
    assert answer["timeZone"] == "Europe/London"
    [interview] = answer["items"]
    assert interview["organizer"] == {"email": "dana@acme.io", "displayName": "Dana Reyes"}
    assert [attendee["email"] for attendee in interview["attendees"]][
        3
    ] == "room-4@resource.calendar.google.com"
    assert interview["attendees"][2]["optional"] is True
    assert interview["eventType"] == "default"
    assert interview["updated"].endswith("Z")


def test_max_attendees_trims_the_list_and_says_so(calendar: Any) -> None:
    [interview] = (
        calendar.events().list(calendarId="primary", q="interview", maxAttendees=2).execute()["items"]
    )
    assert len(interview["attendees"]) == 2
    assert interview["attendeesOmitted"] is True


def test_an_unknown_calendar_is_not_found(calendar: Any) -> None:
    with pytest.raises(HttpError) as raised:
        calendar.events().list(calendarId="nobody@example.com").execute()
    assert raised.value.resp.status == 404


def test_times_are_written_in_the_time_zone_asked_for(calendar: Any) -> None:
    answer = (
        calendar.events()
        .list(
            calendarId="primary",
            singleEvents=True,
            iCalUID="interview@google.com",
            timeZone="America/New_York",
        )
        .execute()
    )
    assert answer["timeZone"] == "America/New_York"
    assert answer["items"][0]["start"]["dateTime"] == "2026-01-08T09:00:00-05:00"


def test_an_unknown_time_zone_is_a_bad_request(calendar: Any) -> None:
    with pytest.raises(HttpError) as raised:
        calendar.events().list(calendarId="primary", timeZone="Mars/Olympus_Mons").execute()
    assert raised.value.resp.status == 400


def test_updated_min_includes_what_was_deleted_since(sandbox_factory: SandboxFactory) -> None:
    state = SandboxState.from_mailbox(_document())
    state.cancel_event(USER, "primary", "interview")
    server = sandbox_factory(state)
    events = calendar_service(server, credentials_for(server, USER)).events()
    answer = events.list(calendarId="primary", singleEvents=True, updatedMin="2020-01-01T00:00:00Z").execute()
    statuses = {event["id"]: event["status"] for event in answer["items"]}
    assert statuses["interview"] == "cancelled"
    assert statuses["cancelled_call"] == "cancelled"


def test_event_types_filter_the_listing(sandbox_factory: SandboxFactory) -> None:
    document = _document()
    document["users"][0]["calendars"][0]["events"].append(
        {
            "id": "ooo",
            "eventType": "outOfOffice",
            "start": {"dateTime": "2026-01-15T00:00:00+00:00"},
            "end": {"dateTime": "2026-01-16T00:00:00+00:00"},
        }
    )
    server = sandbox_factory(SandboxState.from_mailbox(document))
    events = calendar_service(server, credentials_for(server, USER)).events()
    answer = events.list(calendarId="primary", eventTypes=["outOfOffice"]).execute()
    assert [event["id"] for event in answer["items"]] == ["ooo"]
