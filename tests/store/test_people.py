"""People: one per normalised address on first sight, found again by one query, joined by config groups."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from store.addresses import normalise_address
from store.models import Finding, Person, PersonAddress
from store.people import NameSighting, apply_same_person, person_ids_for
from tests.fixtures_store import add_account


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]).split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _seen(name: str, *, days: int, gmail_id: str = "18c0000000000001") -> NameSighting:
    """`name` as a message of T0 + `days` gives it."""
    return NameSighting(T0 + timedelta(days=days), gmail_id, name)


def _name(session_factory: sessionmaker[Session], person_id: int) -> str | None:
    with session_factory() as session:
        return session.get_one(Person, person_id).display_name


def _people(session: Session, account_id: int) -> dict[str, int]:
    rows = session.execute(
        select(PersonAddress.email, PersonAddress.person_id).where(PersonAddress.account_id == account_id)
    )
    return {email: person_id for email, person_id in rows}


def test_each_new_address_gets_its_own_person_named_as_seen(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)

    with session_factory.begin() as session:
        ids = person_ids_for(
            session,
            account_id,
            ["dana@acme.io", "sam@example.org", "dana@acme.io"],
            {"dana@acme.io": _seen("Dana Kim", days=1)},
        )

    assert set(ids) == {"dana@acme.io", "sam@example.org"}
    assert ids["dana@acme.io"] != ids["sam@example.org"]
    with session_factory() as session:
        dana = session.get_one(Person, ids["dana@acme.io"])
        assert (dana.display_name, dana.primary_email) == ("Dana Kim", "dana@acme.io")
        assert session.get_one(Person, ids["sam@example.org"]).display_name is None


@pytest.mark.parametrize("order", ["oldest first", "newest first", "all at once"])
def test_a_person_is_named_by_the_newest_sighting_whatever_order_they_come_in(
    session_factory: sessionmaker[Session], order: str
) -> None:
    account_id = add_account(session_factory)
    sightings = [
        _seen("Maya via Founders Circle", days=1),
        _seen("Riley via Founders Circle", days=9),
        _seen("Noor via Founders Circle", days=4),
    ]
    batches = {
        "oldest first": [[sighting] for sighting in sorted(sightings)],
        "newest first": [[sighting] for sighting in sorted(sightings, reverse=True)],
        "all at once": [sightings],
    }[order]

    for batch in batches:
        with session_factory.begin() as session:
            best = max(batch, key=lambda sighting: sighting.order)
            ids = person_ids_for(session, account_id, ["list@groups.example"], {"list@groups.example": best})

    assert _name(session_factory, ids["list@groups.example"]) == "Riley via Founders Circle"


def test_mail_of_the_same_instant_is_ordered_by_gmail_id(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    later_id = _seen("Riley", days=2, gmail_id="18c00000000000b2")
    earlier_id = _seen("Maya", days=2, gmail_id="18c00000000000a9")

    for sighting in (later_id, earlier_id):
        with session_factory.begin() as session:
            ids = person_ids_for(
                session, account_id, ["list@groups.example"], {"list@groups.example": sighting}
            )

    assert _name(session_factory, ids["list@groups.example"]) == "Riley"


def test_a_blank_name_never_replaces_a_name(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        ids = person_ids_for(
            session, account_id, ["dana@acme.io"], {"dana@acme.io": _seen("Dana Kim", days=1)}
        )

    with session_factory.begin() as session:
        person_ids_for(session, account_id, ["dana@acme.io"], {"dana@acme.io": _seen("  ", days=5)})

    assert _name(session_factory, ids["dana@acme.io"]) == "Dana Kim"


def test_renaming_known_people_costs_one_select_and_one_update(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    account_id = add_account(session_factory)
    batch = [f"contact{n}@example.org" for n in range(300)]
    with session_factory.begin() as session:
        first = person_ids_for(session, account_id, batch, {email: _seen("Old", days=1) for email in batch})

    with session_factory.begin() as session, _statements(engine) as statements:
        person_ids_for(session, account_id, batch, {email: _seen("New", days=2) for email in batch})

    assert statements == ["SELECT", "UPDATE"]
    assert {_name(session_factory, first[email]) for email in batch} == {"New"}


def test_variants_of_one_address_are_one_person(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    variants = ["Dana@Acme.io", "<dana+jobs@acme.io>", "dana@ACME.IO"]

    with session_factory.begin() as session:
        ids = person_ids_for(session, account_id, [normalise_address(raw) or "" for raw in variants])

    assert list(ids) == ["dana@acme.io"]


def test_known_addresses_cost_one_select_and_create_nobody(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    account_id = add_account(session_factory)
    batch = [f"contact{n}@example.org" for n in range(300)]
    with session_factory.begin() as session:
        first = person_ids_for(session, account_id, batch)

    with session_factory.begin() as session, _statements(engine) as statements:
        again = person_ids_for(session, account_id, reversed(batch))

    assert again == first
    assert statements == ["SELECT"]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 300


def test_a_batch_of_new_addresses_is_created_in_bulk(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        person_ids_for(session, account_id, ["known@example.org"])

    with session_factory.begin() as session, _statements(engine) as statements:
        ids = person_ids_for(
            session, account_id, ["known@example.org"] + [f"new{n}@example.org" for n in range(200)]
        )

    assert len(set(ids.values())) == 201
    # What is known; the new people in one statement, their addresses in another; the new addresses' people.
    assert statements == ["SELECT", "INSERT", "INSERT", "SELECT"]


def test_the_same_address_in_two_accounts_is_two_people(session_factory: sessionmaker[Session]) -> None:
    personal = add_account(session_factory, "personal")
    work = add_account(session_factory, "work")

    with session_factory.begin() as session:
        in_personal = person_ids_for(session, personal, ["dana@acme.io"])
        in_work = person_ids_for(session, work, ["dana@acme.io"])

    assert in_personal["dana@acme.io"] != in_work["dana@acme.io"]


def test_a_same_person_group_joins_everything_into_the_oldest_person(
    session_factory: sessionmaker[Session],
) -> None:
    account_id = add_account(session_factory)
    with session_factory.begin() as session:
        sam = person_ids_for(session, account_id, ["sam@a.example"])["sam@a.example"]
        lee = person_ids_for(
            session, account_id, ["sam.lee@b.example"], {"sam.lee@b.example": _seen("Sam Lee", days=1)}
        )
        lee_id = lee["sam.lee@b.example"]
        # The second person has another address the group does not name: it must follow.
        session.add(PersonAddress(account_id=account_id, person_id=lee_id, email="slee@c.example"))
        session.add(
            Finding(
                account_id=account_id,
                rule_name="cold-contacts",
                kind="cold_contact",
                occasion_key="cold_contact:sam.lee@b.example:2026-07-02",
                person_id=lee_id,
            )
        )

    with session_factory.begin() as session:
        merged = apply_same_person(session, account_id, [["Sam@A.example", "sam.lee+work@b.example"]])

    assert merged == 1
    with session_factory() as session:
        assert _people(session, account_id) == {
            "sam@a.example": sam,
            "sam.lee@b.example": sam,
            "slee@c.example": sam,
        }
        assert session.scalar(select(func.count()).select_from(Person)) == 1
        assert session.scalars(select(Finding.person_id)).one() == sam
        assert session.get_one(Person, sam).display_name == "Sam Lee"


def test_joined_people_take_the_newest_name_of_them_all(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    named = {"sam@a.example": _seen("Sam", days=1), "slee@c.example": _seen("S. Lee", days=2)}
    named["sam.lee@b.example"] = _seen("Sam Lee", days=3)
    with session_factory.begin() as session:
        ids = {email: person_ids_for(session, account_id, [email], named)[email] for email in sorted(named)}

    with session_factory.begin() as session:
        apply_same_person(session, account_id, [sorted(named)])

    assert _name(session_factory, min(ids.values())) == "Sam Lee"
    with session_factory.begin() as session:
        person_ids_for(session, account_id, ["slee@c.example"], {"slee@c.example": _seen("S. Lee", days=2)})
    assert _name(session_factory, min(ids.values())) == "Sam Lee"


def test_applying_the_same_groups_again_changes_nothing(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)
    groups = [
        ["sam@a.example", "sam.lee@b.example"],
        ["sam.lee@b.example", "samuel@c.example"],
        ["x@d.example"],
    ]
    with session_factory.begin() as session:
        person_ids_for(session, account_id, ["samuel@c.example", "sam.lee@b.example", "sam@a.example"])
        first_merge = apply_same_person(session, account_id, groups)
    with session_factory() as session:
        after_first = _people(session, account_id)

    with session_factory.begin() as session:
        second_merge = apply_same_person(session, account_id, groups)
    with session_factory() as session:
        after_second = _people(session, account_id)

    assert first_merge == 2
    assert second_merge == 0
    assert after_second == after_first
    assert len(set(after_first.values())) == 2  # the chained groups are one person; x@d.example another
    assert after_first["x@d.example"] != after_first["sam@a.example"]


def test_a_group_naming_something_that_is_not_an_address_is_logged_and_the_rest_joined(
    session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    account_id = add_account(session_factory)

    with caplog.at_level(logging.WARNING, logger="store.people"), session_factory.begin() as session:
        apply_same_person(session, account_id, [["sam@a.example", "Sam Lee", "sam.lee@b.example"]])

    with session_factory() as session:
        people = _people(session, account_id)
    assert set(people) == {"sam@a.example", "sam.lee@b.example"}
    assert len(set(people.values())) == 1
    assert "Sam Lee" in caplog.text
