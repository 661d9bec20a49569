"""Planted sent mails: awaiting-reply positives and every near miss of the awaiting-reply rule.

Positives were sent 8–19 days before `now` (the rule: at least 5 business days, at most 21 days), ask
something or open the thread as outreach, and go to new people whose only mail is this thread, so no
other scenario answers them. Near misses differ from a positive in exactly the way their reason says.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.generator import pools
from sandbox.generator.background import Lists, Senders
from sandbox.generator.meetings import MeetingPlanner
from sandbox.generator.model import (
    ACK,
    ASKS,
    AUTOMATED_TEXT,
    DAY,
    HOUR,
    OUTREACH,
    STATEMENT,
    Mail,
    Thread,
)
from sandbox.generator.people import Person
from sandbox.generator.world import World

NEVER_NUDGE_LABEL = "Label_1"


class AwaitingPlanner:
    def __init__(self, world: World, lists: Lists, senders: Senders, meetings: MeetingPlanner) -> None:
        self.world = world
        self.lists = lists
        self.senders = senders
        self.meetings = meetings

    def sent_at(self, low_days: int, high_days: int) -> int:
        rng = self.world.rng
        return self.world.clock.day(rng.randint(low_days, high_days), rng.uniform(8, 18.5))

    def contact(self) -> Person:
        return self.world.cast.person(
            self.world.rng.choice(("recruiter", "hiring_manager", "client", "colleague"))
        )

    def question(self, person: Person) -> str:
        return self.world.fill(self.world.rng.choice(pools.QUESTIONS), person)

    def outreach(self, sent: int, *, plain: bool = False, cc: bool = False) -> tuple[Thread, Mail]:
        world, rng = self.world, self.world.rng
        person = self.contact()
        opening = world.fill(rng.choice(pools.OUTREACH), person)
        text = opening if plain else f"{opening} {self.question(person)}"
        copies = [world.cast.person(person.kind)] if cc else []
        mail = world.mail(sent, world.user, [person], OUTREACH if plain else ASKS, text, cc=copies)
        return world.add_thread(Thread(subject=world.subject_for(person), mails=[mail])), mail

    def reply(
        self,
        sent: int,
        *,
        intent: str = ASKS,
        text: str = "",
        contact_text: str = "",
        labels: tuple[str, ...] = (),
    ) -> tuple[Thread, Mail]:
        """The contact writes; the user answers at `sent` (asking, unless told otherwise)."""
        world, rng = self.world, self.world.rng
        person = self.contact()
        first = sent - rng.randint(1, 6) * DAY - int(rng.uniform(0, 3) * HOUR)
        incoming = world.mail(
            first,
            person,
            [world.user],
            STATEMENT,
            contact_text or world.fill(rng.choice(pools.CONTACT_LINES), person),
        )
        mail = world.mail(
            sent, world.user, [person], intent, text or self.question(person), quote_above=rng.random() < 0.3
        )
        thread = Thread(subject="Re: " + world.subject_for(person), mails=[incoming, mail], labels=labels)
        return world.add_thread(thread), mail

    def follow_up(self, sent: int) -> tuple[Thread, Mail]:
        world, rng = self.world, self.world.rng
        person = self.contact()
        first = self.sent_at(30, 45)
        opening = world.mail(
            first, world.user, [person], OUTREACH, world.fill(rng.choice(pools.OUTREACH), person)
        )
        mail = world.mail(sent, world.user, [person], ASKS, rng.choice(pools.FOLLOW_UPS))
        return world.add_thread(Thread(subject=world.subject_for(person), mails=[opening, mail])), mail

    def on_list(self, sent: int, *, relay: bool = False, to_poster: bool = True) -> tuple[Thread, Mail]:
        """Someone posts to a list; the user answers the poster with the list in Cc (or the list alone)."""
        world, rng = self.world, self.world.rng
        mailing_list = rng.choice(self.lists.relay if relay else self.lists.modern)
        poster = world.cast.person("peer")
        post = world.mail(
            sent - rng.randint(1, 4) * DAY,
            poster,
            [mailing_list],
            ASKS,
            world.fill("Has anyone here migrated {topic}? Curious how it went.", poster),
            via_list=mailing_list,
        )
        to, cc = ([poster], [mailing_list]) if to_poster else ([mailing_list], [])
        mail = world.mail(sent, world.user, to, ASKS, self.question(poster), cc=cc)
        subject = world.fill("[{list}] {topic}", poster, list=mailing_list.name.split()[0].lower())
        return world.add_thread(Thread(subject=subject, mails=[post, mail], category="CATEGORY_FORUMS")), mail

    def with_draft(self, sent: int) -> tuple[Thread, Mail]:
        world, rng = self.world, self.world.rng
        thread, mail = self.reply(sent)
        draft_at = world.clock.now - int(rng.uniform(1, 48) * HOUR)
        draft = world.mail(
            draft_at, world.user, list(mail.to), ASKS, "Following up on the question below —", draft=True
        )
        thread.mails.append(draft)
        world.message_count += 1
        return thread, mail

    def thank_you_note(self) -> tuple[Thread, Mail]:
        """A meeting 8–20 days ago and the user's thank-you a few hours later: never awaiting a reply."""
        rng = self.world.rng
        sent = self.sent_at(9, 18)
        end = sent - int(rng.uniform(2, 20) * HOUR)
        people = self.meetings.people("interview", rng.choice((1, 1, 2)))
        event = self.meetings.meeting(end - 3600, end, people, kind="interview")
        thread = self.meetings.thank_you_note(event, people, sent)
        return thread, thread.mails[-1]

    def automated_reply(self, sent: int) -> tuple[Thread, Mail]:
        world, rng = self.world, self.world.rng
        notifier = rng.choice(self.senders.notifiers)
        incoming = world.mail(
            sent - rng.randint(1, 5) * DAY,
            notifier,
            [world.user],
            AUTOMATED_TEXT,
            "Your application was received. We will be in touch.",
        )
        mail = world.mail(
            sent, world.user, [notifier], ASKS, "Could you tell me who is reviewing my application?"
        )
        return world.add_thread(Thread(subject="Re: Your application", mails=[incoming, mail])), mail

    def to_info(self, sent: int) -> tuple[Thread, Mail]:
        world = self.world
        company, domain = world.rng.choice(pools.COMPANIES)
        info = world.cast.automated(company, "info", domain, ())
        mail = world.mail(sent, world.user, [info], ASKS, "Do you have a contact in your engineering team?")
        return world.add_thread(Thread(subject=f"Question for {company}", mails=[mail])), mail

    def settled(self) -> tuple[Thread, Mail, Mail]:
        world, rng = self.world, self.world.rng
        thread, question = self.reply(self.sent_at(14, 18))
        settler = world.mail(
            self.sent_at(9, 12), world.user, list(question.to), ACK, rng.choice(pools.SETTLERS)
        )
        thread.mails.append(settler)
        world.message_count += 1
        return thread, question, settler


def plant_awaiting(world: World, planner: AwaitingPlanner, positives: int, near_misses: int) -> None:
    rng, planted = world.rng, world.planted
    window = (9, 18)
    shapes: list[Callable[[int], tuple[Thread, Mail]]] = [
        planner.outreach,
        planner.reply,
        planner.reply,
        planner.follow_up,
        planner.on_list,
        lambda sent: planner.outreach(sent, plain=True),
        lambda sent: planner.outreach(sent, cc=True),
        planner.with_draft,
    ]
    for index in range(positives):
        thread, mail = shapes[index % len(shapes)](planner.sent_at(*window))
        if index % 11 == 3:
            mail.spelling = world.cast.user_aliases[index % 2]
        planted.awaiting_reply.append((thread, mail))

    def ack(sent: int) -> tuple[Thread, Mail]:
        return planner.reply(sent, intent=ACK, text=rng.choice(pools.ACKNOWLEDGEMENTS))

    def ack_quoting_question(sent: int) -> tuple[Thread, Mail]:
        return planner.reply(
            sent,
            intent=ACK,
            text=rng.choice(("Will do, thanks.", "Got it, thank you.")),
            contact_text="Could you send me your latest CV before Friday?",
        )

    def replied(sent: int) -> tuple[Thread, Mail]:
        thread, mail = planner.reply(sent)
        person = mail.to[0]
        answer_at = min(sent + int(rng.uniform(3, 96) * HOUR), world.clock.now - 2 * HOUR)
        thread.mails.append(
            world.mail(
                answer_at,
                person,
                [world.user],
                STATEMENT,
                world.fill(rng.choice(pools.CONTACT_LINES), person),
            )
        )
        world.message_count += 1
        return thread, mail

    def recent(_: int) -> tuple[Thread, Mail]:
        return planner.reply(planner.sent_at(1, 3))

    def old(_: int) -> tuple[Thread, Mail]:
        return planner.outreach(planner.sent_at(25, 40))

    builders: dict[str, Callable[[int], tuple[Thread, Mail]]] = {
        "a reply arrived": replied,
        "an acknowledgement": ack,
        "an acknowledgement; the only question is in the quoted text": ack_quoting_question,
        "sent less than after_days business days ago": recent,
        "sent more than within_days ago": old,
        "only a mailing list among the recipients": lambda sent: planner.on_list(sent, to_poster=False),
        "only an old-style list relay among the recipients": lambda sent: planner.on_list(
            sent, relay=True, to_poster=False
        ),
        "a reply to an automated sender": planner.automated_reply,
        "sent to an automated address (info@)": planner.to_info,
        "the thread carries the never-nudge label": lambda sent: planner.reply(
            sent, labels=(NEVER_NUDGE_LABEL,)
        ),
    }
    for reason, build in builders.items():
        for _ in range(near_misses):
            thread, mail = build(planner.sent_at(*window))
            planted.negative("awaiting_reply", reason, thread=thread, mail=mail)
    for _ in range(near_misses):
        thread, mail = planner.thank_you_note()
        planted.negative("awaiting_reply", "a thank-you note after a meeting", thread=thread, mail=mail)
        thread, question, settler = planner.settled()
        planted.negative(
            "awaiting_reply", "a later mail of the user's settles it", thread=thread, mail=question
        )
        planted.negative(
            "awaiting_reply",
            "an acknowledgement closing the user's own question",
            thread=thread,
            mail=settler,
        )
