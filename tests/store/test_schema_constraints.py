"""The schema itself keeps the store consistent: cascades, unique natural keys, Rapport's vocabularies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.models import (
    Account,
    Attendee,
    Base,
    Calendar,
    Draft,
    Event,
    Finding,
    Label,
    Message,
    MessageAddress,
    Person,
    PersonAddress,
    Thread,
)
from tests.fixtures_store import add_account

MEETING_START = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
MEETING_END = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _message(account_id: int, thread: Thread, gmail_id: str) -> Message:
    message = Message(
        account_id=account_id,
        thread=thread,
        gmail_id=gmail_id,
        internal_date=MEETING_END,
        subject="Interview — Platform team",
        from_email="dana@acme.io",
        label_ids=["INBOX"],
        is_inbox=True,
    )
    message.addresses = [
        MessageAddress(
            role="from", email="dana@acme.io", raw_email="Dana@Acme.io", name="Dana Kim", position=0
        ),
        MessageAddress(role="to", email="me@example.com", raw_email="me@example.com", position=0),
    ]
    return message


def _event(calendar: Calendar, gcal_id: str) -> Event:
    event = Event(
        calendar=calendar, gcal_id=gcal_id, status="confirmed", start_at=MEETING_START, end_at=MEETING_END
    )
    event.attendees = [
        Attendee(email="dana@acme.io", response_status="accepted"),
        Attendee(email="me@example.com", response_status="accepted", is_self=True),
    ]
    return event


def _finding(account_id: int, occasion_key: str, **fields: object) -> Finding:
    defaults: dict[str, object] = {"rule_name": "thank-you", "kind": "thank_you", "emails": ["dana@acme.io"]}
    return Finding(account_id=account_id, occasion_key=occasion_key, **(defaults | fields))


def test_deleting_a_message_in_sql_deletes_its_addresses(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        session.add(_message(account_id, Thread(account_id=account_id, gmail_id="t1"), "m1"))

    with session_factory.begin() as session:
        session.execute(delete(Message).where(Message.gmail_id == "m1"))

    with session_factory() as session:
        assert _count(session, MessageAddress) == 0
        assert _count(session, Thread) == 1


def test_deleting_an_event_in_sql_deletes_its_attendees(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        calendar = Calendar(account_id=account_id, config_id="primary", gcal_id="me@example.com")
        session.add(_event(calendar, "e1"))

    with session_factory.begin() as session:
        session.execute(delete(Event).where(Event.gcal_id == "e1"))

    with session_factory() as session:
        assert _count(session, Attendee) == 0
        assert _count(session, Calendar) == 1


def test_deleting_an_account_deletes_everything_it_owns(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        session.add(_message(account_id, Thread(account_id=account_id, gmail_id="t1"), "m1"))
        session.add(_event(Calendar(account_id=account_id, config_id="primary"), "e1"))
        person = Person(account_id=account_id, primary_email="dana@acme.io")
        session.add(PersonAddress(account_id=account_id, person=person, email="dana@acme.io"))

    with session_factory.begin() as session:
        session.execute(delete(Account).where(Account.id == account_id))

    with session_factory() as session:
        for model in (Thread, Message, MessageAddress, Calendar, Event, Attendee, Person, PersonAddress):
            assert _count(session, model) == 0, model.__name__


def test_a_message_cannot_point_at_a_thread_that_does_not_exist(
    session_factory: sessionmaker[Session],
) -> None:
    account_id = add_account(session_factory)

    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.add(
            Message(account_id=account_id, thread_id=424242, gmail_id="m1", internal_date=MEETING_END)
        )


def test_a_gmail_id_is_unique_within_an_account_but_not_across_accounts(
    session_factory: sessionmaker[Session],
) -> None:
    personal = add_account(session_factory, "personal")
    work = add_account(session_factory, "work")
    with session_factory.begin() as session:
        session.add(_message(personal, Thread(account_id=personal, gmail_id="t1"), "m1"))
        session.add(_message(work, Thread(account_id=work, gmail_id="t1"), "m1"))

    with session_factory() as session:
        thread = session.scalars(select(Thread).where(Thread.account_id == personal)).one()
        session.add(_message(personal, thread, "m1"))
        with pytest.raises(IntegrityError):
            session.flush()


class _Keys(NamedTuple):
    account: int
    calendar: int
    person: int
    finding: int


_DUPLICABLE: dict[str, Callable[[_Keys], Base]] = {
    "thread": lambda keys: Thread(account_id=keys.account, gmail_id="t1"),
    "label": lambda keys: Label(account_id=keys.account, gmail_id="Label_1", name="Clients", type="user"),
    "calendar": lambda keys: Calendar(account_id=keys.account, config_id="work"),
    "event": lambda keys: Event(
        calendar_id=keys.calendar,
        gcal_id="e1",
        status="confirmed",
        start_at=MEETING_START,
        end_at=MEETING_END,
    ),
    "person address": lambda keys: PersonAddress(
        account_id=keys.account, person_id=keys.person, email="d@a.io"
    ),
    "finding": lambda keys: _finding(keys.account, "thank_you:e2"),
    "draft": lambda keys: Draft(account_id=keys.account, finding_id=keys.finding, draft_key="thank_you:e1"),
}


@pytest.mark.parametrize("duplicated", list(_DUPLICABLE))
def test_natural_keys_are_unique(session_factory: sessionmaker[Session], duplicated: str) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        calendar = Calendar(account_id=account_id, config_id="primary")
        person = Person(account_id=account_id, primary_email="dana@acme.io")
        finding = _finding(account_id, "thank_you:e1")
        session.add_all([calendar, person, finding])
        session.flush()
        keys = _Keys(account_id, calendar.id, person.id, finding.id)
    with session_factory.begin() as session:
        session.add(_DUPLICABLE[duplicated](keys))

    with session_factory() as session:
        session.add(_DUPLICABLE[duplicated](keys))
        with pytest.raises(IntegrityError):
            session.flush()


@pytest.mark.parametrize(
    ("model", "column", "bad_value"),
    [(Finding, "kind", "reminder"), (Finding, "state", "snoozed"), (Draft, "state", "queued")],
)
def test_rapport_vocabularies_are_enforced_by_the_store(
    session_factory: sessionmaker[Session], model: type[object], column: str, bad_value: str
) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        finding = _finding(account_id, "thank_you:e1")
        session.add(finding)
        session.flush()
        finding_id = finding.id

    with session_factory() as session:
        if model is Finding:
            session.add(_finding(account_id, "thank_you:e2", **{column: bad_value}))
        else:
            session.add(Draft(account_id=account_id, finding_id=finding_id, draft_key="k", state=bad_value))
        with pytest.raises(IntegrityError):
            session.flush()


def test_a_finding_with_drafts_cannot_be_deleted(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        finding = _finding(account_id, "thank_you:e1")
        finding.drafts = [Draft(account_id=account_id, draft_key="thank_you:e1", gmail_draft_id="r123")]
        session.add(finding)

    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.execute(delete(Finding).where(Finding.occasion_key == "thank_you:e1"))


def test_deleting_a_person_keeps_their_findings(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        person = Person(account_id=account_id, primary_email="dana@acme.io")
        session.add(person)
        session.flush()
        session.add(_finding(account_id, "thank_you:e1", person_id=person.id))

    with session_factory.begin() as session:
        session.execute(delete(Person))

    with session_factory() as session:
        finding = session.scalars(select(Finding)).one()
        assert finding.person_id is None
        assert finding.state == "open"


def test_json_columns_round_trip_lists_and_dicts(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    evidence = {"event": {"summary": "Interview — Platform team", "attendees": 2}, "sent_since": []}
    with session_factory.begin() as session:
        session.add(_finding(account_id, "thank_you:e1", evidence=evidence, score=2.5))

    with session_factory() as session:
        finding = session.scalars(select(Finding)).one()

    assert finding.evidence == evidence
    assert finding.emails == ["dana@acme.io"]
    assert finding.score == 2.5
