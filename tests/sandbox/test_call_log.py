"""The call log keeps every forbidden call even when a test clears it to count one step's calls, so the
sandbox fixture's end-of-test check sees a send made before the clear."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import ALEX, SandboxFactory


@pytest.mark.allow_forbidden
def test_clearing_the_log_keeps_the_forbidden_calls(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    users = gmail_service(server, credentials_for(server, ALEX)).users()
    with pytest.raises(HttpError):
        users.messages().send(userId="me", body={"raw": "SGk="}).execute()
    users.getProfile(userId="me").execute()

    server.log.clear()

    assert server.log.calls() == []
    assert [record.method_id for record in server.log.forbidden()] == ["gmail.users.messages.send"]
