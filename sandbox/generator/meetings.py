"""Planted meetings: thank-you positives and every near miss of the thank-you rule, 1:1 series, all-hands.

Positives end 3 h – 6 days before `now` (the rule looks 2 h – 7 days back). Timing near misses end less
than an hour ago or more than 8 days ago. Their attendees are new people whose only interactions are
the meeting and a scheduling thread before it, so no later sent mail resolves them by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sandbox.generator import pools
from sandbox.generator.model import ACK, ASKS, DAY, HOUR, STATEMENT, THANKS_NOTE, Attendee, Event, Thread
from sandbox.generator.people import AUTOMATED, Person
from sandbox.generator.relationships import relationship
from sandbox.generator.world import World

MEETING_KINDS = ("interview", "interview", "coffee", "intro", "catch_up", "work")
ATTENDEE_KINDS = {
    "interview": "hiring_manager",
    "coffee": "colleague",
    "intro": "client",
    "catch_up": "mentor",
    "work": "client",
}


def meeting_slot(world: World, min_age_hours: float, max_age_hours: float, minutes: int) -> tuple[int, int]:
    """(start, end) of a meeting in working hours whose end lies the given number of hours before now."""
    rng, clock = world.rng, world.clock
    duration = minutes * 60
    for _ in range(60):
        days_ago = rng.randint(max(0, int(min_age_hours // 24) - 1), int(max_age_hours // 24) + 1)
        start = clock.day(days_ago, rng.choice((9, 9.5, 10, 11, 13, 14, 14.5, 15, 16, 17)))
        age_hours = (clock.now - start - duration) / HOUR
        if min_age_hours <= age_hours <= max_age_hours:
            return start, start + duration
    end = clock.now - int(rng.uniform(min_age_hours, max_age_hours) * HOUR)
    return end - duration, end


def room(world: World) -> Attendee:
    label = world.rng.choice(("London-3-Thames (8)", "Boardroom", "Focus room 2", "Zürich-1-Limmat (4)"))
    local = "c_" + world.event_id()[:18]
    return Attendee(
        Person(name=label, email=f"{local}@resource.calendar.google.com", kind=AUTOMATED), resource=True
    )


def group(world: World) -> Attendee:
    local = world.rng.choice(("team-platform", "eng-all", "design-guild", "leadership"))
    address = f"{local}-{world.event_id()[:6]}@group.calendar.google.com"
    return Attendee(Person(name=local.replace("-", " ").title(), email=address, kind=AUTOMATED))


class MeetingPlanner:
    """Builds meetings with new attendees, optional scheduling mail and a calendar invitation mail."""

    def __init__(self, world: World, calendar_sender: Person) -> None:
        self.world = world
        self.calendar_sender = calendar_sender

    def people(self, kind: str, count: int) -> list[Person]:
        company = self.world.rng.choice(pools.COMPANIES)
        return [self.world.cast.person(ATTENDEE_KINDS.get(kind, kind), company) for _ in range(count)]

    def meeting(
        self,
        start: int,
        end: int,
        humans: list[Person],
        *,
        kind: str | None = None,
        user_response: str = "accepted",
        user_organizes: bool | None = None,
        status: str = "confirmed",
        extras: tuple[Attendee, ...] = (),
        schedule: bool = True,
    ) -> Event:
        world, rng = self.world, self.world.rng
        kind = kind or rng.choice(MEETING_KINDS)
        lead = humans[0] if humans else world.user
        summary = world.fill(rng.choice(pools.MEETING_TITLES[kind]), lead)
        if user_organizes is None:
            user_organizes = rng.random() < 0.4 and user_response == "accepted"
        organizer = world.user if user_organizes or not humans else humans[0]
        created = min(start - rng.randint(2, 12) * DAY, world.clock.now - rng.randint(1, 72) * HOUR)
        event = world.add_event(
            Event(
                id=world.event_id(),
                summary=summary,
                start=start,
                end=end,
                organizer=organizer,
                attendees=[Attendee(person) for person in humans] + list(extras),
                user_response=user_response,
                status=status,
                created=created,
            )
        )
        if schedule and humans and organizer is not world.user and rng.random() < 0.45:
            self.scheduling_thread(event, humans[0])
        if organizer is not world.user:
            self.invitation(event)
        return event

    def scheduling_thread(self, event: Event, contact: Person) -> None:
        """The contact proposes a time, the user agrees, the contact confirms — all before the meeting."""
        world, rng = self.world, self.world.rng
        first = event.created - rng.randint(1, 3) * DAY
        stamps = [first, first + int(rng.uniform(1, 5) * HOUR), first + int(rng.uniform(6, 20) * HOUR)]
        user = world.user
        mails = [
            world.mail(
                stamps[0],
                contact,
                [user],
                ASKS,
                world.fill("Are you available for a call about the {role} role this week?", contact),
            ),
            world.mail(stamps[1], user, [contact], ACK, rng.choice(pools.ACKNOWLEDGEMENTS)),
            world.mail(stamps[2], contact, [user], STATEMENT, "Invite sent — speak then."),
        ]
        world.add_thread(Thread(subject=world.fill("Scheduling: {role} chat", contact), mails=mails))

    def invitation(self, event: Event) -> None:
        world = self.world
        text = f"{event.organizer.name} has invited you to {event.summary}."
        mail = world.mail(
            event.created, self.calendar_sender, [world.user], "automated", text, labels=("CATEGORY_UPDATES",)
        )
        world.add_thread(
            Thread(subject=f"Invitation: {event.summary}", mails=[mail], category="CATEGORY_UPDATES")
        )

    def thank_you_note(self, event: Event, to: list[Person], sent: int) -> Thread:
        world, rng = self.world, self.world.rng
        subject = world.fill(rng.choice(pools.THANK_YOU_SUBJECTS), to[0], summary=event.summary)
        text = world.fill(rng.choice(pools.THANK_YOU_NOTES), to[0])
        mail = world.mail(sent, world.user, to, THANKS_NOTE, text)
        return world.add_thread(Thread(subject=subject, mails=[mail]))


def plant_thank_you(world: World, planner: MeetingPlanner, positives: int, near_misses: int) -> None:
    rng, planted, clock = world.rng, world.planted, world.clock

    def humans(low: int = 1, high: int = 3, kind: str = "interview") -> list[Person]:
        return planner.people(kind, rng.choice(range(low, high + 1)))

    for index in range(positives):
        kind = rng.choice(MEETING_KINDS)
        people = planner.people(kind, rng.choice((1, 1, 1, 2, 2, 3, 4, 5)))
        start, end = meeting_slot(world, 3, 6 * 24, rng.choice((30, 45, 60)))
        extras: list[Attendee] = []
        if rng.random() < 0.3:
            extras.append(room(world))
        if rng.random() < 0.1:
            extras.append(group(world))
        if rng.random() < 0.12:
            extras.append(Attendee(world.cast.person("colleague"), response="declined"))
        if index % 17 == 5:
            extras.append(Attendee(world.user, email=world.cast.user_aliases[0], response="accepted"))
        response = "tentative" if rng.random() < 0.1 else "accepted"
        planted.thank_you.append(
            planner.meeting(
                start,
                end,
                people,
                kind=kind,
                user_response=response,
                user_organizes=False if response == "tentative" else None,
                extras=tuple(extras),
            )
        )

    def recent(hours_low: float = 3, hours_high: float = 4 * 24) -> tuple[int, int]:
        return meeting_slot(world, hours_low, hours_high, rng.choice((30, 45, 60)))

    def thanked() -> Event:
        people = humans(1, 2)
        event = planner.meeting(*recent(), people)
        planner.thank_you_note(
            event, people, min(event.end + int(rng.uniform(0.5, 20) * HOUR), clock.now - 600)
        )
        return event

    def thanked_one() -> Event:
        people = humans(2, 4)
        event = planner.meeting(*recent(), people)
        planner.thank_you_note(
            event, people[:1], min(event.end + int(rng.uniform(0.5, 20) * HOUR), clock.now - 600)
        )
        return event

    def all_day() -> Event:
        start, _ = recent(24, 5 * 24)
        event = planner.meeting(start, start + DAY, humans(1, 2), kind="work")
        event.all_day = True
        return event

    def typed(event_type: str) -> Callable[[], Event]:
        def build() -> Event:
            start, end = recent()
            summary = {"outOfOffice": "Out of office", "focusTime": "Focus time", "workingLocation": "Home"}
            return world.add_event(
                Event(
                    id=world.event_id(),
                    summary=summary[event_type],
                    start=start,
                    end=end,
                    attendees=[],
                    organizer=world.user,
                    event_type=event_type,
                    all_day=event_type == "workingLocation",
                    created=start - 3 * DAY,
                )
            )

        return build

    builders: dict[str, Callable[[], Event]] = {
        "the user already sent a thank-you": thanked,
        "the user already wrote to one of the attendees": thanked_one,
        "the user declined": lambda: planner.meeting(*recent(), humans(), user_response="declined"),
        "the user never answered the invitation": lambda: planner.meeting(
            *recent(), humans(), user_response="needsAction"
        ),
        "cancelled": lambda: planner.meeting(*recent(), humans(), status="cancelled"),
        "more than max_attendees other attendees": lambda: planner.meeting(
            *recent(), humans(7, 9), kind="work"
        ),
        "all-day event": all_day,
        "out of office": typed("outOfOffice"),
        "focus time": typed("focusTime"),
        "working location": typed("workingLocation"),
        "only a room attends": lambda: planner.meeting(*recent(), [], extras=(room(world),), kind="work"),
        "only a group address attends": lambda: planner.meeting(*recent(), [], extras=(group(world),)),
        "every other attendee declined": lambda: planner.meeting(
            *recent(), [], extras=tuple(Attendee(p, response="declined") for p in humans(1, 2))
        ),
        "ended less than after_hours ago": lambda: planner.meeting(
            *meeting_slot(world, 0.25, 1.0, 30), humans()
        ),
        "ended more than within_days ago": lambda: planner.meeting(
            *meeting_slot(world, 8 * 24, 11 * 24, 60), humans()
        ),
        "has not happened yet": lambda: planner.meeting(*future(world), humans()),
        "attendeesOmitted: too many to know": lambda: attendees_omitted(world, planner),
    }
    for reason, build in builders.items():
        for _ in range(near_misses):
            planted.negative("thank_you", reason, event=build())


def future(world: World) -> tuple[int, int]:
    start = world.clock.day(-world.rng.randint(1, 60), world.rng.choice((9, 10, 11, 14, 15, 16)))
    return start, start + 45 * 60


def attendees_omitted(world: World, planner: MeetingPlanner) -> Event:
    start, end = meeting_slot(world, 3, 5 * 24, 60)
    event = planner.meeting(start, end, [], kind="work", user_organizes=False, schedule=False)
    event.summary = "Company all-hands"
    event.attendees_omitted = True
    event.organizer = world.cast.person("colleague")
    return event


def plant_all_hands(world: World, planner: MeetingPlanner) -> None:
    """A recent 40-person all-hands at a client (too many to thank) and a future one."""
    company = world.rng.choice(pools.COMPANIES)
    staff = [world.cast.person("colleague", company, messy=0.1) for _ in range(39)]
    start, end = meeting_slot(world, 26, 5 * 24, 60)
    event = planner.meeting(start, end, staff, kind="work", user_organizes=False, schedule=False)
    event.summary = f"{company[0]} all-hands"
    for attendee in event.attendees[::7]:
        attendee.optional = True
    world.planted.negative("thank_you", "40-person all-hands: more than max_attendees", event=event)
    later, later_end = future(world)
    planner.meeting(
        later, later_end, staff, kind="work", user_organizes=False, schedule=False
    ).summary = f"{company[0]} all-hands (next quarter)"


def plant_one_to_ones(world: World, series: int) -> None:
    """Weekly 1:1s with a mentor or manager the user also mails every week (so they stay active)."""
    rng, clock = world.rng, world.clock
    for _ in range(series):
        partner = world.cast.person(rng.choice(("mentor", "client")))
        relationship(world, partner, "active", cadence=7, count=rng.randint(6, 14), max_silence=10)
        weeks_back = rng.randint(8, 30)
        hour = rng.choice((10, 15, 16.5))
        first_day = rng.randint(0, 6) + weeks_back * 7
        first = clock.day(first_day, hour)
        duration = 30 * 60
        weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[(first // DAY + 3) % 7]
        master = world.add_event(
            Event(
                id=world.event_id(),
                summary=f"1:1 {partner.first} / {world.user.first}",
                start=first,
                end=first + duration,
                attendees=[Attendee(partner)],
                organizer=world.user,
                rrule=f"RRULE:FREQ=WEEKLY;BYDAY={weekday}",
                created=first - 5 * DAY,
            )
        )
        cancelled_week = rng.randint(1, weeks_back)
        latest_in_window: Event | None = None
        for week in range(weeks_back + 9):
            start = first + week * 7 * DAY
            instance = world.add_event(
                Event(
                    id=f"{master.id}_{_ical_stamp(start)}",
                    summary=master.summary,
                    start=start,
                    end=start + duration,
                    attendees=[Attendee(partner)],
                    organizer=world.user,
                    recurring_event_id=master.id,
                    created=master.created,
                    status="cancelled" if week == cancelled_week else "confirmed",
                )
            )
            age = clock.now - instance.end
            if 3 * HOUR <= age <= 6 * DAY and instance.status == "confirmed":
                latest_in_window = instance
        if latest_in_window is not None:
            world.planted.negative("thank_you", "an instance of a recurring series", event=latest_in_window)


def _ical_stamp(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y%m%dT%H%M%SZ")
