"""The call log: one record per API call the sandbox answered, readable by tests and the admin endpoint."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class CallRecord:
    """One API call: which method, for whom, what it cost in Gmail quota units and how it was answered.

    `status` is the HTTP status the call was answered with (0 when the connection was dropped before any
    answer); `fault` names the injected fault, if any ("500", "503", "429", "drop_before", "drop_after",
    "slow"). A call refused 401 (no live access token) has `user` "" because nobody was authenticated.
    """

    method_id: str
    user: str
    cost: int
    status: int
    in_batch: bool
    forbidden: bool
    at: datetime
    fault: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-friendly values (the time as RFC 3339)."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


class CallLog:
    """A thread-safe, append-only list of CallRecords with the counts tests ask for.

    Forbidden calls are also kept apart, out of reach of `clear`: a test that clears the log to count one
    step's calls must not also erase the evidence that some earlier step tried to send.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[CallRecord] = []
        self._forbidden: list[CallRecord] = []

    def record(
        self,
        method_id: str,
        user: str,
        *,
        cost: int,
        status: int,
        in_batch: bool = False,
        forbidden: bool = False,
        fault: str | None = None,
    ) -> CallRecord:
        """Append one call, stamped now (UTC)."""
        entry = CallRecord(
            method_id=method_id,
            user=user,
            cost=cost,
            status=status,
            in_batch=in_batch,
            forbidden=forbidden,
            at=datetime.now(UTC),
            fault=fault,
        )
        with self._lock:
            self._records.append(entry)
            if forbidden:
                self._forbidden.append(entry)
        return entry

    def calls(self) -> list[CallRecord]:
        """Every record so far, oldest first."""
        with self._lock:
            return list(self._records)

    def forbidden(self) -> list[CallRecord]:
        """Every call Rapport must never make (send, trash, modify, calendar writes...) since the server
        started, whether or not the log was cleared since."""
        with self._lock:
            return list(self._forbidden)

    def count(self, method_id: str | None = None, user: str | None = None) -> int:
        """How many calls were made, optionally of one method and/or by one user."""
        with self._lock:
            return sum(1 for entry in self._records if _matches(entry, method_id, user))

    def units(self, user: str | None = None) -> int:
        """Gmail quota units charged, optionally for one user."""
        with self._lock:
            return sum(entry.cost for entry in self._records if _matches(entry, None, user))

    def clear(self) -> None:
        """Forget every record, except that `forbidden()` still lists the forbidden ones."""
        with self._lock:
            self._records.clear()


def _matches(entry: CallRecord, method_id: str | None, user: str | None) -> bool:
    return (method_id is None or entry.method_id == method_id) and (user is None or entry.user == user)
