"""`rapport --help` lists every command with its summary whole on an 80-column terminal."""

from __future__ import annotations

from click.testing import CliRunner

from rapport.cli import cli

COMMANDS = (
    "auth",
    "check",
    "demo",
    "dismiss",
    "draft",
    "init",
    "preview",
    "run",
    "sandbox",
    "status",
    "sync",
)


def test_every_command_is_listed_with_a_summary_that_is_not_cut_off() -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["--help"])

    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == list(COMMANDS)
    assert [line for line in listed if line.rstrip().endswith("...")] == []
