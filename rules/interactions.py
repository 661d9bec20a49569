"""Relationships: every interaction with each person, folded into distinct days, one pass over compact rows.

An interaction is a message the user wrote to the person, a message the person wrote that the user
received, or a meeting both attended that has ended (docs/rules.md). Interactions count by distinct day in
the user's timezone; a day is "direct" when some mail that day had no list among its recipients, and a
"list" day otherwise. Each day is one integer and its kinds one bit mask, so the pass over a hundred
thousand interactions is a dictionary update per row.
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Literal

from rules.clock import UserClock

SENT: Literal[0] = 0
RECEIVED: Literal[1] = 1
MET: Literal[2] = 2
Direction = Literal[0, 1, 2]

# (person key, epoch seconds, direction, inside a list thread, store thread id or None for meetings)
InteractionRow = tuple[str, int, Direction, bool, int | None]

_DIRECTION_BITS = (1, 2, 4)  # SENT, RECEIVED, MET
_DIRECT_BIT = 8
_LIST_BIT = 16


@dataclass(frozen=True, slots=True)
class DayCounts:
    """How many distinct days of each kind a relationship had, and the days themselves (oldest first)."""

    days: list[int]  # day numbers (proleptic ordinals of the user's local dates)
    sent: int
    received: int
    met: int
    direct: int  # days with a direct mail exchange or a meeting
    list_only: int  # days whose only exchanges were inside list threads
    median_gap_days: float | None  # see `median_gap`, computed once: the rules ask for it several times

    def median_gap(self) -> float | None:
        """The median gap in days between consecutive distinct interaction days; None below two days."""
        return self.median_gap_days


def _median_gap(days: list[int]) -> float | None:
    """`statistics.median` of the gaps, written out: it is asked for thousands of relationships a run."""
    if len(days) < 2:
        return None
    gaps = sorted(map(operator.sub, days[1:], days))  # each day minus the one before
    middle = len(gaps) // 2
    return float(gaps[middle] if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) / 2)


@dataclass(slots=True)
class Relationship:
    """What the user and one person did together, by distinct day."""

    key: str
    first_epoch: int
    last_epoch: int
    last_direction: Direction = SENT
    last_mail_epoch: int = 0
    last_mail_thread: int | None = None
    day_kinds: dict[int, int] = field(default_factory=dict)  # day number → bits of what happened that day
    _counts: DayCounts | None = None

    def counts(self) -> DayCounts:
        """The day counts (computed once the relationship is complete)."""
        if self._counts is None:
            sent = received = met = direct = list_only = 0
            for bits in self.day_kinds.values():
                if bits & 1:
                    sent += 1
                if bits & 2:
                    received += 1
                if bits & 4:
                    met += 1
                if bits & (_DIRECT_BIT | 4):
                    direct += 1
                elif bits & _LIST_BIT:
                    list_only += 1
            days = sorted(self.day_kinds)
            self._counts = DayCounts(days, sent, received, met, direct, list_only, _median_gap(days))
        return self._counts


def build_relationships(
    rows: Iterable[InteractionRow], clock: UserClock, skip_threads: Collection[int] = ()
) -> dict[str, Relationship]:
    """Fold interaction rows into one relationship per person; mail in `skip_threads` does not count."""
    relationships: dict[str, Relationship] = {}
    day_turn, day_number = clock.day_turn, clock.day_number
    turns: dict[int, tuple[int, int]] = {}  # UTC day → `UserClock.day_turn`, without a call per row
    for key, when, direction, on_list, thread in rows:
        if skip_threads and thread in skip_threads:
            continue
        relationship = relationships.get(key)
        if relationship is None:
            relationship = relationships[key] = Relationship(key, first_epoch=when, last_epoch=when)
        utc_day = when // 86400
        turn = turns.get(utc_day)
        if turn is None:
            turn = turns[utc_day] = day_turn(utc_day)
        first, next_day_at = turn
        day = (first + 1 if when >= next_day_at else first) if first else day_number(when)
        bits = _DIRECTION_BITS[direction]
        if thread is not None:
            bits |= _LIST_BIT if on_list else _DIRECT_BIT
            if when >= relationship.last_mail_epoch:
                relationship.last_mail_epoch = when
                relationship.last_mail_thread = thread
        kinds = relationship.day_kinds
        kinds[day] = kinds.get(day, 0) | bits
        if when < relationship.first_epoch:  # noqa: PLR1730  (a comparison, not a call: once per row)
            relationship.first_epoch = when
        if when >= relationship.last_epoch:
            relationship.last_epoch = when
            relationship.last_direction = direction
    return relationships
