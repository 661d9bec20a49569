"""What the `rapport` group's global options chose, shared by every command module.

The config is loaded on first use, so `init` works before there is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

from rapport.config import AccountSettings, RapportConfig, load_config
from rapport.logging_setup import setup_logging
from rapport.paths import find_config_path


@dataclass
class CliState:
    """The global options (`--config`, `-v`) and the config they lead to."""

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

    def setup_logging(self, config: RapportConfig | None = None, *, interactive: bool = False) -> None:
        """Log as `[daemon]` says; an interactive command shows only warnings (its output says the rest)."""
        daemon = config.daemon if config is not None else None
        configured = daemon.log_level if daemon else "WARNING"
        level = "DEBUG" if self.verbose else ("WARNING" if interactive else configured)
        setup_logging(daemon.log_format if daemon else "text", level)


def state_of(ctx: click.Context) -> CliState:
    state = ctx.find_object(CliState)
    if state is None:  # only when a command is invoked without the group, which click never does
        raise click.UsageError("rapport commands run under the `rapport` group")
    return state


def account_option_value(config: RapportConfig, name: str | None) -> list[AccountSettings]:
    """The accounts a command works on: every one, or the one `--account NAME` names (usage error if none)."""
    if not name:
        return list(config.accounts)
    try:
        return [config.account(name)]
    except KeyError as error:
        raise click.BadParameter(str(error.args[0]), param_hint="--account") from error
