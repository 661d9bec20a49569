"""Fixtures for the resilience tests: Rapport run as real `rapport run --once` processes against sandboxes
that can kill them at an exact API call, and a view of a store that two differently battered runs can be
compared by.

- `KillSwitch(server)` watches a sandbox's calls (`SandboxServer.on_call`) and SIGKILLs the process it is
  armed with at a `KillPoint`: the Nth call of one method (or of any) of that run, either refused (the
  process dies just before the call would have reached Google) or carried out (it dies after Google acted,
  before it could read the answer). Counting calls, not time, makes every kill point exact and repeatable.
- `run_once(site, switch, point)` runs one `rapport --config F run --once` process, armed or not;
  `cycle(site)` runs the same command in the test's process (quicker, for runs nobody kills).
- `store_content(url)` is a store without local ids, times, cursors, or the ids the sandbox minted for
  Rapport's drafts and the mail that arrived later (named by X-Rapport-Key and by Message-ID instead).
- `open_site(server, root, ...)` writes a config pointing Rapport at a running sandbox (by default with
  its own SQLite store under `root`); the `rapport_site(document, name, store_url=..., sync=...,
  extra_sections=..., **server_options)` fixture serves a mailbox and does that under tmp_path/name.
- tests.resilience.scenario moves a mailbox on between cycles; tests.resilience.campaign runs kill
  campaigns and fault storms on two such sites (the bench uses both).
"""

from __future__ import annotations

import re
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, selectinload

from sandbox.errors import ApiError
from sandbox.server import SandboxServer
from store.models import (
    AuditRun,
    Calendar,
    Draft,
    Event,
    Finding,
    Label,
    Message,
    PendingMessage,
    Person,
)
from tests.fixtures_rapport import SandboxRapport, sandbox_rapport_config

RUN_TIMEOUT = 180.0  # a safety net for a hung process; never a measurement
CAMPAIGN_DRAFTS = "[drafts]\nmax_per_run = 500\nmax_per_day = 500\n"  # every finding drafted in one cycle


# ---- killing a process at an exact call -----------------------------------------------------------------


@dataclass(frozen=True)
class KillPoint:
    """The `nth` call of `method` (None: of any method) in one run; `refused`: the process dies before the
    sandbox carries the call out, else after it did (the answer goes to a dead process)."""

    method: str | None
    nth: int
    refused: bool

    def __str__(self) -> str:
        what = ".".join(self.method.split(".")[-2:]) if self.method else "call"
        return f"{what} #{self.nth} {'refused' if self.refused else 'carried out'}"


class KillSwitch:
    """Kills the process it is armed with when the sandbox receives the call a KillPoint names."""

    def __init__(self, server: SandboxServer) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._point: KillPoint | None = None
        self._seen = 0
        self._fired = False
        server.on_call.append(self._observe)

    def arm(self, process: subprocess.Popen[bytes], point: KillPoint) -> None:
        with self._lock:
            self._process, self._point, self._seen, self._fired = process, point, 0, False

    def disarm(self) -> bool:
        """Stop watching; True when the kill happened."""
        with self._lock:
            fired = self._fired
            self._process, self._point, self._fired = None, None, False
            return fired

    def _observe(self, method_id: str, _user: str) -> None:
        with self._lock:
            point, process = self._point, self._process
            if point is None or process is None or point.method not in (None, method_id):
                return
            self._seen += 1
            if self._seen < point.nth:
                return
            self._point, self._fired = None, True
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=RUN_TIMEOUT)  # dead before the sandbox answers anything
        if point.refused:
            raise ApiError(503, "The client was killed before this call reached the backend.", "backendError")


@dataclass(frozen=True)
class Run:
    """How one `rapport run --once` process ended, and what it logged."""

    returncode: int
    killed: bool
    log: str


def run_once(site: SandboxRapport, switch: KillSwitch | None = None, point: KillPoint | None = None) -> Run:
    """One `rapport --config F run --once` process, killed at `point` when given (and reached)."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(site.command("run", "--once"), stdout=subprocess.DEVNULL, stderr=log)
        if switch is not None and point is not None:
            switch.arm(process, point)
        try:
            returncode = process.wait(timeout=RUN_TIMEOUT)
        finally:
            killed = switch.disarm() if switch is not None and point is not None else False
        # The calls a killed process left in flight are carried out (or refused) before anyone looks.
        assert site.server.wait_until_idle(RUN_TIMEOUT), "the sandbox is still busy with a dead client"
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    return Run(returncode, killed, text)


def cycle(site: SandboxRapport) -> Run:
    """One `rapport --config F run --once` in this process: the same cycle without a process to start, for
    runs nobody kills."""
    result = site.invoke("run", "--once")
    return Run(result.exit_code, False, result.stderr)


# ---- what a store holds, comparably ---------------------------------------------------------------------

_GMAIL_ID = re.compile(r"\b(?:[0-9a-f]{16}|r\d{19})\b")


def store_content(store_url: str) -> dict[str, Any]:
    """Messages, addresses, labels, people, events, attendees, findings with their states and Rapport's
    drafts outbox, as sorted lists (a duplicate shows twice). Ids the sandbox mints as time goes by (the
    drafts Rapport wrote, mail delivered between cycles) differ between two runs of one scenario: they are
    named by X-Rapport-Key or Message-ID; times Rapport chose and local ids are left out."""
    engine = create_engine(store_url)
    try:
        with Session(engine) as session:
            return _content(session)
    finally:
        engine.dispose()


def _content(session: Session) -> dict[str, Any]:
    messages = session.scalars(
        select(Message).options(selectinload(Message.addresses), selectinload(Message.thread))
    ).all()
    drafts = session.scalars(select(Draft)).all()
    names: dict[str, str] = {}
    for draft in drafts:
        for gmail_id, kind in ((draft.gmail_thread_id, "thread"), (draft.gmail_draft_id, "draft")):
            if gmail_id:
                names[gmail_id] = f"{kind}<{draft.draft_key}>"
    for message in messages:
        names[message.gmail_id] = (
            f"message<{message.rapport_key}>"
            if message.rapport_key
            else f"mid{message.message_id_header or message.gmail_id}"
        )

    def named(text: str | None) -> str | None:
        return _GMAIL_ID.sub(lambda match: names.get(match.group(0), match.group(0)), text) if text else text

    return {
        "messages": sorted(_message_row(message, named) for message in messages),
        "labels": sorted(
            tuple(row) for row in session.execute(select(Label.gmail_id, Label.name, Label.type))
        ),
        # A person's display name comes from the newest mail naming them, whatever order a (resumed)
        # sync stored it in, so it is compared like the rest.
        "people": sorted(
            (person.primary_email, person.display_name or "", sorted(a.email for a in person.addresses))
            for person in session.scalars(select(Person).options(selectinload(Person.addresses)))
        ),
        "events": sorted(
            (
                calendar.config_id,
                event.gcal_id,
                event.status,
                event.summary or "",
                event.start_at.isoformat(),
                event.end_at.isoformat(),
                event.self_response or "",
                sorted((a.email, a.response_status or "", a.is_self) for a in event.attendees),
            )
            for event, calendar in session.execute(
                select(Event, Calendar)
                .join(Calendar, Calendar.id == Event.calendar_id)
                .options(selectinload(Event.attendees))
            )
        ),
        "findings": sorted(
            (
                named(finding.occasion_key) or "",
                finding.kind,
                finding.state,
                finding.state_reason or "",
                sorted(finding.emails),
                finding.event_gcal_id or "",
                named(finding.thread_gmail_id) or "",
                named(finding.message_gmail_id) or "",
            )
            for finding in session.scalars(select(Finding))
        ),
        "drafts": sorted(
            (
                named(draft.draft_key) or "",
                draft.state,
                bool(draft.gmail_draft_id),
                named(draft.gmail_thread_id) or "",
                sorted(draft.recipients),
                draft.subject,
                draft.body_sha256 or "",
            )
            for draft in drafts
        ),
        "pending_fetches": len(session.scalars(select(PendingMessage.gmail_id)).all()),
    }


def _message_row(message: Message, named: Callable[[str | None], str | None]) -> tuple[Any, ...]:
    # Rapport's own drafts (and the mail the user sent from one) carry times and a Message-ID minted when
    # they were written: only what they say is compared.
    own = message.rapport_key is not None
    return (
        named(message.gmail_id),
        named(message.thread.gmail_id),
        sorted(message.label_ids),
        None if own else message.internal_date.isoformat(),
        None if own or message.date_header is None else message.date_header.isoformat(),
        None if own else message.message_id_header,
        message.subject,
        message.from_email,
        message.from_name,
        message.in_reply_to if not own else None,
        message.references_header,
        message.list_id,
        message.list_unsubscribe,
        message.snippet,
        message.parse_problems,
        sorted((a.role, a.email, a.raw_email, a.name or "", a.position) for a in message.addresses),
    )


def audit_gaps(store_url: str) -> int:
    """Messages the integrity audits of a store found missing (each one a loss the sync did not notice)."""
    engine = create_engine(store_url)
    try:
        with Session(engine) as session:
            return sum(session.scalars(select(AuditRun.missing)))
    finally:
        engine.dispose()


def gmail_drafts(site: SandboxRapport) -> list[tuple[str, str, str, str]]:
    """Rapport's drafts in the sandbox's Gmail as the user reads them: (key, To, Subject, body), sorted."""
    found = []
    for draft in site.drafts():
        headers = {str(h["name"]).lower(): str(h["value"]) for h in draft["headers"]}
        if "x-rapport-key" in headers:
            found.append(
                (headers["x-rapport-key"], headers.get("to", ""), headers.get("subject", ""), draft["body"])
            )
    return sorted(found)


# ---- sites: a sandbox, a store and a config -------------------------------------------------------------

SiteFactory = Callable[..., SandboxRapport]


def open_site(
    server: SandboxServer,
    root: Path,
    *,
    store_url: str | None = None,
    sync: str = "",
    extra_sections: str = "",
) -> SandboxRapport:
    """A config under `root` pointing Rapport at `server`'s first user, on `store_url` or else a SQLite
    store of its own under `root`; `sync` adds keys to [sync], `extra_sections` whole sections."""
    user = server.state.users[0]
    store_url = store_url or f"sqlite:///{root}/rapport.db"
    config, tokens = sandbox_rapport_config(server, root, store_url, {"work": user}, extra_sections)
    if sync:
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("workers = 2", f"workers = 2\n{sync}"), encoding="utf-8")
    return SandboxRapport(server, config, store_url, tokens, {"work": user})


@pytest.fixture
def rapport_site(sandbox_factory: Callable[..., SandboxServer], tmp_path: Path) -> SiteFactory:
    """`rapport_site(document, name, store_url=..., sync="audit_every_cycles = 1", extra_sections=...,
    **server_options)`: the sandbox serving `document` and `open_site` for it under tmp_path/name."""

    def start(
        document: dict[str, Any],
        name: str,
        *,
        store_url: str | None = None,
        sync: str = "",
        extra_sections: str = "",
        **server_options: Any,
    ) -> SandboxRapport:
        server = sandbox_factory(document, **server_options)
        return open_site(
            server, tmp_path / name, store_url=store_url, sync=sync, extra_sections=extra_sections
        )

    return start
