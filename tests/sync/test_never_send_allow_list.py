"""Rapport cannot send mail: the clients it builds lack every method off the allow-list, and a request for
one is refused before it exists, whatever builds it."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import httplib2
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document  # type: ignore[attr-defined]
from googleapiclient.model import JsonModel

from sandbox.server import SandboxServer
from sandbox.testing import credentials_for
from sync.client import GoogleApi
from sync.errors import ForbiddenMethod
from sync.google_api import ALLOWED_METHODS, Endpoints, GuardedHttpRequest, ServiceFactory
from tests.fixtures_sync import USER, mailbox, message


def _offline_factory() -> ServiceFactory:
    return ServiceFactory(Credentials(token="unused"), Endpoints.for_base("http://127.0.0.1:9"))  # type: ignore[no-untyped-call]


def test_send_methods_do_not_exist_on_the_gmail_client() -> None:
    gmail = _offline_factory().gmail()

    with pytest.raises(AttributeError):
        _ = gmail.users().messages().send
    with pytest.raises(AttributeError):
        _ = gmail.users().drafts().send
    for name in ("trash", "delete", "modify", "insert", "batchDelete", "batchModify"):
        with pytest.raises(AttributeError):
            getattr(gmail.users().messages(), name)


def test_calendar_client_can_only_read() -> None:
    calendar = _offline_factory().calendar()

    for name in ("insert", "update", "patch", "delete", "quickAdd", "move", "import_"):
        with pytest.raises(AttributeError):
            getattr(calendar.events(), name)
    assert calendar.events().list(calendarId="primary").uri.startswith("http://127.0.0.1:9/calendar/v3/")


def test_every_allow_listed_method_is_reachable() -> None:
    factory = _offline_factory()
    users = factory.gmail().users()
    builders: dict[str, Callable[[], Any]] = {
        "gmail.users.getProfile": lambda: users.getProfile(userId="me"),
        "gmail.users.labels.list": lambda: users.labels().list(userId="me"),
        "gmail.users.messages.list": lambda: users.messages().list(userId="me"),
        "gmail.users.messages.get": lambda: users.messages().get(userId="me", id="1"),
        "gmail.users.threads.list": lambda: users.threads().list(userId="me"),
        "gmail.users.threads.get": lambda: users.threads().get(userId="me", id="1"),
        "gmail.users.history.list": lambda: users.history().list(userId="me", startHistoryId="1"),
        "gmail.users.drafts.create": lambda: users.drafts().create(
            userId="me", body={"message": {"raw": ""}}
        ),
        "gmail.users.drafts.list": lambda: users.drafts().list(userId="me"),
        "gmail.users.drafts.get": lambda: users.drafts().get(userId="me", id="r1"),
        "gmail.users.drafts.update": lambda: users.drafts().update(userId="me", id="r1", body={}),
        "gmail.users.drafts.delete": lambda: users.drafts().delete(userId="me", id="r1"),
        "calendar.calendarList.list": lambda: factory.calendar().calendarList().list(),
        "calendar.events.list": lambda: factory.calendar().events().list(calendarId="primary"),
    }

    assert set(builders) == ALLOWED_METHODS
    for method_id, make in builders.items():
        assert make().methodId == method_id


def test_a_full_discovery_document_still_cannot_build_a_send_request() -> None:
    # The second lock: even a client built from Google's complete document refuses to make the request.
    document = json.loads(
        (resources.files("googleapiclient") / "discovery_cache/documents/gmail.v1.json").read_text("utf-8")
    )
    unpruned = build_from_document(document, http=httplib2.Http(), requestBuilder=GuardedHttpRequest)

    with pytest.raises(ForbiddenMethod, match=r"gmail\.users\.messages\.send"):
        unpruned.users().messages().send(userId="me", body={"raw": "eA"})
    with pytest.raises(ForbiddenMethod, match=r"gmail\.users\.drafts\.send"):
        unpruned.users().drafts().send(userId="me", body={"id": "r1"})
    with pytest.raises(ForbiddenMethod):
        GuardedHttpRequest(
            httplib2.Http(), JsonModel().response, "http://x/", methodId="gmail.users.messages.trash"
        )


def test_a_session_of_reads_reaches_only_allow_listed_methods(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(mailbox([message(1), message(2)]))
    api = GoogleApi(credentials_for(server, USER), api_endpoint=server.base_url)

    api.execute(api.gmail().users().getProfile(userId="me"))
    listed = api.execute(api.gmail().users().messages().list(userId="me"))
    for item in listed["messages"]:
        api.execute(api.gmail().users().messages().get(userId="me", id=item["id"], format="metadata"))
    api.execute(api.calendar().events().list(calendarId="primary"))

    assert server.log.forbidden() == []
    assert {record.method_id for record in server.log.calls()} <= ALLOWED_METHODS
    assert server.log.count("gmail.users.messages.get") == 2


def test_endpoints_follow_the_configured_base_and_default_to_google() -> None:
    sandbox = Endpoints.for_base("http://127.0.0.1:8080/")
    google = Endpoints.for_base("")

    assert sandbox.gmail_endpoint == "http://127.0.0.1:8080"
    assert sandbox.calendar_endpoint == "http://127.0.0.1:8080/calendar/v3/"
    assert sandbox.gmail_batch_uri == "http://127.0.0.1:8080/batch/gmail/v1"
    assert sandbox.calendar_batch_uri == "http://127.0.0.1:8080/batch/calendar/v3"
    assert google.gmail_endpoint is None
    assert google.gmail_batch_uri == "https://gmail.googleapis.com/batch/gmail/v1"
    assert google.calendar_batch_uri == "https://www.googleapis.com/batch/calendar/v3"
