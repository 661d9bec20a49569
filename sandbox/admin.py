"""The admin JSON endpoint under /_admin/, for tests and tools that run the sandbox out of process.

No authentication: the server answers it on loopback connections only. Routes (bodies are JSON objects):
- GET health; GET calls (every call: method, user, cost, status, fault; and the units charged);
  GET forbidden (calls Rapport must never make); GET faults (settings and every fault injected);
- POST calls/clear; POST tokens {email, scopes?} (a refresh token and the client to use it with);
  POST revoke {refresh_token}; POST expire (every access token now answers 401);
  POST tokens/lifetime {seconds} (lifetime of access tokens issued from now on);
- POST quota {units | null}; POST faults {rate, seed?, kinds?};
- POST mutate {op, args} runs a `SandboxState` mutation or reader by name (deliver, user_sends,
  user_sends_draft, user_deletes_draft, user_edits_draft, modify_labels, delete_message, expire_history,
  add_event, update_event, cancel_event, set_response, invalidate_sync_tokens; drafts, message,
  messages, history_id), e.g. {"op": "drafts", "args": {"user": "alex@example.com"}}.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.errors import ApiError
from sandbox.faults import Fault
from sandbox.oauth import CLIENT_ID, CLIENT_SECRET, RAPPORT_SCOPES

if TYPE_CHECKING:
    from sandbox.server import SandboxServer

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/_admin/"


@dataclass(frozen=True)
class AdminReply:
    """Status and JSON body of an admin answer."""

    status: int
    body: Any


class AdminRequestError(Exception):
    """A malformed admin request (answered 400 with the message)."""


def _object_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AdminRequestError(f"invalid JSON body: {error}") from None
    if not isinstance(parsed, dict):
        raise AdminRequestError("the body must be a JSON object")
    return parsed


def _required(payload: dict[str, Any], name: str) -> Any:
    if name not in payload:
        raise AdminRequestError(f"missing field {name!r}")
    return payload[name]


def handle_admin(server: SandboxServer, http_method: str, path: str, body: bytes) -> AdminReply:
    """Answer one admin request."""
    route = path.removeprefix(ADMIN_PREFIX).rstrip("/")
    try:
        if http_method == "GET" and route in _GET_ROUTES:
            return _GET_ROUTES[route](server)
        if http_method == "POST" and route in _POST_ROUTES:
            return _POST_ROUTES[route](server, _object_body(body))
    except AdminRequestError as error:
        return AdminReply(400, {"error": str(error)})
    return AdminReply(404, {"error": f"no admin endpoint {http_method} {path}"})


def _health(server: SandboxServer) -> AdminReply:
    return AdminReply(200, {"status": "ok", "base_url": server.base_url})


def _calls(server: SandboxServer) -> AdminReply:
    calls = [entry.to_json() for entry in server.log.calls()]
    return AdminReply(200, {"calls": calls, "units": server.log.units()})


def _forbidden(server: SandboxServer) -> AdminReply:
    return AdminReply(200, {"calls": [entry.to_json() for entry in server.log.forbidden()]})


def _fault_settings(server: SandboxServer) -> dict[str, Any]:
    faults = server.faults
    return {"rate": faults.rate, "seed": faults.seed, "kinds": sorted(kind.value for kind in faults.kinds)}


def _fault_history(server: SandboxServer) -> AdminReply:
    injected = [{"target": target, "fault": fault.value} for target, fault in server.faults.history()]
    return AdminReply(200, {**_fault_settings(server), "injected": injected})


def _clear_calls(server: SandboxServer, payload: dict[str, Any]) -> AdminReply:
    server.log.clear()
    return AdminReply(200, {})


def _issue_tokens(server: SandboxServer, payload: dict[str, Any]) -> AdminReply:
    scopes = payload.get("scopes") or list(RAPPORT_SCOPES)
    refresh_token = server.tokens.issue_refresh_token(str(_required(payload, "email")), scopes)
    return AdminReply(
        200,
        {
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "token_uri": server.token_uri,
        },
    )


def _revoke(server: SandboxServer, payload: dict[str, Any]) -> AdminReply:
    server.tokens.revoke(str(_required(payload, "refresh_token")))
    return AdminReply(200, {})


def _expire(server: SandboxServer, payload: dict[str, Any]) -> AdminReply:
    server.tokens.expire_access_tokens()
    return AdminReply(200, {})


def _set_token_lifetime(server: SandboxServer, payload: dict[str, Any]) -> AdminReply:
    """How long access tokens issued from now on live (Google's are an hour)."""
    seconds = _required(payload, "seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        raise AdminRequestError("seconds must be a positive integer")
    server.tokens.access_token_lifetime = seconds
    return AdminReply(200, {"seconds": seconds})


def _set_faults(server: SandboxServer, payload: dict[str, Any]) -> AdminReply:
    rate, seed, kinds = _required(payload, "rate"), payload.get("seed", 0), payload.get("kinds")
    try:
        server.set_faults(float(rate), int(seed), None if kinds is None else [Fault(kind) for kind in kinds])
    except (TypeError, ValueError) as error:
        raise AdminRequestError(str(error)) from None
    return AdminReply(200, _fault_settings(server))


def _set_quota(server: SandboxServer, payload: dict[str, Any]) -> AdminReply:
    units = _required(payload, "units")
    if units is not None and (isinstance(units, bool) or not isinstance(units, int) or units <= 0):
        raise AdminRequestError("units must be a positive integer or null")
    server.set_quota(units)
    return AdminReply(200, {"units": units})


def _mutate(server: SandboxServer, payload: dict[str, Any]) -> AdminReply:
    op = str(_required(payload, "op"))
    args = payload.get("args") or {}
    if not isinstance(args, dict):
        raise AdminRequestError("args must be a JSON object")
    try:
        with server.state.lock:
            result = server.state.mutate(op, **args)
    except ApiError as error:
        return AdminReply(error.status, error.to_json())
    except (KeyError, ValueError, TypeError) as error:
        logger.info("admin mutate %s refused: %s", op, error)
        return AdminReply(400, {"error": f"{op}: {error}"})
    return AdminReply(200, {"result": result})


_GET_ROUTES: dict[str, Callable[[SandboxServer], AdminReply]] = {
    "health": _health,
    "calls": _calls,
    "forbidden": _forbidden,
    "faults": _fault_history,
}
_POST_ROUTES: dict[str, Callable[[SandboxServer, dict[str, Any]], AdminReply]] = {
    "calls/clear": _clear_calls,
    "tokens": _issue_tokens,
    "revoke": _revoke,
    "expire": _expire,
    "tokens/lifetime": _set_token_lifetime,
    "mutate": _mutate,
    "faults": _set_faults,
    "quota": _set_quota,
}
