"""One Gmail user's history: the historyId counter and the change records `history.list` serves.

Every mutation advances the historyId by a deterministic, non-contiguous step (Gmail's ids grow "with
random gaps in between valid IDs") and appends one record per kind of change. Records older than the
retention window are purged; the oldest point still answerable then moves up, and a `startHistoryId`
below it is answered 404, as Gmail does once its history has expired.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

MESSAGE_ADDED = "messageAdded"
MESSAGE_DELETED = "messageDeleted"
LABEL_ADDED = "labelAdded"
LABEL_REMOVED = "labelRemoved"

# The record list key and whether the entry carries the changed labels, per history type.
_RECORD_KEYS: dict[str, tuple[str, bool]] = {
    MESSAGE_ADDED: ("messagesAdded", False),
    MESSAGE_DELETED: ("messagesDeleted", False),
    LABEL_ADDED: ("labelsAdded", True),
    LABEL_REMOVED: ("labelsRemoved", True),
}

DEFAULT_START_HISTORY_ID = 100000


@dataclass(frozen=True)
class HistoryRecord:
    """One change to one message: what happened, to which message, and its labels at that moment."""

    id: int
    at: float  # epoch seconds, for retention
    kind: str
    message_id: str
    thread_id: str
    message_labels: tuple[str, ...]
    changed_labels: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The History resource Gmail serves for this record."""
        key, with_labels = _RECORD_KEYS[self.kind]
        message: dict[str, Any] = {"id": self.message_id, "threadId": self.thread_id}
        if self.kind != MESSAGE_DELETED:
            message["labelIds"] = list(self.message_labels)
        entry: dict[str, Any] = {"message": message}
        if with_labels:
            entry["labelIds"] = list(self.changed_labels)
        return {
            "id": str(self.id),
            "messages": [{"id": self.message_id, "threadId": self.thread_id}],
            key: [entry],
        }

    def concerns_label(self, label_id: str) -> bool:
        """True when the message carried `label_id` then, or the change was about it."""
        return label_id in self.message_labels or label_id in self.changed_labels


class HistoryExpiredError(LookupError):
    """The requested startHistoryId is older than the history still kept."""


@dataclass
class HistoryLog:
    """The historyId counter and retained records of one mailbox."""

    current: int = DEFAULT_START_HISTORY_ID
    floor: int = DEFAULT_START_HISTORY_ID  # the oldest startHistoryId still answerable
    records: list[HistoryRecord] = field(default_factory=list)
    _steps: int = 0

    @classmethod
    def starting_at(cls, history_id: int) -> HistoryLog:
        """A log whose current id (and oldest answerable point) is `history_id`."""
        return cls(current=history_id, floor=history_id)

    def _next_id(self) -> int:
        self._steps += 1
        # A deterministic step of 3..43: ids grow with gaps, never contiguously.
        self.current += 3 + (self._steps * 7919) % 41
        return self.current

    def append(
        self,
        kind: str,
        *,
        at: float,
        message_id: str,
        thread_id: str,
        message_labels: Iterable[str],
        changed_labels: Iterable[str] = (),
    ) -> int:
        """Record one change; returns its history id (now the mailbox's current historyId)."""
        record_id = self._next_id()
        self.records.append(
            HistoryRecord(
                id=record_id,
                at=at,
                kind=kind,
                message_id=message_id,
                thread_id=thread_id,
                message_labels=tuple(message_labels),
                changed_labels=tuple(changed_labels),
            )
        )
        return record_id

    def purge_before(self, cutoff: float) -> None:
        """Drop records made before `cutoff` (epoch seconds); the oldest answerable point moves up."""
        keep_from = 0
        while keep_from < len(self.records) and self.records[keep_from].at < cutoff:
            keep_from += 1
        if keep_from:
            self.floor = max(self.floor, self.records[keep_from - 1].id)
            del self.records[:keep_from]

    def expire_all(self) -> None:
        """Forget every record: only the current historyId stays answerable."""
        self.records.clear()
        self.floor = self.current

    def since(
        self, start: int, *, types: Sequence[str] = (), label_id: str | None = None
    ) -> list[HistoryRecord]:
        """The records after `start`, filtered by type and label, oldest first.

        Raises HistoryExpiredError when `start` is older than the oldest point still kept.
        """
        if start < self.floor:
            raise HistoryExpiredError(start)
        ids = [record.id for record in self.records]
        selected = self.records[bisect.bisect_right(ids, start) :]
        if types:
            wanted = set(types)
            selected = [record for record in selected if record.kind in wanted]
        if label_id is not None:
            selected = [record for record in selected if record.concerns_label(label_id)]
        return selected
