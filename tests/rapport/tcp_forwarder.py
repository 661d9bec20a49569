"""A local TCP port that stands for a database server which comes and goes, for the tests of a store that
cannot be reached.

The port is taken at once but refuses connections (a bound socket that does not listen: the kernel answers
"connection refused", as for a server that is down) until `open()`; from then on each connection is
forwarded to the real server. `cut()` drops every forwarded connection and closes each new one at once,
as a database restarting does; `open()` again brings it back.
"""

from __future__ import annotations

import logging
import socket
import threading
from types import TracebackType

logger = logging.getLogger(__name__)

ACCEPT_POLL_SECONDS = 0.05  # how often the accepting thread looks whether it should end


class TcpForwarder:
    """127.0.0.1:`port`, forwarding to `target` while open."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._forwarding = False
        self._closed = False
        self._connections: list[socket.socket] = []
        self._acceptor: threading.Thread | None = None

    def open(self) -> None:
        """Accept connections and forward them to the target."""
        with self._lock:
            self._forwarding = True
            if self._acceptor is None:
                self._listener.listen()
                self._listener.settimeout(ACCEPT_POLL_SECONDS)
                self._acceptor = threading.Thread(target=self._accept, name="forwarder", daemon=True)
                self._acceptor.start()

    def cut(self) -> None:
        """Drop every forwarded connection; new ones are closed as soon as they are accepted."""
        with self._lock:
            self._forwarding = False
            connections, self._connections = self._connections, []
        for connection in connections:
            _shut(connection)

    def close(self) -> None:
        self.cut()
        with self._lock:
            self._closed = True
            acceptor = self._acceptor
        if acceptor is not None:
            acceptor.join()
        self._listener.close()

    def __enter__(self) -> TcpForwarder:
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def _accept(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            with self._lock:
                forwarding = self._forwarding
            if not forwarding:
                _shut(client)
                continue
            server = socket.create_connection(self.target)
            with self._lock:
                self._connections += [client, server]
            for source, destination in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, destination), daemon=True).start()


def _pump(source: socket.socket, destination: socket.socket) -> None:
    """Copy bytes one way until either side ends; then end both."""
    try:
        while data := source.recv(65536):
            destination.sendall(data)
    except OSError as error:  # the other pump, or cut(), closed a socket: the connection is over either way
        logger.debug("forwarded connection ended: %s", error)
    finally:
        _shut(source)
        _shut(destination)


def _shut(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError as error:  # already shut by the other side or the other pump
        logger.debug("socket already shut: %s", error)
    connection.close()
