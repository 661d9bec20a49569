"""The sandbox's OAuth 2.0 server: a known client, refresh and access tokens, the token endpoint and an
auto-consenting authorization endpoint (so google-auth and google-auth-oauthlib run unmodified).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

CLIENT_ID = "rapport-sandbox.apps.googleusercontent.com"
# The sandbox client is public knowledge by design: it guards nothing but a local stand-in.
CLIENT_SECRET = "sandbox-secret"  # noqa: S105
RAPPORT_SCOPES: tuple[str, ...] = (
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/calendar.readonly",
)
DEFAULT_ACCESS_TOKEN_LIFETIME = 3600
AUTH_CODE_LIFETIME = 600


@dataclass(frozen=True)
class Grant:
    """Who a token speaks for and what it may do."""

    email: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class OAuthReply:
    """An answer of the token or authorization endpoint: a status, a JSON body and/or a redirect."""

    status: int
    body: Mapping[str, Any] | None = None
    location: str | None = None


@dataclass
class _AccessToken:
    grant: Grant
    expires_at: float


@dataclass(frozen=True)
class _AuthCode:
    grant: Grant
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float


def _oauth_error(status: int, error: str, description: str) -> OAuthReply:
    return OAuthReply(status, {"error": error, "error_description": description})


def _pkce_matches(verifier: str, challenge: str, method: str | None) -> bool:
    if (method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        return secrets.compare_digest(computed, challenge)
    return secrets.compare_digest(verifier, challenge)


def _first(form: Mapping[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


class TokenRegistry:
    """Issues, refreshes, expires and revokes tokens for the sandbox's one known OAuth client."""

    def __init__(
        self,
        *,
        access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.access_token_lifetime = access_token_lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._refresh_tokens: dict[str, Grant] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self._codes: dict[str, _AuthCode] = {}

    # -- in-process API -------------------------------------------------------------------------------

    def issue_refresh_token(self, email: str, scopes: Iterable[str] = RAPPORT_SCOPES) -> str:
        """A new refresh token for `email` granting `scopes`."""
        token = "1//sandbox-" + secrets.token_urlsafe(24)
        with self._lock:
            self._refresh_tokens[token] = Grant(email, frozenset(scopes))
        return token

    def issue_access_token(self, email: str, scopes: Iterable[str] = RAPPORT_SCOPES) -> str:
        """A new access token directly (for raw-HTTP tests that need no refresh)."""
        return self._new_access_token(Grant(email, frozenset(scopes)))

    def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token and every access token of the same grant."""
        with self._lock:
            grant = self._refresh_tokens.pop(refresh_token, None)
            if grant is None:
                return
            for token in [key for key, value in self._access_tokens.items() if value.grant == grant]:
                del self._access_tokens[token]

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired: the next call with one answers 401."""
        now = self._clock()
        with self._lock:
            for access in self._access_tokens.values():
                access.expires_at = min(access.expires_at, now)

    def authenticate(self, access_token: str) -> Grant | None:
        """The grant behind a live access token, or None when it is unknown or expired."""
        with self._lock:
            access = self._access_tokens.get(access_token)
        if access is None or access.expires_at <= self._clock():
            return None
        return access.grant

    # -- HTTP endpoints -------------------------------------------------------------------------------

    def token_endpoint(self, form: Mapping[str, list[str]], authorization: str | None) -> OAuthReply:
        """POST /token: the refresh_token and authorization_code grants."""
        client_id, client_secret = _client_credentials(form, authorization)
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        grant_type = _first(form, "grant_type")
        if grant_type == "refresh_token":
            return self._refresh(_first(form, "refresh_token"))
        if grant_type == "authorization_code":
            return self._exchange_code(
                _first(form, "code"), _first(form, "redirect_uri"), _first(form, "code_verifier")
            )
        return _oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type or ''}")

    def authorization_endpoint(self, query: Mapping[str, list[str]], default_email: str | None) -> OAuthReply:
        """GET /o/oauth2/auth: consent is automatic; redirects back with a code for `login_hint` (or the
        sandbox's first user)."""
        if _first(query, "client_id") != CLIENT_ID:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        redirect_uri = _first(query, "redirect_uri")
        if not redirect_uri:
            return _oauth_error(400, "invalid_request", "Missing required parameter: redirect_uri")
        if _first(query, "response_type") != "code":
            return _oauth_error(400, "unsupported_response_type", "Only response_type=code is supported.")
        scope = _first(query, "scope")
        if not scope:
            return _oauth_error(400, "invalid_request", "Missing required parameter: scope")
        email = _first(query, "login_hint") or default_email
        if not email:
            return _oauth_error(400, "invalid_request", "No user to sign in: pass login_hint.")
        code = "4/sandbox-" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _AuthCode(
                grant=Grant(email, frozenset(scope.split())),
                redirect_uri=redirect_uri,
                code_challenge=_first(query, "code_challenge"),
                code_challenge_method=_first(query, "code_challenge_method"),
                expires_at=self._clock() + AUTH_CODE_LIFETIME,
            )
        answer = {"code": code, "scope": scope}
        state = _first(query, "state")
        if state is not None:
            answer["state"] = state
        return OAuthReply(302, location=_with_query(redirect_uri, answer))

    # -- internals ------------------------------------------------------------------------------------

    def _new_access_token(self, grant: Grant) -> str:
        token = "ya29.sandbox-" + secrets.token_urlsafe(24)
        with self._lock:
            self._access_tokens[token] = _AccessToken(grant, self._clock() + self.access_token_lifetime)
        return token

    def _token_body(self, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": self._new_access_token(grant),
            "expires_in": self.access_token_lifetime,
            "token_type": "Bearer",
            "scope": " ".join(sorted(grant.scopes)),
        }

    def _refresh(self, refresh_token: str | None) -> OAuthReply:
        if not refresh_token:
            return _oauth_error(400, "invalid_request", "Missing required parameter: refresh_token")
        with self._lock:
            grant = self._refresh_tokens.get(refresh_token)
        if grant is None:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        return OAuthReply(200, self._token_body(grant))

    def _exchange_code(
        self, code: str | None, redirect_uri: str | None, code_verifier: str | None
    ) -> OAuthReply:
        with self._lock:
            issued = self._codes.pop(code or "", None)
        if issued is None or issued.expires_at <= self._clock():
            return _oauth_error(400, "invalid_grant", "Malformed auth code.")
        if redirect_uri != issued.redirect_uri:
            return _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        if issued.code_challenge is not None and (
            code_verifier is None
            or not _pkce_matches(code_verifier, issued.code_challenge, issued.code_challenge_method)
        ):
            return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
        body = self._token_body(issued.grant)
        body["refresh_token"] = self.issue_refresh_token(issued.grant.email, issued.grant.scopes)
        return OAuthReply(200, body)


def _client_credentials(form: Mapping[str, list[str]], authorization: str | None) -> tuple[str, str]:
    """The client id and secret from the form, or from HTTP Basic auth (requests-oauthlib's default)."""
    client_id = _first(form, "client_id") or ""
    client_secret = _first(form, "client_secret") or ""
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return client_id, client_secret
        basic_id, _, basic_secret = decoded.partition(":")
        client_id = client_id or basic_id
        client_secret = client_secret or basic_secret
    return client_id, client_secret


def _with_query(uri: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(uri)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
