"""Every command given a store it cannot reach stops before writing anything: exit code 2 and a line naming
`store.url`, the URL with its password masked, the cause and the fix. (The daemon, `rapport run` without
--once, waits for the store instead: tests/rapport/test_daemon_waits_for_the_store.py.)

`rapport check` reaches the store too, and writes nothing even when the store is fine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rapport.cli import cli
from tests.fixtures_rapport import ConfigWriter

DOWN = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/none"  # nothing listens on port 1
SHOWN = "postgresql+psycopg://postgres:***@127.0.0.1:1/none"
FIX = "fix: start the database or correct the URL (host, port, name, user)"

COMMANDS = [
    ["run", "--once"],
    ["sync"],
    ["preview"],
    ["preview", "--json"],
    ["draft"],
    ["draft", "--dry-run"],
    ["dismiss", "ab12cd34"],
    ["status"],
    ["status", "--json"],
    ["check"],
]


def files_of(root: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in root.rglob("*")}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_command_on_a_database_it_cannot_reach_exits_2_naming_the_key_the_cause_and_the_fix(
    command: list[str], rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    config = rapport_config(store=f'url = "{DOWN}"')
    before = files_of(tmp_path)

    result = CliRunner().invoke(cli, ["--config", str(config), *command])

    assert result.exit_code == 2, result.output
    assert f"rapport: cannot reach the store named in {config}:\n" in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("  store.url: ")]
    assert line.startswith(f'  store.url: got "{SHOWN}" (connection failed: ')
    assert "Connection refused" in line
    assert line.endswith(FIX + "; for SQLite, a writable path")
    assert "s3cret" not in result.output
    assert files_of(tmp_path) == before


def test_check_on_a_sqlite_store_not_made_yet_says_the_first_sync_makes_it_and_makes_nothing(
    rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    config = rapport_config(store=f'url = "sqlite:///{tmp_path}/not/yet/rapport.db"')
    before = files_of(tmp_path)

    result = CliRunner().invoke(cli, ["--config", str(config), "check"])

    assert result.exit_code == 0, result.output
    shown = f"  store: sqlite:///{tmp_path}/not/yet/rapport.db (not created yet: the first sync creates it)"
    assert shown in result.output
    assert files_of(tmp_path) == before


def test_check_on_a_sqlite_store_under_a_file_is_a_config_error_and_makes_nothing(
    rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("a file where the store's folder should be\n", encoding="utf-8")
    config = rapport_config(store=f'url = "sqlite:///{tmp_path}/notes.txt/data/rapport.db"')
    before = files_of(tmp_path)

    result = CliRunner().invoke(cli, ["--config", str(config), "check"])

    assert result.exit_code == 2, result.output
    assert f"rapport: config error in {config}:\n" in result.stderr
    assert f"is not a directory); expected a database Rapport can reach and write; {FIX}" in result.stderr
    assert files_of(tmp_path) == before


def test_check_on_a_database_that_answers_says_so(rapport_config: ConfigWriter, engine_url: str) -> None:
    config = rapport_config(store=f'url = "{engine_url}"')

    result = CliRunner().invoke(cli, ["--config", str(config), "check"])

    assert result.exit_code == 0, result.output
    assert "(reachable)" in result.output
