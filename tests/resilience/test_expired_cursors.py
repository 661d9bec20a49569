"""Cursors that expire mid-life (Gmail history 404, Calendar sync token 410) are recovered by the next cycle
on its own: the log says what happened, the new mail and meetings arrive, and what the user decided —
a draft deleted (dismissed), a draft sent (resolved) — stands; no draft is written twice or written again
after the user threw it away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from store.models import Finding, Message
from tests.fixtures_rapport import (
    ALEX,
    SandboxRapport,
    SandboxRapportFactory,
    expected_draft_keys,
    hour_now,
    networkers_mailbox,
)
from tests.fixtures_resilience import gmail_drafts

NOOR = "noor@partner.example"


def draft_ids(rapport: SandboxRapport) -> dict[str, str]:
    """Gmail draft id by Rapport's key."""
    return {
        str(header["value"]): str(draft["id"])
        for draft in rapport.drafts()
        for header in draft["headers"]
        if header["name"] == "X-Rapport-Key"
    }


def finding_states(rapport: SandboxRapport) -> dict[str, str]:
    engine = create_engine(rapport.store_url)
    with Session(engine) as session:
        states: dict[str, str] = dict(session.execute(select(Finding.occasion_key, Finding.state)).all())
    engine.dispose()
    return states


def stored_message_ids(rapport: SandboxRapport) -> set[str | None]:
    engine = create_engine(rapport.store_url)
    with Session(engine) as session:
        ids = set(session.scalars(select(Message.message_id_header)))
    engine.dispose()
    return ids


@pytest.mark.parametrize("user_acts", ["a cycle before the expiry", "in the gap the expired cursors cover"])
def test_expired_cursors_are_recovered_keeping_what_the_user_decided(
    sandbox_rapport: SandboxRapportFactory, user_acts: str
) -> None:
    now = hour_now()
    rapport = sandbox_rapport(networkers_mailbox(ALEX, now=now))
    state = rapport.server.state
    thank_dana, cold_sam, follow_up = sorted(expected_draft_keys(1, now), key=lambda key: key[0] != "t")
    assert rapport.invoke("run", "--once").exit_code == 0
    drafts = draft_ids(rapport)
    state.user_deletes_draft(ALEX, drafts[thank_dana])
    state.user_sends_draft(ALEX, drafts[follow_up])
    if user_acts == "a cycle before the expiry":
        assert rapport.invoke("run", "--once").exit_code == 0

    # Mail and a meeting arrive, then the history and the sync token covering them expire; more mail.
    state.deliver(
        ALEX,
        from_="Lee Park <lee@new.example>",
        to=ALEX,
        subject="Hello from Lee",
        body="We met at the conference.",
        headers={"Message-ID": "<hello-lee@new.example>"},
    )
    start = now - timedelta(hours=4)
    state.add_event(
        ALEX,
        "primary",
        {
            "id": "lunchwithnoor",
            "status": "confirmed",
            "summary": "Lunch with Noor",
            "start": {"dateTime": start.isoformat(), "timeZone": "Europe/London"},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "Europe/London"},
            "organizer": {"email": ALEX, "self": True},
            "attendees": [
                {"email": ALEX, "self": True, "organizer": True, "responseStatus": "accepted"},
                {"email": NOOR, "displayName": "Noor Aziz", "responseStatus": "accepted"},
            ],
        },
    )
    state.expire_history(ALEX)
    state.invalidate_sync_tokens(ALEX, ALEX)
    state.deliver(
        ALEX,
        from_="Kai Berg <kai@new.example>",
        to=ALEX,
        subject="Slides",
        body="Attached are the slides.",
        headers={"Message-ID": "<slides-kai@new.example>"},
    )
    recovery = rapport.invoke("run", "--once")
    after = rapport.invoke("run", "--once")

    assert (recovery.exit_code, after.exit_code) == (0, 0), recovery.output + after.output
    assert "Gmail history expired; window re-listed" in recovery.stderr
    assert "calendar primary sync token expired (410); clearing its events and re-syncing" in recovery.stderr
    assert {"<hello-lee@new.example>", "<slides-kai@new.example>"} <= stored_message_ids(rapport)
    thank_noor = f"thank_you:lunchwithnoor:{NOOR}"
    # A thank-you's draft key is its finding's key and the attendee it is written to.
    assert finding_states(rapport) == {
        thank_dana.rsplit(":", 1)[0]: "dismissed",
        follow_up: "resolved",
        cold_sam: "drafted",
        thank_noor.rsplit(":", 1)[0]: "drafted",
    }
    assert [key for key, *_ in gmail_drafts(rapport)] == sorted([cold_sam, thank_noor])
    assert rapport.server.log.count("gmail.users.drafts.create") == 4  # three, then Noor's; none again
