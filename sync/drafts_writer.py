"""The draft writer: reconcile with Gmail, choose the strongest open findings within the caps, write drafts.

`write_drafts` is the one entry point (`rapport draft [--dry-run]` and the daemon's cycle call it).
It plans before it acts: every draft is rendered before the first one is written, so a broken template stops
the run with nothing half-done. Each draft goes through the outbox: its row is committed `pending` (with its
key) before drafts.create, and the Gmail ids, the `written` state and the finding's `drafted` state are
committed together after it — a kill in between is healed by the next run's reconcile, which adopts the
draft by its X-Rapport-Key instead of writing a second one. After writing, a sweep deletes any extra copy a
silently re-sent POST left behind. A draft that can never be written as planned (its message cannot be
built, or Gmail refuses the message itself) is recorded once as `failed` with the reason and logged; it is
not tried again, so it does not count as an error in every cycle. The report says of each planned draft
what became of it (written, failed with the reason, or only planned in a dry run), so that what is shown
as written is in Gmail. Nothing here can send: the allow-listed client has no send method.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, time
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from rules.rendering import DraftTemplate, load_template
from rules.settings import IdentitySettings, RuleSettings, UserSettings
from store.models import Account, Draft, Finding
from sync.drafts_gmail import create_draft, thread_messages
from sync.drafts_mime import Mailbox, body_fingerprint, build_message, create_request_body, new_message_id
from sync.drafts_plan import DraftPlan, draft_keys, plan_draft
from sync.drafts_reconcile import ReconcileCounts, read_gmail_drafts, reconcile, remove_duplicates
from sync.errors import ApiRejected
from sync.settings import DraftSettings

if TYPE_CHECKING:
    from sync.client import GoogleApi

log = logging.getLogger(__name__)

Checkpoint = Callable[[str, str], None]
"""Called as `checkpoint(stage, draft_key)` at the two moments a kill leaves the outbox half-way: stage
"pending" (the row is committed, drafts.create not sent yet) and "created" (Gmail answered, the ids are not
committed yet). A test seam: raising from it simulates the process dying there."""
PENDING, CREATED = "pending", "created"

Outcome = Literal["planned", "written", "failed"]
"""What became of a planned draft: only planned (a dry run, or a run stopped before it), written into Gmail
(created: Rapport never updates a draft, and one an interrupted run left in Gmail is adopted, not planned),
or failed (not in Gmail; `PlannedDraft.failure` says why)."""
PLANNED: Outcome = "planned"
WRITTEN: Outcome = "written"
FAILED: Outcome = "failed"


@dataclass(frozen=True)
class PlannedDraft:
    """A draft as the user will see it (recipients, subject, body, whether it answers a thread) and what
    became of it this run."""

    draft_key: str
    kind: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    reply: bool
    outcome: Outcome = PLANNED
    failure: str | None = None  # why it is not in Gmail (outcome failed)
    retried: bool = False  # a failure that may pass: the next run tries it again
    misthreaded: bool = False  # written as a reply, but Gmail put it in a new thread


@dataclass(kw_only=True)
class DraftReport(ReconcileCounts):
    """What one run did (or, for a dry run, would write): what reconciling found, and each planned draft
    with what became of it."""

    dry_run: bool
    planned: list[PlannedDraft] = field(default_factory=list)
    created: int = 0
    failed: int = 0
    misthreaded: int = 0  # replies Gmail put in a new thread (the draft exists, outside its conversation)

    @property
    def written(self) -> list[PlannedDraft]:
        """The drafts this run put into Gmail."""
        return [draft for draft in self.planned if draft.outcome == WRITTEN]

    @property
    def failures(self) -> list[PlannedDraft]:
        """The drafts this run could not write, each with the reason."""
        return [draft for draft in self.planned if draft.outcome == FAILED]

    @property
    def deleted(self) -> int:
        """Drafts Rapport deleted: duplicate copies and untouched drafts of resolved findings."""
        return self.deleted_duplicates + self.withdrawn

    def absorb(self, counts: ReconcileCounts) -> None:
        for name in (counted.name for counted in fields(ReconcileCounts)):
            setattr(self, name, getattr(self, name) + getattr(counts, name))

    def summary(self) -> str:
        """One line for the log and the CLI."""
        if self.dry_run:
            return f"dry run: would write {len(self.planned)} drafts"
        return (
            f"planned={len(self.planned)} created={self.created} adopted={self.adopted} "
            f"deleted={self.deleted} dismissed={self.dismissed} resolved={self.resolved} "
            f"user_edited={self.user_edited} failed={self.failed} misthreaded={self.misthreaded}"
        )


def write_drafts(
    session_factory: sessionmaker[Session],
    api: GoogleApi,
    account_id: int,
    *,
    settings: DraftSettings,
    user: UserSettings,
    identity: IdentitySettings,
    rules: Sequence[RuleSettings],
    now: datetime,
    dry_run: bool = False,
    checkpoint: Checkpoint | None = None,
) -> DraftReport:
    """Reconcile, then write the drafts the strongest open findings call for, within the caps.

    A dry run reads the store only and returns the drafts that would be written; it calls no Google API.
    Raises `rules.rendering.TemplateProblem` (before writing anything) when a template cannot render.
    """
    templates = {rule.name: load_template(rule.kind, rule.template) for rule in rules if rule.enabled}
    report = DraftReport(dry_run=dry_run)
    if not dry_run:
        gmail = read_gmail_drafts(session_factory, api, account_id)
        report.absorb(reconcile(session_factory, api, account_id, gmail, settings=settings, now=now))
    if not settings.enabled:
        return report
    budget = _budget(session_factory, account_id, settings, user, now)
    plans = _plans(
        session_factory,
        account_id,
        templates,
        budget,
        settings=settings,
        user=user,
        identity=identity,
        now=now,
    )
    report.planned = [_shown(plan) for plan in plans]
    if dry_run:
        return report
    writer = _Writer(
        session_factory,
        api,
        account_id,
        _sender(session_factory, account_id, user),
        report,
        now,
        checkpoint,
    )
    for index, plan in enumerate(plans):
        report.planned[index] = writer.write(plan, report.planned[index])
    if report.created:
        remove_duplicates(
            session_factory, api, account_id, read_gmail_drafts(session_factory, api, account_id), report
        )
    log.info("drafts for account %s: %s", account_id, report.summary())
    return report


def _budget(
    session_factory: sessionmaker[Session],
    account_id: int,
    settings: DraftSettings,
    user: UserSettings,
    now: datetime,
) -> int:
    """How many drafts this run may write: the per-run cap, and what is left of today's (the user's day)."""
    zone = ZoneInfo(user.timezone)
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    with session_factory() as session:
        written_today = session.scalar(
            select(func.count(Draft.id)).where(
                Draft.account_id == account_id,
                Draft.created_at >= midnight,
                Draft.gmail_draft_id.is_not(None),
            )
        )
    return max(0, min(settings.max_per_run, settings.max_per_day - (written_today or 0)))


def _plans(
    session_factory: sessionmaker[Session],
    account_id: int,
    templates: dict[str, DraftTemplate],
    budget: int,
    *,
    settings: DraftSettings,
    user: UserSettings,
    identity: IdentitySettings,
    now: datetime,
) -> list[DraftPlan]:
    """The drafts to write: unfinished (pending) ones first, then by kind (expiring occasions first) and
    strongest finding first."""
    plans: list[DraftPlan] = []
    if budget <= 0:
        return plans
    with session_factory() as session:
        for finding, key, emails in _candidates(session, account_id, settings, templates):
            plan = plan_draft(
                session,
                finding,
                key,
                emails,
                template=templates[finding.rule_name],
                settings=settings,
                user=user,
                never_nudge_label=identity.never_nudge_label,
                now=now,
            )
            if plan is not None:
                plans.append(plan)
            if len(plans) >= budget:
                break
    return plans


# Occasions that expire come first: a thank-you is worth writing for a week, a follow-up for three, while a
# cold contact waits as well tomorrow. Scores are comparable only within a kind (a cold contact's strength
# runs into the tens, a thank-you's stays below 4), so ranking all kinds by score alone let a long list of
# cold contacts take every slot of the daily cap until the meetings' thank-yous expired.
DRAFTING_ORDER = case(
    {"thank_you": 0, "awaiting_reply": 1, "cold_contact": 2},
    value=Finding.kind,
    else_=3,
)


def _candidates(
    session: Session, account_id: int, settings: DraftSettings, templates: dict[str, DraftTemplate]
) -> list[tuple[Finding, str, tuple[str, ...]]]:
    findings = session.scalars(
        select(Finding)
        .options(selectinload(Finding.drafts))
        .where(Finding.account_id == account_id, Finding.state.in_(("open", "drafted")))
        .order_by(DRAFTING_ORDER, Finding.score.desc(), Finding.due_at, Finding.id)
    ).all()
    pending: list[tuple[Finding, str, tuple[str, ...]]] = []
    fresh: list[tuple[Finding, str, tuple[str, ...]]] = []
    for finding in findings:
        if finding.rule_name not in templates:
            continue  # its rule is disabled or gone from the config: Rapport writes nothing for it
        rows = {row.draft_key: row for row in finding.drafts}
        wanted = draft_keys(finding, settings)
        if rows and not rows.keys() & {key for key, _ in wanted}:
            continue  # drafted under another thank_you_mode: the existing drafts stand
        for key, emails in wanted:
            row = rows.get(key)
            if row is None:
                fresh.append((finding, key, emails))
            elif row.state == "pending":
                pending.append((finding, key, emails))
    return pending + fresh


@dataclass
class _Writer:
    """Writes planned drafts through the outbox: a pending row, drafts.create, then ids and states at once."""

    session_factory: sessionmaker[Session]
    api: GoogleApi
    account_id: int
    sender: Mailbox
    report: DraftReport
    now: datetime
    checkpoint: Checkpoint | None

    def write(self, plan: DraftPlan, shown: PlannedDraft) -> PlannedDraft:
        """Write one draft; `shown` with what became of it."""
        try:
            message = build_message(
                sender=self.sender,
                to=plan.recipients,
                subject=plan.subject,
                body=plan.body,
                draft_key=plan.draft_key,
                message_id=new_message_id(self.sender.email),
                reply=plan.reply,
            )
        except ValueError as error:
            return self._fail(plan, shown, f"the message cannot be built: {error}")
        row_id = _commit_row(self.session_factory, self.account_id, plan, self.now)
        self._reached(PENDING, plan.draft_key)
        try:
            created = create_draft(self.api, create_request_body(message, plan.thread_gmail_id))
        except ApiRejected as error:
            if _refuses_the_message(error):
                return self._fail(plan, shown, f"Gmail refused it: {error}")
            log.warning("Gmail refused draft %s, to be tried again next run: %s", plan.draft_key, error)
            with self.session_factory.begin() as session:
                session.delete(session.get_one(Draft, row_id))
            self.report.failed += 1
            return replace(shown, outcome=FAILED, failure=f"Gmail refused it: {error}", retried=True)
        self._reached(CREATED, plan.draft_key)
        with self.session_factory.begin() as session:
            draft = session.get_one(Draft, row_id)
            draft.gmail_draft_id, draft.gmail_message_id = created.draft_id, created.message_id
            draft.gmail_thread_id, draft.state, draft.updated_at = created.thread_id, "written", self.now
            finding = draft.finding
            if finding.state == "open":
                finding.state, finding.updated_at = "drafted", self.now
        self.report.created += 1
        if plan.thread_gmail_id and not _landed_in(self.api, plan.thread_gmail_id, created.message_id):
            self.report.misthreaded += 1
            log.warning(
                "Gmail put draft %s (%s) in a new thread instead of thread %s",
                created.draft_id,
                plan.draft_key,
                plan.thread_gmail_id,
            )
            return replace(shown, outcome=WRITTEN, misthreaded=True)
        return replace(shown, outcome=WRITTEN)

    def _fail(self, plan: DraftPlan, shown: PlannedDraft, reason: str) -> PlannedDraft:
        """Record a draft that can never be written as planned: failed, with its reason, never retried."""
        _commit_row(self.session_factory, self.account_id, plan, self.now, failure=reason)
        self.report.failed += 1
        log.warning(
            "draft %s to %s cannot be written and will not be tried again: %s",
            plan.draft_key,
            ", ".join(mailbox.email for mailbox in plan.recipients),
            reason,
        )
        return replace(shown, outcome=FAILED, failure=reason)

    def _reached(self, stage: str, draft_key: str) -> None:
        if self.checkpoint is not None:
            self.checkpoint(stage, draft_key)


def _refuses_the_message(error: ApiRejected) -> bool:
    """Whether Gmail refused this draft's message itself (it would refuse it again), rather than the account
    or the call (a 403 such as a daily limit, or a precondition of the mailbox, may pass)."""
    return error.status in (400, 413) and error.reason != "failedPrecondition"


def _commit_row(
    session_factory: sessionmaker[Session],
    account_id: int,
    plan: DraftPlan,
    now: datetime,
    *,
    failure: str | None = None,
) -> int:
    """The outbox row for `plan`, committed as pending with what is about to be written (or as failed, with
    the reason, when it cannot be); its id."""
    with session_factory.begin() as session:
        draft = session.scalars(
            select(Draft).where(Draft.account_id == account_id, Draft.draft_key == plan.draft_key)
        ).first()
        if draft is None:
            draft = Draft(
                account_id=account_id, finding_id=plan.finding_id, draft_key=plan.draft_key, created_at=now
            )
            session.add(draft)
        draft.state = "pending" if failure is None else "failed"
        draft.failure = failure
        draft.recipients = [mailbox.email for mailbox in plan.recipients]
        draft.subject = plan.subject
        draft.body_sha256 = body_fingerprint(plan.body)
        draft.updated_at = now
        session.flush()
        return draft.id


def _landed_in(api: GoogleApi, thread_id: str, message_id: str) -> bool:
    """threads.get confirms the draft's message is in the thread it answers (Gmail's threading rule held)."""
    return any(message.message_id == message_id for message in thread_messages(api, thread_id))


def _sender(session_factory: sessionmaker[Session], account_id: int, user: UserSettings) -> Mailbox:
    with session_factory() as session:
        account = session.get_one(Account, account_id)
        return Mailbox(email=account.email, name=user.name)


def _shown(plan: DraftPlan) -> PlannedDraft:
    return PlannedDraft(
        draft_key=plan.draft_key,
        kind=plan.kind,
        recipients=tuple(_shown_address(mailbox) for mailbox in plan.recipients),
        subject=plan.subject,
        body=plan.body,
        reply=plan.thread_gmail_id is not None,
    )


def _shown_address(mailbox: Mailbox) -> str:
    """ "Zoë Çelik <zoe@example.org>" as a person reads it (the message itself carries RFC 2047)."""
    return f"{mailbox.name} <{mailbox.email}>" if mailbox.name else mailbox.email
