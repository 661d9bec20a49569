"""Where Rapport keeps its files by default, and how `~` in a configured path or SQLite URL is expanded.

Every default location comes from platformdirs, so Linux, macOS and Windows each get their usual place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "rapport"
CONFIG_ENV_VAR = "RAPPORT_CONFIG"
SQLITE_PREFIX = "sqlite:///"


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_config_path() -> Path:
    return user_config_dir() / "config.toml"


def default_store_url() -> str:
    return SQLITE_PREFIX + str(user_data_dir() / "rapport.db")


def default_client_secrets() -> Path:
    return user_config_dir() / "client_secret.json"


def expand_path(raw: str | os.PathLike[str], base_dir: Path | None = None) -> Path:
    """`~` becomes the home directory; a relative path is taken from `base_dir` (the config file's folder)."""
    path = Path(raw).expanduser()
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    return path


def expand_store_url(url: str, base_dir: Path | None = None) -> str:
    """Expand `~` (and a relative path) in the file part of a SQLite URL; other URLs are returned unchanged.

    `sqlite:///~/x.db` is a relative path `~/x.db` to SQLAlchemy, which would create a folder named `~`.
    """
    if not url.startswith(SQLITE_PREFIX):
        return url
    file_part, _, query = url[len(SQLITE_PREFIX) :].partition("?")
    if file_part in ("", ":memory:") or file_part.startswith("file:"):
        return url
    expanded = SQLITE_PREFIX + str(expand_path(file_part, base_dir))
    return f"{expanded}?{query}" if query else expanded


def find_config_path(cli_value: str | None, environ: Mapping[str, str] | None = None) -> Path:
    """The config file to use: `--config`, then `$RAPPORT_CONFIG`, then the platform's user config dir."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    if cli_value:
        return expand_path(cli_value).absolute()
    from_env = env.get(CONFIG_ENV_VAR, "")
    if from_env:
        return expand_path(from_env).absolute()
    return default_config_path()
