"""`rapport sandbox serve`: the sandbox as a process whose printed token files work without `rapport auth`."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from googleapiclient.discovery import build

from rapport.cli import cli
from rapport.token_store import load_credentials
from sandbox.server import SandboxServer
from sandbox.state import SandboxState
from tests.fixtures_rapport import RAPPORT
from tests.fixtures_sandbox import ALEX, SAM, small_mailbox_document


@dataclass
class Served:
    """A running `rapport sandbox serve`: what it printed, its base URL, and its output once stopped."""

    process: subprocess.Popen[str]
    printed: str
    base_url: str
    out: str = ""
    err: str = ""


def read_until(process: subprocess.Popen[str], marker: str) -> str:
    assert process.stdout is not None
    seen = ""
    for line in process.stdout:
        seen += line
        if marker in line:
            return seen
    raise AssertionError(f"the sandbox exited before printing {marker!r}:\n{seen}")


@contextmanager
def serving(*args: str) -> Iterator[Served]:
    """`rapport sandbox serve --port 0 ARGS...` until the block ends, then SIGTERM."""
    process = subprocess.Popen(
        [RAPPORT, "sandbox", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served: Served | None = None
    try:
        printed = read_until(process, "Ctrl+C stops the sandbox")
        base_url = re.search(r"at (http://127\.0\.0\.1:\d+)", printed)
        assert base_url, printed
        served = Served(process, printed, base_url.group(1))
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        if served is not None:
            served.out, served.err = out, err


def test_serve_prints_a_base_url_and_a_working_token_file_per_user_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    mailbox = tmp_path / "mailbox.json"
    mailbox.write_text(json.dumps(small_mailbox_document()), encoding="utf-8")
    tokens = tmp_path / "tokens"

    with serving("--mailbox", str(mailbox), "--tokens-dir", str(tokens)) as served:
        credentials = load_credentials(tokens / f"{ALEX}.json", "alex", ALEX)
        endpoint = served.base_url
        gmail = build("gmail", "v1", credentials=credentials, client_options={"api_endpoint": endpoint})
        calendar = build(
            "calendar",
            "v3",
            credentials=credentials,
            client_options={"api_endpoint": endpoint + "/calendar/v3/"},
        )
        profile = gmail.users().getProfile(userId="me").execute()
        events = calendar.events().list(calendarId="primary").execute()["items"]

    for user in (ALEX, SAM):
        assert f"{user}: token file {tokens / (user + '.json')}" in served.printed
    assert profile["emailAddress"] == ALEX
    assert events
    assert f'api_endpoint = "{endpoint}"' in served.printed
    assert served.process.returncode == 0, served.err
    assert "sandbox stopped" in served.out


def test_serve_refuses_a_busy_port_as_a_usage_error(tmp_path: Path) -> None:
    mailbox = tmp_path / "mailbox.json"
    mailbox.write_text(json.dumps(small_mailbox_document()), encoding="utf-8")
    with SandboxServer(SandboxState.from_mailbox(small_mailbox_document())) as busy:
        result = CliRunner().invoke(
            cli,
            [
                "sandbox",
                "serve",
                "--mailbox",
                str(mailbox),
                "--port",
                str(busy.port),
                "--tokens-dir",
                str(tmp_path),
            ],
        )

    assert result.exit_code == 2
    assert "--port" in result.output


def test_serve_refuses_an_invalid_mailbox_naming_the_problem(tmp_path: Path) -> None:
    mailbox = tmp_path / "mailbox.json"
    mailbox.write_text(json.dumps({"format": "something-else", "users": []}), encoding="utf-8")

    result = CliRunner().invoke(cli, ["sandbox", "serve", "--mailbox", str(mailbox), "--port", "0"])

    assert result.exit_code == 2
    assert "--mailbox" in result.output


def test_serve_can_generate_the_mailbox_it_serves(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    user = "alex.morgan@example.com"

    with serving("--generate", "500", "--seed", "3", "--tokens-dir", str(tokens)) as served:
        credentials = load_credentials(tokens / f"{user}.json", "alex", user)
        gmail = build(
            "gmail", "v1", credentials=credentials, client_options={"api_endpoint": served.base_url}
        )
        profile = gmail.users().getProfile(userId="me").execute()

    assert profile["emailAddress"] == user
    assert profile["messagesTotal"] == 500
    assert served.process.returncode == 0


def test_serve_needs_exactly_one_mailbox_source(tmp_path: Path) -> None:
    mailbox = tmp_path / "mailbox.json"
    mailbox.write_text(json.dumps(small_mailbox_document()), encoding="utf-8")

    neither = CliRunner().invoke(cli, ["sandbox", "serve", "--port", "0"])
    both = CliRunner().invoke(
        cli, ["sandbox", "serve", "--mailbox", str(mailbox), "--generate", "500", "--port", "0"]
    )

    assert (neither.exit_code, both.exit_code) == (2, 2)
    assert "either --mailbox FILE or --generate N" in neither.output
