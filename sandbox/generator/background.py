"""Background that makes a mailbox look lived in: mailing lists, newsletters, notifications, calendar noise.

None of it may create a finding: list posters the user never writes to stay one-way, the user's own list
posts are never the last mail of a recent thread, automated mail is automated by construction, and
calendar filler has no human attendee.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rules.settings import IdentitySettings
from sandbox.generator import pools
from sandbox.generator.meetings import room
from sandbox.generator.model import ASKS, AUTOMATED_TEXT, DAY, HOUR, STATEMENT, Event, Mail, Thread
from sandbox.generator.people import Person
from sandbox.generator.relationships import HORIZON_DAYS, RECENT_DAYS
from sandbox.generator.world import World

LIST_HORIZON_DAYS = 1100
AUTOMATED_PATTERNS = IdentitySettings().automated_patterns


@dataclass(slots=True)
class Lists:
    modern: list[Person] = field(default_factory=list)
    relay: list[Person] = field(default_factory=list)
    group: Person | None = None


@dataclass(slots=True)
class Senders:
    newsletters: list[Person] = field(default_factory=list)
    notifiers: list[Person] = field(default_factory=list)
    calendar: Person | None = None


def make_lists(world: World) -> Lists:
    cast = world.cast
    lists = Lists()
    lists.modern.append(
        cast.mailing_list("Platform Guild", "platform-guild", "lists.example.org", relay=False)
    )
    lists.modern.append(
        cast.mailing_list("London Data Meetup", "ldn-data", "groups.example.net", relay=False)
    )
    lists.modern.append(cast.mailing_list("Python UK", "python-uk", "mail.python.example", relay=False))
    lists.relay.append(cast.mailing_list("Hill walkers", "hikers", "lists.example", relay=True))
    lists.relay.append(cast.mailing_list("Alumni 2012", "alumni2012", "lists.uni.example", relay=True))
    lists.group = cast.mailing_list("Founders Circle", "founders-circle", "googlegroups.example", relay=False)
    return lists


def make_senders(world: World) -> Senders:
    cast = world.cast
    senders = Senders()
    for name, local, domain in pools.NEWSLETTERS:
        headers = (
            ("List-Unsubscribe", f"<mailto:unsubscribe@{domain}>, <https://{domain}/unsubscribe>"),
            ("Precedence", "bulk"),
        )
        senders.newsletters.append(cast.automated(name, local, domain, headers))
    for name, local, domain in pools.NOTIFIERS:
        # A local part no pattern names (`jobalerts-noreply`, `feedback`) is automated only by its header.
        marked = (
            not any(re.search(pattern, local) for pattern in AUTOMATED_PATTERNS) or world.rng.random() < 0.4
        )
        auto_submitted = (("Auto-Submitted", "auto-generated"),) if marked else ()
        senders.notifiers.append(cast.automated(name, local, domain, auto_submitted))
    senders.calendar = cast.automated(
        "Google Calendar", "calendar-notification", "google.com", (("Auto-Submitted", "auto-generated"),)
    )
    return senders


def list_traffic(world: World, lists: Lists, budget: int) -> None:
    """List threads among posters the user never writes to; the user sometimes posts to the list itself."""
    rng, clock, user = world.rng, world.clock, world.user
    all_lists = lists.modern + lists.relay
    posters = {
        id(mailing_list): [world.cast.person("peer", messy=0.3) for _ in range(max(6, budget // 60))]
        for mailing_list in all_lists
    }
    target = world.message_count + budget
    while world.message_count < target:
        mailing_list = rng.choice(all_lists)
        crowd = posters[id(mailing_list)]
        size = rng.randint(15, 40) if rng.random() < 0.03 else rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8))
        size = min(size, max(1, target - world.message_count))
        ts = clock.now - rng.randint(HOUR, LIST_HORIZON_DAYS * DAY)
        mails: list[Mail] = []
        for index in range(size):
            if ts >= clock.now:
                break
            if index and rng.random() < 0.12:
                mails.append(
                    world.mail(
                        ts,
                        user,
                        [mailing_list],
                        ASKS if rng.random() < 0.5 else STATEMENT,
                        world.fill(rng.choice(pools.QUESTIONS + pools.STATEMENTS)),
                    )
                )
            else:
                poster = rng.choice(crowd)
                mails.append(
                    world.mail(
                        ts,
                        poster,
                        [mailing_list],
                        STATEMENT,
                        world.fill(rng.choice(pools.CONTACT_LINES), poster),
                        via_list=mailing_list,
                    )
                )
            ts += rng.randint(20 * 60, 2 * DAY)
        while mails and mails[-1].sender is user and clock.now - mails[-1].ts < (RECENT_DAYS + 5) * DAY:
            mails.pop()
        if not mails:
            continue
        subject = world.fill(
            "[{list}] "
            + rng.choice(
                (
                    "{topic}",
                    "Question about {topic}",
                    "Meetup in {month}",
                    "Job: {role} at {company}",
                    "Walk this Sunday",
                )
            ),
            list=mailing_list.name.split()[0].lower(),
        )
        world.add_thread(Thread(subject=subject, mails=mails, category="CATEGORY_FORUMS"))


def quiet_group(world: World, lists: Lists) -> None:
    """A "via" group (From is the group itself) the user used to post to; it went quiet long ago."""
    group, rng, clock, user = lists.group, world.rng, world.clock, world.user
    assert group is not None
    last = rng.randint(120, 300)
    for days_ago in sorted(rng.sample(range(last, last + 400), 8), reverse=True):
        ts = clock.day(days_ago, rng.uniform(8, 12))
        poster = world.cast.person("peer")
        post = world.mail(
            ts,
            group,
            [group],
            STATEMENT,
            world.fill(rng.choice(pools.CONTACT_LINES), poster),
            via_list=group,
            sender_display=f"{poster.name} via {group.name}",
        )
        answer = world.mail(ts + 3 * HOUR, user, [group], STATEMENT, world.fill(rng.choice(pools.STATEMENTS)))
        world.add_thread(
            Thread(subject=world.fill("[founders] {topic}"), mails=[post, answer], category="CATEGORY_FORUMS")
        )
    world.planted.negative("cold_contact", "a mailing list (a group that relays as itself)", person=group)


def automated_mail(world: World, senders: Senders, count: int) -> None:
    """Exactly `count` singleton newsletters and notifications spread over the mailbox's life."""
    rng, clock, user = world.rng, world.clock, world.user
    for _ in range(count):
        ts = clock.now - int(rng.random() ** 1.5 * HORIZON_DAYS * 0.8 * DAY) - rng.randint(60, 6 * HOUR)
        if rng.random() < 0.45:
            sender = rng.choice(senders.newsletters)
            subject = world.fill(
                rng.choice(
                    (
                        "This week: {topic}",
                        "Issue #{n}: {topic}",
                        "{n} ideas for {month}",
                        "The {team} edition",
                    )
                )
            )
            text = world.fill("In this issue: {topic}, a deep dive on the {team} stack, and {n} new jobs.")
            category = rng.choice(("CATEGORY_PROMOTIONS", "CATEGORY_UPDATES"))
        else:
            sender = rng.choice(senders.notifiers)
            subject = world.fill(rng.choice(pools.NOTIFICATION_SUBJECTS))
            text = world.fill("Hi Alex, this is an automated message about your account: {topic}.")
            category = rng.choice(("CATEGORY_UPDATES", "CATEGORY_UPDATES", "CATEGORY_SOCIAL"))
        mail = world.mail(ts, sender, [user], AUTOMATED_TEXT, text, labels=(category,))
        world.add_thread(Thread(subject=subject, mails=[mail], category=category))


def calendar_noise(world: World, count: int) -> None:
    """Events without other people: out of office, focus time, working location, all-day, personal blocks."""
    rng, clock, user = world.rng, world.clock, world.user
    kinds = (
        ("outOfOffice", "Out of office", False),
        ("focusTime", "Focus time", False),
        ("workingLocation", "Office", True),
        ("workingLocation", "Home", True),
        ("default", "Bank holiday", True),
        ("default", "PyCon UK", True),
        ("default", "Dentist", False),
        ("default", "Gym", False),
        ("default", "Interview prep", False),
    )
    for _ in range(count):
        event_type, summary, all_day = rng.choice(kinds)
        start = clock.day(rng.randint(-60, 1000), rng.choice((8, 9, 12, 13, 17, 18)))
        end = start + (DAY if all_day else rng.choice((30, 60, 120)) * 60)
        attendees = []
        if summary == "Interview prep" and rng.random() < 0.5:
            attendees.append(room(world))
        world.add_event(
            Event(
                id=world.event_id(),
                summary=summary,
                start=start,
                end=end,
                attendees=attendees,
                organizer=user,
                event_type=event_type,
                all_day=all_day,
                created=min(start, clock.now) - rng.randint(1, 20) * DAY,
            )
        )
