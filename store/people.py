"""People of an account: one person per normalised address on first sight, joined by configured groups,
named by the newest message that gives one of their addresses a name."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Table, and_, bindparam, delete, or_, select, update
from sqlalchemy import insert as orm_insert
from sqlalchemy.orm import Session

from store.addresses import normalise_address
from store.models import Finding, Person, PersonAddress
from store.upsert import insert

log = logging.getLogger(__name__)

# Addresses per IN (...) list: far below SQLite's and PostgreSQL's bound-parameter limits.
LOOKUP_CHUNK = 1000


class NameSighting(NamedTuple):
    """A display name as one message gives it for an address: the newest sighting names the person.

    Newest means the latest internal date, ties broken by the higher Gmail id, so the name does not depend
    on the order in which a sync (resumed or not) stores messages.
    """

    seen_at: datetime  # the message's internal date
    gmail_id: str
    name: str

    @property
    def order(self) -> tuple[datetime, str]:
        """What "newer" compares."""
        return (self.seen_at, self.gmail_id)


def newest(first: NameSighting | None, second: NameSighting) -> NameSighting:
    """The newer of two sightings; on a tie (one message naming an address twice) the first stays."""
    return second if first is None or second.order > first.order else first


def person_ids_for(
    session: Session,
    account_id: int,
    emails: Iterable[str],
    names: Mapping[str, NameSighting] | None = None,
) -> dict[str, int]:
    """The person id of each normalised address in ``emails``, creating a person for each unseen one.

    Built for the sync's batches: one SELECT when every address is known, otherwise one bulk INSERT of
    people and one of addresses. ``names`` gives the newest name sighting of some addresses: a person is
    named by it when it is newer than the one the person is named by (one bulk UPDATE for those). Safe
    against a concurrent writer creating the same address: its person wins and ours is removed.
    """
    wanted = sorted(set(emails))
    names = {email: sighting for email, sighting in (names or {}).items() if sighting.name.strip()}
    known = _known_people(session, account_id, wanted)
    ids = {email: person.person_id for email, person in known.items()}
    missing = [email for email in wanted if email not in known]
    created: set[int] = set()
    if missing:
        now_known, created = _create_people(session, account_id, missing, names)
        ids |= now_known
    _rename(session, ids, names, known, created)
    return ids


class _KnownPerson(NamedTuple):
    person_id: int
    named_at: datetime | None
    named_by: str | None

    @property
    def name_order(self) -> tuple[datetime, str] | None:
        """The order of the sighting the person is named by; None when it is unknown (always older)."""
        if self.named_at is None or self.named_by is None:
            return None
        return (self.named_at, self.named_by)


def _known_people(session: Session, account_id: int, emails: Sequence[str]) -> dict[str, _KnownPerson]:
    found: dict[str, _KnownPerson] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start : start + LOOKUP_CHUNK]
        rows = session.execute(
            select(
                PersonAddress.email,
                PersonAddress.person_id,
                Person.display_name_at,
                Person.display_name_gmail_id,
            )
            .join(Person, Person.id == PersonAddress.person_id)
            .where(PersonAddress.account_id == account_id, PersonAddress.email.in_(chunk))
        )
        found.update({email: _KnownPerson(person_id, at, by) for email, person_id, at, by in rows})
    return found


def _create_people(
    session: Session, account_id: int, emails: Sequence[str], names: Mapping[str, NameSighting]
) -> tuple[dict[str, int], set[int]]:
    """Person ids of these unseen addresses, and the people created for them, named by their sightings
    (an address a concurrent writer created first keeps that writer's person)."""
    rows = []
    for email in emails:
        sighting = names.get(email)
        rows.append(
            {
                "account_id": account_id,
                "primary_email": email,
                "display_name": sighting.name if sighting else None,
                "display_name_at": sighting.seen_at if sighting else None,
                "display_name_gmail_id": sighting.gmail_id if sighting else None,
            }
        )
    # RETURNING without a guaranteed order lets SQLite batch the rows; primary_email pairs them up.
    created = session.execute(orm_insert(Person).returning(Person.primary_email, Person.id), rows)
    ours: dict[str, int] = {email: person_id for email, person_id in created}
    session.execute(
        insert(session, PersonAddress).on_conflict_do_nothing(index_elements=["account_id", "email"]),
        [
            {"account_id": account_id, "person_id": person_id, "email": email}
            for email, person_id in ours.items()
        ],
    )
    now_known = _person_ids(session, account_id, emails)
    lost = [person_id for email, person_id in ours.items() if now_known[email] != person_id]
    if lost:
        session.execute(delete(Person).where(Person.id.in_(lost)))
    return now_known, set(ours.values()) - set(lost)


_PEOPLE: Table = Person.__table__  # type: ignore[assignment]
# Names a person only by a newer sighting than its own, so a concurrent writer's newer name is kept.
_RENAME = (
    update(_PEOPLE)
    .where(
        _PEOPLE.c.id == bindparam("person"),
        or_(
            _PEOPLE.c.display_name_at.is_(None),
            _PEOPLE.c.display_name_at < bindparam("seen_at"),
            and_(
                _PEOPLE.c.display_name_at == bindparam("seen_at"),
                _PEOPLE.c.display_name_gmail_id < bindparam("gmail_id"),
            ),
        ),
    )
    .values(
        display_name=bindparam("name"),
        display_name_at=bindparam("seen_at"),
        display_name_gmail_id=bindparam("gmail_id"),
    )
)


def _rename(
    session: Session,
    ids: Mapping[str, int],
    names: Mapping[str, NameSighting],
    known: Mapping[str, _KnownPerson],
    created: set[int],
) -> None:
    """Name the people (not just created) whose newest sighting here is newer than their name's."""
    best: dict[int, NameSighting] = {}
    for email in sorted(names):
        person_id = ids.get(email)
        if person_id is not None and person_id not in created:
            best[person_id] = newest(best.get(person_id), names[email])
    stored = {person.person_id: person for person in known.values()}
    rows = []
    for person_id, sighting in best.items():
        person = stored.get(person_id)
        # A person that is neither ours nor known was created concurrently: the UPDATE's guard decides.
        named = person.name_order if person is not None else None
        if named is not None and sighting.order <= named:
            continue
        rows.append({"person": person_id, **sighting._asdict()})
    if rows:
        session.execute(_RENAME, rows)


def apply_same_person(
    session: Session, account_id: int, groups: Sequence[Sequence[str]], *, fold_plus: bool = True
) -> int:
    """Join the addresses of each group into one person, the oldest (lowest id); returns people merged away.

    Every address of a merged person follows it, findings are re-pointed, and running it again changes
    nothing. Addresses not seen yet get their person now, so mail arriving later lands on the joined one.
    """
    merged_away = 0
    for group in groups:
        addresses = {normalise_address(raw, fold_plus=fold_plus) or "" for raw in group}
        if "" in addresses:
            log.warning("same_person group %s names something that is not an address; ignored", list(group))
            addresses.discard("")
        person_ids = set(person_ids_for(session, account_id, addresses).values())
        keep = min(person_ids, default=None)
        others = sorted(person_ids - {keep})
        if keep is None or not others:
            continue
        _merge_people(session, keep, others)
        merged_away += len(others)
    return merged_away


def _merge_people(session: Session, keep: int, others: list[int]) -> None:
    kept = session.get_one(Person, keep)
    # The joined person takes the newest name of them all; a name of unknown age counts as the oldest.
    named = session.execute(
        select(Person.display_name, Person.display_name_at, Person.display_name_gmail_id)
        .where(Person.id.in_([keep, *others]), Person.display_name.is_not(None))
        .order_by(
            Person.display_name_at.is_(None),
            Person.display_name_at.desc(),
            Person.display_name_gmail_id.desc(),
            Person.id,
        )
        .limit(1)
    ).first()
    if named is not None:
        kept.display_name, kept.display_name_at, kept.display_name_gmail_id = named
    session.execute(update(PersonAddress).where(PersonAddress.person_id.in_(others)).values(person_id=keep))
    session.execute(update(Finding).where(Finding.person_id.in_(others)).values(person_id=keep))
    session.execute(delete(Person).where(Person.id.in_(others)))


def _person_ids(session: Session, account_id: int, emails: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start : start + LOOKUP_CHUNK]
        rows = session.execute(
            select(PersonAddress.email, PersonAddress.person_id).where(
                PersonAddress.account_id == account_id, PersonAddress.email.in_(chunk)
            )
        )
        found.update({email: person_id for email, person_id in rows})
    return found
