"""SIGTERM and SIGINT as a callback run on an ordinary thread, whichever thread the signal lands on.

A Python signal handler runs in the main thread only when that thread next executes bytecode; a main
thread asleep in a scheduler's ten-minute wait never does if the kernel handed the signal to a worker
thread, and a handler that takes locks can deadlock against the very code it interrupted. So the handler
does nothing; the C-level wakeup fd (which every thread's signal writes to) wakes a watcher thread, and the
callback runs there.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _leave_it_to_the_watcher(_signum: int, _frame: FrameType | None) -> None:
    """Replaces the default action (exit, or KeyboardInterrupt): the watcher thread does the work."""


@contextmanager
def on_stop_signal(callback: Callable[[str], None]) -> Iterator[None]:
    """While inside, SIGTERM/SIGINT call `callback(signal name)` on a watcher thread; restored after.

    Only the main thread may install signal handlers: elsewhere (an embedding program) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    watcher = threading.Thread(target=_watch, args=(reader, callback), name="rapport-signals", daemon=True)
    watcher.start()
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = {signum: signal.signal(signum, _leave_it_to_the_watcher) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(previous_fd)
        writer.close()  # the watcher reads end-of-stream and returns
        watcher.join()
        reader.close()


def _watch(reader: socket.socket, callback: Callable[[str], None]) -> None:
    while True:
        received = reader.recv(64)
        if not received:
            return
        for signum in received:
            if signum in STOP_SIGNALS:
                name = signal.Signals(signum).name
                logger.info("%s received: stopping after the current step", name)
                callback(name)
