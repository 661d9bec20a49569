"""The sandbox routes the real client's requests exactly where Google would, and validates them against
the discovery documents: unknown methods (under a service's path), parameters and enum values, out-of-range
integers and missing required parameters are answered 400 with Google's JSON, a path under no service 404;
media upload paths are refused 400; and a token answers only for its own user and its own scopes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from sandbox.errors import ApiError
from sandbox.routing import RouteTable, validate_query
from sandbox.testing import calendar_service, credentials_for, gmail_service
from tests.fixtures_sandbox import ALEX, SAM, SandboxFactory, raw_request

READONLY_CALENDAR = ("https://www.googleapis.com/auth/calendar.readonly",)
RAW_DRAFT = "VG86IGRhbmFAYWNtZS5pbw0KU3ViamVjdDogSGkNCg0KSGku"


def _error(exc: HttpError) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(exc.content)["error"]
    return parsed


def test_gmail_calls_reach_users_me_through_the_api_endpoint(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))

    profile = gmail.users().getProfile(userId="me").execute()

    assert profile["emailAddress"] == ALEX
    [call] = server.log.calls()
    assert (call.method_id, call.user, call.cost, call.status) == ("gmail.users.getProfile", ALEX, 1, 200)


def test_the_users_own_address_works_as_user_id(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))

    assert gmail.users().getProfile(userId=ALEX).execute()["emailAddress"] == ALEX


def test_another_users_mailbox_is_delegation_denied(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))

    with pytest.raises(HttpError) as raised:
        gmail.users().getProfile(userId=SAM).execute()

    assert raised.value.status_code == 403
    assert _error(raised.value)["message"] == f"Delegation denied for {ALEX}"


def test_calendar_calls_are_served_under_the_calendar_v3_prefix(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    calendar = calendar_service(server, credentials_for(server, ALEX))

    events = calendar.events().list(calendarId="primary", singleEvents=True).execute()

    assert [event["id"] for event in events["items"]] == ["coffee20251127"]
    [call] = server.log.calls()
    assert (call.method_id, call.cost, call.status) == ("calendar.events.list", 0, 200)


def test_a_calendar_endpoint_without_the_service_path_misses_every_route(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    calendar = build(
        "calendar",
        "v3",
        credentials=credentials_for(server, ALEX),
        static_discovery=True,
        client_options={"api_endpoint": server.base_url},
    )

    with pytest.raises(HttpError) as raised:
        calendar.events().list(calendarId="primary").execute()

    assert raised.value.status_code == 404
    assert _error(raised.value)["status"] == "NOT_FOUND"


def test_an_unknown_method_under_a_service_is_400_with_googles_error_json(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)

    gmail = raw_request(server, "GET", "/gmail/v1/users/me/nonsense", token=token)
    calendar = raw_request(server, "GET", "/calendar/v3/calendars/primary/nonsense", token=token)

    assert (gmail.status, calendar.status) == (400, 400)
    assert gmail.json["error"]["code"] == 400
    assert gmail.json["error"]["status"] == "INVALID_ARGUMENT"
    assert gmail.json["error"]["errors"][0]["reason"] == "badRequest"
    assert gmail.json["error"]["message"] == (
        "GET /gmail/v1/users/me/nonsense is not a method of the Gmail API v1 in its discovery document."
    )
    assert "not a method of the Calendar API v3" in calendar.json["error"]["message"]
    assert server.log.calls() == []


def test_a_known_path_with_another_verb_is_400_naming_the_verbs_it_takes(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)

    profile = raw_request(server, "DELETE", "/gmail/v1/users/me/profile", token=token)
    messages = raw_request(server, "PUT", "/gmail/v1/users/me/messages", token=token, body={})

    assert (profile.status, messages.status) == (400, 400)
    assert profile.json["error"]["message"] == (
        "DELETE /gmail/v1/users/me/profile is not a method of the Gmail API v1 in its discovery document; "
        "that path takes GET."
    )
    assert messages.json["error"]["message"].endswith("; that path takes GET, POST.")


def test_a_path_under_no_service_is_404(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)

    answer = raw_request(server, "GET", "/gmail/v2/users/me/profile", token=token)

    assert answer.status == 404
    assert answer.json["error"]["code"] == 404
    assert answer.json["error"]["errors"][0]["reason"] == "notFound"


def test_an_allowed_method_on_a_media_upload_path_is_400_and_writes_nothing(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)
    drafts_before = server.state.drafts(ALEX)

    # A draft sent as a media upload: the mail itself as the body. (Over plain HTTP the real client cannot
    # send one: it moves media uploads to the api_endpoint's host but keeps https.)
    answer = raw_request(
        server,
        "POST",
        "/upload/gmail/v1/users/me/drafts?uploadType=media",
        token=token,
        body={"raw": RAW_DRAFT},
    )

    assert answer.status == 400
    assert answer.json["error"]["message"].startswith(
        "The sandbox does not serve media uploads (POST /upload/gmail/v1/users/me/drafts, "
        "gmail.users.drafts.create)"
    )
    assert "{'raw': ...}" in answer.json["error"]["message"]
    assert server.state.drafts(ALEX) == drafts_before
    [call] = server.log.calls()
    assert (call.method_id, call.cost, call.status, call.forbidden) == (
        "gmail.users.drafts.create",
        0,
        400,
        False,
    )


def test_an_unknown_query_parameter_is_400_naming_it(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)

    answer = raw_request(server, "GET", "/gmail/v1/users/me/messages?labelIds=INBOX&colour=blue", token=token)

    assert answer.status == 400
    error = answer.json["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert 'Unknown name "colour"' in error["message"]
    assert error["errors"][0]["location"] == "colour"


def test_standard_parameters_are_accepted_on_every_method(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)

    answer = raw_request(
        server, "GET", "/gmail/v1/users/me/profile?alt=json&prettyPrint=false&quotaUser=q1", token=token
    )

    assert answer.status == 200
    assert answer.json["emailAddress"] == ALEX


def test_a_bad_enum_value_is_400_listing_the_allowed_ones(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)

    answer = raw_request(
        server, "GET", "/gmail/v1/users/me/messages/18c0000000000001?format=tiny", token=token
    )

    assert answer.status == 400
    assert "'tiny'" in answer.json["error"]["message"]
    assert "metadata" in answer.json["error"]["message"]
    assert answer.json["error"]["errors"][0]["reason"] == "invalidParameter"


def test_max_results_over_gmails_documented_maximum_is_400(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))

    with pytest.raises(HttpError) as raised:
        gmail.users().messages().list(userId="me", maxResults=501).execute()

    assert raised.value.status_code == 400
    assert _error(raised.value)["message"] == "Invalid value '501'. Values must be within the range: [0, 500]"
    assert gmail.users().messages().list(userId="me", maxResults=500).execute()["resultSizeEstimate"] == 3


def test_a_non_integer_for_an_integer_parameter_is_400(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)

    answer = raw_request(server, "GET", "/gmail/v1/users/me/messages?maxResults=ten", token=token)

    assert answer.status == 400
    assert answer.json["error"]["errors"][0]["location"] == "maxResults"


def test_a_timestamp_without_offset_is_400(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)

    answer = raw_request(
        server, "GET", "/calendar/v3/calendars/primary/events?timeMin=2025-11-01T00:00:00", token=token
    )

    assert answer.status == 400
    assert answer.json["error"]["errors"][0]["location"] == "timeMin"


def test_a_missing_required_parameter_is_400() -> None:
    quick_add = RouteTable.default().method("calendar.events.quickAdd")

    with pytest.raises(ApiError) as raised:
        validate_query(quick_add, {"sendUpdates": ["none"]})

    assert raised.value.status == 400
    assert raised.value.message == "Required parameter: text"
    assert validate_query(quick_add, {"text": ["Lunch"]}) == {"text": ["Lunch"]}


def test_repeated_parameters_arrive_repeated(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))

    message = (
        gmail.users()
        .messages()
        .get(userId="me", id="18c0000000000001", format="metadata", metadataHeaders=["Subject", "From"])
        .execute()
    )

    assert {header["name"] for header in message["payload"]["headers"]} == {"From", "Subject"}


def test_a_token_without_a_gmail_scope_cannot_read_mail(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    credentials = credentials_for(server, ALEX, scopes=READONLY_CALENDAR)
    gmail = gmail_service(server, credentials)
    calendar = calendar_service(server, credentials)

    with pytest.raises(HttpError) as raised:
        gmail.users().getProfile(userId="me").execute()

    assert raised.value.status_code == 403
    error = _error(raised.value)
    assert error["message"] == "Request had insufficient authentication scopes."
    assert error["errors"][0]["reason"] == "insufficientPermissions"
    assert calendar.calendarList().list().execute()["items"]


def test_a_token_for_an_address_the_sandbox_does_not_serve_is_refused(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, "nobody@example.com"))

    with pytest.raises(HttpError) as raised:
        gmail.users().getProfile(userId="me").execute()

    assert raised.value.status_code == 400
    assert _error(raised.value)["errors"][0]["reason"] == "failedPrecondition"
