"""`rapport draft [--dry-run]` shows each draft (recipients, subject, body) and what was done — the dry run
writing nothing at all; `rapport sync` only syncs, with a progress bar when a person watches a terminal."""

from __future__ import annotations

import io
import json
from collections import Counter
from email.header import decode_header, make_header

from rich.console import Console
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from rapport.config import AccountSettings
from rapport.progress import SyncProgress, sync_progress
from store.models import Draft, Finding, Message
from tests.fixtures_rapport import ALEX, SandboxRapport, SandboxRapportFactory, networkers_mailbox


def count(rapport: SandboxRapport, column: InstrumentedAttribute[int]) -> int:
    engine = create_engine(rapport.store_url)
    with Session(engine) as session:
        total = session.scalar(select(func.count(column)))
    engine.dispose()
    return int(total or 0)


def test_a_dry_run_prints_the_drafts_it_would_write_and_writes_nothing(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    assert rapport.invoke("sync").exit_code == 0
    rapport.server.log.clear()

    result = rapport.invoke("draft", "--dry-run")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "To: Dana Kim <dana@acme.io>" in out
    assert "Subject: Thank you for the coffee" in out
    assert "Hi Dana,\n\nThanks for the coffee" in out
    assert "To: Sam Lee <sam.lee@example.org>" in out
    assert "To: Vendor Ops <ops@vendor.example>" in out
    assert out.count("(a reply in its thread)") == 2  # Sam's thread and the unanswered question's
    assert "work (alex@example.com): dry run: would write 3 drafts; nothing was written" in out
    assert rapport.drafts() == []
    assert count(rapport, Draft.id) == 0
    assert not [
        call for call in rapport.server.log.calls() if call.method_id.startswith("gmail.users.drafts")
    ]


def test_draft_writes_what_the_dry_run_showed_and_says_so(sandbox_rapport: SandboxRapportFactory) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))
    assert rapport.invoke("sync").exit_code == 0
    shown = rapport.invoke("draft", "--dry-run").stdout

    result = rapport.invoke("draft")

    assert result.exit_code == 0, result.output
    assert "work (alex@example.com): wrote 3 drafts" in result.stdout
    subjects = sorted(
        str(make_header(decode_header(header["value"])))  # as on the wire: RFC 2047 words
        for draft in rapport.drafts()
        for header in draft["headers"]
        if header["name"] == "Subject"
    )
    assert len(subjects) == 3
    for subject in subjects:
        assert f"Subject: {subject}" in shown
        assert f"Subject: {subject}" in result.stdout
    assert rapport.server.log.count("gmail.users.drafts.create") == 3


def test_a_draft_that_cannot_be_written_is_shown_apart_with_its_reason_not_as_written(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    # A guest whose address (consecutive dots, as some carriers hand out) no message can carry.
    taro = "taro..yamada@docomo.ne.jp"
    document = networkers_mailbox(ALEX)
    meeting = document["users"][0]["calendars"][0]["events"][0]
    meeting["attendees"].append({"email": taro, "displayName": "Taro Yamada", "responseStatus": "accepted"})
    rapport = sandbox_rapport(document)
    assert rapport.invoke("sync").exit_code == 0
    dry_run = rapport.invoke("draft", "--dry-run").stdout

    result = rapport.invoke("draft")

    out = result.stdout
    assert "NOT WRITTEN" not in dry_run  # a dry run writes nothing, so nothing fails either
    assert dry_run.count("To: Taro Yamada <taro..yamada@docomo.ne.jp>") == 1
    written, _, failed = out.partition("thank-you — NOT WRITTEN")
    assert failed, out  # the failed draft is marked, and comes after every written one
    assert "taro..yamada" not in written
    assert written.count("— written into Gmail") == 3
    assert "To: Dana Kim <dana@acme.io>" in written
    assert "To: Taro Yamada <taro..yamada@docomo.ne.jp>" in failed
    assert "Subject: Thank you for the coffee" in failed
    assert "Not written: the message cannot be built:" in failed
    assert "Rapport will not try it again." in failed
    assert "Thanks for the coffee" not in failed  # no body: it is not a draft the user will find
    assert "work (alex@example.com): wrote 3 drafts; 1 could not be written" in out
    assert len(rapport.drafts()) == 3
    assert "taro..yamada" not in json.dumps(rapport.drafts())


def test_sync_only_syncs_and_says_what_it_stored(sandbox_rapport: SandboxRapportFactory) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX))

    result = rapport.invoke("sync")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "work (alex@example.com): 4 messages added, 0 deleted, 0 relabelled, 1 calendar events changed "
        "(full sync); 8 calls, 24 quota units"
    )
    assert "━" not in result.stdout  # output to a pipe gets no progress bar
    assert count(rapport, Message.id) == 4
    assert count(rapport, Finding.id) == 0
    assert rapport.drafts() == []
    assert Counter(call.method_id for call in rapport.server.log.calls())["gmail.users.drafts.list"] == 0


def test_the_progress_bar_follows_the_fetching_on_a_terminal_only() -> None:
    account = AccountSettings(name="work", email="me@work.example", token_file="/tmp/t.json")  # type: ignore[arg-type]
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    pipe = Console(file=io.StringIO(), force_terminal=False)

    bars = sync_progress(terminal)
    assert isinstance(bars, SyncProgress)
    with bars:
        report = bars.for_account(account)
        for done in (0, 500, 1000, 1717):
            report(done, 1717)

    assert sync_progress(pipe) is None
    drawn = screen.getvalue()
    assert "Syncing work (me@work.example)" in drawn
    assert "1717/1717" in drawn
