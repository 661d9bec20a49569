"""Two-way relationships with a cadence, placed so that their cold-contact verdict has a wide margin.

A relationship is a run of exchanges (threads of 1–5 mails, or a meeting) every ~cadence days. Its
distinct interaction days give the median gap and so the threshold max(min_days, k × median) of
docs/rules.md; the silence since the last interaction is then chosen for the wanted status:
`active` (≤ 0.7 × threshold), `cold` (≥ 1.3 × threshold and well under max_days), `slow` (silent longer than
min_days yet ≤ 0.7 × its long threshold) or `dormant` (beyond 1.1 × max_days). The threshold is computed
with both the low and the high median, so an engine using either gets the same verdict.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from itertools import pairwise

from rules.settings import ColdContactRule
from sandbox.generator import pools
from sandbox.generator.model import ACK, ASKS, DAY, HOUR, STATEMENT, Attendee, Event, Thread
from sandbox.generator.people import Person
from sandbox.generator.world import World
from sync.settings import SyncSettings

COLD = ColdContactRule(name="ground-truth")
HORIZON_DAYS = 1460  # nothing is older than this (four years)
# What a default sync sees (sync/settings.py): a relationship that can be found, or must not be, lies
# wholly inside both windows, so the verdict is the same on the full history and on what was synced.
SEEN_MAIL_DAYS = SyncSettings().window_days - 30
SEEN_MEETING_DAYS = SyncSettings().calendar_past_days - 20
RECENT_DAYS = 30  # a relationship thread that ends inside this many days ends with the contact's mail
MEETING_MIN_AGE_DAYS = 14  # relationship meetings stay clear of the thank-you window

Slot = tuple[int, float]  # (relative day, hour of day UTC)


@dataclass(slots=True)
class Exchange:
    slots: list[Slot]
    meeting: bool = False
    user_first: bool = False


def thresholds(days: list[int]) -> tuple[float, float]:
    """The cold threshold under the low and the high median of the gaps between distinct days."""
    distinct = sorted(set(days))
    gaps = [later - earlier for earlier, later in pairwise(distinct)]
    if not gaps:
        return float(COLD.min_days), float(COLD.min_days)
    low = max(COLD.min_days, COLD.k * statistics.median_low(gaps))
    high = max(COLD.min_days, COLD.k * statistics.median_high(gaps))
    return float(low), float(high)


def silence_range(status: str, low: float, high: float) -> tuple[int, int]:
    """Days since the last interaction that give `status` a clear verdict (empty when first > last)."""
    if status == "active":
        return 1, math.floor(0.7 * low) - 1
    if status == "cold":
        return math.ceil(1.3 * high) + 1, min(math.ceil(2.4 * high), SEEN_MAIL_DAYS - 60)
    if status == "slow":
        return math.ceil(1.3 * COLD.min_days) + 1, math.floor(0.7 * low) - 1
    if status == "dormant":
        return math.ceil(1.1 * COLD.max_days) + 5, math.ceil(1.1 * COLD.max_days) + 90
    raise ValueError(status)


def _exchanges(
    world: World, *, cadence: int, count: int, same_day: float, meeting_rate: float, odd_only: bool
) -> list[Exchange]:
    rng = world.rng
    sizes = (3, 3, 5) if odd_only else (2, 2, 2, 3, 3, 4, 5, 1)
    exchanges: list[Exchange] = []
    day = 0
    for index in range(count):
        if index:
            day += max(1, round(cadence * rng.uniform(0.75, 1.3)))
        if (index or meeting_rate >= 1) and rng.random() < meeting_rate:
            exchanges.append(
                Exchange([(day, float(rng.choice((9, 10, 11, 12.5, 14, 15, 16))))], meeting=True)
            )
            continue
        size = rng.choice(sizes) if index else max(2, rng.choice(sizes))
        hour = rng.uniform(8, 12)
        slots: list[Slot] = [(day, hour)]
        for _ in range(size - 1):
            if rng.random() < same_day and hour + 5.5 < 19.5:
                hour += rng.uniform(0.5, 5)
            else:
                day += rng.randint(1, 3)
                hour = rng.uniform(8, 19)
            slots.append((day, hour))
        exchanges.append(Exchange(slots, user_first=rng.random() < 0.5))
    return exchanges


def relationship(
    world: World,
    person: Person,
    status: str,
    *,
    cadence: int,
    count: int,
    meeting_rate: float = 0.0,
    same_day: float = 0.55,
    via_list: Person | None = None,
    max_silence: int | None = None,
    attempts: int = 8,
) -> bool:
    """Plans a relationship with `person` whose verdict is `status`; False when no placement fits."""
    rng = world.rng
    for _ in range(attempts):
        exchanges = _exchanges(
            world,
            cadence=cadence,
            count=count,
            same_day=same_day,
            meeting_rate=meeting_rate,
            odd_only=via_list is not None,
        )
        while any(exchange.meeting or len(exchange.slots) > 1 for exchange in exchanges):  # still two-way
            days = [slot[0] for exchange in exchanges for slot in exchange.slots]
            low, high = thresholds(days)
            window = silence_range(status, low, high)
            first, final = window[0], min(window[1], max_silence or window[1])
            if first > final:
                break
            silence = rng.randint(first, final)
            last = max(days)
            horizon = HORIZON_DAYS if status == "dormant" else SEEN_MAIL_DAYS
            if silence + last - min(days) <= horizon:
                _place(world, person, exchanges, silence=silence, last=last, via_list=via_list)
                return True
            exchanges = exchanges[1:]
    return False


def _place(
    world: World,
    person: Person,
    exchanges: list[Exchange],
    *,
    silence: int,
    last: int,
    via_list: Person | None,
) -> None:
    clock = world.clock
    for exchange in exchanges:
        stamps = [clock.day(silence + last - day, hour) for day, hour in exchange.slots]
        if exchange.meeting:
            if MEETING_MIN_AGE_DAYS <= (clock.now - stamps[0]) // DAY <= SEEN_MEETING_DAYS:
                _meeting(world, person, stamps[0])
                continue
            exchange.user_first = False
            stamps.append(stamps[0] + int(2 * HOUR))
        user_first = exchange.user_first
        if via_list is not None:
            user_first = False
        elif clock.now - stamps[-1] < RECENT_DAYS * DAY:
            user_last = user_first == (len(stamps) % 2 == 1)
            if user_last:
                user_first = not user_first
        _thread(world, person, stamps, user_first, via_list)


def _thread(
    world: World, person: Person, stamps: list[int], user_first: bool, via_list: Person | None
) -> None:
    rng, user = world.rng, world.user
    subject = world.subject_for(person)
    if via_list is not None:
        subject = world.fill(
            rng.choice(pools.SUBJECTS["peer"]), person, list=via_list.name.split()[0].lower()
        )
    mails = []
    for index, ts in enumerate(stamps):
        from_user = user_first == (index % 2 == 0)
        if from_user:
            intent = rng.choice((ASKS, STATEMENT, STATEMENT, ACK))
            pool = {ASKS: pools.QUESTIONS, STATEMENT: pools.STATEMENTS, ACK: pools.ACKNOWLEDGEMENTS}[intent]
            text = world.fill(rng.choice(pool), person)
            cc = [via_list] if via_list is not None else []
            mails.append(world.mail(ts, user, [person], intent, text, cc=cc, quote_above=rng.random() < 0.2))
        else:
            text = world.fill(rng.choice(pools.CONTACT_LINES), person)
            to = [via_list] if via_list is not None else [user]
            mails.append(world.mail(ts, person, to, STATEMENT, text, via_list=via_list))
    category = "CATEGORY_FORUMS" if via_list is not None else "CATEGORY_PERSONAL"
    world.add_thread(Thread(subject=subject, mails=mails, category=category))


def _meeting(world: World, person: Person, start: int) -> None:
    rng = world.rng
    kind = rng.choice(("coffee", "catch_up", "catch_up", "work"))
    summary = world.fill(rng.choice(pools.MEETING_TITLES[kind]), person)
    organizer = world.user if rng.random() < 0.5 else person
    duration = rng.choice((30, 45, 60)) * 60
    world.add_event(
        Event(
            id=world.event_id(),
            summary=summary,
            start=start,
            end=start + duration,
            attendees=[Attendee(person)],
            organizer=organizer,
            created=start - rng.randint(1, 14) * DAY,
        )
    )
