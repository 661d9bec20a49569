"""Which config file is used (`--config`, then $RAPPORT_CONFIG, then the platform dir); how paths expand."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest
from click.testing import CliRunner

from rapport.cli import cli
from rapport.config import load_config
from rapport.paths import find_config_path
from tests.fixtures_rapport import ConfigWriter


def account_config(rapport_config: ConfigWriter, name: str) -> Path:
    """A valid config whose only account is called `name`, so the output tells which file was read."""
    return rapport_config(
        name=f"{name}.toml",
        accounts=[f'name = "{name}"\nemail = "{name}@example.com"\ntoken_file = "tokens/{name}.json"'],
    )


def test_the_config_option_wins_over_the_environment(
    rapport_config: ConfigWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_CONFIG", str(account_config(rapport_config, "fromenv")))
    chosen = account_config(rapport_config, "fromoption")

    result = CliRunner().invoke(cli, ["--config", str(chosen), "check"])

    assert result.exit_code == 0, result.output
    assert "account fromoption:" in result.output
    assert "fromenv" not in result.output


def test_the_environment_is_used_without_the_option(
    rapport_config: ConfigWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_CONFIG", str(account_config(rapport_config, "fromenv")))

    result = CliRunner().invoke(cli, ["check"])

    assert result.exit_code == 0, result.output
    assert "account fromenv:" in result.output


def test_without_option_or_environment_the_platform_config_dir_is_used() -> None:
    expected = Path(platformdirs.user_config_dir("rapport")) / "config.toml"

    assert find_config_path(None, environ={}) == expected
    assert find_config_path(None, environ={"RAPPORT_CONFIG": ""}) == expected


def test_init_writes_to_the_platform_config_dir_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAPPORT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    expected = Path(platformdirs.user_config_dir("rapport")) / "config.toml"
    if not expected.is_relative_to(tmp_path):
        pytest.skip("this platform's config dir does not follow XDG_CONFIG_HOME")

    result = CliRunner().invoke(cli, ["init"])

    assert result.exit_code == 0, result.output
    assert expected.is_file()


def test_tilde_expands_in_every_path_and_in_the_sqlite_url(
    rapport_config: ConfigWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "templates").mkdir(parents=True)
    (home / "templates" / "thanks.j2").write_text(
        "Subject: Thanks\n\nThank you, {{ greeting }}!\n", encoding="utf-8"
    )
    monkeypatch.setenv("HOME", str(home))
    config_path = rapport_config(
        store='url = "sqlite:///~/data/rapport.db"',
        google='client_secrets = "~/secrets/client.json"',
        accounts=['name = "work"\nemail = "me@work.example"\ntoken_file = "~/tokens/work.json"'],
        rules=['name = "ty"\nkind = "thank_you"\ntemplate = "~/templates/thanks.j2"'],
    )

    _, config = load_config(str(config_path))

    assert config.store.url == f"sqlite:///{home}/data/rapport.db"
    assert config.google.client_secrets == home / "secrets" / "client.json"
    assert config.accounts[0].token_file == home / "tokens" / "work.json"
    assert config.rules[0].template == str(home / "templates" / "thanks.j2")


def test_relative_paths_are_taken_from_the_config_files_folder(
    rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    config_path = rapport_config(
        store='url = "sqlite:///data/rapport.db"',
        accounts=['name = "work"\nemail = "me@work.example"\ntoken_file = "tokens/work.json"'],
    )

    _, config = load_config(str(config_path))

    assert config.store.url == f"sqlite:///{tmp_path}/data/rapport.db"
    assert config.accounts[0].token_file == tmp_path / "tokens" / "work.json"


def test_non_sqlite_urls_are_left_as_written(rapport_config: ConfigWriter) -> None:
    url = "postgresql+psycopg://me@db.example/rapport"
    config_path = rapport_config(store=f'url = "{url}"')

    _, config = load_config(str(config_path))

    assert config.store.url == url


def test_init_then_check_on_a_fresh_home_says_what_is_left_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAPPORT_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / ".local" / "share"))
    if not Path(platformdirs.user_config_dir("rapport")).is_relative_to(tmp_path):
        pytest.skip("this platform's config dir does not follow XDG_CONFIG_HOME")

    written = CliRunner().invoke(cli, ["init"])
    checked = CliRunner().invoke(cli, ["check"])

    assert written.exit_code == 0, written.output
    assert checked.exit_code == 0, checked.output
    secrets, token = tmp_path / ".config/rapport/client_secret.json", tmp_path / ".config/rapport/tokens"
    assert f"client secrets: {secrets} (missing: `rapport auth` needs it; see the README)" in checked.output
    assert (
        f"account personal: me@example.com, token {token}/personal.json"
        " (not there yet — run: rapport auth --account personal)"
    ) in checked.output
    assert f"store: sqlite:///{tmp_path}/.local/share/rapport/rapport.db" in checked.output


def test_check_warns_that_rules_tables_replace_the_default_rules(rapport_config: ConfigWriter) -> None:
    only_recruiters = 'name = "recruiters"\nkind = "cold_contact"\nmin_days = 30\n'
    only_recruiters += 'filters = { include_domains = ["talent.example", "recruit.example"] }'
    config = rapport_config(rules=[only_recruiters])

    result = CliRunner().invoke(cli, ["--config", str(config), "check"])
    defaults = CliRunner().invoke(cli, ["--config", str(rapport_config(name="defaults.toml")), "check"])

    assert result.exit_code == 0, result.output
    assert "rules: recruiters (cold_contact)\n" in result.output
    assert "no rule looks for thank_you, awaiting_reply: [[rules]] tables replace the default rules" in (
        result.output
    )
    assert "no rule looks for" not in defaults.output
