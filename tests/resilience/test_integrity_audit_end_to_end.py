"""A silent loss never looks healthy: messages deleted from the store behind the sync's back (its cursor
says they are there) are found by the next cycle's integrity audit, fetched and stored again; `rapport
status` shows the gap found and repaired, and the log names the messages."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import create_engine, delete, select
from sqlalchemy.orm import Session

from store.models import Message
from store.utc import utcnow
from tests.fixtures_rapport import hour_now
from tests.fixtures_resilience import SiteFactory, store_content
from tests.resilience.scenario import compact_mailbox


def lose_recent_messages(store_url: str, count: int) -> list[str]:
    """Delete the `count` newest received messages of the last 2.5 days (the audit looks 3 days back) from
    the store; their Gmail ids."""
    engine = create_engine(store_url)
    with Session(engine) as session, session.begin():
        lost = list(
            session.scalars(
                select(Message.gmail_id)
                .where(Message.internal_date > utcnow() - timedelta(days=2, hours=12), Message.is_inbox)
                .order_by(Message.internal_date.desc())
                .limit(count)
            )
        )
        session.execute(delete(Message).where(Message.gmail_id.in_(lost)))
    engine.dispose()
    return sorted(lost)


def test_messages_lost_behind_the_syncs_back_are_restored_and_shown_by_status(
    rapport_site: SiteFactory, engine_url: str
) -> None:
    site = rapport_site(
        compact_mailbox(hour_now()), "audited", store_url=engine_url, sync="audit_every_cycles = 1"
    )
    assert site.invoke("run", "--once").exit_code == 0
    assert site.invoke("run", "--once").exit_code == 0  # reads back the drafts: the store is complete
    complete = store_content(site.store_url)
    lost = lose_recent_messages(site.store_url, 2)
    assert len(lost) == 2

    repaired = site.invoke("run", "--once")
    table = site.invoke("status")
    [status] = json.loads(site.invoke("status", "--json").output)

    assert repaired.exit_code == 0, repaired.output
    assert "audit found 2 of " in repaired.stderr
    assert f"and restored them: {', '.join(lost)}" in repaired.stderr
    assert store_content(site.store_url) == complete
    assert (status["last_audit"]["missing"], status["last_audit"]["repaired"]) == (2, 2)
    assert "found 2 recent messages missing from the store and restored them" in table.output
    assert "Traceback" not in repaired.output

    assert site.invoke("run", "--once").exit_code == 0
    [status] = json.loads(site.invoke("status", "--json").output)

    assert (status["last_audit"]["missing"], status["last_audit"]["repaired"]) == (0, 0)
