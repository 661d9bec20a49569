"""`rapport dismiss KEY...`: "never nudge me about this occasion".

Each KEY is a finding's key: the short one the preview table shows under the kind, or the `occasion_key`
that `rapport preview --json` prints. The finding becomes `dismissed` ("dismissed by the user on <date>"):
the rules never reopen a dismissed occasion and the draft writer never drafts one. Rapport's drafts for it
are withdrawn by the drafts layer (`withdraw_drafts`, finished by `reconcile`): an untouched draft is
deleted from Gmail, one the user edited is kept and the command says so. Every key is checked before
anything changes: one that names no finding, or several, ends the command with exit code 2.

Each account is worked under its store lease, so that a running cycle never drafts an occasion while it is
being dismissed. Gmail is asked only when the finding has drafts: first a reconcile, so that the outbox
knows what the user already did with them; then the dismissal and the withdrawal are committed together;
then a reconcile deletes the untouched drafts. If Gmail cannot be reached (a revoked token, Google down) the
finding stays dismissed, the next cycle deletes its drafts, and the command ends with exit code 1 and the fix.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rapport.cli_cycle import interactive_start, opened_store
from rapport.config import AccountSettings, RapportConfig
from rapport.cycle import connect_google, utc_now
from rapport.errors import EXIT_CYCLE_FAILED, EXIT_OK, EXIT_USAGE, RapportError, with_fix
from rapport.failures import describe
from rapport.preview_table import KIND_LABELS, short_key
from rapport.store_access import Store, StoreLease
from store.locks import make_holder
from store.models import Draft, Finding
from sync.client import GoogleApi
from sync.drafts_reconcile import GmailDrafts, read_gmail_drafts, reconcile, withdraw_drafts
from sync.errors import SyncError

LEASE_WAIT_SECONDS = 30.0  # how long to wait for a running cycle of the account to end
LEASE_POLL_SECONDS = 0.5
LIST_KEYS = (
    "`rapport preview` shows each finding's key under its kind; `rapport preview --json` prints the full "
    "occasion_key"
)


class UnknownKeyError(RapportError):
    """Keys that name no finding, or several: nothing was dismissed."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Target:
    """A finding a key names."""

    account: AccountSettings
    finding_id: int


@dataclass(frozen=True)
class Dismissed:
    """What dismissing one finding did, as the command reports it."""

    occasion_key: str
    kind: str
    emails: list[str]
    earlier_reason: str | None  # set when the finding was dismissed already, and why
    deleted: list[str] = field(default_factory=list)  # recipients of each draft deleted from Gmail
    kept: list[str] = field(default_factory=list)  # recipients of each draft the user edited, kept
    left: list[str] = field(default_factory=list)  # recipients of each draft the next cycle deletes


@dataclass
class AccountDismissal:
    """One account's part: its findings dismissed, or why nothing (busy) or not all (Gmail) was done."""

    account: AccountSettings
    dismissed: list[Dismissed] = field(default_factory=list)
    busy: bool = False
    problem: str = ""  # Gmail could not be reached: the message with its fix


def find_targets(
    session: Session, accounts: Sequence[AccountSettings], account_ids: dict[str, int], keys: Sequence[str]
) -> list[Target]:
    """The findings `keys` name in `accounts` (an occasion found in two accounts is dismissed in both).

    Raises `UnknownKeyError` naming every key that matches no finding or several occasions.
    """
    by_id = {account_ids[account.name]: account for account in accounts}
    rows = session.execute(
        select(Finding.id, Finding.account_id, Finding.occasion_key)
        .where(Finding.account_id.in_(list(by_id)))
        .order_by(Finding.id)
    ).all()
    shorts = {row.id: short_key(row.occasion_key) for row in rows}
    targets: dict[int, Target] = {}
    problems: list[str] = []
    for key in dict.fromkeys(key.strip() for key in keys):
        matches = [row for row in rows if key == row.occasion_key or key.lower() == shorts[row.id]]
        occasions = sorted({row.occasion_key for row in matches})
        if not occasions:
            where = f" in account {accounts[0].name}" if len(accounts) == 1 else ""
            problems.append(f"no finding has the key '{key}'{where}")
        elif len(occasions) > 1:
            problems.append(
                f"the key '{key}' names several findings ({', '.join(occasions)}): give the full occasion key"
            )
        else:
            targets.update({row.id: Target(by_id[row.account_id], row.id) for row in matches})
    if problems:
        raise UnknownKeyError("\n".join([*problems, LIST_KEYS]))
    return list(targets.values())


def dismissal_reason(config: RapportConfig, now: datetime) -> str:
    """'dismissed by the user on 2025-06-02' (the user's date)."""
    return f"dismissed by the user on {now.astimezone(ZoneInfo(config.user.timezone)).date().isoformat()}"


def dismiss_in_account(
    config: RapportConfig,
    store: Store,
    account: AccountSettings,
    finding_ids: Sequence[int],
    *,
    now: datetime,
) -> AccountDismissal:
    """Dismiss the account's findings under its lease, waiting a while for a running cycle to end."""
    lease = StoreLease(store.sessions, store.account_ids[account.name], make_holder())
    deadline = time.monotonic() + LEASE_WAIT_SECONDS
    while not lease.acquire():
        if time.monotonic() >= deadline:
            return AccountDismissal(account, busy=True)
        time.sleep(LEASE_POLL_SECONDS)
    try:
        return _Dismissing(config, store, account, now).run(finding_ids)
    finally:
        lease.release()


@dataclass
class _Dismissing:
    """One account's dismissal, under its lease: Gmail reconciled, findings dismissed, drafts withdrawn."""

    config: RapportConfig
    store: Store
    account: AccountSettings
    now: datetime
    api: GoogleApi | None = None
    gmail: GmailDrafts | None = None  # Gmail's drafts as the last reconcile left them (None: not asked)
    problem: str = ""

    def run(self, finding_ids: Sequence[int]) -> AccountDismissal:
        if _has_drafts_in_gmail(self.store.sessions, finding_ids):
            self._reconcile(first=True)
        earlier: dict[int, str] = {}
        withdrawn: set[int] = set()
        with self.store.sessions.begin() as session:
            for finding_id in finding_ids:
                finding = session.get_one(Finding, finding_id)
                if finding.state == "dismissed":
                    earlier[finding_id] = finding.state_reason or "dismissed"
                else:
                    finding.state, finding.state_reason = "dismissed", dismissal_reason(self.config, self.now)
                    finding.updated_at = self.now
                withdrawn.update(draft.id for draft in withdraw_drafts(session, finding_id, self.now))
        if withdrawn and self.gmail is not None:
            self._reconcile(first=False)
        with self.store.sessions() as session:
            dismissed = [
                self._dismissed(session.get_one(Finding, finding_id), earlier.get(finding_id), withdrawn)
                for finding_id in finding_ids
            ]
        return AccountDismissal(self.account, dismissed, problem=self.problem)

    def _reconcile(self, *, first: bool) -> None:
        """Reconcile the account's drafts with Gmail: first so that the outbox knows what the user did with
        them, then to finish the withdrawals the dismissal decided."""
        sessions, account_id = self.store.sessions, self.store.account_ids[self.account.name]
        try:
            if self.api is None or self.gmail is None:
                self.api = connect_google(self.config, self.account)
                self.gmail = read_gmail_drafts(sessions, self.api, account_id)
            reconcile(sessions, self.api, account_id, self.gmail, settings=self.config.drafts, now=self.now)
        except (RapportError, SyncError) as error:
            failure = describe("drafts", self.account.name, self.account.email, error)
            self.problem = with_fix(
                f"account {self.account.name}: Gmail could not be reached ({failure.message})", failure.fix
            )
            if first:
                self.gmail = None  # what it says may be half-reconciled: leave the drafts to the next cycle

    def _dismissed(self, finding: Finding, earlier: str | None, withdrawn: set[int]) -> Dismissed:
        dismissed = Dismissed(finding.occasion_key, finding.kind, list(finding.emails), earlier)
        for draft in finding.drafts:
            recipients = ", ".join(draft.recipients)
            if draft.state == "user_edited":
                dismissed.kept.append(recipients)
            elif draft.id in withdrawn and draft.state == "withdrawn":
                # A deleted draft is forgotten by `self.gmail`; one still there awaits the next cycle.
                deleted = self.gmail is not None and draft.gmail_draft_id not in self.gmail.by_id
                (dismissed.deleted if deleted else dismissed.left).append(recipients)
        return dismissed


def _has_drafts_in_gmail(sessions: sessionmaker[Session], finding_ids: Sequence[int]) -> bool:
    """Whether any of the findings has a draft Rapport wrote, or was writing, that may still be in Gmail."""
    with sessions() as session:
        return (
            session.scalars(
                select(Draft.id)
                .where(Draft.finding_id.in_(list(finding_ids)), Draft.state.in_(("pending", "written")))
                .limit(1)
            ).first()
            is not None
        )


def report_lines(dismissal: AccountDismissal) -> list[str]:
    """What the command prints for one account."""
    name = dismissal.account.name
    lines: list[str] = []
    for item in dismissal.dismissed:
        what = f"{KIND_LABELS.get(item.kind, item.kind)} {', '.join(item.emails)} ({item.occasion_key})"
        if item.earlier_reason is not None:
            lines.append(f"{name}: {what} was dismissed already ({item.earlier_reason})")
        else:
            lines.append(f"{name}: dismissed {what}; Rapport will not nudge you about it again")
        lines += [f"  deleted its untouched draft to {who} from Gmail" for who in item.deleted]
        lines += [
            f"  kept its draft to {who}: you edited it (delete it in Gmail if you no longer want it)"
            for who in item.kept
        ]
        lines += [f"  its draft to {who} stays in Gmail until the next cycle deletes it" for who in item.left]
    return lines


def problem_lines(dismissal: AccountDismissal) -> list[str]:
    """What goes to stderr for one account: why it was not (wholly) done."""
    name = dismissal.account.name
    if dismissal.busy:
        return [
            f"account {name}: another Rapport process kept working on it for {LEASE_WAIT_SECONDS:.0f} s; "
            "nothing was dismissed there — run the command again when its cycle has ended"
        ]
    return [dismissal.problem] if dismissal.problem else []


@click.command()
@click.argument("keys", nargs=-1, required=True, metavar="KEY...")
@click.option("--account", "account_name", metavar="NAME", help="Only this account (default: every account).")
@click.pass_context
def dismiss(ctx: click.Context, keys: tuple[str, ...], account_name: str | None) -> None:
    """Never nudge about these findings again.

    Each KEY is a finding's key: the short one `rapport preview` shows under the kind, or the occasion_key
    of `rapport preview --json`. Rapport's untouched drafts for them are deleted from Gmail; a draft you
    edited is kept.
    """
    state, config, accounts = interactive_start(ctx, account_name)
    exit_code = EXIT_OK
    with opened_store(state, config) as store:
        with store.sessions() as session:
            targets = find_targets(session, accounts, store.account_ids, keys)
        now = utc_now()
        for account in accounts:
            finding_ids = [target.finding_id for target in targets if target.account.name == account.name]
            if not finding_ids:
                continue
            dismissal = dismiss_in_account(config, store, account, finding_ids, now=now)
            for line in report_lines(dismissal):
                click.echo(line)
            for line in problem_lines(dismissal):
                click.echo(f"rapport: {line}", err=True)
                exit_code = EXIT_CYCLE_FAILED
    ctx.exit(exit_code)
