"""Token files: private from their first byte, replaced atomically, re-saved after every refresh, and a
refused refresh token becomes one line naming the account and `rapport auth --account NAME`."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from rapport.errors import AuthRequired
from rapport.sandbox_cli import write_sandbox_token
from rapport.token_store import load_credentials, write_token_file
from sandbox.oauth import CLIENT_ID, CLIENT_SECRET
from sandbox.testing import gmail_service
from tests.fixtures_sandbox import ALEX, SandboxFactory


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_token_file_is_0600_from_creation_and_its_folder_0700(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "tokens" / "work.json"
    modes_while_written: list[int] = []
    real_fsync = os.fsync

    def fsync_noting_mode(descriptor: int) -> None:
        modes_while_written.append(stat.S_IMODE(os.fstat(descriptor).st_mode))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync_noting_mode)
    previous_umask = os.umask(0)  # a permissive umask must not widen the file
    try:
        write_token_file(target, {"refresh_token": "r"})
    finally:
        os.umask(previous_umask)

    assert modes_while_written[0] == 0o600  # the temp file, before any content was durable
    assert mode_of(target) == 0o600
    assert mode_of(target.parent) == 0o700
    assert json.loads(target.read_text(encoding="utf-8")) == {"refresh_token": "r"}
    assert [path.name for path in target.parent.iterdir()] == ["work.json"]


def test_a_failed_write_leaves_the_previous_token_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "work.json"
    write_token_file(target, {"refresh_token": "old"})

    def failing_replace(source: str, destination: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_token_file(target, {"refresh_token": "new"})

    assert json.loads(target.read_text(encoding="utf-8")) == {"refresh_token": "old"}
    assert [path.name for path in tmp_path.iterdir()] == ["work.json"]


def test_credentials_refresh_against_the_file_token_uri_and_save_the_new_token(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], tmp_path: Path
) -> None:
    server = sandbox_factory(small_mailbox)
    token_file = tmp_path / "tokens" / "work.json"
    write_sandbox_token(server, ALEX, token_file)
    credentials = load_credentials(token_file, "work", ALEX)

    profile = gmail_service(server, credentials).users().getProfile(userId="me").execute()

    saved = json.loads(token_file.read_text(encoding="utf-8"))
    assert profile["emailAddress"] == ALEX
    assert saved["token"] == credentials.token
    assert saved["expiry"]
    assert saved["token_uri"] == server.token_uri
    assert mode_of(token_file) == 0o600


def test_a_token_rejected_mid_run_is_refreshed_and_saved_again(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], tmp_path: Path
) -> None:
    server = sandbox_factory(small_mailbox)
    token_file = tmp_path / "work.json"
    write_sandbox_token(server, ALEX, token_file)
    gmail = gmail_service(server, load_credentials(token_file, "work", ALEX))
    gmail.users().getProfile(userId="me").execute()
    first_token = json.loads(token_file.read_text(encoding="utf-8"))["token"]

    server.tokens.expire_access_tokens()  # the server now answers 401 to the saved access token
    gmail.users().labels().list(userId="me").execute()

    second_token = json.loads(token_file.read_text(encoding="utf-8"))["token"]
    assert second_token != first_token
    statuses = [call.status for call in server.log.calls() if call.method_id == "gmail.users.labels.list"]
    assert statuses == [401, 200]  # rejected, refreshed, retried


def test_the_configured_token_uri_wins_over_the_files(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], tmp_path: Path
) -> None:
    server = sandbox_factory(small_mailbox)
    token_file = tmp_path / "work.json"
    write_sandbox_token(server, ALEX, token_file)
    info = json.loads(token_file.read_text(encoding="utf-8"))
    write_token_file(token_file, {**info, "token_uri": "https://oauth2.googleapis.com/token"})

    credentials = load_credentials(token_file, "work", ALEX, token_uri=server.token_uri)
    gmail_service(server, credentials).users().getProfile(userId="me").execute()

    assert credentials.token_uri == server.token_uri
    assert json.loads(token_file.read_text(encoding="utf-8"))["token_uri"] == server.token_uri


def test_a_revoked_refresh_token_is_one_line_naming_the_account_and_the_fix(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], tmp_path: Path
) -> None:
    server = sandbox_factory(small_mailbox)
    token_file = tmp_path / "work.json"
    server.tokens.revoke(write_sandbox_token(server, ALEX, token_file))
    before = token_file.read_bytes()

    with pytest.raises(AuthRequired) as caught:
        gmail_service(server, load_credentials(token_file, "work", ALEX)).users().getProfile(
            userId="me"
        ).execute()

    assert str(caught.value) == (
        f'account "work" ({ALEX}): Google refused the saved token (revoked or expired) '
        "— run: rapport auth --account work"
    )
    assert "\n" not in str(caught.value)
    assert token_file.read_bytes() == before
    assert server.log.count("gmail.users.getProfile") == 0


def test_no_token_file_asks_for_rapport_auth(tmp_path: Path) -> None:
    with pytest.raises(AuthRequired, match=r"no saved token at .*— run: rapport auth --account work$"):
        load_credentials(tmp_path / "absent.json", "work", ALEX)


def test_a_token_file_without_a_refresh_token_asks_for_rapport_auth(tmp_path: Path) -> None:
    token_file = tmp_path / "work.json"
    write_token_file(token_file, {"token": "t", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})

    with pytest.raises(AuthRequired, match="lacks refresh_token"):
        load_credentials(token_file, "work", ALEX)
