"""Relationships: every interaction with each person, folded into distinct days, one pass over compact rows.

An interaction is a message the user wrote to the person, a message the person wrote that the user
received, or a meeting both attended that has ended (docs/rules.md). Interactions count by distinct day in
the user's timezone; a day is "direct" when some mail that day had no list among its recipients, and a
"list" day otherwise.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from rules.clock import UserClock

SENT: Literal[0] = 0
RECEIVED: Literal[1] = 1
MET: Literal[2] = 2
Direction = Literal[0, 1, 2]

# (person key, epoch seconds, direction, inside a list thread, store thread id or None for meetings)
InteractionRow = tuple[str, int, Direction, bool, int | None]


@dataclass(slots=True)
class Relationship:
    """What the user and one person did together, by distinct day."""

    key: str
    sent_days: set[date] = field(default_factory=set)
    received_days: set[date] = field(default_factory=set)
    met_days: set[date] = field(default_factory=set)
    direct_days: set[date] = field(default_factory=set)
    list_days: set[date] = field(default_factory=set)
    first_epoch: int = 0
    last_epoch: int = 0
    last_direction: Direction = SENT
    last_mail_epoch: int = 0
    last_mail_thread: int | None = None

    def days(self) -> list[date]:
        """The distinct interaction days, oldest first."""
        return sorted(self.sent_days | self.received_days | self.met_days)

    def median_gap(self) -> float | None:
        """The median gap in days between consecutive distinct interaction days; None below two days."""
        days = self.days()
        if len(days) < 2:
            return None
        return float(statistics.median((later - earlier).days for earlier, later in itertools.pairwise(days)))

    def list_only_days(self) -> set[date]:
        return self.list_days - self.direct_days - self.met_days


def build_relationships(
    rows: Iterable[InteractionRow], clock: UserClock, skip_threads: Collection[int] = ()
) -> dict[str, Relationship]:
    """Fold interaction rows into one relationship per person; mail in `skip_threads` does not count."""
    relationships: dict[str, Relationship] = {}
    day_of = clock.day_of_epoch
    for key, when, direction, on_list, thread in rows:
        if thread is not None and thread in skip_threads:
            continue
        relationship = relationships.get(key)
        if relationship is None:
            relationship = relationships[key] = Relationship(key, first_epoch=when, last_epoch=when)
        day = day_of(when)
        if direction == SENT:
            relationship.sent_days.add(day)
        elif direction == RECEIVED:
            relationship.received_days.add(day)
        else:
            relationship.met_days.add(day)
        if thread is not None:
            (relationship.list_days if on_list else relationship.direct_days).add(day)
            if when >= relationship.last_mail_epoch:
                relationship.last_mail_epoch = when
                relationship.last_mail_thread = thread
        relationship.first_epoch = min(relationship.first_epoch, when)
        if when >= relationship.last_epoch:
            relationship.last_epoch = when
            relationship.last_direction = direction
    return relationships
