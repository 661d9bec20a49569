"""People: one person per normalised address on first sight, joined across addresses by config."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base
from store.utc import utcnow


class Person(Base):
    """A contact of one account; the lowest id survives when people are merged."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # The name from the newest message naming one of the person's addresses; that message's internal date
    # and Gmail id (the tie-break) say which sighting is newer, so the order messages are stored in does not
    # matter. Both are NULL for a name whose message is unknown (none yet, or stored before they existed).
    display_name: Mapped[str | None] = mapped_column(Text)
    display_name_at: Mapped[datetime | None]
    display_name_gmail_id: Mapped[str | None] = mapped_column(String)
    primary_email: Mapped[str] = mapped_column(String)  # normalised; the address the person was first seen by
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    addresses: Mapped[list[PersonAddress]] = relationship(
        back_populates="person", passive_deletes=True, order_by="PersonAddress.id"
    )


class PersonAddress(Base):
    """A normalised address and the person it belongs to; an address belongs to one person per account."""

    __tablename__ = "person_addresses"
    __table_args__ = (UniqueConstraint("account_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String)

    person: Mapped[Person] = relationship(back_populates="addresses")
