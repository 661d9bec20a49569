"""The route table and request validation, built once from the discovery documents in googleapiclient.

Every Gmail v1 and Calendar v3 method becomes a `Method`: its HTTP verb, a compiled path regex, its
query parameters and OAuth scopes. `RouteTable.match` finds the method for a request line and
`validate_query` checks the query string the way Google's front end does (unknown names, types, enums,
ranges, required parameters), raising `ApiError` 400.

A path under a service (`/gmail/v1/`, `/calendar/v3/`) that names no method of that API in its discovery
document — no template matches, or the path is served under another HTTP verb — is a 400, as the issue asks
of every request checked against the discovery documents; a path outside every service is a 404. Media
upload paths (`/upload/...`, `/resumable/upload/...`) route to the method behind the prefix, so a forbidden
method is refused there as on its plain path; the dispatcher answers the others 400 (the sandbox serves no
media uploads).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any
from urllib.parse import unquote

from sandbox.errors import ApiError, bad_request

# Parameters every Google API accepts besides a method's own (the discovery documents' top-level ones).
STANDARD_PARAMETERS = frozenset(
    {
        "alt",
        "fields",
        "key",
        "prettyPrint",
        "quotaUser",
        "userIp",
        "access_token",
        "oauth_token",
        "callback",
        "upload_protocol",
        "uploadType",
        "$.xgafv",
    }
)

# Where each API's method paths live on the server: Gmail's discovery paths already carry `gmail/v1/`,
# Calendar's are relative to its servicePath.
API_PREFIXES: Mapping[str, str] = {"gmail": "/", "calendar": "/calendar/v3/"}

# Where each API's requests arrive (every method path begins so), and its name in error messages.
SERVICE_PATHS: Mapping[str, str] = {"gmail": "/gmail/v1/", "calendar": "/calendar/v3/"}
API_TITLES: Mapping[str, str] = {"gmail": "Gmail API v1", "calendar": "Calendar API v3"}

# The prefixes the discovery documents' `mediaUpload.protocols` put before a method's path (simple and
# resumable uploads); the client sends a method called with `media_body` there.
UPLOAD_PREFIXES = ("/resumable/upload", "/upload")

# Limits Google documents in the parameter descriptions but not as discovery `maximum` fields
# ("The maximum allowed value for this field is 500.").
DOCUMENTED_MAXIMUMS: Mapping[tuple[str, str], int] = {
    ("gmail.users.messages.list", "maxResults"): 500,
    ("gmail.users.threads.list", "maxResults"): 500,
    ("gmail.users.drafts.list", "maxResults"): 500,
    ("gmail.users.history.list", "maxResults"): 500,
}

_INTEGER_RANGES: Mapping[str, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
}
_BOOLEAN_WORDS = frozenset({"true", "false"})
_TEMPLATE_VARIABLE = re.compile(r"\{\+?([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class ParamSpec:
    """One query parameter as the discovery document describes it."""

    name: str
    type: str
    format: str | None
    enum: frozenset[str] | None
    repeated: bool
    required: bool
    minimum: int | None
    maximum: int | None


@dataclass(frozen=True)
class Method:
    """One API method: where it is served and what it accepts."""

    id: str
    api: str
    http_method: str
    template: str
    pattern: re.Pattern[str]
    path_params: tuple[str, ...]
    query_params: Mapping[str, ParamSpec]
    scopes: frozenset[str]
    literal_segments: int

    @property
    def name(self) -> str:
        """The method id without the API and `users.` prefix, as Google's quota table names it."""
        return self.id.split(".", 1)[1].removeprefix("users.")


def _compile_template(full_template: str) -> tuple[re.Pattern[str], tuple[str, ...], int]:
    """Turn `/gmail/v1/users/{userId}/messages/{id}` into an anchored regex over the raw (quoted) path."""
    names: list[str] = []
    pieces: list[str] = []
    position = 0
    for variable in _TEMPLATE_VARIABLE.finditer(full_template):
        pieces.append(re.escape(full_template[position : variable.start()]))
        names.append(variable.group(1))
        pieces.append(f"(?P<{variable.group(1)}>[^/]+)")
        position = variable.end()
    pieces.append(re.escape(full_template[position:]))
    literal_segments = sum(1 for segment in full_template.split("/") if segment and "{" not in segment)
    return re.compile("".join(pieces) + r"\Z"), tuple(names), literal_segments


def _param_spec(method_id: str, name: str, raw: Mapping[str, Any]) -> ParamSpec:
    maximum = raw.get("maximum")
    documented = DOCUMENTED_MAXIMUMS.get((method_id, name))
    return ParamSpec(
        name=name,
        type=raw.get("type", "string"),
        format=raw.get("format"),
        enum=frozenset(raw["enum"]) if "enum" in raw else None,
        repeated=bool(raw.get("repeated", False)),
        required=bool(raw.get("required", False)),
        minimum=int(raw["minimum"]) if "minimum" in raw else None,
        maximum=int(maximum) if maximum is not None else documented,
    )


def _walk_methods(resources_node: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for resource in resources_node.values():
        yield from resource.get("methods", {}).values()
        yield from _walk_methods(resource.get("resources", {}))


def _load_discovery(filename: str) -> Mapping[str, Any]:
    documents = resources.files("googleapiclient") / "discovery_cache" / "documents"
    loaded: Mapping[str, Any] = json.loads((documents / filename).read_text(encoding="utf-8"))
    return loaded


def methods_from_discovery(api: str, document: Mapping[str, Any]) -> list[Method]:
    """Every method of one discovery document, with its path compiled under the API's prefix."""
    prefix = API_PREFIXES[api]
    methods: list[Method] = []
    for raw in _walk_methods(document["resources"]):
        template = prefix + raw["path"]
        pattern, path_params, literal_segments = _compile_template(template)
        query_params = {
            name: _param_spec(raw["id"], name, spec)
            for name, spec in raw.get("parameters", {}).items()
            if spec.get("location") == "query"
        }
        methods.append(
            Method(
                id=raw["id"],
                api=api,
                http_method=raw["httpMethod"],
                template=template,
                pattern=pattern,
                path_params=path_params,
                query_params=query_params,
                scopes=frozenset(raw.get("scopes", ())),
                literal_segments=literal_segments,
            )
        )
    return methods


@dataclass(frozen=True)
class Route:
    """The method a request addresses, its URL-decoded path parameters, and whether it came by a media
    upload path."""

    method: Method
    path_params: dict[str, str]
    upload: bool = False


class RouteTable:
    """Finds the method a request addresses; built once, matched per request without re-parsing."""

    def __init__(self, methods: Iterable[Method]) -> None:
        self._by_id: dict[str, Method] = {}
        # Grouped by (verb, segment count) so a request only tries the few templates of its shape;
        # within a group, templates with more literal segments win (`drafts/send` before `drafts/{id}`).
        self._groups: dict[tuple[str, int], list[Method]] = {}
        self._paths_by_segments: dict[int, list[Method]] = {}
        for method in methods:
            self._by_id[method.id] = method
            segments = method.template.count("/")
            self._groups.setdefault((method.http_method, segments), []).append(method)
            self._paths_by_segments.setdefault(segments, []).append(method)
        for group in self._groups.values():
            group.sort(key=lambda method: -method.literal_segments)

    @classmethod
    @functools.cache
    def default(cls) -> RouteTable:
        """The table of Gmail v1 and Calendar v3, from the discovery documents shipped with the client."""
        gmail = methods_from_discovery("gmail", _load_discovery("gmail.v1.json"))
        calendar = methods_from_discovery("calendar", _load_discovery("calendar.v3.json"))
        return cls([*gmail, *calendar])

    def method(self, method_id: str) -> Method:
        """The method with this discovery id (KeyError when unknown)."""
        return self._by_id[method_id]

    def methods(self) -> list[Method]:
        """Every method in the table."""
        return list(self._by_id.values())

    def match(self, http_method: str, raw_path: str) -> Route:
        """The route of a request; a 400 ApiError when its path is under a service but names no method
        of it (with this verb), a 404 when it is under no service."""
        path, upload = _without_upload_prefix(raw_path)
        segments = path.count("/")
        for method in self._groups.get((http_method, segments), ()):
            found = method.pattern.match(path)
            if found is not None:
                params = {name: unquote(value) for name, value in found.groupdict().items()}
                return Route(method, params, upload)
        api = next((api for api, prefix in SERVICE_PATHS.items() if path.startswith(prefix)), None)
        if api is None:
            raise ApiError(404, f"Method not found: {http_method} {raw_path}", "notFound")
        message = (
            f"{http_method} {raw_path} is not a method of the {API_TITLES[api]} in its discovery document"
        )
        verbs = sorted(
            {
                method.http_method
                for method in self._paths_by_segments.get(segments, ())
                if method.pattern.match(path)
            }
        )
        if verbs:
            message += f"; that path takes {', '.join(verbs)}"
        raise bad_request(message + ".")


def _without_upload_prefix(raw_path: str) -> tuple[str, bool]:
    """The path with a media upload prefix taken off, and whether it had one."""
    for prefix in UPLOAD_PREFIXES:
        if raw_path.startswith(prefix + "/"):
            return raw_path.removeprefix(prefix), True
    return raw_path, False


def _invalid_value(spec: ParamSpec, value: str, why: str) -> ApiError:
    """Google's 400 for a parameter value it cannot take, naming the parameter."""
    return bad_request(
        f"Invalid value '{value}' for {spec.name}: {why}", reason="invalidParameter", location=spec.name
    )


def _check_value(spec: ParamSpec, value: str) -> None:
    if spec.enum is not None and value not in spec.enum:
        allowed = ", ".join(sorted(spec.enum))
        raise _invalid_value(spec, value, f"must be one of {allowed}")
    if spec.type == "integer":
        _check_integer(spec, value)
    elif spec.type == "boolean":
        if value.lower() not in _BOOLEAN_WORDS:
            raise _invalid_value(spec, value, "expected true or false")
    elif spec.format in {"uint64", "int64"}:
        if not re.fullmatch(r"-?\d+" if spec.format == "int64" else r"\d+", value):
            raise _invalid_value(spec, value, f"expected an integer ({spec.format})")
    elif spec.format == "date-time":
        _check_timestamp(spec, value)


def _check_integer(spec: ParamSpec, value: str) -> None:
    try:
        number = int(value)
    except ValueError:
        raise _invalid_value(spec, value, "expected an integer") from None
    low, high = _INTEGER_RANGES.get(spec.format or "", (-(2**63), 2**63 - 1))
    if spec.minimum is not None:
        low = max(low, spec.minimum)
    if spec.maximum is not None:
        high = min(high, spec.maximum)
    if not low <= number <= high:
        raise bad_request(
            f"Invalid value '{value}'. Values must be within the range: [{low}, {high}]",
            reason="invalidParameter",
            location=spec.name,
        )


def _check_timestamp(spec: ParamSpec, value: str) -> None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    # Google demands an RFC 3339 timestamp with a mandatory offset (or Z).
    if parsed is None or parsed.tzinfo is None or "T" not in value.upper():
        raise _invalid_value(spec, value, "expected an RFC 3339 timestamp with an offset")


def validate_query(method: Method, query: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The method's own query parameters, checked; standard parameters are accepted and left out."""
    validated: dict[str, list[str]] = {}
    for name, values in query.items():
        spec = method.query_params.get(name)
        if spec is None:
            if name in STANDARD_PARAMETERS:
                continue
            raise bad_request(
                f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query parameter. '
                f"Field '{name}' could not be found in request message.",
                location=name,
            )
        for value in values:
            _check_value(spec, value)
        validated[name] = values
    for name, spec in method.query_params.items():
        if spec.required and name not in validated:
            raise bad_request(f"Required parameter: {name}", reason="required", location=name)
    return validated
