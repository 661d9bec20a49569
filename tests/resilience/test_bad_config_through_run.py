"""A bad config stops `rapport run --once` — the command that writes — before it writes anything: exit 2, a
line naming the key and its fix, no store, no file, not one call to Google.

tests/rapport/test_config_errors.py checks each bad config's message through `rapport check`, which never
writes; here the same cases, a store path no retry can fix and every hostile template of
tests/drafts/test_rendering.py go through `run --once`, pointed at a live sandbox that would answer.
A database that is down ends `run --once` the same way (exit 2, store.url and its fix, nothing written);
only the daemon waits for it instead (tests/rapport/test_daemon_waits_for_the_store.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from rapport.cli import cli
from rapport.sandbox_cli import write_sandbox_token
from sandbox.server import SandboxServer
from tests.drafts.test_rendering import HOSTILE
from tests.fixtures_rapport import ALEX, ConfigWriter, networkers_mailbox
from tests.rapport.test_config_errors import BAD_CONFIGS, BadConfig

STORE_FIX = "start the database or correct the URL"
UNUSABLE_STORES = [
    BadConfig(
        "SQLite under a file",
        {"store": 'url = "sqlite:///{root}/notes.txt/rapport.db"'},
        "store.url",
        STORE_FIX,
        files={"notes.txt": "a file where the store's folder should be\n"},
    ),
]
HOSTILE_TEMPLATES = [
    BadConfig(
        f"template: {line}",
        {"rules": ['name = "ty"\nkind = "thank_you"\ntemplate = "hostile.j2"']},
        "rules[0].template",
        refusal,
        files={"hostile.j2": f"Subject: hello\n\nHi {{{{ greeting }}}},\n{line}\n"},
    )
    for line, refusal in HOSTILE
]
CASES = [*BAD_CONFIGS, *UNUSABLE_STORES, *HOSTILE_TEMPLATES]


def write_config(case: BadConfig, rapport_config: ConfigWriter, server: SandboxServer, root: Path) -> Path:
    """The case's config, its accounts and Google pointed at `server` unless the case says otherwise."""
    token_file = root / "tokens" / "work.json"
    write_sandbox_token(server, ALEX, token_file)
    sections: dict[str, str | list[str] | None] = {
        "google": f'client_secrets = "{root}/client_secret.json"\napi_endpoint = "{server.base_url}"\n'
        f'token_uri = "{server.token_uri}"',
        "accounts": [f'name = "work"\nemail = "{ALEX}"\ntoken_file = "{token_file}"'],
    }
    for name, body in case.sections.items():
        sections[name] = body.replace("{root}", str(root)) if isinstance(body, str) else body
    for name, text in case.files.items():
        (root / name).write_text(text, encoding="utf-8")
    return rapport_config(extra=case.extra, **sections)


def files_of(root: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in root.rglob("*")}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_run_once_on_a_bad_config_exits_2_naming_the_key_and_writes_nothing(
    case: BadConfig,
    rapport_config: ConfigWriter,
    sandbox_factory: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    server = sandbox_factory(networkers_mailbox(ALEX))
    config = write_config(case, rapport_config, server, tmp_path)
    before = files_of(tmp_path)

    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])

    assert result.exit_code == 2, result.output
    problem_lines = [line for line in result.output.splitlines() if line.startswith(f"  {case.key}:")]
    assert any(case.fix in line for line in problem_lines), result.output
    if case in HOSTILE_TEMPLATES:
        assert any(f"fix: correct line 4 of {tmp_path}/hostile.j2" in line for line in problem_lines)
    assert files_of(tmp_path) == before  # no store, no token refreshed, no temporary file
    assert server.log.calls() == []


def test_run_once_on_a_database_that_is_down_exits_2_naming_the_key_and_writes_nothing(
    rapport_config: ConfigWriter, sandbox_factory: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    server = sandbox_factory(networkers_mailbox(ALEX))
    down = BadConfig(
        "PostgreSQL not listening",
        {"store": 'url = "postgresql+psycopg://rapport@127.0.0.1:1/rapport"'},
        "store.url",
        STORE_FIX,
    )
    config = write_config(down, rapport_config, server, tmp_path)
    before = files_of(tmp_path)

    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])

    assert result.exit_code == 2, result.output
    assert "  store.url: " in result.output
    assert STORE_FIX in result.output
    assert files_of(tmp_path) == before
    assert server.log.calls() == []
