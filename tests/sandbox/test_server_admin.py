"""The admin endpoint lets a test or tool running outside the process do what in-process tests do:
issue and revoke tokens, read and clear the call log and the forbidden calls, mutate the mailbox, and
switch quota and faults."""

from __future__ import annotations

import base64
import ipaddress
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from sandbox.server import SandboxServer
from sandbox.testing import gmail_service
from tests.fixtures_sandbox import ALEX, SandboxFactory, raw_request


def _admin(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    answer = raw_request(server, method, "/_admin/" + path, body=body)
    assert answer.status == 200, answer.json
    return answer.json


def _credentials_from_admin(server: SandboxServer, email: str) -> Credentials:
    issued = _admin(server, "POST", "tokens", {"email": email})
    return Credentials(
        token=None,
        refresh_token=issued["refresh_token"],
        token_uri=issued["token_uri"],
        client_id=issued["client_id"],
        client_secret=issued["client_secret"],
    )


def test_a_token_issued_over_admin_reads_the_mailbox_and_the_call_shows_in_the_log(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, _credentials_from_admin(server, ALEX))

    gmail.users().messages().list(userId="me").execute()
    log = _admin(server, "GET", "calls")
    _admin(server, "POST", "calls/clear")

    assert _admin(server, "GET", "health")["status"] == "ok"
    assert [(call["method_id"], call["user"], call["cost"]) for call in log["calls"]] == [
        ("gmail.users.messages.list", ALEX, 5)
    ]
    assert log["units"] == 5
    assert _admin(server, "GET", "calls")["calls"] == []
    assert _admin(server, "GET", "forbidden")["calls"] == []


@pytest.mark.allow_forbidden
def test_a_forbidden_call_and_a_draft_made_through_the_client_are_read_over_admin(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, _credentials_from_admin(server, ALEX))
    raw = base64.urlsafe_b64encode(b"To: dana@acme.io\r\nSubject: Thanks\r\n\r\nGreat to meet you.").decode()

    with pytest.raises(HttpError) as refused:
        gmail.users().messages().send(userId="me", body={"raw": raw}).execute()
    created = gmail.users().drafts().create(userId="me", body={"message": {"raw": raw}}).execute()
    forbidden = _admin(server, "GET", "forbidden")["calls"]
    drafts = _admin(server, "POST", "mutate", {"op": "drafts", "args": {"user": ALEX}})["result"]

    assert refused.value.status_code == 403
    assert [(call["method_id"], call["user"], call["cost"], call["status"]) for call in forbidden] == [
        ("gmail.users.messages.send", ALEX, 0, 403)
    ]
    assert [draft["id"] for draft in drafts] == [created["id"]]
    assert drafts[0]["messageId"] == created["message"]["id"]
    assert {"name": "Subject", "value": "Thanks"} in drafts[0]["headers"]


def test_a_mutation_over_admin_is_seen_by_the_client(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, _credentials_from_admin(server, ALEX))

    delivered = _admin(
        server,
        "POST",
        "mutate",
        {
            "op": "deliver",
            "args": {"user": ALEX, "from": "dana@acme.io", "to": ALEX, "subject": "Follow-up", "body": "Hi"},
        },
    )

    listed = gmail.users().messages().list(userId="me").execute()
    assert delivered["result"] in [message["id"] for message in listed["messages"]]


def test_a_bad_mutation_is_refused_with_the_reason(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)

    unknown = raw_request(server, "POST", "/_admin/mutate", body={"op": "teleport", "args": {}})
    missing = raw_request(server, "POST", "/_admin/mutate", body={"args": {}})

    assert unknown.status == 400
    assert "teleport" in unknown.json["error"]["message"]
    assert missing.status == 400
    assert missing.json == {"error": "missing field 'op'"}


def test_revoking_over_admin_ends_the_grant(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    credentials = _credentials_from_admin(server, ALEX)
    gmail = gmail_service(server, credentials)
    gmail.users().getProfile(userId="me").execute()

    _admin(server, "POST", "revoke", {"refresh_token": credentials.refresh_token})

    with pytest.raises(RefreshError, match="invalid_grant"):
        gmail.users().getProfile(userId="me").execute()


def test_expiring_access_tokens_over_admin_forces_a_refresh(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, _credentials_from_admin(server, ALEX))
    gmail.users().getProfile(userId="me").execute()

    _admin(server, "POST", "expire")
    gmail.users().getProfile(userId="me").execute()

    assert [call.status for call in server.log.calls()] == [200, 401, 200]


def test_the_access_token_lifetime_is_set_over_admin(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    credentials = _credentials_from_admin(server, ALEX)

    _admin(server, "POST", "tokens/lifetime", {"seconds": 900})
    gmail_service(server, credentials).users().getProfile(userId="me").execute()

    assert credentials.expiry is not None
    lifetime = credentials.expiry - datetime.now(UTC).replace(tzinfo=None)
    assert timedelta(seconds=890) < lifetime <= timedelta(seconds=900)


def test_quota_and_faults_are_switched_over_admin(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, _credentials_from_admin(server, ALEX))

    _admin(server, "POST", "quota", {"units": 1})
    gmail.users().getProfile(userId="me").execute()
    with pytest.raises(HttpError) as over_quota:
        gmail.users().getProfile(userId="me").execute()
    _admin(server, "POST", "quota", {"units": None})
    settings = _admin(server, "POST", "faults", {"rate": 1.0, "seed": 3, "kinds": ["503"]})
    with pytest.raises(HttpError) as faulted:
        gmail.users().getProfile(userId="me").execute()
    history = _admin(server, "GET", "faults")
    _admin(server, "POST", "faults", {"rate": 0.0})
    profile = gmail.users().getProfile(userId="me").execute()

    assert over_quota.value.status_code == 429
    assert settings == {"rate": 1.0, "seed": 3, "kinds": ["503"]}
    assert faulted.value.status_code == 503
    assert history["injected"] == [{"target": "gmail.users.getProfile", "fault": "503"}]
    assert profile["emailAddress"] == ALEX


@pytest.mark.parametrize(
    ("request_line", "body", "status"),
    [
        ("GET /_admin/nothing", None, 404),
        ("POST /_admin/quota", {"units": -5}, 400),
        ("POST /_admin/faults", {"rate": 2}, 400),
        ("POST /_admin/faults", {"rate": 0.5, "kinds": ["explode"]}, 400),
        ("POST /_admin/tokens", {}, 400),
        ("POST /_admin/tokens/lifetime", {"seconds": 0}, 400),
        ("POST /_admin/tokens/lifetime", {"seconds": "an hour"}, 400),
    ],
)
def test_malformed_admin_requests_are_refused(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], request_line: str, body: Any, status: int
) -> None:
    server = sandbox_factory(small_mailbox)
    method, path = request_line.split()

    answer = raw_request(server, method, path, body=body)

    assert answer.status == status
    assert answer.json["error"]


def _non_loopback_address() -> str | None:
    """One of this machine's own non-loopback IPv4 addresses, if it has any."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # connect() on UDP sends nothing; it only picks the outgoing interface.
        probe.connect(("203.0.113.1", 9))
        address: str = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if ipaddress.ip_address(address).is_loopback else address


def test_the_admin_endpoint_answers_loopback_clients_only(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to call from")
    server = sandbox_factory(small_mailbox, host="0.0.0.0")

    from_outside, _ = httplib2.Http().request(f"http://{address}:{server.port}/_admin/health")
    from_loopback, _ = httplib2.Http().request(f"http://127.0.0.1:{server.port}/_admin/health")

    assert from_outside.status == 403
    assert from_loopback.status == 200
