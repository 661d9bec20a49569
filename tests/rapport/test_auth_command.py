"""`rapport auth --no-browser` end to end against the sandbox's consent and token endpoints."""

from __future__ import annotations

import io
import json
import re
import stat
import sys
import threading
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import parse_qs, urlsplit

import google_auth_oauthlib.flow
import pytest
import requests
from click.testing import CliRunner

from rapport.cli import cli
from rapport.oauth import SCOPES
from rapport.token_store import load_credentials
from sandbox.oauth import CLIENT_ID, CLIENT_SECRET
from sandbox.server import SandboxServer
from sandbox.testing import gmail_service
from tests.fixtures_rapport import ConfigWriter
from tests.fixtures_sandbox import ALEX, SandboxFactory


class BrowserPaste(io.RawIOBase):
    """Stdin for CliRunner that plays the user: it reads the address `rapport auth` printed, opens it in a
    "browser" that does not follow the final redirect, and pastes the redirect address back."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []
        self._pending: bytes | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if len(buffer) == 0:  # click probes the stream with read(0) before the command runs
            return 0
        if self._pending is None:
            sys.stdout.flush()
            printed = cast(io.BytesIO, sys.stdout.buffer).getvalue().decode()  # CliRunner's captured stdout
            address = re.search(r"http://\S+/o/oauth2/auth\?\S+", printed)
            assert address, f"no authorization address was printed:\n{printed}"
            self.opened.append(address.group(0))
            answer = requests.get(address.group(0), allow_redirects=False, timeout=10)
            self._pending = (answer.headers["Location"] + "\n").encode()
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def as_stdin(stream: io.RawIOBase) -> IO[Any]:
    """CliRunner takes any readable binary stream; its annotation says IO."""
    return cast(IO[Any], stream)


def client_secrets(path: Path) -> Path:
    """A "Desktop app" client secrets file as Google Cloud Console gives it (Google's endpoints in it)."""
    path.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": "https://oauth2.googleapis.com/token",
                    "redirect_uris": ["http://localhost"],
                }
            }
        ),
        encoding="utf-8",
    )
    return path


def sandbox_config(rapport_config: ConfigWriter, server: SandboxServer, tmp_path: Path) -> Path:
    secrets = client_secrets(tmp_path / "client_secret.json")
    return rapport_config(
        google=(
            f'client_secrets = "{secrets}"\n'
            f'api_endpoint = "{server.base_url}"\n'
            f'token_uri = "{server.token_uri}"'
        ),
        accounts=[f'name = "work"\nemail = "{ALEX}"\ntoken_file = "tokens/work.json"'],
    )


def test_auth_without_a_browser_saves_a_working_private_token(
    sandbox_factory: SandboxFactory,
    small_mailbox: dict[str, Any],
    rapport_config: ConfigWriter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the sandbox speaks plain http on loopback
    server = sandbox_factory(small_mailbox)
    config = sandbox_config(rapport_config, server, tmp_path)
    browser = BrowserPaste()

    result = CliRunner().invoke(
        cli, ["--config", str(config), "auth", "--account", "work", "--no-browser"], input=as_stdin(browser)
    )

    assert result.exit_code == 0, result.output
    query = parse_qs(urlsplit(browser.opened[0]).query)
    assert browser.opened[0].startswith(server.base_url + "/o/oauth2/auth?")
    assert query["scope"] == [" ".join(SCOPES)]
    assert query["login_hint"] == [ALEX]
    assert query["access_type"] == ["offline"]
    token_file = tmp_path / "tokens" / "work.json"
    saved = json.loads(token_file.read_text(encoding="utf-8"))
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert saved["token_uri"] == server.token_uri
    assert saved["client_id"] == CLIENT_ID
    assert sorted(saved["scopes"]) == sorted(SCOPES)
    assert "gmail.metadata" not in json.dumps(saved)
    assert saved["refresh_token"]
    gmail = gmail_service(server, load_credentials(token_file, "work", ALEX, token_uri=server.token_uri))
    assert gmail.users().getProfile(userId="me").execute()["emailAddress"] == ALEX
    assert f'account "work" ({ALEX}) authorized' in result.output


class FollowingBrowser:
    """The user's browser for `run_local_server`: it opens the consent address on another thread and follows
    the redirect to the flow's local server, as a browser does once the user allows access."""

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.threads: list[threading.Thread] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        thread = threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 10})
        thread.start()
        self.threads.append(thread)
        return True


def test_auth_with_a_browser_receives_the_code_on_a_local_server_and_saves_the_token(
    sandbox_factory: SandboxFactory,
    small_mailbox: dict[str, Any],
    rapport_config: ConfigWriter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the sandbox speaks plain http on loopback
    browser = FollowingBrowser()
    monkeypatch.setattr(google_auth_oauthlib.flow.webbrowser, "get", lambda _name=None: browser)
    server = sandbox_factory(small_mailbox)
    config = sandbox_config(rapport_config, server, tmp_path)

    result = CliRunner().invoke(cli, ["--config", str(config), "auth"])
    for thread in browser.threads:
        thread.join(timeout=10)

    assert result.exit_code == 0, result.output
    [opened] = browser.opened
    query = parse_qs(urlsplit(opened).query)
    assert query["redirect_uri"][0].startswith("http://localhost:")
    assert (query["login_hint"], query["prompt"]) == ([ALEX], ["consent"])
    assert f"Opening your browser to authorize {ALEX}" in result.output
    token_file = tmp_path / "tokens" / "work.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    gmail = gmail_service(server, load_credentials(token_file, "work", ALEX, token_uri=server.token_uri))
    assert gmail.users().getProfile(userId="me").execute()["emailAddress"] == ALEX


def test_auth_refuses_a_plain_http_token_endpoint_outside_tests_and_writes_nothing(
    sandbox_factory: SandboxFactory,
    small_mailbox: dict[str, Any],
    rapport_config: ConfigWriter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    server = sandbox_factory(small_mailbox)
    config = sandbox_config(rapport_config, server, tmp_path)

    result = CliRunner().invoke(
        cli, ["--config", str(config), "auth", "--no-browser"], input=as_stdin(BrowserPaste())
    )

    assert result.exit_code == 1
    assert "plain http" in result.output
    assert not (tmp_path / "tokens").exists()


def test_auth_needs_the_client_secrets_file_and_names_the_key(
    rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    config = rapport_config()  # client_secrets points at a file that does not exist

    checked = CliRunner().invoke(cli, ["--config", str(config), "check"])
    result = CliRunner().invoke(cli, ["--config", str(config), "auth", "--no-browser"])

    assert checked.exit_code == 0  # only auth reads the client secrets
    assert result.exit_code == 2
    assert "google.client_secrets" in result.output
    assert "Google Cloud Console" in result.output
    assert not (tmp_path / "tokens").exists()


def test_auth_for_an_unknown_account_is_a_usage_error(rapport_config: ConfigWriter, tmp_path: Path) -> None:
    client_secrets(tmp_path / "client_secret.json")
    config = rapport_config()

    result = CliRunner().invoke(cli, ["--config", str(config), "auth", "--account", "play"])

    assert result.exit_code == 2
    assert 'no account named "play"' in result.output
    assert "work" in result.output
