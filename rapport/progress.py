"""A progress bar per account while an initial sync fetches its messages, for a person at a terminal.

The sync reports `(messages fetched, messages to fetch)` only while it fetches a listed window (the initial
sync, or a repair), so an ordinary incremental sync shows no bar. Nothing is drawn unless the console is a
terminal: piped or logged output stays plain.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from rapport.config import AccountSettings
from sync.context import Progress as ProgressCallback


class SyncProgress:
    """Rich bars, one per account, started at the first report and stopped when the block ends."""

    def __init__(self, console: Console) -> None:
        self._bars = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("messages"),
            TimeRemainingColumn(),
            console=console,
        )
        self._tasks: dict[str, TaskID] = {}
        self._started = False

    def for_account(self, account: AccountSettings) -> ProgressCallback:
        """The callback the account's sync reports to."""

        def report(done: int, total: int) -> None:
            if not self._started:
                self._bars.start()
                self._started = True
            task = self._tasks.get(account.name)
            if task is None:
                task = self._bars.add_task(f"Syncing {account.name} ({account.email})", total=total)
                self._tasks[account.name] = task
            self._bars.update(task, completed=done, total=total)

        return report

    def __enter__(self) -> SyncProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._started:
            self._bars.stop()


def sync_progress(console: Console) -> SyncProgress | None:
    """Bars for `console` when it is a terminal; None (no bars) otherwise."""
    return SyncProgress(console) if console.is_terminal else None
