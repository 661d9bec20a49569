"""`generate()`: a networker's mailbox and calendar with the ground truth of what Rapport must find.

The output is a pure function of (seed, messages, now, user): one random generator seeded from `seed`
drives every choice, in a fixed order. Planted scenarios come first, then everyday correspondence and
list traffic, and singleton automated mail fills the remainder so the total is exactly `messages`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sandbox.generator.awaiting import AwaitingPlanner, plant_awaiting
from sandbox.generator.background import (
    automated_mail,
    calendar_noise,
    list_traffic,
    make_lists,
    make_senders,
    quiet_group,
)
from sandbox.generator.contacts import everyday, plant_cold, plant_cold_near_misses, plant_meeting_sizes
from sandbox.generator.meetings import MeetingPlanner, plant_all_hands, plant_one_to_ones, plant_thank_you
from sandbox.generator.model import Clock
from sandbox.generator.render import render
from sandbox.generator.truth import ground_truth
from sandbox.generator.world import World

MIN_MESSAGES = 500
MAILBOX_FORMAT = "rapport-sandbox-mailbox/1"


@dataclass(frozen=True)
class Generated:
    """A generated mailbox document (docs/mailbox-format.md) and its ground truth."""

    mailbox: dict[str, Any]
    truth: dict[str, Any]

    def write(self, mailbox_path: str | Path, truth_path: str | Path) -> None:
        """Writes both documents as UTF-8 JSON. The mailbox is compact and written message by message, so
        a 100,000-message mailbox never exists as one string in memory."""
        with Path(mailbox_path).open("w", encoding="utf-8") as out:
            _write_mailbox(self.mailbox, out)
        Path(truth_path).write_text(
            json.dumps(self.truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )


def _write_mailbox(mailbox: dict[str, Any], out: TextIO) -> None:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    out.write(encode({key: value for key, value in mailbox.items() if key != "users"})[:-1] + ',"users":[')
    for index, user in enumerate(mailbox["users"]):
        head = encode({key: value for key, value in user.items() if key != "messages"})
        out.write(("," if index else "") + head[:-1] + ',"messages":[')
        for position, message in enumerate(user["messages"]):
            out.write(("," if position else "") + encode(message))
        out.write("]}")
    out.write("]}\n")


def positives_for(messages: int) -> int:
    """Planted positives per rule kind: tens at 2,000 messages, growing with the square root of size."""
    return max(2, min(round(0.5 * math.sqrt(messages)), messages // 60))


def generate(
    seed: int,
    messages: int,
    *,
    now: datetime | None = None,
    user_email: str = "alex.morgan@example.com",
    user_name: str = "Alex Morgan",
    timezone: str = "Europe/London",
) -> Generated:
    """A mailbox of exactly `messages` messages over ~3 years before `now` (default: this hour, UTC)."""
    if messages < MIN_MESSAGES:
        raise ValueError(f"messages must be at least {MIN_MESSAGES} to hold every planted scenario")
    moment = now or Clock.default_now()
    world = World(seed, Clock.from_datetime(moment), user_email, user_name, timezone)
    positives = positives_for(messages)
    near_misses = max(1, round(positives / 8))

    lists = make_lists(world)
    senders = make_senders(world)
    assert senders.calendar is not None
    meetings = MeetingPlanner(world, senders.calendar)
    plant_thank_you(world, meetings, positives, near_misses)
    plant_all_hands(world, meetings)
    plant_one_to_ones(world, max(1, positives // 10))
    plant_awaiting(world, AwaitingPlanner(world, lists, senders, meetings), positives, near_misses)
    plant_cold(world, lists, positives)
    plant_cold_near_misses(world, meetings, near_misses)
    plant_meeting_sizes(world, meetings, near_misses)
    quiet_group(world, lists)

    remaining = messages - world.message_count
    if remaining < messages // 5:
        raise ValueError(f"{messages} messages cannot hold the planted scenarios ({world.message_count})")
    everyday(world, int(remaining * 0.35), near_misses)
    list_traffic(world, lists, int(remaining * 0.17))
    calendar_noise(world, max(10, messages // 40))
    automated_mail(world, senders, messages - world.message_count)

    user = render(world)
    mailbox = {
        "format": MAILBOX_FORMAT,
        "generated": {"seed": seed, "messages": messages, "now": Clock.iso(world.clock.now)},
        "users": [user],
    }
    return Generated(mailbox=mailbox, truth=ground_truth(world))
