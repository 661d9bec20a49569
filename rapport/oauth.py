"""`rapport auth`: Google's installed-app OAuth flow for one account, ending in a saved token file.

With a browser, google-auth-oauthlib's local redirect server receives the code. Without one (`--no-browser`,
for headless servers), the user opens the printed URL anywhere, and pastes back the address the browser
was finally sent to; Google's out-of-band flow no longer exists, so that pasted redirect is how the code
travels. `[google] token_uri` and `api_endpoint` point the flow at the sandbox or any compatible server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import InstalledAppFlow
from oauthlib.oauth2.rfc6749.errors import (  # type: ignore[import-untyped]  # oauthlib ships no types
    InsecureTransportError,
    OAuth2Error,
)

from rapport.config import AccountSettings, GoogleSettings
from rapport.errors import ConfigError, ConfigProblem, RapportError
from rapport.token_store import authorized_user_info, write_token_file

# gmail.metadata is deliberately absent: granted beside the others it disables search (`q`) for the token.
SCOPES = (
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/calendar.readonly",
)
# Nothing needs to listen here: the browser shows an error page whose address holds the code to paste.
NO_BROWSER_REDIRECT_URI = "http://localhost/"
LOOPBACK_PREFIXES = ("http://localhost", "http://127.0.0.1", "http://[::1]")


class AuthFlowError(RapportError):
    """The authorization did not complete; the message says why and what to do."""


@dataclass(frozen=True)
class Interaction:
    """How the flow talks to the user: tests feed `ask` from CliRunner input."""

    show: Callable[[str], None]
    ask: Callable[[str], str]


def make_flow(google: GoogleSettings, config_path: Path) -> InstalledAppFlow:
    """An installed-app flow from the configured client secrets, with the configured endpoints.

    A missing or malformed secrets file is a ConfigError of `config_path`, naming `google.client_secrets`.
    """
    path = google.client_secrets
    if not path.is_file():
        raise ConfigError(config_path, [_secrets_problem(path, "no such file")])
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(path), scopes=list(SCOPES))
    except (OSError, ValueError, KeyError) as error:  # JSONDecodeError is a ValueError
        raise ConfigError(config_path, [_secrets_problem(path, f"unreadable ({error})")]) from error
    if google.token_uri:
        flow.client_config["token_uri"] = google.token_uri
    if google.api_endpoint:
        flow.client_config["auth_uri"] = f"{google.api_endpoint}/o/oauth2/auth"
    return flow


def _secrets_problem(path: Path, given: str) -> ConfigProblem:
    return ConfigProblem(
        "google.client_secrets",
        f"{path} ({given})",
        'an OAuth client secrets JSON file ("Desktop app" client)',
        "download it from Google Cloud Console > APIs & Services > Credentials and save it there "
        "(or point google.client_secrets at it); the README explains the steps",
    )


def authorize(
    flow: InstalledAppFlow, account: AccountSettings, *, open_browser: bool, interaction: Interaction
) -> Credentials:
    """Run the consent flow for `account` and return its credentials (with a refresh token)."""
    # prompt=consent makes Google issue a refresh token even when the user consented before.
    options: dict[str, Any] = {"access_type": "offline", "prompt": "consent", "login_hint": account.email}
    try:
        if open_browser:
            credentials: Credentials = flow.run_local_server(
                port=0,
                open_browser=True,
                authorization_prompt_message=f"Opening your browser to authorize {account.email}:\n{{url}}",
                **options,
            )
        else:
            credentials = _authorize_by_paste(flow, account, options, interaction)
    except InsecureTransportError as error:
        raise AuthFlowError(
            f"the token endpoint {flow.client_config['token_uri']} is plain http, which OAuth refuses; "
            "use https, or for a local test server the token files `rapport sandbox serve` prints"
        ) from error
    except Warning as error:  # oauthlib raises a bare Warning when fewer scopes were granted than asked
        raise AuthFlowError(
            f"Google granted fewer permissions than Rapport needs ({error}); run `rapport auth "
            f"--account {account.name}` again and tick every box on the consent screen"
        ) from error
    except (OAuth2Error, requests.RequestException) as error:
        raise AuthFlowError(
            f"authorization of {account.email} failed ({error}); "
            f"run `rapport auth --account {account.name}` again"
        ) from error
    if not credentials.refresh_token:
        raise AuthFlowError(
            f"Google returned no refresh token for {account.email}; remove Rapport's access at "
            "https://myaccount.google.com/permissions and run `rapport auth` again"
        )
    return credentials


def _authorize_by_paste(
    flow: InstalledAppFlow, account: AccountSettings, options: dict[str, Any], interaction: Interaction
) -> Credentials:
    flow.redirect_uri = NO_BROWSER_REDIRECT_URI
    url, _state = flow.authorization_url(**options)
    interaction.show(
        f"Open this address in a browser on any machine and sign in as {account.email}:\n\n{url}\n\n"
        "After you allow access, the browser is sent to a page on localhost that does not load. "
        "Copy that page's whole address from the address bar."
    )
    pasted = interaction.ask("Paste the address here").strip()
    if not pasted.startswith(("http://", "https://")):
        raise AuthFlowError(
            f"expected the address beginning with {NO_BROWSER_REDIRECT_URI}, got {pasted[:40]!r}"
        )
    flow.fetch_token(authorization_response=_as_https(pasted))
    credentials: Credentials = flow.credentials
    return credentials


def _as_https(redirect: str) -> str:
    """oauthlib takes only https redirects; Google's loopback one is http (run_local_server does the same)."""
    if redirect.startswith(LOOPBACK_PREFIXES):
        return "https://" + redirect.removeprefix("http://")
    return redirect


def run_auth(
    google: GoogleSettings,
    account: AccountSettings,
    *,
    config_path: Path,
    open_browser: bool,
    interaction: Interaction,
) -> Path:
    """Authorize `account` and save its token file (0600, atomically); return the file's path."""
    flow = make_flow(google, config_path)
    credentials = authorize(flow, account, open_browser=open_browser, interaction=interaction)
    info = authorized_user_info(credentials)
    write_token_file(account.token_file, info)
    return account.token_file
