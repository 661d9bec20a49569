"""config.example.toml documents every key of every settings model, with its default, and is valid as is."""

from __future__ import annotations

import inspect
import stat
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from pydantic import BaseModel

from rapport.cli import cli
from rapport.config import AccountSettings, DaemonSettings, GoogleSettings, RapportConfig, parse_config
from rapport.config_errors import models_in
from rules.settings import IdentitySettings, PreviewSettings, UserSettings, default_rules
from sync.settings import DraftSettings, SyncSettings

EXAMPLE = resources.files("rapport").joinpath("config.example.toml")


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def example_data() -> dict[str, Any]:
    return tomllib.loads(example_text())


def every_model(root: type[BaseModel]) -> set[type[BaseModel]]:
    """The root and every model reachable through its fields (lists, unions and all)."""
    found: set[type[BaseModel]] = set()
    pending = [root]
    while pending:
        model = pending.pop()
        if model in found:
            continue
        found.add(model)
        for field in model.model_fields.values():
            pending.extend(models_in(field.annotation))
    return found


def owner(model: type[BaseModel], name: str) -> str:
    """The class that declares a field: a field inherited by three rule kinds is documented once."""
    for cls in model.__mro__:
        if name in inspect.get_annotations(cls):
            return cls.__name__
    return model.__name__


def kind_of(model: type[BaseModel]) -> object:
    field = model.model_fields.get("kind")
    return field.default if field is not None else None


def keys_written(value: Any, model: type[BaseModel], seen: set[tuple[str, str]]) -> None:
    """Record (model, key) for every key the example writes, following the schema into nested tables."""
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        seen.add((owner(model, key), key))
        field = model.model_fields[key]
        candidates = models_in(field.annotation)
        for element in item if isinstance(item, list) else [item]:
            if isinstance(element, dict):
                kind = element.get("kind")
                tagged = [
                    c
                    for c in candidates
                    if "kind" in c.model_fields and c.model_fields["kind"].default == kind
                ]
                keys_written(element, (tagged or candidates)[0], seen)


def test_the_example_is_a_valid_config(tmp_path: Path) -> None:
    config = parse_config(example_data(), tmp_path / "config.toml")

    assert [account.name for account in config.accounts] == ["personal"]


def test_the_example_writes_every_key_of_every_model() -> None:
    seen: set[tuple[str, str]] = set()
    keys_written(example_data(), RapportConfig, seen)

    missing = sorted(
        f"{owner(model, name)}.{name}"
        for model in every_model(RapportConfig)
        for name in model.model_fields
        if (owner(model, name), name) not in seen
    )
    assert not missing, f"config.example.toml does not document: {missing}"


def test_every_key_in_the_example_has_a_comment_the_first_time_it_appears() -> None:
    lines = example_text().splitlines()
    documented: set[str] = set()
    undocumented: list[str] = []
    for index, line in enumerate(lines):
        if "=" not in line or line.startswith(("#", " ", "[")):
            continue
        key = line.split("=", 1)[0].strip()
        if key in documented:
            continue
        if index > 0 and lines[index - 1].startswith("#"):
            documented.add(key)
        else:
            undocumented.append(key)
    assert not undocumented, f"keys without a comment above them: {undocumented}"


def test_the_example_states_the_defaults_the_code_uses(tmp_path: Path) -> None:
    config = parse_config(example_data(), tmp_path / "config.toml")

    assert config.user == UserSettings()
    assert config.identity == IdentitySettings()
    assert config.sync == SyncSettings()
    assert config.drafts == DraftSettings()
    assert config.preview == PreviewSettings()
    assert config.daemon == DaemonSettings()
    assert config.rules == default_rules()
    assert config.google.api_endpoint == GoogleSettings().api_endpoint
    assert config.google.token_uri == GoogleSettings().token_uri
    assert config.accounts[0].calendars == AccountSettings.model_fields["calendars"].default


def test_rapport_init_writes_the_example_privately_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "fresh" / "config.toml"
    runner = CliRunner()

    first = runner.invoke(cli, ["--config", str(target), "init"])
    target.write_text(target.read_text(encoding="utf-8") + "\n# my edit\n", encoding="utf-8")
    second = runner.invoke(cli, ["--config", str(target), "init"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 2
    assert "--force" in second.output
    assert target.read_text(encoding="utf-8").endswith("# my edit\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_rapport_init_force_replaces_the_file_with_the_example(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text("old", encoding="utf-8")

    result = CliRunner().invoke(cli, ["--config", str(target), "init", "--force"])

    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8") == example_text()


def test_the_example_beside_pyproject_is_the_one_rapport_init_writes() -> None:
    repository_copy = Path(__file__).resolve().parents[2] / "config.example.toml"

    assert repository_copy.read_text(encoding="utf-8") == example_text()
