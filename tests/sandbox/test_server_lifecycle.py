"""The server's life: it binds a free loopback port when built, serves from a background thread, keeps
connections alive as httplib2 expects, and once stopped (or its `with` block ends) answers nobody, not
even on a connection that was kept alive."""

from __future__ import annotations

import http.client
from typing import Any

import httplib2
import pytest

from sandbox.errors import ApiError
from sandbox.server import SandboxServer
from sandbox.state import SandboxState
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import ALEX


def get(connection: http.client.HTTPConnection, path: str) -> http.client.HTTPResponse:
    """One GET on an existing connection, its body read so the connection can be reused."""
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response


def test_a_server_in_a_with_block_serves_and_then_stops(small_mailbox: dict[str, Any]) -> None:
    with SandboxServer(SandboxState.from_mailbox(small_mailbox)) as server:
        gmail = gmail_service(server, credentials_for(server, ALEX))
        profile = gmail.users().getProfile(userId="me").execute()
        base_url = server.base_url

    assert profile["emailAddress"] == ALEX
    assert base_url.startswith("http://127.0.0.1:")
    with pytest.raises(ConnectionRefusedError):
        httplib2.Http().request(base_url + "/_admin/health")


def test_connections_are_kept_alive_with_a_content_length_on_every_answer(
    small_mailbox: dict[str, Any],
) -> None:
    with SandboxServer(SandboxState.from_mailbox(small_mailbox)) as server:
        connection = http.client.HTTPConnection(server.host, server.port)
        answers = []
        for path in ("/_admin/health", "/gmail/v1/users/me/profile", "/_admin/health"):
            response = get(connection, path)
            answers.append((response.status, response.getheader("Content-Length"), response.will_close))
        connection.close()

    assert [status for status, _, _ in answers] == [200, 401, 200]
    assert all(length is not None and int(length) > 0 for _, length, _ in answers)
    assert not any(will_close for _, _, will_close in answers)


def test_stopping_closes_connections_that_were_kept_alive(small_mailbox: dict[str, Any]) -> None:
    server = SandboxServer(SandboxState.from_mailbox(small_mailbox)).start()
    connection = http.client.HTTPConnection(server.host, server.port)
    assert get(connection, "/_admin/health").status == 200

    server.stop()

    with pytest.raises((http.client.HTTPException, ConnectionError)):
        get(connection, "/_admin/health")
    connection.close()


def test_errors_have_googles_shape() -> None:
    not_found = ApiError(404, "Requested entity was not found.")
    gone = ApiError(410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired")

    assert not_found.to_json() == {
        "error": {
            "code": 404,
            "message": "Requested entity was not found.",
            "errors": [
                {"message": "Requested entity was not found.", "domain": "global", "reason": "notFound"}
            ],
            "status": "NOT_FOUND",
        }
    }
    assert gone.to_json()["error"]["errors"][0]["reason"] == "fullSyncRequired"
    assert "status" not in gone.to_json()["error"]
