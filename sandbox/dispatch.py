"""The API call pipeline shared by plain HTTP requests and batch parts.

route → authenticate → refuse forbidden calls → refuse media uploads → tell the call observers → draw an
injected fault (a drop, a delay or an error answer) → validate the query → check scopes → resolve the user →
charge quota → run the handler under the state lock → log the call. Faults are drawn only for calls that got
this far, so the fault history names the method each one hit.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from sandbox.calllog import CallLog
from sandbox.errors import ApiError, bad_request
from sandbox.faults import Fault, FaultInjector, fault_error
from sandbox.handlers import Call, Handler
from sandbox.oauth import Grant, TokenRegistry
from sandbox.quota import QuotaLimiter, cost_of
from sandbox.routing import Method, Route, RouteTable, validate_query

if TYPE_CHECKING:
    from sandbox.state import SandboxState

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json; charset=UTF-8"

CallObserver = Callable[[str, str], None]
"""Told `(method id, user)` of every allowed API call as it arrives, before it is answered (batch parts
one by one), in the thread serving it. Raising `ApiError` answers the call with that error instead, as if
the backend had failed before doing anything: a test can stop a client at an exact call (kill -9 at the
Nth call) and choose whether the server still carries the call out."""

# Calls Rapport must never make: it reads mail and calendars and writes drafts, nothing else.
FORBIDDEN_GMAIL_METHODS = frozenset(
    "gmail.users." + name
    for name in (
        "messages.send",
        "drafts.send",
        "messages.trash",
        "messages.untrash",
        "messages.delete",
        "messages.modify",
        "messages.batchModify",
        "messages.batchDelete",
        "messages.insert",
        "messages.import",
        "threads.trash",
        "threads.untrash",
        "threads.delete",
        "threads.modify",
    )
)
# Calendar methods that are not GET but write nothing.
CALENDAR_READS_BY_POST = frozenset({"calendar.freebusy.query"})

_AUTH_HINT = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def is_forbidden(method: Method) -> bool:
    """Whether Rapport must never make this call (sending, trashing, modifying, any calendar write)."""
    if method.api == "calendar":
        return method.http_method != "GET" and method.id not in CALENDAR_READS_BY_POST
    return method.id in FORBIDDEN_GMAIL_METHODS


@dataclass(frozen=True)
class ApiRequest:
    """One API request, from the wire or from a batch part. Header names are lower-case."""

    http_method: str
    target: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    in_batch: bool = False


@dataclass(frozen=True)
class ApiResponse:
    """What to answer. `drop` means: close the connection instead of answering (an injected fault)."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> ApiResponse:
    """A JSON answer (compact, UTF-8, as Google's front end sends it)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return ApiResponse(status, body, {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})})


def error_response(error: ApiError) -> ApiResponse:
    """Google's JSON error body for an ApiError, with its extra headers."""
    return json_response(error.status, error.to_json(), error.headers)


def unauthenticated(message: str) -> ApiError:
    """Google's 401: the client refreshes its token and retries once."""
    return ApiError(
        401,
        message,
        "authError",
        location="Authorization",
        location_type="header",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


class Dispatcher:
    """Runs API requests through the pipeline against one state, charging quota and logging each call."""

    def __init__(
        self,
        state: SandboxState,
        *,
        routes: RouteTable,
        tokens: TokenRegistry,
        quota: QuotaLimiter,
        faults: FaultInjector,
        log: CallLog,
        handlers: Mapping[str, Handler],
        slow_seconds: float = 1.0,
    ) -> None:
        self.state = state
        self.routes = routes
        self.tokens = tokens
        self.quota = quota
        self.faults = faults
        self.log = log
        self.handlers = handlers
        self.slow_seconds = slow_seconds
        self.observers: list[CallObserver] = []

    def dispatch(self, request: ApiRequest) -> ApiResponse:
        """Answer one API request (a batch part gets status faults only: it cannot drop a connection)."""
        path, _, query_string = request.target.partition("?")
        query = parse_qs(query_string, keep_blank_values=True)
        try:
            route = self.routes.match(request.http_method, path)
        except ApiError as error:
            return error_response(error)
        method, path_params = route.method, route.path_params
        try:
            grant = self._authenticate(request.headers, query)
        except ApiError as auth_error:
            self._log(method.id, "", 0, auth_error.status, request, fault=None)
            return error_response(auth_error)
        refused = self._refuse(route, grant, request)
        if refused is not None:
            return refused
        if request.in_batch:
            fault = self.faults.for_batch_part(method.id)
        else:
            fault = self.faults.for_request(method.id)
        if fault is Fault.SLOW:
            time.sleep(self.slow_seconds)
        if fault is Fault.DROP_BEFORE:
            self._log(method.id, grant.email, 0, 0, request, fault=fault)
            return ApiResponse(0, drop=True)
        if fault is not None and fault.is_status:
            injected = error_response(fault_error(fault))
            self._log(method.id, grant.email, 0, injected.status, request, fault=fault)
            return injected
        response, user, cost = self._run(method, path_params, query, grant, request)
        self._log(method.id, user, cost, response.status, request, fault=fault)
        return replace(response, drop=True) if fault is Fault.DROP_AFTER else response

    def _refuse(self, route: Route, grant: Grant, request: ApiRequest) -> ApiResponse | None:
        """The answer to a call refused before any fault or handler (a forbidden method on any of its
        paths, a media upload, or an observer raising ApiError), or None to go on."""
        method = route.method
        if is_forbidden(method):
            self.log.record(
                method.id, grant.email, cost=0, status=403, in_batch=request.in_batch, forbidden=True
            )
            return error_response(
                ApiError(
                    403,
                    f"The sandbox refuses {method.id}: Rapport never sends, deletes or changes mail "
                    "or calendar events.",
                    "forbiddenBySandbox",
                )
            )
        if route.upload:
            upload_error = bad_request(
                f"The sandbox does not serve media uploads ({request.http_method} "
                f"{request.target.partition('?')[0]}, {method.id}): send the call to its plain path with a "
                "JSON body, a message as {'raw': ...} (base64url), as Rapport does."
            )
            self._log(method.id, grant.email, 0, upload_error.status, request, fault=None)
            return error_response(upload_error)
        try:
            for observer in list(self.observers):
                observer(method.id, grant.email)
        except ApiError as error:
            self._log(method.id, grant.email, 0, error.status, request, fault=None)
            return error_response(error)
        return None

    def _run(
        self,
        method: Method,
        path_params: dict[str, str],
        query: Mapping[str, list[str]],
        grant: Grant,
        request: ApiRequest,
    ) -> tuple[ApiResponse, str, int]:
        """Validate, charge and call the handler: (response, user, units charged)."""
        user = grant.email
        cost = 0
        try:
            call_query = validate_query(method, query)
            if method.scopes and not method.scopes & grant.scopes:
                raise ApiError(
                    403, "Request had insufficient authentication scopes.", "insufficientPermissions"
                )
            user = self._resolve_user(method, path_params, grant)
            handler = self.handlers.get(method.id)
            if handler is None:
                raise ApiError(501, f"The sandbox does not implement {method.id}.", "notImplemented")
            call = Call(method.id, user, path_params, call_query, _parse_body(request))
            with self.state.lock:
                self._check_user_exists(method, user)
                self.quota.admit(user, cost_of(method.id))
                cost = cost_of(method.id)
                result = handler(self.state, call)
        except ApiError as error:
            return error_response(error), user, cost
        # The handlers are the sandbox's own code; a bug in one must answer 500 (as Google's backend
        # would), not kill the connection or the server. It is logged with its traceback.
        except Exception:
            logger.exception("handler for %s failed", method.id)
            return error_response(ApiError(500, "Backend Error", "backendError")), user, cost
        if result is None:
            return ApiResponse(204), user, cost
        return json_response(200, result), user, cost

    def _authenticate(self, headers: Mapping[str, str], query: Mapping[str, list[str]]) -> Grant:
        """The grant of the request's bearer token; a 401 ApiError when it is missing, unknown or expired."""
        token: str | None = None
        authorization = headers.get("authorization")
        if authorization and authorization[:7].lower() == "bearer ":
            token = authorization[7:].strip()
        else:
            for name in ("access_token", "oauth_token"):
                if query.get(name):
                    token = query[name][0]
        if not token:
            raise unauthenticated("Request is missing required authentication credential. " + _AUTH_HINT)
        grant = self.tokens.authenticate(token)
        if grant is None:
            raise unauthenticated("Request had invalid authentication credentials. " + _AUTH_HINT)
        return grant

    @staticmethod
    def _resolve_user(method: Method, path_params: dict[str, str], grant: Grant) -> str:
        """The mailbox a call addresses: Gmail's userId must be "me" or the token's own address."""
        user_id = path_params.pop("userId", None)
        if user_id is None or user_id == "me" or user_id.casefold() == grant.email.casefold():
            return grant.email
        raise ApiError(403, f"Delegation denied for {grant.email}", "forbidden")

    def _check_user_exists(self, method: Method, user: str) -> None:
        if self.state.has_user(user):
            return
        if method.api == "gmail":
            raise ApiError(400, "Mail service not enabled", "failedPrecondition")
        raise ApiError(404, "Not Found", "notFound")

    def _log(
        self, method_id: str, user: str, cost: int, status: int, request: ApiRequest, *, fault: Fault | None
    ) -> None:
        self.log.record(
            method_id,
            user,
            cost=cost,
            status=status,
            in_batch=request.in_batch,
            fault=fault.value if fault is not None else None,
        )


def _parse_body(request: ApiRequest) -> Any:
    if not request.body.strip():
        return None
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise bad_request(
            f"Unsupported request body type {content_type}: the sandbox takes JSON bodies "
            "(send a draft as JSON {'message': {'raw': ...}})."
        )
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise bad_request(f"Invalid JSON payload received. {error}") from None
