"""Fixtures for the application shell: config files written from TOML sections, a CLI runner, and Rapport
pointed at a sandbox.

`rapport_config(**sections)` writes a valid config into the test's tmp_path (store, tokens and client
secrets all inside it), with any section replaced or added by keyword (`daemon='interval_minutes = 5'`,
`rules=[...]` for [[rules]] tables, `accounts=[...]` for [[accounts]] tables, `extra="raw TOML"` put
first; a section given as None is left out).

`sandbox_rapport(document, accounts={"work": ALEX})` serves a mailbox with the sandbox and writes a config
for it (token files from the sandbox's token endpoint, the test's migrated store on SQLite or PostgreSQL);
`networkers_mailbox(ALEX, KIM)` is a mailbox whose every user has one finding of each kind right now.
"""

from __future__ import annotations

import email.utils
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from rapport.cli import cli
from rapport.sandbox_cli import write_sandbox_token
from sandbox.server import SandboxServer

ConfigWriter = Callable[..., Path]

ARRAY_SECTIONS = ("accounts", "rules")


def base_sections(root: Path) -> dict[str, str | list[str]]:
    """A minimal valid config whose every file lives under `root`."""
    return {
        "store": f'url = "sqlite:///{root}/data/rapport.db"',
        "google": f'client_secrets = "{root}/client_secret.json"',
        "accounts": [f'name = "work"\nemail = "me@work.example"\ntoken_file = "{root}/tokens/work.json"'],
    }


def render_config(sections: dict[str, str | list[str]], extra: str = "") -> str:
    """TOML text: `extra` first (so bare keys in it stay top-level), then each section."""
    parts: list[str] = [extra] if extra else []
    for name, body in sections.items():
        if isinstance(body, list):
            parts.extend(f"[[{name}]]\n{table}\n" for table in body)
        else:
            parts.append(f"[{name}]\n{body}\n")
    return "\n".join(parts)


@pytest.fixture
def rapport_config(tmp_path: Path) -> ConfigWriter:
    def write(*, extra: str = "", name: str = "config.toml", **sections: str | list[str] | None) -> Path:
        merged = base_sections(tmp_path)
        for key, body in sections.items():
            if body is None:
                merged.pop(key, None)
            else:
                merged[key] = body
        path = tmp_path / name
        path.write_text(render_config(merged, extra), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli_runner() -> CliRunner:
    return CliRunner()


# ---- Rapport against the sandbox ------------------------------------------------------------------------

ALEX = "alex@example.com"
KIM = "kim@example.com"
DANA = "dana@acme.io"
SAM = "sam.lee@example.org"
OPS = "ops@vendor.example"
QUESTION = "Could you send me the schedule for next week?"
MEETING_ID = "coffeewithdana"
TIMEZONE = "Europe/London"
RAPPORT = str(Path(sys.executable).parent / "rapport")


def _ids(user_number: int, number: int) -> str:
    """A 16-hex-digit Gmail id, distinct per user of one mailbox."""
    return f"{0x18F0000000000000 + user_number * 0x1000 + number:016x}"


def _mail(
    gmail_id: str, thread: str, label: str, at: datetime, *, sender: str, to: str, subject: str, body: str
) -> dict[str, Any]:
    headers = {
        "From": sender,
        "To": to,
        "Subject": subject,
        "Date": email.utils.format_datetime(at),
        "Message-ID": f"<{gmail_id}@mail.example>",
    }
    return {
        "id": gmail_id,
        "threadId": thread,
        "labelIds": [label],
        "internalDate": str(int(at.timestamp() * 1000)),
        "headers": [{"name": name, "value": value} for name, value in headers.items()],
        "body": body,
    }


@dataclass(frozen=True)
class Occasions:
    """The ids behind the three findings of `networker()`'s mailbox for one user."""

    sam_thread: str
    schedule_message: str
    meeting_id: str


def occasions(user_number: int) -> Occasions:
    return Occasions(_ids(user_number, 1), _ids(user_number, 11), f"{MEETING_ID}{user_number}")


def expected_draft_keys(user_number: int, now: datetime) -> list[str]:
    """The X-Rapport-Key of each draft Rapport writes for `networker()`'s mailbox made at `now`."""
    ids = occasions(user_number)
    last_exchange = (now - timedelta(days=125)).astimezone(ZoneInfo(TIMEZONE)).date().isoformat()
    return sorted(
        [
            f"thank_you:{ids.meeting_id}:{DANA}",
            f"cold_contact:{SAM}:{last_exchange}",
            f"awaiting_reply:{ids.schedule_message}",
        ]
    )


def hour_now() -> datetime:
    """Now, to the hour (UTC): what mailboxes are generated at."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def networker(user: str, name: str, user_number: int, now: datetime) -> dict[str, Any]:
    """One user's mailbox with exactly one finding of each kind at `now` (docs/rules.md):
    - a thank-you: coffee with Dana Kim ended 5 hours ago;
    - a cold contact: Sam Lee, three exchanges four months ago;
    - an awaiting reply: a question to Vendor Ops, sent 10 days ago, unanswered.
    """
    ids = occasions(user_number)
    me, sam = f"{name} <{user}>", f"Sam Lee <{SAM}>"
    day = timedelta(days=1)
    rows = [
        # gmail id, thread, label, when, from, to, subject, body
        (ids.sam_thread, ids.sam_thread, "INBOX", 130, sam, user, "Roadmap", "Shall we compare notes?"),
        (_ids(user_number, 2), ids.sam_thread, "SENT", 128, me, SAM, "Re: Roadmap", "Yes, Thursday?"),
        (_ids(user_number, 3), ids.sam_thread, "INBOX", 125, sam, user, "Re: Roadmap", "Thursday it is."),
        (ids.schedule_message, ids.schedule_message, "SENT", 10, me, f"Vendor Ops <{OPS}>", "Schedule",
         f"Hi,\n\n{QUESTION}\n\n{name}\n"),
    ]  # fmt: skip
    messages = [
        _mail(gmail_id, thread, label, now - days * day, sender=sender, to=to, subject=subject, body=body)
        for gmail_id, thread, label, days, sender, to, subject, body in rows
    ]
    start = now - timedelta(hours=6)
    meeting = {
        "id": ids.meeting_id,
        "status": "confirmed",
        "summary": "Coffee with Dana",
        "start": {"dateTime": start.isoformat(), "timeZone": TIMEZONE},
        "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": TIMEZONE},
        "organizer": {"email": user, "self": True},
        "attendees": [
            {"email": user, "self": True, "organizer": True, "responseStatus": "accepted"},
            {"email": DANA, "displayName": "Dana Kim", "responseStatus": "accepted"},
        ],
        "eventType": "default",
        "updated": (start - 3 * day).isoformat(),
    }
    calendar = {
        "id": user,
        "summary": user,
        "timeZone": TIMEZONE,
        "primary": True,
        "accessRole": "owner",
        "events": [meeting],
    }
    return {"email": user, "name": name, "timezone": TIMEZONE, "messages": messages, "calendars": [calendar]}


def networkers_mailbox(*users: str, now: datetime | None = None) -> dict[str, Any]:
    """A mailbox document whose every user has `networker()`'s three findings."""
    moment = now or hour_now()
    return {
        "format": "rapport-sandbox-mailbox/1",
        "users": [
            networker(user, user.split("@")[0].title() + " Morgan", number, moment)
            for number, user in enumerate(users, start=1)
        ],
    }


@dataclass
class SandboxRapport:
    """A sandbox, a config pointing Rapport at it (store, tokens) and ways to run `rapport` on it."""

    server: SandboxServer
    config: Path
    store_url: str
    refresh_tokens: dict[str, str]  # account name → the refresh token in its token file
    users: dict[str, str]  # account name → its address

    def invoke(self, *args: str) -> Result:
        """`rapport --config CONFIG ARGS...` in this process (wide output, so table cells do not wrap)."""
        return CliRunner(env={"COLUMNS": "250"}).invoke(cli, ["--config", str(self.config), *args])

    def command(self, *args: str) -> list[str]:
        """The command line running the same in a subprocess."""
        return [RAPPORT, "--config", str(self.config), *args]

    def drafts(self, account: str = "work") -> list[dict[str, Any]]:
        """The drafts in the sandbox's Gmail of `account`."""
        return self.server.state.drafts(self.users[account])

    def draft_keys(self, account: str = "work") -> list[str]:
        keys = [_header(draft, "X-Rapport-Key") for draft in self.drafts(account)]
        return sorted(key for key in keys if key)


def _header(draft: dict[str, Any], name: str) -> str | None:
    for header in draft.get("headers", []):
        if str(header.get("name", "")).lower() == name.lower():
            return str(header.get("value"))
    return None


SandboxRapportFactory = Callable[..., SandboxRapport]


def sandbox_rapport_config(
    server: SandboxServer,
    root: Path,
    store_url: str,
    accounts: dict[str, str],
    extra_sections: str = "",
    *,
    units_per_second: int = 1_000_000,
) -> tuple[Path, dict[str, str]]:
    """Token files for `accounts` (name → address) and a config under `root` using them. The sandbox has
    no quota: Rapport's own pacing (`units_per_second`) is what slows a cycle down when a test wants it."""
    refresh_tokens: dict[str, str] = {}
    tables: list[str] = []
    for name, user in accounts.items():
        token_file = root / "tokens" / f"{name}.json"
        refresh_tokens[name] = write_sandbox_token(server, user, token_file)
        tables.append(f'name = "{name}"\nemail = "{user}"\ntoken_file = "{token_file}"')
    sections: dict[str, str | list[str]] = {
        "store": f'url = "{store_url}"',
        "google": (
            f'client_secrets = "{root}/client_secret.json"\n'
            f'api_endpoint = "{server.base_url}"\ntoken_uri = "{server.token_uri}"'
        ),
        "sync": f"quota_units_per_second = {units_per_second}\nworkers = 2",
        "user": f'name = "Alex Morgan"\ntimezone = "{TIMEZONE}"',
        "accounts": tables,
    }
    path = root / "config.toml"
    path.write_text(render_config(sections) + "\n" + extra_sections, encoding="utf-8")
    return path, refresh_tokens


@pytest.fixture
def sandbox_rapport(
    sandbox_factory: Callable[..., SandboxServer], engine_url: str, tmp_path: Path
) -> SandboxRapportFactory:
    """Serve a mailbox with the sandbox and write a config for it on the test's migrated store:
    `sandbox_rapport(document, accounts={"work": ALEX}, extra_sections="[daemon]...", **server_options)`."""

    def start(
        document: dict[str, Any],
        accounts: dict[str, str] | None = None,
        extra_sections: str = "",
        **server_options: Any,
    ) -> SandboxRapport:
        server = sandbox_factory(document, **server_options)
        chosen = accounts or {"work": ALEX}
        config, refresh_tokens = sandbox_rapport_config(server, tmp_path, engine_url, chosen, extra_sections)
        return SandboxRapport(server, config, engine_url, refresh_tokens, chosen)

    return start
