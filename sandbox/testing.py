"""Helpers that point the real Google client libraries at a sandbox server (for tests and the demo)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from sandbox.oauth import CLIENT_ID, CLIENT_SECRET, RAPPORT_SCOPES

if TYPE_CHECKING:
    from sandbox.server import SandboxServer


def credentials_for(server: SandboxServer, email: str, scopes: Iterable[str] = RAPPORT_SCOPES) -> Credentials:
    """google-auth credentials holding a fresh refresh token for `email` and no access token yet.

    Built directly rather than with `Credentials.from_authorized_user_info`, which would reset
    `token_uri` to Google's.
    """
    granted = list(scopes)
    return Credentials(  # type: ignore[no-untyped-call]
        token=None,
        refresh_token=server.tokens.issue_refresh_token(email, granted),
        token_uri=server.token_uri,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=granted,
    )


def gmail_service(server: SandboxServer, credentials: Credentials) -> Any:
    """A googleapiclient Gmail v1 service talking to the sandbox."""
    return build(
        "gmail",
        "v1",
        credentials=credentials,
        static_discovery=True,
        client_options={"api_endpoint": server.base_url},
    )


def calendar_service(server: SandboxServer, credentials: Credentials) -> Any:
    """A googleapiclient Calendar v3 service talking to the sandbox (the endpoint keeps `/calendar/v3/`)."""
    return build(
        "calendar",
        "v3",
        credentials=credentials,
        static_discovery=True,
        client_options={"api_endpoint": server.base_url + "/calendar/v3/"},
    )


def gmail_batch_uri(server: SandboxServer) -> str:
    """The URI to give `BatchHttpRequest(batch_uri=...)` for Gmail calls."""
    return server.base_url + "/batch/gmail/v1"


def calendar_batch_uri(server: SandboxServer) -> str:
    """The URI to give `BatchHttpRequest(batch_uri=...)` for Calendar calls."""
    return server.base_url + "/batch/calendar/v3"
