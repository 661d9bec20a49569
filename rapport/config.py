"""Rapport's config file: its TOML schema, where the file is found, and loading it with every problem shown.

The schema composes the settings each layer already defines (`rules.settings`, `sync.settings`) with the
shell's own sections (`[store]`, `[google]`, `[[accounts]]`, `[daemon]`). Every model forbids unknown keys,
so a typo is an error rather than a silently ignored setting.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from rapport.config_checks import check_semantics
from rapport.config_errors import problems_from_validation
from rapport.errors import ConfigError, ConfigProblem
from rapport.paths import (
    default_client_secrets,
    default_store_url,
    expand_path,
    expand_store_url,
    find_config_path,
)
from rules.settings import (
    IdentitySettings,
    PreviewSettings,
    RuleSettings,
    UserSettings,
    default_rules,
)
from sync.settings import DraftSettings, SyncSettings

NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _base_dir(info: ValidationInfo) -> Path | None:
    """The folder of the config file being loaded: relative paths in it are taken from there."""
    context = info.context
    if isinstance(context, dict):
        base = context.get("base_dir")
        if isinstance(base, Path):
            return base
    return None


def _path_from_toml(value: object, info: ValidationInfo) -> object:
    """A TOML string becomes an expanded Path; anything else is left for strict validation to refuse."""
    return expand_path(value, _base_dir(info)) if isinstance(value, str) else value


class StoreSettings(StrictModel):
    url: str = Field(default_factory=default_store_url)

    @field_validator("url")
    @classmethod
    def _expand(cls, value: str, info: ValidationInfo) -> str:
        return expand_store_url(value, _base_dir(info))


class GoogleSettings(StrictModel):
    client_secrets: Path = Field(default_factory=default_client_secrets)
    api_endpoint: str = ""  # "": Google's own endpoints
    token_uri: str = ""  # "": the client secrets' (Google's)

    @field_validator("client_secrets", mode="before")
    @classmethod
    def _expand(cls, value: object, info: ValidationInfo) -> object:
        return _path_from_toml(value, info)

    @field_validator("api_endpoint", "token_uri")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/") if value.startswith(("http://", "https://")) else value


class AccountSettings(StrictModel):
    name: str = Field(min_length=1, pattern=NAME_PATTERN)
    email: str = Field(pattern=EMAIL_PATTERN)
    token_file: Path
    calendars: list[Annotated[str, Field(min_length=1)]] = Field(default=["primary"], min_length=1)

    @field_validator("token_file", mode="before")
    @classmethod
    def _expand(cls, value: object, info: ValidationInfo) -> object:
        return _path_from_toml(value, info)


class DaemonSettings(StrictModel):
    interval_minutes: Annotated[int, Field(gt=0)] = 10
    jitter_seconds: Annotated[int, Field(ge=0)] = 60
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class RapportConfig(StrictModel):
    """The whole config file. Only `[[accounts]]` is required; every other section has defaults."""

    store: StoreSettings = StoreSettings()
    google: GoogleSettings = GoogleSettings()
    accounts: list[AccountSettings] = Field(min_length=1)
    user: UserSettings = UserSettings()
    identity: IdentitySettings = IdentitySettings()
    sync: SyncSettings = SyncSettings()
    drafts: DraftSettings = DraftSettings()
    preview: PreviewSettings = PreviewSettings()
    daemon: DaemonSettings = DaemonSettings()
    rules: list[RuleSettings] = Field(default_factory=default_rules)

    @field_validator("rules")
    @classmethod
    def _expand_templates(cls, rules: list[RuleSettings], info: ValidationInfo) -> list[RuleSettings]:
        base = _base_dir(info)
        return [
            rule.model_copy(update={"template": str(expand_path(rule.template, base))})
            if rule.template
            else rule
            for rule in rules
        ]

    def account(self, name: str) -> AccountSettings:
        """The account called `name`; a KeyError names the accounts that do exist."""
        for account in self.accounts:
            if account.name == name:
                return account
        known = ", ".join(account.name for account in self.accounts)
        raise KeyError(f'no account named "{name}" in the config (accounts: {known})')


def parse_config(data: dict[str, Any], path: Path) -> RapportConfig:
    """Validate already-parsed TOML; raise ConfigError listing every problem (types, keys and semantics)."""
    base_dir = path.parent
    problems = check_semantics(data, base_dir)
    config: RapportConfig | None = None
    try:
        # Strict: TOML has real numbers and booleans, so "10" or "yes" in quotes is a mistake to report.
        config = RapportConfig.model_validate(data, strict=True, context={"base_dir": base_dir})
    except ValidationError as error:
        problems = problems_from_validation(error, RapportConfig) + problems
    if problems or config is None:
        raise ConfigError(path, sorted(problems, key=lambda problem: _file_order(problem.key, list(data))))
    return config


def _file_order(key: str, sections: list[str]) -> tuple[int, int]:
    """Sort problems as the file reads: by section, then by list entry ("accounts[1]" after "accounts[0]")."""
    match = re.match(r"([^.\[]*)(?:\[(\d+)\])?", key)
    section, index = (match.group(1), match.group(2)) if match else ("", None)
    position = sections.index(section) if section in sections else len(sections)
    return position, int(index) if index else -1


def read_toml(path: Path) -> dict[str, Any]:
    """The file's TOML as a dict, or a ConfigError saying why it cannot be read."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        fix = "run `rapport init` to write a starter config, or pass --config FILE or set RAPPORT_CONFIG"
        raise ConfigError(path, [ConfigProblem("", "no such file", "a config file", fix)]) from None
    except OSError as error:
        problem = ConfigProblem(
            "", error.strerror or str(error), "a readable file", "check the path and its permissions"
        )
        raise ConfigError(path, [problem]) from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problem = ConfigProblem(
            "", str(error), "valid TOML in UTF-8", "correct the syntax at the place named"
        )
        raise ConfigError(path, [problem]) from error


def load_config(cli_value: str | None = None) -> tuple[Path, RapportConfig]:
    """Find the config file (`--config`, `$RAPPORT_CONFIG`, platform dir), read and validate it."""
    path = find_config_path(cli_value)
    return path, parse_config(read_toml(path), path)
