"""The `rapport` command line: global options, error → exit code mapping, and the commands.

Exit codes: 0 ok, 1 a cycle (or the authorization) failed, 2 a usage or config error (a store that cannot
be reached included: only the daemon waits for one, see rapport/daemon_start.py). Every RapportError
raised by a command is shown on stderr as its one-line (or one-line-per-problem) message.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import click
from rich.console import Console

from rapport.cli_cycle import draft, preview, run, sync
from rapport.cli_state import CliState, account_option_value, state_of
from rapport.demo import demo
from rapport.dismiss import dismiss
from rapport.errors import RapportError
from rapport.oauth import Interaction, run_auth
from rapport.sandbox_cli import sandbox_group
from rapport.status import KINDS, collect_status
from rapport.status_table import render_status
from rapport.store_access import check_store, open_store, shown_url, sqlite_file
from rapport.token_store import write_private_file

EXAMPLE_CONFIG = "config.example.toml"


class RapportGroup(click.Group):
    """A click group that turns Rapport's errors into their message on stderr and their exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RapportError as error:
            click.echo(f"rapport: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=RapportGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_option",
    metavar="FILE",
    help="Config file (default: $RAPPORT_CONFIG, then the platform's user config dir).",
)
@click.option("-v", "--verbose", count=True, help="Log debug detail.")
@click.version_option(package_name="rapport")
@click.pass_context
def cli(ctx: click.Context, config_option: str | None, verbose: int) -> None:
    """Rapport finds the thank-you, the cold contact and the unanswered mail, and drafts them in Gmail.

    It never sends anything.
    """
    ctx.obj = CliState(config_option, verbose)


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_context
def init(ctx: click.Context, force: bool) -> None:
    """Write a starter config (every key documented) to the config path."""
    path = state_of(ctx).config_path
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; pass --force to overwrite it")
    text = resources.files("rapport").joinpath(EXAMPLE_CONFIG).read_text(encoding="utf-8")
    write_private_file(path, text)
    click.echo(f"wrote {path}")
    click.echo(
        "next: edit its [[accounts]] table, save your OAuth client as [google] client_secrets, then run:"
    )
    click.echo("  rapport auth")


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the config and say what is left to do before a run.

    Shows the store (reached, never written), the Google endpoints, each account and the rules.
    """
    state = state_of(ctx)
    config = state.config()
    store = check_store(state.config_path, config)
    click.echo(f"config {state.config_path} is valid")
    click.echo(f"  store: {shown_url(config.store.url)} ({store})")
    click.echo(f"  google: {config.google.api_endpoint or 'Google'}")
    secrets = config.google.client_secrets
    missing = [] if secrets.is_file() else [" (missing: `rapport auth` needs it; see the README)"]
    click.echo(f"  client secrets: {secrets}{''.join(missing)}")
    for account in config.accounts:
        token = account.token_file
        to_do = "" if token.is_file() else f" (not there yet — run: rapport auth --account {account.name})"
        click.echo(f"  account {account.name}: {account.email}, token {token}{to_do}")
    rules = ", ".join(f"{rule.name} ({rule.kind}{'' if rule.enabled else ', off'})" for rule in config.rules)
    click.echo(f"  rules: {rules}")
    running = {rule.kind for rule in config.rules if rule.enabled}
    unlooked = [kind for kind in KINDS if kind not in running]
    if unlooked:
        click.echo(
            f"  no rule looks for {', '.join(unlooked)}: [[rules]] tables replace the default rules, so "
            "list every rule you want (config.example.toml has the three defaults)"
        )


@cli.command()
@click.option("--account", "account_name", metavar="NAME", help="Only this account (default: each in turn).")
@click.option("--no-browser", is_flag=True, help="Print the address to open and read back the redirect.")
@click.pass_context
def auth(ctx: click.Context, account_name: str | None, no_browser: bool) -> None:
    """Authorize Rapport for an account and save its token file."""
    state = state_of(ctx)
    config = state.config()
    state.setup_logging(config)
    accounts = account_option_value(config, account_name)
    interaction = Interaction(show=click.echo, ask=lambda question: str(click.prompt(question)))
    for account in accounts:
        saved = run_auth(
            config.google,
            account,
            config_path=state.config_path,
            open_browser=not no_browser,
            interaction=interaction,
        )
        click.echo(f'account "{account.name}" ({account.email}) authorized; token saved to {saved}')


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Each account's last cycle, findings, drafts, and what to fix.

    Also the sync cursors and the last audit; --json prints it all for scripts.
    """
    state = state_of(ctx)
    config = state.config()
    database = sqlite_file(config.store.url)
    if database is not None and not database.exists():
        statuses = collect_status(config, None, {})  # nothing has run yet: do not create the store for this
    else:
        store = open_store(state.config_path, config)
        try:
            statuses = collect_status(config, store.sessions, store.account_ids)
        finally:
            store.engine.dispose()
    if as_json:
        click.echo(json.dumps(statuses, indent=2))
    else:
        render_status(Console(), statuses)


for command in (run, sync, preview, draft, dismiss, demo, sandbox_group):
    cli.add_command(command)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="rapport")


__all__ = ["cli", "main"]
