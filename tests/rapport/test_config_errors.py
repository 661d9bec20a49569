"""A bad config stops a command with exit code 2, a line naming the key and its fix, and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from rapport.cli import cli
from tests.fixtures_rapport import ConfigWriter


@dataclass(frozen=True)
class BadConfig:
    """A config change, the dotted key the error must name and a fragment of the fix it must give."""

    id: str
    sections: dict[str, str | list[str] | None]
    key: str
    fix: str
    extra: str = ""
    files: dict[str, str] = field(default_factory=dict)  # written beside the config (templates)


ACCOUNT = 'name = "work"\nemail = "me@work.example"\ntoken_file = "tokens/work.json"'

BAD_CONFIGS = [
    BadConfig("unknown section", {}, "stor", 'did you mean "store"', extra='[stor]\nurl = "sqlite:///x.db"'),
    BadConfig(
        "misspelt key", {"daemon": "interval_minuts = 5"}, "daemon.interval_minuts", '"interval_minutes"'
    ),
    BadConfig(
        "string for a number", {"daemon": 'interval_minutes = "ten"'}, "daemon.interval_minutes", "quotes"
    ),
    BadConfig("string for a boolean", {"drafts": 'enabled = "yes"'}, "drafts.enabled", "true or false"),
    BadConfig("value not in the choices", {"daemon": 'log_format = "xml"'}, "daemon.log_format", "'json'"),
    BadConfig(
        "negative threshold",
        {"rules": ['name = "ty"\nkind = "thank_you"\nafter_hours = -1']},
        "rules[0].after_hours",
        "value >= 0",
    ),
    BadConfig(
        "contradictory thresholds",
        {"rules": ['name = "cc"\nkind = "cold_contact"\nmin_days = 100\nmax_days = 50']},
        "rules[0].min_days",
        "change min_days or max_days",
    ),
    BadConfig(
        "unknown rule kind", {"rules": ['name = "x"\nkind = "birthday"']}, "rules[0].kind", '"thank_you"'
    ),
    BadConfig(
        "duplicate rule names",
        {"rules": ['name = "ty"\nkind = "thank_you"', 'name = "ty"\nkind = "awaiting_reply"']},
        "rules[1].name",
        "its own name",
    ),
    BadConfig("unknown timezone", {"user": 'timezone = "Mars/Olympus"'}, "user.timezone", "Europe/London"),
    BadConfig(
        "missing template file",
        {"rules": ['name = "ty"\nkind = "thank_you"\ntemplate = "thanks.j2"']},
        "rules[0].template",
        'set template = ""',
    ),
    BadConfig(
        "template syntax error",
        {"rules": ['name = "ty"\nkind = "thank_you"\ntemplate = "thanks.j2"']},
        "rules[0].template",
        "fix: correct line 2 of",
        files={"thanks.j2": "Subject: Thanks\n{% if %}\n"},
    ),
    BadConfig(
        "template touching Python internals",
        {"rules": ['name = "ty"\nkind = "thank_you"\ntemplate = "thanks.j2"']},
        "rules[0].template",
        "is not allowed: names starting with '_'",
        files={"thanks.j2": "Subject: Thanks\n\nHello {{ contact.__class__.__mro__ }}\n"},
    ),
    BadConfig(
        "duplicate account names", {"accounts": [ACCOUNT, ACCOUNT]}, "accounts[1].name", "its own name"
    ),
    BadConfig(
        "account without email",
        {"accounts": ['name = "work"\ntoken_file = "t.json"']},
        "accounts[0].email",
        'email = "me@example.com"',
    ),
    BadConfig(
        "malformed email",
        {"accounts": ['name = "work"\nemail = "me-at-work"\ntoken_file = "t.json"']},
        "accounts[0].email",
        "Gmail address",
    ),
    BadConfig("no account at all", {"accounts": None}, "accounts", "[[accounts]]"),
    BadConfig("malformed store URL", {"store": 'url = "not a url"'}, "store.url", "sqlite:///"),
    BadConfig(
        "unknown database", {"store": 'url = "postgress://me@db/rapport"'}, "store.url", "postgresql+psycopg"
    ),
    BadConfig("api endpoint not http", {"google": 'api_endpoint = "ftp://x"'}, "google.api_endpoint", '= ""'),
    BadConfig(
        "broken regular expression",
        {"identity": "automated_patterns = ['^no-?reply(']"},
        "identity.automated_patterns[0]",
        "correct the expression",
    ),
    BadConfig("a section that is not a table", {}, "sync", "[section]", extra='sync = "fast"'),
]


@pytest.mark.parametrize("case", BAD_CONFIGS, ids=[case.id for case in BAD_CONFIGS])
def test_a_bad_config_names_its_key_and_fix_exits_2_and_writes_nothing(
    case: BadConfig, rapport_config: ConfigWriter, cli_runner: CliRunner, tmp_path: Path
) -> None:
    for name, text in case.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    config = rapport_config(extra=case.extra, **case.sections)
    before = sorted(tmp_path.rglob("*"))

    result = cli_runner.invoke(cli, ["--config", str(config), "check"])

    assert result.exit_code == 2, result.output
    assert f"config error in {config}:" in result.output
    problem_lines = [line for line in result.output.splitlines() if line.startswith(f"  {case.key}:")]
    assert problem_lines, f"no line names {case.key}:\n{result.output}"
    assert any(case.fix in line for line in problem_lines), result.output
    assert sorted(tmp_path.rglob("*")) == before  # no store, no token, no temp file


def test_every_problem_in_a_file_is_reported_at_once(
    rapport_config: ConfigWriter, cli_runner: CliRunner
) -> None:
    config = rapport_config(
        user='timezone = "Nowhere/Special"',
        daemon='interval_minutes = 0\nlog_format = "yaml"',
        drafts="max_per_run = -3",
    )

    result = cli_runner.invoke(cli, ["--config", str(config), "check"])

    assert result.exit_code == 2
    named = [line.split(":")[0].strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert named == ["user.timezone", "daemon.interval_minutes", "daemon.log_format", "drafts.max_per_run"]


def test_a_problem_line_shows_the_value_given_and_what_was_expected(
    rapport_config: ConfigWriter, cli_runner: CliRunner
) -> None:
    config = rapport_config(daemon="jitter_seconds = -5")

    result = cli_runner.invoke(cli, ["--config", str(config), "check"])

    assert "  daemon.jitter_seconds: got -5; expected a number >= 0; fix: use a value >= 0" in result.output


def test_invalid_toml_is_a_config_error_with_the_place_of_the_mistake(
    tmp_path: Path, cli_runner: CliRunner
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[store]\nurl = "sqlite:///x.db\n', encoding="utf-8")

    result = cli_runner.invoke(cli, ["--config", str(config), "check"])

    assert result.exit_code == 2
    assert "line 2" in result.output
    assert "fix: correct the syntax" in result.output


def test_a_missing_config_file_says_how_to_create_one(tmp_path: Path, cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["--config", str(tmp_path / "absent.toml"), "check"])

    assert result.exit_code == 2
    assert "rapport init" in result.output
    assert not (tmp_path / "absent.toml").exists()
