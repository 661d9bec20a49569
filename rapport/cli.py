"""The `rapport` command line: global options, error → exit code mapping, and the commands.

Exit codes: 0 ok, 1 a cycle (or the authorization) failed, 2 a usage or config error. Every RapportError
raised by a command is shown on stderr as its one-line (or one-line-per-problem) message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from rapport.config import AccountSettings, RapportConfig, load_config
from rapport.errors import RapportError
from rapport.logging_setup import setup_logging
from rapport.oauth import Interaction, run_auth
from rapport.paths import find_config_path
from rapport.sandbox_cli import sandbox_group
from rapport.status import collect_status, render_status
from rapport.store_access import open_store, shown_url, sqlite_file
from rapport.token_store import write_private_file

EXAMPLE_CONFIG = "config.example.toml"


@dataclass
class CliState:
    """What the global options chose; the config is loaded on first use, so `init` works without one."""

    config_option: str | None
    verbose: int
    _loaded: tuple[Path, RapportConfig] | None = field(default=None, repr=False)

    @property
    def config_path(self) -> Path:
        return find_config_path(self.config_option)

    def config(self) -> RapportConfig:
        if self._loaded is None:
            self._loaded = load_config(self.config_option)
        return self._loaded[1]

    def setup_logging(self, config: RapportConfig | None = None) -> None:
        daemon = config.daemon if config is not None else None
        level = "DEBUG" if self.verbose else (daemon.log_level if daemon else "WARNING")
        setup_logging(daemon.log_format if daemon else "text", level)


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


def state_of(ctx: click.Context) -> CliState:
    state = ctx.find_object(CliState)
    if state is None:  # only when a command is invoked without the group, which click never does
        raise click.UsageError("rapport commands run under the `rapport` group")
    return state


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
    """Validate the config file and show what it sets up."""
    state = state_of(ctx)
    config = state.config()
    click.echo(f"config {state.config_path} is valid")
    click.echo(f"  store: {shown_url(config.store.url)}")
    click.echo(f"  google: {config.google.api_endpoint or 'Google'}")
    for account in config.accounts:
        click.echo(f"  account {account.name}: {account.email}, token {account.token_file}")
    rules = ", ".join(f"{rule.name} ({rule.kind}{'' if rule.enabled else ', off'})" for rule in config.rules)
    click.echo(f"  rules: {rules}")


@cli.command()
@click.option("--account", "account_name", metavar="NAME", help="Only this account (default: each in turn).")
@click.option("--no-browser", is_flag=True, help="Print the address to open and read back the redirect.")
@click.pass_context
def auth(ctx: click.Context, account_name: str | None, no_browser: bool) -> None:
    """Authorize Rapport for an account and save its token file."""
    state = state_of(ctx)
    config = state.config()
    state.setup_logging(config)
    accounts = [_account(config, account_name)] if account_name else list(config.accounts)
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
    """Each account's last cycle, cursors, open findings, drafts written, and what needs fixing."""
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


def _account(config: RapportConfig, name: str) -> AccountSettings:
    try:
        return config.account(name)
    except KeyError as error:
        raise click.BadParameter(str(error.args[0]), param_hint="--account") from error


cli.add_command(sandbox_group)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="rapport")


__all__ = ["cli", "main"]
