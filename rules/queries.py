"""The rules' reads of the store: set-based SQL returning compact tuples, one query per question.

Instants come back as epoch seconds (an integer SQL expression on SQLite and PostgreSQL alike), which
skips per-row datetime conversion on the large scans; every query is scoped to one account and none runs
per contact.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Select,
    String,
    cast,
    extract,
    false,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from rules.identity import PersonRow
from store.models import (
    Account,
    Attendee,
    Calendar,
    Event,
    Finding,
    Label,
    Message,
    MessageAddress,
    MessageIntent,
    Person,
    PersonAddress,
    Thread,
)

AnyRow = Row[*tuple[Any, ...]]
RECIPIENT_ROLES = ("to", "cc", "bcc")
_CANDIDATE = aliased(Message, name="candidate")
_CHUNK = 500  # bound IN lists: SQLite's default limit on bound parameters is far above, PostgreSQL's too


def epoch(column: InstrumentedAttribute[datetime] | ColumnElement[datetime]) -> ColumnElement[int]:
    """Seconds since the epoch of a UTC datetime column, in SQL."""
    return cast(extract("epoch", column), BigInteger)


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def raw_rows(session: Session, statement: Select[*tuple[Any, ...]]) -> list[Any]:
    """The rows of a Core SELECT as the database driver returns them, for the few scans of a whole mailbox.

    SQLAlchemy's result rows cost about a microsecond each, as much as SQLite's own work on these narrow
    scans; the driver's plain tuples do not. Only for statements whose parameters need no conversion
    (integers and strings) and whose columns the driver returns as the rules want them.
    """
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    arguments: Any = (
        tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), arguments)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def account_email(session: Session, account_id: int) -> str:
    return session.execute(select(Account.email).where(Account.id == account_id)).scalar_one()


def people(session: Session, account_id: int) -> list[PersonRow]:
    query = (
        select(PersonAddress.email, Person.id, Person.primary_email, Person.display_name)
        .join(Person, Person.id == PersonAddress.person_id)
        .where(PersonAddress.account_id == account_id)
    )
    return [PersonRow(*row) for row in session.execute(query)]


def label_ids_by_name(session: Session, account_id: int) -> dict[str, str]:
    query = select(Label.name, Label.gmail_id).where(Label.account_id == account_id)
    return {name: gmail_id for name, gmail_id in session.execute(query)}


def carries_label(label_ids_column: Any, label_ids: Collection[str]) -> ColumnElement[bool]:
    """The message whose `label_ids` column this is carries one of `label_ids` (false for none)."""
    # label_ids is a JSON list; its text holds each id in double quotes on both backends.
    as_text = cast(label_ids_column, String)
    return or_(false(), *[as_text.like(f'%"{escape_like(label)}"%', escape="\\") for label in label_ids])


def threads_with_labels(session: Session, account_id: int, label_ids: Collection[str]) -> set[int]:
    """Threads (store ids) where any message carries one of the labels."""
    if not label_ids:
        return set()
    query = (
        select(Message.thread_id)
        .where(Message.account_id == account_id, carries_label(Message.label_ids, label_ids))
        .distinct()
    )
    return set(session.execute(query).scalars())


def thread_gmail_ids(session: Session, thread_ids: Sequence[int]) -> dict[int, str]:
    """Gmail ids of threads by store id."""
    found: dict[int, str] = {}
    for chunk in chunks(sorted(set(thread_ids))):
        query = select(Thread.id, Thread.gmail_id).where(Thread.id.in_(chunk))
        found.update({thread_id: gmail_id for thread_id, gmail_id in session.execute(query)})
    return found


def escape_like(value: str) -> str:
    """A value for LIKE … ESCAPE '\\': its wildcards match themselves (Gmail's label ids hold underscores)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def from_user(user_addresses: Collection[str]) -> ColumnElement[bool]:
    """The user wrote it: SENT, or From one of the user's addresses."""
    return or_(Message.is_sent, Message.from_email.in_(sorted(user_addresses)))


def _sent_rows(user_addresses: Collection[str], *columns: Any) -> Any:
    return (
        select(*columns)
        .join(MessageAddress, MessageAddress.message_id == Message.id)
        .where(not_(Message.is_draft), from_user(user_addresses), MessageAddress.role.in_(RECIPIENT_ROLES))
    )


def sent_mail_since(
    session: Session, account_id: int, user_addresses: Collection[str], since: datetime
) -> Sequence[AnyRow]:
    """(message id, thread id, epoch, recipient, gmail id) for the user's mail sent at or after `since`."""
    query = _sent_rows(
        user_addresses,
        Message.id,
        Message.thread_id,
        epoch(Message.internal_date),
        MessageAddress.email,
        Message.gmail_id,
    ).where(Message.account_id == account_id, Message.internal_date >= since)
    return session.execute(query).all()


def attended_events(
    session: Session,
    account_id: int,
    *,
    ended_after: datetime | None,
    ended_before: datetime,
    gcal_ids: Collection[str] | None = None,
) -> Sequence[AnyRow]:
    """Timed, default-type, not-cancelled events the user attended (organised or accepted/tentative, never
    declined), one row per attendee:
    (event id, gcal id, summary, start epoch, end epoch, recurring id, omitted, calendar config id,
    calendar gcal id, attendee email, name, response, resource, self, organizer email)."""
    query = (
        select(
            Event.id,
            Event.gcal_id,
            Event.summary,
            epoch(Event.start_at),
            epoch(Event.end_at),
            Event.recurring_event_id,
            Event.attendees_omitted,
            Calendar.config_id,
            Calendar.gcal_id,
            Attendee.email,
            Attendee.display_name,
            Attendee.response_status,
            Attendee.resource,
            Attendee.is_self,
            Event.organizer_email,
        )
        .join(Calendar, Calendar.id == Event.calendar_id)
        .outerjoin(Attendee, Attendee.event_id == Event.id)
        .where(
            Calendar.account_id == account_id,
            Event.status != "cancelled",
            not_(Event.all_day),
            Event.event_type == "default",
            or_(Event.organizer_self, Event.self_response.in_(("accepted", "tentative"))),
            # An organizer who declined their own invitation (a meeting set up for others) was not there.
            or_(Event.self_response.is_(None), Event.self_response != "declined"),
            Event.end_at <= ended_before,
        )
        .order_by(Event.id, Attendee.id)
    )
    if ended_after is not None:
        query = query.where(Event.end_at >= ended_after)
    if gcal_ids is not None:
        query = query.where(Event.gcal_id.in_(sorted(gcal_ids)))
    return session.execute(query).all()


def event_states(
    session: Session, account_id: int, gcal_ids: Collection[str]
) -> dict[str, tuple[str, str | None]]:
    """(status, the user's response) of events by Calendar id, on any of the account's calendars."""
    query = (
        select(Event.gcal_id, Event.status, Event.self_response)
        .join(Calendar, Calendar.id == Event.calendar_id)
        .where(Calendar.account_id == account_id, Event.gcal_id.in_(sorted(gcal_ids)))
    )
    return {gcal_id: (status, response) for gcal_id, status, response in session.execute(query)}


def awaiting_candidates(
    session: Session,
    account_id: int,
    user_addresses: Collection[str],
    *,
    sent_after: datetime,
    sent_before: datetime,
) -> Sequence[AnyRow]:
    """The user's mail sent in the window that is the last non-draft message of its thread: (id, gmail id,
    thread id, thread gmail id, sent at, subject, snippet, in-reply-to, rapport key, Message-ID,
    References)."""
    later = select(Message.id).where(
        Message.thread_id == _CANDIDATE.thread_id,
        not_(Message.is_draft),
        Message.internal_date > _CANDIDATE.internal_date,
    )
    query = (
        select(
            _CANDIDATE.id,
            _CANDIDATE.gmail_id,
            _CANDIDATE.thread_id,
            Thread.gmail_id,
            _CANDIDATE.internal_date,
            _CANDIDATE.subject,
            _CANDIDATE.snippet,
            _CANDIDATE.in_reply_to,
            _CANDIDATE.rapport_key,
            _CANDIDATE.message_id_header,
            _CANDIDATE.references_header,
        )
        .join(Thread, Thread.id == _CANDIDATE.thread_id)
        .where(
            _CANDIDATE.account_id == account_id,
            not_(_CANDIDATE.is_draft),
            or_(_CANDIDATE.is_sent, _CANDIDATE.from_email.in_(sorted(user_addresses))),
            _CANDIDATE.internal_date >= sent_after,
            _CANDIDATE.internal_date <= sent_before,
            ~later.exists(),
        )
    )
    return session.execute(query).all()


def answers_to(
    session: Session, account_id: int, header_ids: Sequence[str], since: datetime
) -> Sequence[AnyRow]:
    """Non-draft messages since `since` whose In-Reply-To names one of `header_ids`, wherever Gmail threaded
    them (a changed subject starts a new thread): (in-reply-to, sent at, from)."""
    rows: list[AnyRow] = []
    for chunk in chunks(header_ids):
        query = select(Message.in_reply_to, Message.internal_date, Message.from_email).where(
            Message.account_id == account_id,
            # Both values named, so the (account, sent, date) index reads only the window's messages.
            Message.is_sent.in_((False, True)),
            not_(Message.is_draft),
            Message.internal_date >= since,
            Message.in_reply_to.in_(chunk),
        )
        rows.extend(session.execute(query.order_by(Message.internal_date)))
    return rows


def recipients_of(session: Session, message_ids: Sequence[int]) -> Sequence[AnyRow]:
    """(message id, role, email, name) of the To, Cc and Bcc of the given messages."""
    rows: list[AnyRow] = []
    for chunk in chunks(message_ids):
        query = select(
            MessageAddress.message_id, MessageAddress.role, MessageAddress.email, MessageAddress.name
        ).where(MessageAddress.message_id.in_(chunk), MessageAddress.role.in_(RECIPIENT_ROLES))
        rows.extend(session.execute(query.order_by(MessageAddress.id)))
    return rows


def _thread_rows(condition: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """(thread id, id, sent at, from, Message-ID) of the messages meeting `condition`."""
    return select(
        Message.thread_id, Message.id, Message.internal_date, Message.from_email, Message.message_id_header
    ).where(condition)


def thread_messages(session: Session, thread_ids: Sequence[int]) -> Sequence[AnyRow]:
    """The non-draft messages of the threads, oldest first: (thread id, id, sent at, from, Message-ID)."""
    rows: list[AnyRow] = []
    for chunk in chunks(thread_ids):
        query = _thread_rows(Message.thread_id.in_(chunk) & not_(Message.is_draft))
        rows.extend(session.execute(query.order_by(Message.thread_id, Message.internal_date, Message.id)))
    return rows


def messages_by_header_id(session: Session, account_id: int, header_ids: Sequence[str]) -> Sequence[AnyRow]:
    """Messages by their Message-ID header, as `thread_messages` returns them (for In-Reply-To)."""
    rows: list[AnyRow] = []
    for chunk in chunks(header_ids):
        query = _thread_rows((Message.account_id == account_id) & Message.message_id_header.in_(chunk))
        rows.extend(session.execute(query))
    return rows


def messages_by_gmail_id(session: Session, account_id: int, gmail_ids: Sequence[str]) -> Sequence[AnyRow]:
    """(id, gmail id, thread id, sent at, Message-ID) of messages by Gmail id."""
    rows: list[AnyRow] = []
    for chunk in chunks(gmail_ids):
        query = select(
            Message.id, Message.gmail_id, Message.thread_id, Message.internal_date, Message.message_id_header
        ).where(Message.account_id == account_id, Message.gmail_id.in_(chunk))
        rows.extend(session.execute(query))
    return rows


def cached_intents(
    session: Session, account_id: int, gmail_ids: Sequence[str]
) -> dict[str, tuple[bool, str | None, str | None]]:
    """The stored decisions by Gmail id: (expects a reply, trigger, fingerprint of what decided it)."""
    intents: dict[str, tuple[bool, str | None, str | None]] = {}
    for chunk in chunks(gmail_ids):
        query = select(
            MessageIntent.gmail_id,
            MessageIntent.expects_reply,
            MessageIntent.trigger,
            MessageIntent.fingerprint,
        ).where(MessageIntent.account_id == account_id, MessageIntent.gmail_id.in_(chunk))
        for gmail_id, expects, trigger, fingerprint in session.execute(query):
            intents[gmail_id] = (expects, trigger, fingerprint)
    return intents


def thank_you_notes(session: Session, account_id: int, since: datetime) -> set[str]:
    """Gmail ids of sent mail that resolved a thank-you finding recently (kept in the finding's evidence)."""
    query = select(Finding.evidence).where(
        Finding.account_id == account_id,
        Finding.kind == "thank_you",
        Finding.state == "resolved",
        Finding.updated_at >= since,
    )
    notes: set[str] = set()
    for evidence in session.execute(query).scalars():
        resolved_by = (evidence or {}).get("resolved_by")
        if isinstance(resolved_by, str):
            notes.add(resolved_by)
    return notes
