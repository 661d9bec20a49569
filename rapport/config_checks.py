"""Checks of a config's meaning that types alone cannot express.

They run on the raw TOML data, beside pydantic's type validation, so that a file with a wrong type in one
place and an unknown timezone in another reports both at once. Each check skips values of the wrong type:
pydantic reports those.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from rapport.errors import ConfigProblem
from rapport.paths import expand_path, expand_store_url
from rules.rendering import BUILTIN_TEMPLATES, TemplateProblem, check_template


def check_semantics(data: dict[str, Any], base_dir: Path) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    problems.extend(_store_url(data))
    problems.extend(_endpoints(data))
    problems.extend(_accounts(data, base_dir))
    problems.extend(_timezone(data))
    problems.extend(_identity_patterns(data))
    problems.extend(_rules(data, base_dir))
    return problems


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _tables(data: dict[str, Any], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = data.get(name)
    if isinstance(value, list):
        yield from ((index, item) for index, item in enumerate(value) if isinstance(item, dict))


def _store_url(data: dict[str, Any]) -> Iterator[ConfigProblem]:
    url = _section(data, "store").get("url")
    if not isinstance(url, str):
        return
    example = 'e.g. "sqlite:///~/.local/share/rapport/rapport.db" or "postgresql+psycopg://user@host/db"'
    try:
        make_url(expand_store_url(url)).get_dialect()
    except (ArgumentError, ValueError):
        yield ConfigProblem("store.url", _quoted(url), "a SQLAlchemy database URL", f"write a URL, {example}")
    except NoSuchModuleError:
        yield ConfigProblem(
            "store.url", _quoted(url), "a known database (sqlite or postgresql)", f"use {example}"
        )


def _endpoints(data: dict[str, Any]) -> Iterator[ConfigProblem]:
    google = _section(data, "google")
    for key, example in (
        ("api_endpoint", "http://127.0.0.1:8765"),
        ("token_uri", "http://127.0.0.1:8765/token"),
    ):
        value = google.get(key)
        if not isinstance(value, str) or value == "":
            continue
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            yield ConfigProblem(
                f"google.{key}",
                _quoted(value),
                "an http:// or https:// URL, or an empty string for Google's",
                f'write e.g. {key} = "{example}", or {key} = "" to use Google',
            )


def _accounts(data: dict[str, Any], base_dir: Path) -> Iterator[ConfigProblem]:
    seen: dict[str, dict[object, int]] = {"name": {}, "email": {}, "token_file": {}}
    for index, account in _tables(data, "accounts"):
        for key, first_seen in seen.items():
            value = account.get(key)
            if not isinstance(value, str):
                continue
            identity: object = expand_path(value, base_dir) if key == "token_file" else value.lower()
            if identity in first_seen:
                yield ConfigProblem(
                    f"accounts[{index}].{key}",
                    _quoted(value),
                    f"a {key} no other account has (accounts[{first_seen[identity]}] has it too)",
                    f"give each account its own {key}",
                )
            else:
                first_seen[identity] = index


def _timezone(data: dict[str, Any]) -> Iterator[ConfigProblem]:
    zone = _section(data, "user").get("timezone")
    if not isinstance(zone, str):
        return
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        yield ConfigProblem(
            "user.timezone",
            _quoted(zone),
            "an IANA timezone name",
            'use a name such as "Europe/London", "America/New_York" or "UTC"',
        )


def _identity_patterns(data: dict[str, Any]) -> Iterator[ConfigProblem]:
    patterns = _section(data, "identity").get("automated_patterns")
    if not isinstance(patterns, list):
        return
    for index, pattern in enumerate(patterns):
        if not isinstance(pattern, str):
            continue
        try:
            re.compile(pattern)
        except re.error as error:
            yield ConfigProblem(
                f"identity.automated_patterns[{index}]",
                _quoted(pattern),
                f"a regular expression ({error})",
                "correct the expression (use single quotes in TOML to keep backslashes)",
            )


def _rules(data: dict[str, Any], base_dir: Path) -> Iterator[ConfigProblem]:
    names: dict[str, int] = {}
    for index, rule in _tables(data, "rules"):
        name = rule.get("name")
        if isinstance(name, str):
            if name in names:
                yield ConfigProblem(
                    f"rules[{index}].name",
                    _quoted(name),
                    f"a name no other rule has (rules[{names[name]}] has it too)",
                    "give each rule its own name",
                )
            else:
                names[name] = index
        template = rule.get("template")
        if isinstance(template, str) and template:
            yield from _template(f"rules[{index}].template", template, rule.get("kind"), base_dir)


def _template(key: str, raw: str, kind: object, base_dir: Path) -> Iterator[ConfigProblem]:
    """The drafts layer's own check: the file exists, compiles in the sandbox and renders sample occasions."""
    path = expand_path(raw, base_dir)
    if not path.is_file():
        yield ConfigProblem(
            key,
            _quoted(raw),
            f"an existing template file ({path} does not exist)",
            'create it, or set template = ""',
        )
        return
    try:
        check_template(path, kind if isinstance(kind, str) and kind in BUILTIN_TEMPLATES else None)
    except TemplateProblem as problem:
        where = f"line {problem.line} of {path}" if problem.line is not None else str(path)
        yield ConfigProblem(key, _quoted(raw), f"a usable draft template ({problem})", f"correct {where}")


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '\\"') + '"'
