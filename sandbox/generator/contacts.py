"""Relationships: planted cold contacts, their near misses, and the everyday correspondence around them.

Every person the user both writes to and hears from (or meets) is given a status on purpose — active,
cold, slow or dormant — by `relationships.relationship`, so the background never produces a cold contact
nobody planted. One-way people (outreach nobody answered, pitches the user ignored) are never candidates,
and neither is anyone met only in a meeting larger than `max_meeting_size` (an all-hands).
"""

from __future__ import annotations

from sandbox.generator import pools
from sandbox.generator.background import Lists
from sandbox.generator.meetings import MeetingPlanner, future, room
from sandbox.generator.model import ACK, DAY, HOUR, OUTREACH, STATEMENT, Attendee, Thread
from sandbox.generator.people import Person
from sandbox.generator.relationships import COLD, relationship
from sandbox.generator.world import World

KINDS = (
    "recruiter",
    "hiring_manager",
    "colleague",
    "colleague",
    "friend",
    "friend",
    "mentor",
    "client",
    "client",
)

# (cadence in days, exchanges low/high, meeting rate, same-day reply rate) per shape of relationship.
COLD_SHAPES: tuple[tuple[int, int, int, float, float], ...] = (
    (7, 6, 18, 0.0, 0.55),
    (14, 5, 14, 0.1, 0.55),
    (30, 4, 12, 0.15, 0.6),
    (45, 3, 8, 0.5, 0.7),
    (91, 3, 6, 0.0, 0.95),
)
ACTIVE_SHAPES: tuple[tuple[int, int, int, float, float], ...] = (
    (7, 4, 30, 0.05, 0.55),
    (14, 3, 20, 0.1, 0.55),
    (30, 3, 16, 0.1, 0.6),
    (60, 3, 10, 0.15, 0.7),
)


def plant_cold(world: World, lists: Lists, positives: int) -> None:
    rng, planted = world.rng, world.planted
    made = 0
    while made < positives:
        person: Person
        if made % 9 == 4:
            person = world.cast.person("peer")
            ok = relationship(
                world,
                person,
                "cold",
                cadence=rng.choice((14, 21, 30)),
                count=rng.randint(4, 9),
                via_list=rng.choice(lists.modern + lists.relay),
            )
        elif made % 9 == 7:
            person = world.cast.person(rng.choice(("mentor", "colleague")))
            ok = relationship(
                world,
                person,
                "cold",
                cadence=rng.choice((21, 30, 40)),
                count=rng.randint(3, 5),
                meeting_rate=1.0,
            )
        else:
            person = world.cast.person(rng.choice(KINDS), messy=0.35)
            cadence, low, high, meetings, same_day = rng.choice(COLD_SHAPES)
            ok = relationship(
                world,
                person,
                "cold",
                cadence=cadence,
                count=rng.randint(low, high),
                meeting_rate=meetings,
                same_day=same_day,
            )
        if ok:
            planted.cold_contact.append(person)
            made += 1


def everyday(world: World, budget: int, near_misses: int) -> None:
    """Relationships that must not be found, until `budget` messages; the first few are recorded as near
    misses with their reason."""
    rng, planted = world.rng, world.planted
    target = world.message_count + budget
    recorded: dict[str, int] = {}

    def record(reason: str, person: Person) -> None:
        if recorded.get(reason, 0) < near_misses:
            recorded[reason] = recorded.get(reason, 0) + 1
            planted.negative("cold_contact", reason, person=person)

    while world.message_count < target:
        roll = rng.random()
        person = world.cast.person(rng.choice(KINDS))
        if roll < 0.62:
            cadence, low, high, meetings, same_day = rng.choice(ACTIVE_SHAPES)
            if relationship(
                world,
                person,
                "active",
                cadence=cadence,
                count=rng.randint(low, high),
                meeting_rate=meetings,
                same_day=same_day,
            ):
                record("recent interaction, inside its threshold", person)
        elif roll < 0.72:
            if relationship(
                world,
                person,
                "slow",
                cadence=rng.choice((120, 180, 365)),
                count=rng.randint(3, 5),
                same_day=0.97,
            ):
                record("silent longer than min_days but not k × its own median gap", person)
        elif roll < 0.8:
            if relationship(
                world, person, "dormant", cadence=rng.choice((7, 14, 21)), count=rng.randint(2, 6)
            ):
                record("silent for longer than max_days", person)
        elif roll < 0.9:
            unanswered_outreach(world, person)
            record("the user wrote, nobody answered", person)
        else:
            ignored_pitches(world, person)
            record("they wrote, the user never did", person)


def unanswered_outreach(world: World, person: Person) -> None:
    rng = world.rng
    sent = world.clock.day(rng.randint(45, 1000), rng.uniform(8, 18))
    mails = [world.mail(sent, world.user, [person], OUTREACH, world.fill(rng.choice(pools.OUTREACH), person))]
    if rng.random() < 0.4:
        mails.append(
            world.mail(
                sent + rng.randint(6, 12) * DAY, world.user, [person], OUTREACH, rng.choice(pools.FOLLOW_UPS)
            )
        )
    world.add_thread(Thread(subject=world.subject_for(person), mails=mails))


def ignored_pitches(world: World, person: Person) -> None:
    rng = world.rng
    for _ in range(rng.randint(1, 3)):
        sent = world.clock.day(rng.randint(60, 1000), rng.uniform(8, 18))
        mail = world.mail(
            sent, person, [world.user], STATEMENT, world.fill(rng.choice(pools.CONTACT_LINES), person)
        )
        world.add_thread(Thread(subject=world.subject_for(person), mails=[mail]))


def plant_cold_near_misses(world: World, meetings: MeetingPlanner, near_misses: int) -> None:
    """Near misses that are not relationships at all: automated two-way mail, the user's own alias, and
    people met only in a meeting the user declined or that has not happened yet."""
    rng, clock, user, planted = world.rng, world.clock, world.user, world.planted
    for _ in range(near_misses):
        company, domain = rng.choice(pools.COMPANIES)
        info = world.cast.automated(f"{company} team", "info", domain, ())
        sent = clock.day(rng.randint(150, 400), rng.uniform(8, 16))
        mails = [
            world.mail(sent, user, [info], OUTREACH, world.fill(pools.OUTREACH[3], info)),
            world.mail(
                sent + 2 * DAY, info, [user], STATEMENT, "Thanks for reaching out, we will get back to you."
            ),
        ]
        world.add_thread(Thread(subject=f"Partnership with {company}", mails=mails))
        planted.negative("cold_contact", "an automated address (info@)", person=info)

        organizer = world.cast.person(rng.choice(("recruiter", "client")))
        start = clock.day(rng.randint(60, 300), rng.choice((10, 14, 16)))
        meetings.meeting(start, start + HOUR, [organizer], user_response="declined", schedule=False)
        planted.negative("cold_contact", "met only in a meeting the user declined", person=organizer)

        guest = world.cast.person(rng.choice(("hiring_manager", "colleague")))
        meetings.meeting(*future(world), [guest], user_organizes=True, schedule=False)
        planted.negative("cold_contact", "the only meeting has not happened yet", person=guest)

    alias = world.cast.user_aliases[0]
    sent = clock.day(rng.randint(100, 400), 9.5)
    note = world.mail(
        sent, user, [user], ACK, "Forwarding my CV to my other address — got it.", spelling=alias
    )
    world.add_thread(Thread(subject="CV (latest)", mails=[note]))
    planted.negative("cold_contact", "the user's own alias", person=user)


def plant_meeting_sizes(world: World, meetings: MeetingPlanner, near_misses: int) -> None:
    """Months-old meetings that are the attendees' only tie to the user. A workshop with exactly
    `max_meeting_size` other attendees (and a room, and an invitee who declined) makes each of them a cold
    contact; one more attendee makes none, and neither does a former client's all-hands, even for the few
    the user once wrote to (one-way mail and an all-hands are no relationship)."""
    rng, clock, user, planted = world.rng, world.clock, world.user, world.planted
    size = COLD.max_meeting_size

    def long_ago() -> int:
        return clock.day(rng.randint(80, 250), rng.choice((10, 11, 14, 15)))

    team = meetings.people("work", size)
    declined = Attendee(world.cast.person("colleague"), response="declined")
    start = long_ago()
    workshop = meetings.meeting(
        start,
        start + 2 * HOUR,
        team,
        kind="work",
        user_organizes=True,
        extras=(room(world), declined),
        schedule=False,
    )
    workshop.summary = f"Workshop: {team[0].company or 'roadmap'}"
    planted.cold_contact.extend(team)

    crowd = meetings.people("work", size + 1)
    start = long_ago()
    meetings.meeting(start, start + HOUR, crowd, kind="work", user_organizes=True, schedule=False)
    for person in crowd[:near_misses]:
        planted.negative(
            "cold_contact", "met only in a meeting with more than max_meeting_size others", person=person
        )

    company = rng.choice(pools.COMPANIES)
    staff = [world.cast.person("colleague", company, messy=0.1) for _ in range(rng.randint(20, 40))]
    start = long_ago()
    all_hands = meetings.meeting(
        start, start + HOUR, staff, kind="work", user_organizes=False, schedule=False
    )
    all_hands.summary = f"{company[0]} all-hands"
    planted.negative("cold_contact", "met only at an all-hands", person=staff[-1])
    for person in staff[:near_misses]:
        sent = start - rng.randint(3, 20) * DAY
        note = world.mail(sent, user, [person], OUTREACH, world.fill(rng.choice(pools.OUTREACH), person))
        world.add_thread(Thread(subject=world.subject_for(person), mails=[note]))
        planted.negative("cold_contact", "wrote to once, then met only at an all-hands", person=person)
