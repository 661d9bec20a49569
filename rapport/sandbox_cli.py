"""`rapport sandbox serve`: the local Gmail/Calendar stand-in as a process, with ready-made token files.

For each user of the mailbox it writes a token file (google-auth authorized-user JSON whose token_uri is
the sandbox's), so Rapport can be pointed at the sandbox without running `rapport auth`; the admin
endpoint `POST /_admin/tokens` issues more. `--token-lifetime` shortens the access tokens' hour, to watch
clients refresh them. SIGTERM or Ctrl+C stops it.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import click

from rapport.signals import on_stop_signal
from rapport.token_store import write_token_file
from sandbox.generator import generate
from sandbox.generator.core import MIN_MESSAGES
from sandbox.mailbox import MailboxError
from sandbox.oauth import CLIENT_ID, CLIENT_SECRET, RAPPORT_SCOPES
from sandbox.server import SandboxServer
from sandbox.state import SandboxState

DEFAULT_PORT = 8765


def write_sandbox_token(server: SandboxServer, email: str, path: Path) -> str:
    """A token file for sandbox user `email` with a fresh refresh token from the sandbox's token endpoint
    (google-auth authorized-user JSON, as `rapport auth` writes); returns the refresh token."""
    refresh_token = server.tokens.issue_refresh_token(email)
    write_token_file(
        path,
        {
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "token_uri": server.token_uri,
            "scopes": list(RAPPORT_SCOPES),
        },
    )
    return refresh_token


def write_sandbox_tokens(server: SandboxServer, directory: Path) -> dict[str, Path]:
    """One fresh token file per sandbox user, named after the address; returns user → path."""
    written: dict[str, Path] = {}
    for email in server.state.users:
        written[email] = directory / f"{email}.json"
        write_sandbox_token(server, email, written[email])
    return written


def config_snippet(server: SandboxServer, tokens: dict[str, Path]) -> str:
    """The config lines that point Rapport at this sandbox, one [[accounts]] table per user."""
    lines = ["[google]", f'api_endpoint = "{server.base_url}"', f'token_uri = "{server.token_uri}"']
    for index, (email, path) in enumerate(tokens.items()):
        lines += [
            "",
            "[[accounts]]",
            f'name = "user{index + 1}"',
            f'email = "{email}"',
            f'token_file = "{path}"',
        ]
    return "\n".join(lines)


@click.group("sandbox")
def sandbox_group() -> None:
    """The local stand-in for the Gmail v1 and Calendar v3 APIs."""


@sandbox_group.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it loopback)."
)
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port; 0 picks a free one.")
@click.option(
    "--mailbox",
    "mailbox_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A mailbox JSON file (docs/mailbox-format.md).",
)
@click.option(
    "--generate",
    "generate_messages",
    type=click.IntRange(min=MIN_MESSAGES),
    metavar="N",
    help="Instead of --mailbox: generate a realistic mailbox of N messages.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the generated mailbox.")
@click.option(
    "--quota", type=click.IntRange(min=1), help="Gmail quota units per second per user (default: none)."
)
@click.option(
    "--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests given a fault."
)
@click.option(
    "--fault-seed", type=int, default=0, help="Seed of the fault sequence (same seed, same faults)."
)
@click.option("--decode-headers", is_flag=True, help="Serve RFC 2047 encoded header words decoded.")
@click.option(
    "--token-lifetime",
    type=click.IntRange(min=1),
    metavar="SECONDS",
    help="Lifetime of the access tokens it issues (default: an hour, as Google's).",
)
@click.option(
    "--tokens-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write each user's token file (default: a new temporary folder).",
)
def serve(
    *,
    host: str,
    port: int,
    mailbox_path: Path | None,
    generate_messages: int | None,
    seed: int,
    quota: int | None,
    fault_rate: float,
    fault_seed: int,
    decode_headers: bool,
    token_lifetime: int | None,
    tokens_dir: Path | None,
) -> None:
    """Serve a mailbox over HTTP until stopped, printing the base URL and a token file per user."""
    if (mailbox_path is None) == (generate_messages is None):
        raise click.UsageError("give either --mailbox FILE or --generate N (with --seed S)")
    try:
        document = mailbox_path or generate(seed, generate_messages or MIN_MESSAGES).mailbox
        state = SandboxState.from_mailbox(document, decode_headers=decode_headers)
    except MailboxError as error:
        raise click.BadParameter(str(error), param_hint="--mailbox") from error
    try:
        server = SandboxServer(
            state,
            host=host,
            port=port,
            quota_units_per_second=quota,
            fault_rate=fault_rate,
            fault_seed=fault_seed,
        )
    except OSError as error:
        raise click.BadParameter(
            f"cannot listen on {host}:{port} ({error.strerror})", param_hint="--port"
        ) from error
    if token_lifetime is not None:
        server.tokens.access_token_lifetime = token_lifetime
    directory = tokens_dir or Path(tempfile.mkdtemp(prefix="rapport-sandbox-tokens-"))
    tokens = write_sandbox_tokens(server, directory)
    serve_until_signalled(server, tokens)


def serve_until_signalled(server: SandboxServer, tokens: dict[str, Path]) -> None:
    stop = threading.Event()
    with on_stop_signal(lambda _name: stop.set()):
        server.start()
        try:
            click.echo(f"sandbox serving {len(tokens)} user(s) at {server.base_url}")
            for email, path in tokens.items():
                click.echo(f"  {email}: token file {path}")
            click.echo(f"access tokens live {server.tokens.access_token_lifetime} s")
            click.echo(f'more tokens: POST {server.base_url}/_admin/tokens {{"email": "..."}}')
            click.echo("\nconfig for Rapport:\n" + config_snippet(server, tokens) + "\n")
            click.echo("Ctrl+C stops the sandbox.")
            stop.wait()
        finally:
            server.stop()
    click.echo("sandbox stopped")
