"""People of an account: one person per normalised address on first sight, joined by configured groups."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy import insert as orm_insert
from sqlalchemy.orm import Session

from store.addresses import normalise_address
from store.models import Finding, Person, PersonAddress
from store.upsert import insert

log = logging.getLogger(__name__)

# Addresses per IN (...) list: far below SQLite's and PostgreSQL's bound-parameter limits.
LOOKUP_CHUNK = 1000


def person_ids_for(
    session: Session, account_id: int, emails: Iterable[str], names: Mapping[str, str] | None = None
) -> dict[str, int]:
    """The person id of each normalised address in ``emails``, creating a person for each unseen one.

    Built for the sync's batches: one SELECT when every address is known, otherwise one bulk INSERT of
    people and one of addresses. ``names`` gives display names for the people created. Safe against a
    concurrent writer creating the same address: its person wins and ours is removed.
    """
    wanted = sorted(set(emails))
    known = _person_ids(session, account_id, wanted)
    missing = [email for email in wanted if email not in known]
    if not missing:
        return known
    names = names or {}
    # RETURNING without a guaranteed order lets SQLite batch the rows; primary_email pairs them up.
    created = session.execute(
        orm_insert(Person).returning(Person.primary_email, Person.id),
        [
            {"account_id": account_id, "primary_email": email, "display_name": names.get(email)}
            for email in missing
        ],
    )
    ours: dict[str, int] = {email: person_id for email, person_id in created}
    session.execute(
        insert(session, PersonAddress).on_conflict_do_nothing(index_elements=["account_id", "email"]),
        [
            {"account_id": account_id, "person_id": person_id, "email": email}
            for email, person_id in ours.items()
        ],
    )
    now_known = _person_ids(session, account_id, missing)
    lost = [person_id for email, person_id in ours.items() if now_known[email] != person_id]
    if lost:
        session.execute(delete(Person).where(Person.id.in_(lost)))
    return known | now_known


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
    if kept.display_name is None:
        kept.display_name = session.scalars(
            select(Person.display_name)
            .where(Person.id.in_(others), Person.display_name.is_not(None))
            .order_by(Person.id)
            .limit(1)
        ).first()
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
