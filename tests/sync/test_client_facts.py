"""The facts about google-api-python-client and google-auth that the sync is built around
(/work/shared/CLIENT-FACTS.md), checked against the installed versions: should an upgrade change one, this
says which workaround to revisit. No request leaves the process."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from google.auth.credentials import AnonymousCredentials
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.http import MediaInMemoryUpload

from sync.google_api import Endpoints

SANDBOX = "http://127.0.0.1:8765"


def _service(name: str, version: str, endpoint: str) -> Any:
    return build(
        name,
        version,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        static_discovery=True,
        client_options={"api_endpoint": endpoint},
    )


def test_a_batch_made_by_the_service_goes_to_google_whatever_the_endpoint() -> None:
    gmail = _service("gmail", "v1", SANDBOX)
    calendar = _service("calendar", "v3", SANDBOX + "/calendar/v3/")

    gmail_batch = gmail.new_batch_http_request()
    calendar_batch = calendar.new_batch_http_request()

    # Hence the sync builds BatchHttpRequest(batch_uri=...) from the configured endpoint itself.
    assert gmail_batch._batch_uri == "https://gmail.googleapis.com/batch"
    assert calendar_batch._batch_uri == "https://www.googleapis.com/batch/calendar/v3"
    assert Endpoints.for_base(SANDBOX).gmail_batch_uri == SANDBOX + "/batch/gmail/v1"


def test_calendar_needs_its_service_path_in_the_endpoint() -> None:
    bare = _service("calendar", "v3", SANDBOX).events().list(calendarId="primary")
    with_path = _service("calendar", "v3", SANDBOX + "/calendar/v3/").events().list(calendarId="primary")

    assert urlsplit(bare.uri).path == "/calendars/primary/events"
    assert urlsplit(with_path.uri).path == "/calendar/v3/calendars/primary/events"
    assert Endpoints.for_base(SANDBOX).calendar_endpoint == SANDBOX + "/calendar/v3/"


def test_a_media_upload_keeps_https_so_drafts_go_as_json() -> None:
    gmail = _service("gmail", "v1", SANDBOX)
    upload = MediaInMemoryUpload(b"Subject: Hi\r\n\r\nHello", mimetype="message/rfc822")

    with_media = gmail.users().drafts().create(userId="me", body={}, media_body=upload)
    as_json = gmail.users().drafts().create(userId="me", body={"message": {"raw": "U3ViamVjdDogSGk="}})

    assert urlsplit(with_media.uri)[:2] == ("https", "127.0.0.1:8765")  # TLS to a plain-HTTP server
    assert urlsplit(as_json.uri)[:2] == ("http", "127.0.0.1:8765")


def test_credentials_read_from_an_authorized_user_file_refresh_at_google_whatever_it_says() -> None:
    info = {
        "refresh_token": "1//r",
        "client_id": "c",
        "client_secret": "s",
        "token_uri": SANDBOX + "/token",
    }

    loaded = Credentials.from_authorized_user_info(info)  # type: ignore[no-untyped-call]

    # Hence a configured token_uri means building Credentials(token_uri=...) directly.
    assert loaded.token_uri == "https://oauth2.googleapis.com/token"
