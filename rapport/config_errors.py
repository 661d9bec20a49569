"""Turns pydantic's validation errors into config problems a person can act on.

Each problem names the dotted key as written in the TOML (`accounts[1].token_file`, `rules[0].after_hours`),
the value given, what was expected and the fix — including "did you mean" for a misspelt key.
"""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from rapport.errors import ConfigProblem

MAX_SHOWN_CHARS = 60

# What each pydantic error type means in TOML terms, and the generic fix for it.
TYPE_EXPECTATIONS: dict[str, tuple[str, str]] = {
    "int_type": ("a whole number", "write a number without quotes, e.g. 10"),
    "int_parsing": ("a whole number", "write a number without quotes, e.g. 10"),
    "int_from_float": ("a whole number", "drop the decimal part"),
    "float_type": ("a number", "write a number without quotes, e.g. 2.5"),
    "float_parsing": ("a number", "write a number without quotes, e.g. 2.5"),
    "bool_type": ("true or false", "write true or false, without quotes"),
    "bool_parsing": ("true or false", "write true or false, without quotes"),
    "string_type": ("a string", 'put the value in double quotes, e.g. "value"'),
    "list_type": ("a list", 'write it as a list, e.g. ["a", "b"]'),
    "is_instance_of": ("a file path", 'write the path as a string, e.g. "~/file.json"'),
    "model_type": ("a table", "write it as a [section] (or [[section]] for a list) with keys below it"),
    "model_attributes_type": ("a table", "write it as a [[section]] entry with keys below it"),
    "dict_type": ("a table", "write it as a [section] with keys below it"),
    "string_too_short": ("a non-empty string", "write a value between the quotes"),
}

BOUND_SYMBOLS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}

# Errors whose expectation is spelled out by pydantic's context values.
CTX_EXPECTATIONS: dict[str, tuple[str, str]] = {
    "literal_error": ("one of {expected}", "use one of {expected}"),
    "string_pattern_mismatch": ("text matching {pattern}", "correct the value"),
    "too_short": ("at least {min_length} item(s)", "add an item"),
    "union_tag_invalid": ("kind one of {expected_tags}", "use one of {expected_tags}"),
    "union_tag_not_found": (
        "a kind for this rule",
        'add kind = "thank_you", "cold_contact" or "awaiting_reply"',
    ),
}

# What a pattern-checked key holds, in words rather than as its regular expression.
KEY_EXPECTATIONS: dict[str, str] = {
    "accounts.name": 'a name of letters, digits, "_", "." or "-"',
    "accounts.email": "an email address",
    "rules.name": 'a name of letters, digits, "_", "." or "-"',
}

# Fixes that depend on the key rather than the error; matched on the key with list indexes removed.
KEY_FIXES: dict[str, str] = {
    "accounts": "add an account: [[accounts]] with name, email and token_file (see config.example.toml)",
    "accounts.name": 'use letters, digits, "_", "." or "-", e.g. name = "work"',
    "accounts.email": 'write the account\'s Gmail address, e.g. email = "me@example.com"',
    "accounts.token_file": (
        'name the file `rapport auth` writes, e.g. token_file = "~/.config/rapport/tokens/work.json"'
    ),
    "accounts.calendars": 'list calendar ids, e.g. calendars = ["primary"]',
    "rules.name": 'use letters, digits, "_", "." or "-", e.g. name = "thank-you"',
    "rules.kind": 'set kind = "thank_you", "cold_contact" or "awaiting_reply"',
}


def problems_from_validation(error: ValidationError, schema: type[BaseModel]) -> list[ConfigProblem]:
    """One problem per pydantic error; `schema` is the root model the data was validated against."""
    return [_problem(detail, schema) for detail in error.errors(include_url=False)]


def _problem(detail: ErrorDetails, schema: type[BaseModel]) -> ConfigProblem:
    kind = detail["type"]
    loc = tuple(detail["loc"])
    ctx = detail.get("ctx") or {}
    given = "" if kind == "missing" else _show(detail.get("input"))
    if kind == "extra_forbidden":
        parent, models = _walk(loc[:-1], schema)
        leaf = str(loc[-1])
        return ConfigProblem(
            _dotted((*parent, leaf)), given, "no such key here", _unknown_key_fix(leaf, models)
        )
    parts, models = _walk(loc, schema)
    if kind == "value_error" and models:
        return _cross_field_problem(
            parts, models[0], str(ctx.get("error", detail["msg"])), detail.get("input")
        )
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        parts = (*parts, "kind")
        given = _show(ctx.get("tag")) if kind == "union_tag_invalid" else ""
    expected, fix = _expectation(kind, detail["msg"], ctx, parts)
    shape = ".".join(part for part in parts if isinstance(part, str))
    if kind == "string_pattern_mismatch":
        expected = KEY_EXPECTATIONS.get(shape, expected)
    return ConfigProblem(_dotted(parts), given, expected, KEY_FIXES.get(shape, fix))


def _unknown_key_fix(leaf: str, models: list[type[BaseModel]]) -> str:
    known = _known_keys(models)
    guess = difflib.get_close_matches(leaf, known, n=1)
    hint = f' (did you mean "{guess[0]}"?)' if guess else f" (known keys here: {', '.join(known)})"
    return f"remove it or correct its spelling{hint}"


def _cross_field_problem(
    parts: tuple[str | int, ...], model: type[BaseModel], reason: str, given: Any
) -> ConfigProblem:
    """A model validator refused a combination of fields ("min_days must be smaller than max_days")."""
    fields = sorted(
        (name for name in model.model_fields if re.search(rf"\b{name}\b", reason)), key=reason.index
    )
    values = given if isinstance(given, dict) else {}
    shown = ", ".join(
        f"{name} = {_show(values[name])}" if name in values else f"{name} (default)" for name in fields
    )
    key = _dotted((*parts, fields[0])) if fields else _dotted(parts)
    fix = f"change {' or '.join(fields)}" if fields else "change the values"
    return ConfigProblem(key, shown, f"consistent values: {reason}", fix)


def _expectation(kind: str, message: str, ctx: dict[str, Any], parts: Sequence[str | int]) -> tuple[str, str]:
    if kind == "missing":
        section = _dotted(parts[:-1]) or "the top level"
        return "a value (this key is required)", f"add {parts[-1]} = … to {section}"
    if kind in BOUND_SYMBOLS:
        bound = f"{BOUND_SYMBOLS[kind]} {_number(next(iter(ctx.values()), ''))}"
        return f"a number {bound}", f"use a value {bound}"
    if kind in CTX_EXPECTATIONS:
        expected, fix = CTX_EXPECTATIONS[kind]
        return expected.format(**ctx), fix.format(**ctx)
    return TYPE_EXPECTATIONS.get(kind, (message, "correct the value"))


def _walk(
    loc: tuple[str | int, ...], root: type[BaseModel]
) -> tuple[tuple[str | int, ...], list[type[BaseModel]]]:
    """Follow a pydantic error location through the schema.

    Returns the location as the user wrote it (the discriminator tags pydantic inserts for rule kinds
    removed) and the candidate models at its end (used to list the keys that are allowed there).
    """
    parts: list[str | int] = []
    candidates: list[type[BaseModel]] = [root]
    for index, element in enumerate(loc):
        if isinstance(element, int):
            parts.append(element)
            continue
        tagged = [model for model in candidates if _tag(model) == element]
        if len(candidates) > 1 and tagged:
            candidates = tagged
            continue
        parts.append(element)
        field = candidates[0].model_fields.get(element) if len(candidates) == 1 else None
        if field is None:
            parts.extend(loc[index + 1 :])
            return tuple(parts), []
        candidates = models_in(field.annotation)
    return tuple(parts), candidates


def _tag(model: type[BaseModel]) -> object:
    field = model.model_fields.get("kind")
    return field.default if field is not None else None


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models a field's type refers to, through list[...], Annotated[...] and unions."""
    if isinstance(annotation, type):
        return [annotation] if issubclass(annotation, BaseModel) else []
    found: list[type[BaseModel]] = []
    for argument in typing.get_args(annotation):
        found.extend(model for model in models_in(argument) if model not in found)
    return found


def _known_keys(models: list[type[BaseModel]]) -> list[str]:
    keys: list[str] = []
    for model in models:
        keys.extend(name for name in model.model_fields if name not in keys)
    return keys


def _dotted(parts: Sequence[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _show(value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str | int | float):
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 1] + "…"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
