"""What to write for a finding: the draft keys, who it goes to, which thread it answers, and its text.

Addressing and threading, per kind:
- thank-you: a new message to the meeting's attendees — one draft per attendee (key = occasion key + ":" +
  address) or one to all of them (key = occasion key), as `thank_you_mode` says;
- cold contact: a reply in the most recent *private* thread with the person (no list mail in it, modern or
  relayed the old way: a personal note does not belong in a list thread) that the user has not labelled
  "never nudge" (`[identity] never_nudge_label`), under any of their addresses, to the address they used
  there, answering that thread's last message, unless the thread is older than
  `cold_reply_max_thread_age_days` — then a new message (also when no such thread is left);
- awaiting reply: a follow-up in the same thread, answering the user's own sent mail.

A reply carries the thread id, In-Reply-To/References from the message answered and "Re: " + its subject:
Gmail threads a draft only when all three agree. Everything is read from the store; nothing here calls Google.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from rules.lists import RELAY_PRECEDENCES
from rules.queries import carries_label, label_ids_by_name
from rules.render_context import Contact, DraftFacts, MeetingFacts, ThreadFacts
from rules.rendering import DraftTemplate, render_draft
from rules.settings import UserSettings
from store.models import (
    Attendee,
    Calendar,
    Event,
    Finding,
    Message,
    MessageAddress,
    MessageIntent,
    Person,
    PersonAddress,
    Thread,
)
from sync.drafts_mime import Mailbox, ReplyHeaders, reply_headers, reply_subject
from sync.settings import DraftSettings

log = logging.getLogger(__name__)

KEY_SEPARATOR = ":"
_NAME_LOOKUP_ROWS = 500  # recent address rows scanned for names and spellings; plenty for a few contacts


@dataclass(frozen=True)
class DraftPlan:
    """One draft ready to be written: its key, recipients, text and (for a reply) thread and headers."""

    draft_key: str
    finding_id: int
    kind: str
    recipients: tuple[Mailbox, ...]
    subject: str
    body: str
    thread_gmail_id: str | None  # the thread a reply must land in; None for a new message
    reply: ReplyHeaders | None


@dataclass(frozen=True)
class _Parent:
    """The message a reply answers."""

    thread_gmail_id: str
    subject: str
    message_id_header: str | None
    references: str | None
    date: datetime


def draft_keys(finding: Finding, settings: DraftSettings) -> list[tuple[str, tuple[str, ...]]]:
    """(draft key, recipient addresses) of each draft a finding calls for."""
    emails = tuple(dict.fromkeys(finding.emails))
    if not emails:
        return []
    if finding.kind == "thank_you" and settings.thank_you_mode == "per_attendee":
        return [(f"{finding.occasion_key}{KEY_SEPARATOR}{email}", (email,)) for email in emails]
    return [(finding.occasion_key, emails)]


def plan_draft(
    session: Session,
    finding: Finding,
    draft_key: str,
    emails: tuple[str, ...],
    *,
    template: DraftTemplate,
    settings: DraftSettings,
    user: UserSettings,
    never_nudge_label: str,
    now: datetime,
) -> DraftPlan | None:
    """The draft for one key of a finding, rendered; None when the store no longer has what it is about.

    `never_nudge_label`: the name of the label that keeps Rapport out of a thread (`[identity]`)."""
    account_id = finding.account_id
    meeting: MeetingFacts | None = None
    thread: ThreadFacts | None = None
    parent: _Parent | None = None
    question: str | None = None
    names: dict[str, str] = {}
    if finding.kind == "thank_you":
        found = _meeting(session, account_id, finding.event_gcal_id)
        if found is None:
            log.info(
                "finding %s: meeting %s is not in the store; no draft", finding.id, finding.event_gcal_id
            )
            return None
        meeting, names = found
    elif finding.kind == "awaiting_reply":
        parent = _sent_message(session, account_id, finding.message_gmail_id)
        if parent is None:
            log.info("finding %s: sent mail %s is gone; no draft", finding.id, finding.message_gmail_id)
            return None
        thread = ThreadFacts(subject=parent.subject, last_date=parent.date)
        question = _question(session, finding)
    else:
        found_thread = _latest_direct_thread(
            session, account_id, _person_emails(session, finding, emails), never_nudge_label
        )
        if found_thread is not None:
            parent, used_address = found_thread
            emails = (used_address,)  # write to the address the person last used with the user
            thread = ThreadFacts(subject=parent.subject, last_date=parent.date)
            if now - parent.date > timedelta(days=settings.cold_reply_max_thread_age_days):
                parent = None  # too old to revive: a new message, which may still mention it
    if parent is not None and not parent.message_id_header:
        log.info("finding %s: the message answered has no Message-ID; writing a new message", finding.id)
        parent = None
    recipients = _recipients(session, account_id, emails, names)
    facts = DraftFacts(
        kind=finding.kind,
        contacts=tuple(Contact(mailbox.email, mailbox.name or None) for mailbox in recipients),
        is_reply=parent is not None,
        meeting=meeting,
        thread=thread,
        last_interaction=finding.last_interaction if finding.kind == "cold_contact" else _sent_at(thread),
        question=question,
    )
    rendered = render_draft(template, facts, user, now)
    reply = (
        reply_headers(parent.message_id_header, parent.references)
        if parent and parent.message_id_header
        else None
    )
    return DraftPlan(
        draft_key=draft_key,
        finding_id=finding.id,
        kind=finding.kind,
        recipients=recipients,
        subject=reply_subject(parent.subject) if parent is not None else rendered.subject,
        body=rendered.body,
        thread_gmail_id=parent.thread_gmail_id if parent is not None else None,
        reply=reply,
    )


def _sent_at(thread: ThreadFacts | None) -> datetime | None:
    return thread.last_date if thread is not None else None


def _meeting(
    session: Session, account_id: int, gcal_id: str | None
) -> tuple[MeetingFacts, dict[str, str]] | None:
    if not gcal_id:
        return None
    event = session.scalars(
        select(Event)
        .join(Calendar, Event.calendar_id == Calendar.id)
        .where(Calendar.account_id == account_id, Event.gcal_id == gcal_id)
        .limit(1)
    ).first()
    if event is None:
        return None
    names = {
        email: name
        for email, name in session.execute(
            select(Attendee.email, Attendee.display_name).where(Attendee.event_id == event.id)
        )
        if name
    }
    return MeetingFacts(title=event.summary or "", start=event.start_at, end=event.end_at), names


def _sent_message(session: Session, account_id: int, gmail_id: str | None) -> _Parent | None:
    if not gmail_id:
        return None
    row = session.execute(
        select(Message, Thread.gmail_id)
        .join(Thread, Message.thread_id == Thread.id)
        .where(Message.account_id == account_id, Message.gmail_id == gmail_id)
    ).first()
    return _parent(row[0], row[1]) if row is not None else None


def _question(session: Session, finding: Finding) -> str | None:
    """The sentence of the sent mail that asks, if it asked: an outreach's opening is no question to quote
    back ("what I asked: 'Elena suggested I get in touch.'")."""
    if not finding.message_gmail_id:
        return None
    intent = session.get(MessageIntent, (finding.account_id, finding.message_gmail_id))
    if intent is None or not intent.trigger:
        return None
    asked = (finding.evidence or {}).get("asked")
    if asked is None:  # a finding stored before the rules recorded it: a question mark tells
        asked = "?" in intent.trigger
    return intent.trigger if asked else None


def _person_emails(session: Session, finding: Finding, emails: tuple[str, ...]) -> tuple[str, ...]:
    """The finding's addresses and every other address of the same person (config `same_person`)."""
    if finding.person_id is None:
        return emails
    others = session.scalars(
        select(PersonAddress.email)
        .where(PersonAddress.person_id == finding.person_id)
        .order_by(PersonAddress.id)
    )
    return tuple(dict.fromkeys([*emails, *others]))


def _list_thread() -> ColumnElement[bool]:
    """The candidate message's thread holds list mail: a list header, or an old-style relay (a bulk
    Precedence with a Sender). The user's own copy of a list post carries neither, so the whole thread is
    asked."""
    other = aliased(Message)
    return exists().where(
        other.thread_id == Message.thread_id,
        or_(
            other.list_id.is_not(None),
            other.list_post.is_not(None),
            other.x_mailing_list.is_not(None),
            other.mailing_list.is_not(None),
            and_(func.lower(other.precedence).in_(RELAY_PRECEDENCES), other.sender_email.is_not(None)),
        ),
    )


def _labelled_thread(session: Session, account_id: int, label_name: str) -> ColumnElement[bool]:
    """The candidate message's thread has a message carrying the label named `label_name`, as the rules read
    a labelled thread (`rules.queries.threads_with_labels`: any of its messages). The cold-contact rule only
    asks about the person's last thread, so an older private thread may carry the label."""
    label_id = label_ids_by_name(session, account_id).get(label_name)
    if label_id is None:
        return false()  # the user never made the label: no thread carries it
    other = aliased(Message)
    return exists().where(other.thread_id == Message.thread_id, carries_label(other.label_ids, [label_id]))


def _latest_direct_thread(
    session: Session, account_id: int, emails: tuple[str, ...], never_nudge_label: str
) -> tuple[_Parent, str] | None:
    """The last message of the most recent private thread (no list mail in it) not labelled never-nudge in
    which the user and the person wrote to each other, and the person's address in that exchange."""
    to_them = exists().where(
        MessageAddress.message_id == Message.id,
        MessageAddress.role.in_(("to", "cc")),
        MessageAddress.email.in_(emails),
    )
    latest = session.scalars(
        select(Message)
        .where(
            Message.account_id == account_id,
            Message.is_draft.is_(False),
            or_(Message.from_email.in_(emails), and_(Message.is_sent.is_(True), to_them)),
            ~_list_thread(),
            ~_labelled_thread(session, account_id, never_nudge_label),
        )
        .order_by(Message.internal_date.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    used = latest.from_email if latest.from_email in emails else None
    if used is None:
        used = session.scalars(
            select(MessageAddress.email)
            .where(
                MessageAddress.message_id == latest.id,
                MessageAddress.role.in_(("to", "cc")),
                MessageAddress.email.in_(emails),
            )
            .order_by(MessageAddress.id)
            .limit(1)
        ).one()
    row = session.execute(
        select(Message, Thread.gmail_id)
        .join(Thread, Message.thread_id == Thread.id)
        .where(Message.thread_id == latest.thread_id, Message.is_draft.is_(False))
        .order_by(Message.internal_date.desc())
        .limit(1)
    ).one()
    return _parent(row[0], row[1]), used


def _parent(message: Message, thread_gmail_id: str) -> _Parent:
    return _Parent(
        thread_gmail_id=thread_gmail_id,
        subject=message.subject or "",
        message_id_header=message.message_id_header,
        references=message.references_header,
        date=message.internal_date,
    )


def _recipients(
    session: Session, account_id: int, emails: tuple[str, ...], names: dict[str, str]
) -> tuple[Mailbox, ...]:
    """Each address as the person last wrote it, with the best name known (calendar, mail, people)."""
    spelled: dict[str, str] = {}
    mail_names: dict[str, str] = {}
    rows = session.execute(
        select(MessageAddress.email, MessageAddress.raw_email, MessageAddress.name)
        .join(Message, MessageAddress.message_id == Message.id)
        .where(Message.account_id == account_id, MessageAddress.email.in_(emails))
        .order_by(Message.internal_date.desc())
        .limit(_NAME_LOOKUP_ROWS)
    )
    for email, raw, name in rows:
        spelled.setdefault(email, raw)
        if name:
            mail_names.setdefault(email, name)
    people = {
        email: name
        for email, name in session.execute(
            select(PersonAddress.email, Person.display_name)
            .join(Person, PersonAddress.person_id == Person.id)
            .where(PersonAddress.account_id == account_id, PersonAddress.email.in_(emails))
        )
    }
    return tuple(
        Mailbox(
            email=spelled.get(email, email),
            name=names.get(email) or mail_names.get(email) or people.get(email) or "",
        )
        for email in emails
    )
