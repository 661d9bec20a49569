"""OAuth as google-auth and google-auth-oauthlib expect it: refresh-token grants at /token, 401 for a
missing, unknown or expired bearer (the client refreshes and retries), invalid_grant for a revoked refresh
token, and the installed-app authorization-code flow with PKCE end to end."""

from __future__ import annotations

import json
from typing import Any

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from google_auth_oauthlib.flow import InstalledAppFlow
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError

from sandbox.oauth import CLIENT_ID, CLIENT_SECRET, RAPPORT_SCOPES, TokenRegistry
from sandbox.server import SandboxServer
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import ALEX, SAM, SandboxFactory, raw_request

REDIRECT_URI = "http://127.0.0.1:8765/"


def test_an_expired_access_token_is_refreshed_and_the_call_retried(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    credentials = credentials_for(server, ALEX)
    gmail = gmail_service(server, credentials)
    gmail.users().getProfile(userId="me").execute()
    first_token = credentials.token

    server.tokens.expire_access_tokens()
    profile = gmail.users().getProfile(userId="me").execute()

    assert profile["emailAddress"] == ALEX
    assert credentials.token != first_token
    assert [call.status for call in server.log.calls()] == [200, 401, 200]
    assert server.log.units(ALEX) == 2


def test_a_revoked_refresh_token_fails_with_invalid_grant(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    credentials = credentials_for(server, ALEX)
    gmail = gmail_service(server, credentials)
    gmail.users().getProfile(userId="me").execute()

    server.tokens.revoke(credentials.refresh_token)
    with pytest.raises(RefreshError) as raised:
        gmail.users().getProfile(userId="me").execute()
    # google-auth keeps the token endpoint's body but not its status: ask the endpoint the same question.
    response, content = httplib2.Http().request(
        server.token_uri,
        "POST",
        body=f"grant_type=refresh_token&refresh_token={credentials.refresh_token}"
        f"&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert "invalid_grant" in str(raised.value)
    assert [call.status for call in server.log.calls()] == [200, 401]
    assert response.status == 400
    assert json.loads(content)["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_invalid_client(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    refresh_token = server.tokens.issue_refresh_token(ALEX)

    http = httplib2.Http()
    response, content = http.request(
        server.token_uri,
        "POST",
        body=f"grant_type=refresh_token&refresh_token={refresh_token}&client_id={CLIENT_ID}&client_secret=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status == 401
    assert b"invalid_client" in content


@pytest.mark.parametrize("token", [None, "ya29.not-a-token"], ids=["missing", "unknown"])
def test_a_missing_or_unknown_bearer_is_401_with_googles_error_json(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], token: str | None
) -> None:
    server = sandbox_factory(small_mailbox)

    answer = raw_request(server, "GET", "/gmail/v1/users/me/profile", token=token)

    assert answer.status == 401
    error = answer.json["error"]
    assert error["status"] == "UNAUTHENTICATED"
    assert error["errors"][0] == {
        "message": error["message"],
        "domain": "global",
        "reason": "authError",
        "location": "Authorization",
        "locationType": "header",
    }
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_an_access_token_stops_working_once_its_lifetime_has_passed() -> None:
    now = [1000.0]
    tokens = TokenRegistry(access_token_lifetime=60, clock=lambda: now[0])
    access_token = tokens.issue_access_token(ALEX)

    now[0] += 59
    alive = tokens.authenticate(access_token)
    now[0] += 1
    expired = tokens.authenticate(access_token)

    assert alive is not None
    assert alive.email == ALEX
    assert expired is None


def test_refreshing_reports_the_configured_lifetime(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    server.tokens.access_token_lifetime = 600
    refresh_token = server.tokens.issue_refresh_token(ALEX)

    response, content = httplib2.Http().request(
        server.token_uri,
        "POST",
        body=(
            f"grant_type=refresh_token&refresh_token={refresh_token}"
            f"&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status == 200
    assert b'"expires_in":600' in content
    assert b'"token_type":"Bearer"' in content


def _flow(server: SandboxServer) -> InstalledAppFlow:
    config = {
        "installed": {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "auth_uri": server.auth_uri,
            "token_uri": server.token_uri,
            "redirect_uris": [REDIRECT_URI],
        }
    }
    return InstalledAppFlow.from_client_config(config, scopes=list(RAPPORT_SCOPES), redirect_uri=REDIRECT_URI)


def _consent(url: str) -> str:
    """Follow the consent page the way the user's browser would, up to the redirect back to the app."""
    http = httplib2.Http()
    http.follow_redirects = False
    response, _ = http.request(url, "GET")
    assert response.status == 302
    location: str = response["location"]
    return location


def test_the_installed_app_flow_signs_the_user_in_end_to_end(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    server = sandbox_factory(small_mailbox)
    flow = _flow(server)

    url, state = flow.authorization_url(login_hint=SAM)
    redirect = _consent(url)
    flow.fetch_token(authorization_response=redirect)
    credentials = flow.credentials

    assert redirect.startswith(REDIRECT_URI)
    assert f"state={state}" in redirect
    assert credentials.refresh_token
    assert set(credentials.granted_scopes or credentials.scopes) == set(RAPPORT_SCOPES)
    profile = gmail_service(server, credentials).users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == SAM


def test_the_consent_signs_in_the_first_user_without_a_login_hint(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    server = sandbox_factory(small_mailbox)
    flow = _flow(server)

    url, _ = flow.authorization_url()
    flow.fetch_token(authorization_response=_consent(url))

    assert (
        gmail_service(server, flow.credentials).users().getProfile(userId="me").execute()["emailAddress"]
        == ALEX
    )


def test_a_code_exchanged_with_the_wrong_pkce_verifier_is_refused(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    server = sandbox_factory(small_mailbox)
    flow = _flow(server)
    url, _ = flow.authorization_url()
    redirect = _consent(url)

    flow.code_verifier = "a-different-verifier-" + "x" * 40
    with pytest.raises(InvalidGrantError):
        flow.fetch_token(authorization_response=redirect)


def test_an_authorization_code_works_only_once(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    server = sandbox_factory(small_mailbox)
    flow = _flow(server)
    url, _ = flow.authorization_url()
    redirect = _consent(url)
    flow.fetch_token(authorization_response=redirect)

    with pytest.raises(InvalidGrantError):
        flow.fetch_token(authorization_response=redirect)
