"""`rapport demo`: the whole of Rapport in one command, against a generated mailbox, with no Google account.

It generates a networker's mailbox and calendar (`sandbox.generator`, fixed seed, "now" = this hour),
serves them with the sandbox on a free loopback port, writes a temporary config and token file (the
token from the sandbox's own token endpoint), runs one full cycle — sync, rules, drafts — into a temporary
SQLite store through exactly the code `rapport run --once` uses, then prints what it found, the drafts it
wrote (the first of each kind fetched back from the sandbox's Gmail and shown in full), and the calls and
quota units spent.
Everything temporary is removed at the end.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from rapport.cli_cycle import opened_store, report_problems, sync_line
from rapport.cli_state import state_of
from rapport.config import RapportConfig, load_config
from rapport.cycle import FULL_CYCLE, connect_google
from rapport.preview_table import KIND_LABELS, account_title, render_preview
from rapport.runs import AccountRun, run_accounts
from rapport.sandbox_cli import write_sandbox_tokens
from rules.report import preview
from sandbox.generator import generate
from sandbox.generator.core import MIN_MESSAGES
from sandbox.server import SandboxServer
from sandbox.state import SandboxState
from store.models import Draft
from sync.client import GoogleApi

DEMO_SEED = 7
DEMO_MESSAGES = 2000
DEMO_ROWS_PER_KIND = 4  # the demo shows a taste of each kind; `rapport preview` shows them all
# The sandbox has no quota; Gmail's 250 units a second would make the demo wait ~25 s for nothing.
DEMO_UNITS_PER_SECOND = 10_000
# The daily cap (10 by default) would fill with thank-yous, which come first: lifted, every kind is drafted.
DEMO_DRAFT_CAP = 1000
SHOWN_HEADERS = ("From", "To", "Subject", "In-Reply-To", "References", "X-Rapport-Key")


@click.command()
@click.option(
    "--messages",
    type=click.IntRange(min=MIN_MESSAGES),
    default=DEMO_MESSAGES,
    show_default=True,
    help="Size of the generated mailbox.",
)
@click.option("--seed", type=int, default=DEMO_SEED, show_default=True, help="Seed of the generated mailbox.")
@click.pass_context
def demo(ctx: click.Context, messages: int, seed: int) -> None:
    """One full cycle on a generated mailbox: no Google account needed.

    The local sandbox serves the mailbox; Rapport shows what it finds and the drafts it writes.
    """
    state = state_of(ctx)
    state.setup_logging(None, interactive=True)
    console = Console()
    started = time.monotonic()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    mailbox = generate(seed, messages, now=now).mailbox
    user: dict[str, Any] = mailbox["users"][0]
    with (
        tempfile.TemporaryDirectory(prefix="rapport-demo-") as folder,
        SandboxServer(SandboxState.from_mailbox(mailbox)) as server,
    ):
        console.print(
            f"Rapport demo: a generated mailbox of {messages:,} messages (seed {seed}) for "
            f"{user['name']} <{user['email']}>, served by the local sandbox at {server.base_url}. "
            "No Google account is involved. The demo lifts the cap of 10 drafts a day so that every kind "
            "of draft is shown.\n",
            markup=False,
            highlight=False,
        )
        config_path = write_demo_config(Path(folder), server, user)
        _path, config = load_config(str(config_path))
        with opened_store(state, config) as store:
            result = run_accounts(config, store, config.accounts, FULL_CYCLE, record=True)
            report_problems(result)
            if result.exit_code != 0:
                ctx.exit(result.exit_code)
            [account_run] = result.runs
            line = sync_line(account_run)
            if line:
                console.print(line, markup=False, highlight=False)
            account_id = store.account_ids[account_run.account.name]
            with store.sessions() as session:
                rows = preview(session, account_id, max_cold_contacts=config.preview.max_cold_contacts)
                render_preview(
                    console, account_title(user["name"], user["email"]), rows, per_kind=DEMO_ROWS_PER_KIND
                )
                draft_ids = dict(
                    session.execute(
                        select(Draft.draft_key, Draft.gmail_draft_id).where(
                            Draft.account_id == account_id, Draft.gmail_draft_id.is_not(None)
                        )
                    ).all()
                )
            show_drafts(console, config, account_run, draft_ids)
        usage = account_run.cycle.results.usage
        console.print(
            f"\nGoogle API (the sandbox standing in for it): {usage.calls:,} calls, {usage.units:,} Gmail "
            f"quota units for the whole cycle; {time.monotonic() - started:.1f} s in all. Nothing was sent: "
            "Rapport's Gmail client has no send method.",
            markup=False,
            highlight=False,
        )


def write_demo_config(folder: Path, server: SandboxServer, user: dict[str, Any]) -> Path:
    """A config pointing Rapport at the sandbox, with a store and a token file inside `folder`."""
    [token_file] = write_sandbox_tokens(server, folder / "tokens").values()
    lines = [
        "[store]",
        f"url = {_toml_string('sqlite:///' + str(folder / 'rapport.db'))}",
        "[google]",
        f"client_secrets = {_toml_string(str(folder / 'client_secret.json'))}",
        f"api_endpoint = {_toml_string(server.base_url)}",
        f"token_uri = {_toml_string(server.token_uri)}",
        "[sync]",
        f"quota_units_per_second = {DEMO_UNITS_PER_SECOND}",
        "[drafts]",
        f"max_per_run = {DEMO_DRAFT_CAP}",
        f"max_per_day = {DEMO_DRAFT_CAP}",
        "[user]",
        f"name = {_toml_string(user['name'])}",
        f"timezone = {_toml_string(user['timezone'])}",
        "[[accounts]]",
        'name = "demo"',
        f"email = {_toml_string(user['email'])}",
        f"token_file = {_toml_string(str(token_file))}",
    ]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string for everything written here (no control characters).
    return json.dumps(value, ensure_ascii=False)


def show_drafts(
    console: Console, config: RapportConfig, account_run: AccountRun, draft_ids: dict[str, str | None]
) -> None:
    """The drafts written, a few of each kind in a table, then the first of each kind as Gmail holds it."""
    report = account_run.cycle.results.drafts
    written = report.written if report is not None else []
    if not written:
        console.print("No drafts were written.")
        return
    table = Table(title=f"Drafts written into Gmail ({len(written)})", title_justify="left")
    for column in ("Kind", "To", "Subject", "Reply"):
        table.add_column(column, overflow="fold")
    shown: Counter[str] = Counter()
    for draft in written:
        shown[draft.kind] += 1
        if shown[draft.kind] <= DEMO_ROWS_PER_KIND:
            table.add_row(
                KIND_LABELS.get(draft.kind, draft.kind),
                ", ".join(draft.recipients),
                draft.subject,
                "in its thread" if draft.reply else "new",
            )
    console.print(table, markup=False, highlight=False)
    for kind, count in shown.items():
        if count > DEMO_ROWS_PER_KIND:
            more = count - DEMO_ROWS_PER_KIND
            console.print(f"{more} more {KIND_LABELS.get(kind, kind)} drafts", markup=False, highlight=False)
    api = connect_google(config, account_run.account)
    firsts = {draft.kind: draft for draft in reversed(written)}  # the first of each kind wins
    for draft in sorted(firsts.values(), key=written.index):
        gmail_draft_id = draft_ids.get(draft.draft_key)
        if gmail_draft_id is not None:
            show_draft_in_full(console, KIND_LABELS.get(draft.kind, draft.kind), api, gmail_draft_id)


def show_draft_in_full(console: Console, label: str, api: GoogleApi, gmail_draft_id: str) -> None:
    """A draft fetched back from Gmail: its headers that matter, then its text."""
    message = fetch_draft(api, gmail_draft_id)
    console.print()
    title = f"{label.capitalize()} draft in full, as Gmail holds it (draft {gmail_draft_id})"
    console.rule(title, align="left")
    for name in SHOWN_HEADERS:
        if message[name] is not None:
            console.print(f"{name}: {message[name]}", markup=False, highlight=False, soft_wrap=True)
    body = message.get_body(preferencelist=("plain",))
    text = cast("EmailMessage", body).get_content() if body is not None else ""
    console.print()
    console.print(str(text).rstrip("\n"), markup=False, highlight=False, soft_wrap=True)
    console.rule()


def fetch_draft(api: GoogleApi, gmail_draft_id: str) -> EmailMessage:
    """drafts.get format=raw, parsed: the draft exactly as the user's Gmail holds it."""
    answer: dict[str, Any] = api.execute(
        api.gmail().users().drafts().get(userId="me", id=gmail_draft_id, format="raw")
    )
    raw = str(answer["message"]["raw"])
    data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    message: EmailMessage = email.message_from_bytes(data, policy=email.policy.default)
    return message
