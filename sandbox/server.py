"""The sandbox HTTP server: Gmail v1 and Calendar v3 over real HTTP/1.1 on loopback, plus the OAuth
token and consent endpoints, batches and the admin endpoint.

`SandboxServer(state)` binds at construction (port 0 picks a free port), `start()` serves from a
background thread, `stop()` shuts it down and closes kept-alive connections.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from sandbox.admin import ADMIN_PREFIX, handle_admin
from sandbox.batch import run_batch
from sandbox.calllog import CallLog
from sandbox.dispatch import (
    ApiRequest,
    ApiResponse,
    CallObserver,
    Dispatcher,
    error_response,
    json_response,
)
from sandbox.errors import HTTP_REASON_PHRASE
from sandbox.faults import Fault, FaultInjector, fault_error
from sandbox.handlers import Handler
from sandbox.oauth import OAuthReply, TokenRegistry
from sandbox.quota import QuotaLimiter
from sandbox.routing import RouteTable

if TYPE_CHECKING:
    from sandbox.state import SandboxState

logger = logging.getLogger(__name__)

TOKEN_PATH = "/token"  # noqa: S105 (a URL path, not a secret)
AUTH_PATH = "/o/oauth2/auth"
BATCH_PATHS = ("/batch", "/batch/gmail/v1", "/batch/calendar/v3")


def default_handlers() -> dict[str, Handler]:
    """The Gmail and Calendar handler registries of the sandbox API (imported late: they import the
    state, which must never import the server)."""
    from sandbox.calendar_api import HANDLERS as CALENDAR_HANDLERS  # noqa: PLC0415
    from sandbox.gmail_api import HANDLERS as GMAIL_HANDLERS  # noqa: PLC0415

    return {**GMAIL_HANDLERS, **CALENDAR_HANDLERS}


class SandboxServer:
    """A running (or runnable) sandbox over one state, with its tokens, quota, faults and call log."""

    def __init__(
        self,
        state: SandboxState,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        quota_units_per_second: int | None = None,
        fault_rate: float = 0.0,
        fault_seed: int = 0,
        fault_kinds: Iterable[Fault] | None = None,
        slow_seconds: float = 1.0,
        handlers: Mapping[str, Handler] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`handlers` replaces the Gmail and Calendar handler registries (default: the sandbox API's);
        `clock` (seconds) drives access-token expiry and the quota window, so tests can freeze it."""
        self.state = state
        self.tokens = TokenRegistry(clock=clock)
        self.log = CallLog()
        self.quota = QuotaLimiter(quota_units_per_second, clock=clock)
        self.faults = FaultInjector(fault_rate, fault_seed, fault_kinds)
        self.dispatcher = Dispatcher(
            state,
            routes=RouteTable.default(),
            tokens=self.tokens,
            quota=self.quota,
            faults=self.faults,
            log=self.log,
            handlers=handlers if handlers is not None else default_handlers(),
            slow_seconds=slow_seconds,
        )
        # Observers of each API call as it arrives (sandbox.dispatch.CallObserver); append to subscribe.
        self.on_call: list[CallObserver] = self.dispatcher.observers
        self._httpd = _HTTPServer((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        """The port the server listens on (the free one picked when constructed with port 0)."""
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """`http://host:port`, without a trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint."""
        return self.base_url + TOKEN_PATH

    @property
    def auth_uri(self) -> str:
        """The OAuth consent endpoint (consent is automatic)."""
        return self.base_url + AUTH_PATH

    def set_quota(self, units_per_second: int | None) -> None:
        """Per-user Gmail units per second, or None for no limit."""
        self.quota.units_per_second = units_per_second
        self.quota.reset()

    @property
    def slow_seconds(self) -> float:
        """How long a response injected as slow waits before answering."""
        return self.dispatcher.slow_seconds

    @slow_seconds.setter
    def slow_seconds(self, seconds: float) -> None:
        self.dispatcher.slow_seconds = seconds

    def set_faults(self, rate: float, seed: int = 0, kinds: Iterable[Fault] | None = None) -> None:
        """Inject faults at `rate` from a sequence seeded with `seed` (rate 0 turns them off), optionally
        only of some kinds."""
        self.faults.configure(rate, seed, kinds)

    def start(self) -> SandboxServer:
        """Serve from a background daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.serve_forever, name="sandbox-server", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()`."""
        self._httpd.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        """Stop serving, close the listening socket and every kept-alive connection."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until no client connection is open — every request answered (or dropped) and its client
        gone — e.g. after killing a client, until the calls it left in flight are done; False on timeout."""
        return self._httpd.wait_until_idle(timeout)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Condition()
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a machine without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
            self._connections_lock.notify_all()
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that goes away mid-request is routine (httplib2 drops idle connections); anything
        # else is a sandbox bug and is logged with its traceback instead of printed to stderr.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            logger.debug("client %s went away: %s", client_address, error)
            return
        logger.exception("error while serving %s", client_address)

    def wait_until_idle(self, timeout: float) -> bool:
        with self._connections_lock:
            return self._connections_lock.wait_for(lambda: not self._connections, timeout)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError as error:
                logger.debug("connection already closed: %s", error)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    # -- routing by endpoint --------------------------------------------------------------------------

    def _handle(self) -> None:
        body = self._read_body()
        if body is None:
            return
        path, _, query_string = self.path.partition("?")
        sandbox = self.server.sandbox
        if path == TOKEN_PATH and self.command == "POST":
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            self._send_oauth(sandbox.tokens.token_endpoint(form, self.headers.get("Authorization")))
        elif path == AUTH_PATH and self.command == "GET":
            query = parse_qs(query_string, keep_blank_values=True)
            self._send_oauth(sandbox.tokens.authorization_endpoint(query, _first_user(sandbox.state)))
        elif path.startswith(ADMIN_PREFIX):
            self._handle_admin(path, body)
        elif path in BATCH_PATHS and self.command == "POST":
            self._handle_batch(path, body)
        else:
            self._handle_api(body)

    def _handle_api(self, body: bytes) -> None:
        request = ApiRequest(
            http_method=self.command,
            target=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        self._send(self.server.sandbox.dispatcher.dispatch(request))

    def _handle_batch(self, path: str, body: bytes) -> None:
        sandbox = self.server.sandbox
        fault = sandbox.faults.for_request(f"POST {path}")
        if fault is Fault.DROP_BEFORE:
            self._drop()
            return
        if fault is not None and fault.is_status:
            self._send(error_response(fault_error(fault)))
            return
        if fault is Fault.SLOW:
            time.sleep(sandbox.slow_seconds)
        status, content_type, answer = run_batch(
            sandbox.dispatcher, self.headers.get("Content-Type", ""), body
        )
        self._send(
            ApiResponse(status, answer, {"Content-Type": content_type}, drop=fault is Fault.DROP_AFTER)
        )

    def _handle_admin(self, path: str, body: bytes) -> None:
        if not _is_loopback(self.client_address[0]):
            self._send(json_response(403, {"error": "the admin endpoint answers loopback clients only"}))
            return
        reply = handle_admin(self.server.sandbox, self.command, path, body)
        self._send(json_response(reply.status, reply.body))

    # -- the wire -------------------------------------------------------------------------------------

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._send(json_response(411, {"error": "chunked bodies are not supported; send Content-Length"}))
            self.close_connection = True
            return None
        length_header = self.headers.get("Content-Length", "0")
        try:
            length = int(length_header)
        except ValueError:
            self._send(json_response(400, {"error": f"invalid Content-Length {length_header!r}"}))
            self.close_connection = True
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send_oauth(self, reply: OAuthReply) -> None:
        if reply.location is not None:
            self._send(ApiResponse(reply.status, b"", {"Location": reply.location}))
        else:
            self._send(json_response(reply.status, reply.body, {"Cache-Control": "no-store"}))

    def _send(self, response: ApiResponse) -> None:
        if response.drop:
            self._drop()
            return
        lines = [
            f"HTTP/1.1 {response.status} {HTTP_REASON_PHRASE.get(response.status, 'Unknown')}",
            f"Date: {self.date_time_string()}",
            "Server: rapport-sandbox",
        ]
        lines.extend(f"{name}: {value}" for name, value in response.headers.items())
        lines.append(f"Content-Length: {len(response.body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # One write per answer: with Nagle off, a split head and body would cost two packets.
        self.wfile.write(head + response.body)
        self.wfile.flush()

    def _drop(self) -> None:
        """Close the connection without a word, as a dying backend or a network cut would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError as error:
            logger.debug("dropping an already closed connection: %s", error)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.partition("%")[0]).is_loopback
    except ValueError:
        return False


def _first_user(state: SandboxState) -> str | None:
    """The state's first user, whom the consent endpoint signs in when no login_hint is given."""
    users = state.users
    return users[0] if users else None
