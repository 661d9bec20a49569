"""`rapport sandbox serve`: the sandbox as a process whose printed token files work without `rapport auth`."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httplib2
import pytest
from click.testing import CliRunner
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from rapport.cli import cli
from rapport.token_store import load_credentials
from sandbox.server import SandboxServer
from sandbox.state import SandboxState
from tests.fixtures_rapport import RAPPORT
from tests.fixtures_sandbox import ALEX, SAM, BatchAnswers, small_mailbox_document


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


def admin(base_url: str, route: str, method: str = "GET", body: Any = None) -> Any:
    response, content = httplib2.Http().request(
        f"{base_url}/_admin/{route}", method, body=json.dumps({} if body is None else body)
    )
    assert response.status == 200, content
    return json.loads(content)


def profile_status(base_url: str, access_token: str) -> int:
    response, _content = httplib2.Http().request(
        f"{base_url}/gmail/v1/users/me/profile", headers={"Authorization": f"Bearer {access_token}"}
    )
    return int(response.status)


def test_serve_token_lifetime_expires_access_tokens_and_the_client_refreshes_and_saves_a_new_one(
    tmp_path: Path,
) -> None:
    mailbox = tmp_path / "mailbox.json"
    mailbox.write_text(json.dumps(small_mailbox_document()), encoding="utf-8")
    tokens = tmp_path / "tokens"
    token_file = tokens / f"{ALEX}.json"

    with serving("--mailbox", str(mailbox), "--tokens-dir", str(tokens), "--token-lifetime", "2") as served:
        credentials = load_credentials(token_file, "alex", ALEX)
        gmail = build(
            "gmail", "v1", credentials=credentials, client_options={"api_endpoint": served.base_url}
        )
        gmail.users().getProfile(userId="me").execute()  # the first call fetches an access token
        first_token = json.loads(token_file.read_text(encoding="utf-8"))["token"]
        # The sandbox refuses it once its two seconds are up (the client is not asked: it holds it still).
        deadline = time.monotonic() + 30
        while profile_status(served.base_url, first_token) == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        refused = profile_status(served.base_url, first_token)
        # A client whose clock says its token is fresh sends it, is refused, refreshes and gets its answer.
        credentials.token = first_token
        credentials.expiry = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)  # google-auth: naive
        admin(served.base_url, "calls/clear", "POST")
        profile = gmail.users().getProfile(userId="me").execute()
        statuses = [call["status"] for call in admin(served.base_url, "calls")["calls"]]

    assert "access tokens live 2 s" in served.printed
    assert refused == 401
    assert profile["emailAddress"] == ALEX
    assert statuses == [401, 200]
    saved = json.loads(token_file.read_text(encoding="utf-8"))
    assert saved["token"] == credentials.token != first_token  # the refreshed token is saved for the next run


def test_serve_refuses_a_token_lifetime_below_one_second(tmp_path: Path) -> None:
    mailbox = tmp_path / "mailbox.json"
    mailbox.write_text(json.dumps(small_mailbox_document()), encoding="utf-8")

    result = CliRunner().invoke(
        cli, ["sandbox", "serve", "--mailbox", str(mailbox), "--port", "0", "--token-lifetime", "0"]
    )

    assert result.exit_code == 2
    assert "--token-lifetime" in result.output


def test_serve_applies_its_quota_fault_and_header_decoding_options(tmp_path: Path) -> None:
    document = small_mailbox_document()
    first = document["users"][0]["messages"][0]
    first["headers"] = [
        {"name": "From", "value": "=?ISO-8859-1?Q?Dana_Rey=E8s?= <dana@acme.io>"}
        if header["name"] == "From"
        else header
        for header in first["headers"]
    ]
    mailbox = tmp_path / "mailbox.json"
    mailbox.write_text(json.dumps(document), encoding="utf-8")
    tokens = tmp_path / "tokens"
    options = ("--quota", "1", "--fault-rate", "1", "--fault-seed", "4", "--decode-headers")

    with serving("--mailbox", str(mailbox), "--tokens-dir", str(tokens), *options) as served:
        credentials = load_credentials(tokens / f"{ALEX}.json", "alex", ALEX)
        gmail = build(
            "gmail", "v1", credentials=credentials, client_options={"api_endpoint": served.base_url}
        )
        # Every request is faulted: seed 4 draws a 500 first.
        with pytest.raises(HttpError) as faulted:
            gmail.users().getProfile(userId="me").execute()
        faults = admin(served.base_url, "faults")
        admin(served.base_url, "faults", "POST", {"rate": 0})
        # Faults off, the quota of 1 unit a second stays: a batch's first call (5 units) is admitted into an
        # empty window, the next one, a moment later in the same batch, is over the quota.
        answers = BatchAnswers()
        batch = BatchHttpRequest(callback=answers, batch_uri=served.base_url + "/batch/gmail/v1")
        messages = gmail.users().messages()
        batch.add(
            messages.get(userId="me", id=first["id"], format="metadata", metadataHeaders=["From"]),
            request_id="get",
        )
        batch.add(gmail.users().getProfile(userId="me"), request_id="profile")
        batch.execute()
        calls = admin(served.base_url, "calls")["calls"]

    assert faulted.value.status_code == 500
    assert (faults["rate"], faults["seed"]) == (1.0, 4)
    assert faults["injected"] == [{"target": "gmail.users.getProfile", "fault": "500"}]
    assert answers.responses["get"]["payload"]["headers"] == [
        {"name": "From", "value": "Dana Reyès <dana@acme.io>"}
    ]
    assert answers.errors["profile"].status_code == 429
    assert [(call["method_id"], call["status"], call["cost"], call["fault"]) for call in calls] == [
        ("gmail.users.getProfile", 500, 0, "500"),
        ("gmail.users.messages.get", 200, 5, None),
        ("gmail.users.getProfile", 429, 0, None),
    ]
    assert served.process.returncode == 0, served.err
