"""Fixtures for the application shell: config files written from TOML sections, and a CLI runner.

`rapport_config(**sections)` writes a valid config into the test's tmp_path (store, tokens and client
secrets all inside it), with any section replaced or added by keyword (`daemon='interval_minutes = 5'`,
`rules=[...]` for [[rules]] tables, `accounts=[...]` for [[accounts]] tables, `extra="raw TOML"` put
first; a section given as None is left out).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

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
