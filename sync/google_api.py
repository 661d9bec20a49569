"""Where Google's APIs are, and Gmail/Calendar clients that structurally cannot send, delete or modify.

The services are built from the discovery documents shipped inside googleapiclient, with every method not on
Rapport's allow-list deleted first, so the Gmail service has no send method at all (AttributeError). As a
second lock, every request goes through `GuardedHttpRequest`, which refuses a method id off the list with
`ForbiddenMethod` before anything reaches the network.

httplib2 is not thread-safe, so each worker thread gets its own `AuthorizedHttp` and services
(`ServiceFactory`, backed by `threading.local`).
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

import google_auth_httplib2
import httplib2
from googleapiclient.discovery import build_from_document  # type: ignore[attr-defined]  # not in the stubs
from googleapiclient.http import HttpRequest

from sync.errors import ForbiddenMethod

if TYPE_CHECKING:
    from google.auth.credentials import Credentials
    from googleapiclient._apis.calendar.v3 import CalendarResource
    from googleapiclient._apis.gmail.v1 import GmailResource

GMAIL_ALLOWED_METHODS = frozenset(
    {
        "gmail.users.getProfile",
        "gmail.users.labels.list",
        "gmail.users.messages.list",
        "gmail.users.messages.get",
        "gmail.users.threads.list",
        "gmail.users.threads.get",
        "gmail.users.history.list",
        "gmail.users.drafts.create",
        "gmail.users.drafts.list",
        "gmail.users.drafts.get",
        "gmail.users.drafts.update",
        "gmail.users.drafts.delete",
    }
)
CALENDAR_ALLOWED_METHODS = frozenset({"calendar.calendarList.list", "calendar.events.list"})
ALLOWED_METHODS = GMAIL_ALLOWED_METHODS | CALENDAR_ALLOWED_METHODS

GOOGLE_GMAIL_BATCH_URI = "https://gmail.googleapis.com/batch/gmail/v1"
GOOGLE_CALENDAR_BATCH_URI = "https://www.googleapis.com/batch/calendar/v3"
DEFAULT_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Endpoints:
    """Where requests go: Google itself when `api_endpoint` is empty, else a Google-compatible server.

    `gmail_endpoint`/`calendar_endpoint` are the client's `api_endpoint` option (None: the discovery
    document's own rootUrl). Calendar's discovery servicePath is *replaced* by api_endpoint, so its prefix
    is added here (CLIENT-FACTS); batches never follow api_endpoint, so their URIs are explicit.
    """

    gmail_endpoint: str | None
    calendar_endpoint: str | None
    gmail_batch_uri: str
    calendar_batch_uri: str

    @classmethod
    def for_base(cls, api_endpoint: str) -> Endpoints:
        """Endpoints for a configured `[google] api_endpoint` ("" means Google)."""
        base = api_endpoint.rstrip("/")
        if not base:
            return cls(None, None, GOOGLE_GMAIL_BATCH_URI, GOOGLE_CALENDAR_BATCH_URI)
        return cls(
            gmail_endpoint=base,
            calendar_endpoint=base + "/calendar/v3/",
            gmail_batch_uri=base + "/batch/gmail/v1",
            calendar_batch_uri=base + "/batch/calendar/v3",
        )


class GuardedHttpRequest(HttpRequest):
    """An HttpRequest that refuses to exist for any method off Rapport's allow-list."""

    def __init__(self, http: Any, postproc: Any, uri: str, **kwargs: Any) -> None:
        method_id = kwargs.get("methodId")
        if method_id not in ALLOWED_METHODS:
            raise ForbiddenMethod(f"{method_id} is not on Rapport's allow-list: Rapport never calls it")
        super().__init__(http, postproc, uri, **kwargs)


def _load_discovery(name: str) -> dict[str, Any]:
    package = resources.files("googleapiclient") / "discovery_cache" / "documents" / name
    return cast("dict[str, Any]", json.loads(package.read_text(encoding="utf-8")))


def _prune(resource: dict[str, Any], allowed: frozenset[str]) -> None:
    """Delete, in place, every method not in `allowed` and every resource left without methods."""
    methods = resource.get("methods", {})
    for name in [name for name, method in methods.items() if method.get("id") not in allowed]:
        del methods[name]
    children = resource.get("resources", {})
    for name in list(children):
        _prune(children[name], allowed)
        if not children[name].get("methods") and not children[name].get("resources"):
            del children[name]


@cache
def pruned_discovery(name: str) -> str:
    """The shipped discovery document `name` ("gmail.v1.json") with only allow-listed methods, as JSON."""
    document = copy.deepcopy(_load_discovery(name))
    _prune(document, ALLOWED_METHODS)
    return json.dumps(document)


def authorized_http(credentials: Credentials, timeout: float) -> google_auth_httplib2.AuthorizedHttp:
    """A fresh authorised transport; use it from one thread only."""
    return google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))


class ServiceFactory:
    """Per-thread Gmail and Calendar services for one account, each on the thread's own AuthorizedHttp."""

    def __init__(
        self, credentials: Credentials, endpoints: Endpoints, *, timeout: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        self.credentials = credentials
        self.endpoints = endpoints
        self.timeout = timeout
        self._local = threading.local()

    def http(self) -> google_auth_httplib2.AuthorizedHttp:
        """This thread's authorised transport (batches are executed on it)."""
        http = getattr(self._local, "http", None)
        if http is None:
            http = authorized_http(self.credentials, self.timeout)
            self._local.http = http
        return http

    def gmail(self) -> GmailResource:
        """This thread's Gmail service: allow-listed methods only."""
        service = getattr(self._local, "gmail", None)
        if service is None:
            service = self._build("gmail.v1.json", self.endpoints.gmail_endpoint)
            self._local.gmail = service
        return cast("GmailResource", service)

    def calendar(self) -> CalendarResource:
        """This thread's Calendar service: calendarList.list and events.list only."""
        service = getattr(self._local, "calendar", None)
        if service is None:
            service = self._build("calendar.v3.json", self.endpoints.calendar_endpoint)
            self._local.calendar = service
        return cast("CalendarResource", service)

    def _build(self, document: str, endpoint: str | None) -> Any:
        options = {"api_endpoint": endpoint} if endpoint else None
        return build_from_document(
            pruned_discovery(document),
            http=self.http(),
            requestBuilder=GuardedHttpRequest,
            client_options=options,
        )
