"""Google Calendar as the store keeps it: configured calendars, their sync cursors, events, attendees."""

from __future__ import annotations

from datetime import datetime
from typing import get_args

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, one_of
from store.models_accounts import CursorPhase
from store.utc import utcnow


class Calendar(Base):
    """A calendar named in an account's config (``calendars = ["primary", ...]``)."""

    __tablename__ = "calendars"
    __table_args__ = (UniqueConstraint("account_id", "config_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    config_id: Mapped[str] = mapped_column(String)  # as written in config, e.g. "primary"
    gcal_id: Mapped[str | None] = mapped_column(String)  # the id Google resolved it to; null until resolved
    summary: Mapped[str | None] = mapped_column(Text)
    time_zone: Mapped[str | None] = mapped_column(String)  # IANA zone

    events: Mapped[list[Event]] = relationship(back_populates="calendar", passive_deletes=True)


class CalendarCursor(Base):
    """Where the sync of one calendar stands; committed in the transaction holding the events it covers."""

    __tablename__ = "calendar_cursors"
    __table_args__ = (one_of("phase", get_args(CursorPhase)),)

    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int]  # the sync's format version; another version means "full re-sync"
    # Null until a full pass finished. Invariant: the store reflects every change the token stands for.
    sync_token: Mapped[str | None] = mapped_column(Text)
    phase: Mapped[CursorPhase] = mapped_column(String(16))
    page_token: Mapped[str | None] = mapped_column(Text)  # next page of an interrupted full pass
    time_min: Mapped[datetime | None]  # window of the full pass
    time_max: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Event(Base):
    """One event instance (singleEvents=true). Only events whose times are known are stored."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("calendar_id", "gcal_id"),
        Index("ix_events_calendar_end", "calendar_id", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    gcal_id: Mapped[str] = mapped_column(String)
    status: Mapped[str] = mapped_column(String(16))  # confirmed | tentative | cancelled, as Google says
    summary: Mapped[str | None] = mapped_column(Text)
    # UTC; for all-day events midnight UTC of the start date and of the (exclusive) end date.
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(default=False)
    event_type: Mapped[str] = mapped_column(String(32), default="default")  # Google's eventType
    recurring_event_id: Mapped[str | None] = mapped_column(String)  # set on instances of a series
    organizer_email: Mapped[str | None] = mapped_column(String)  # normalised
    organizer_self: Mapped[bool] = mapped_column(default=False)
    self_response: Mapped[str | None] = mapped_column(String(16))  # the user's responseStatus; null if absent
    attendees_omitted: Mapped[bool] = mapped_column(default=False)
    updated_at_remote: Mapped[datetime | None]  # the event's ``updated``

    calendar: Mapped[Calendar] = relationship(back_populates="events")
    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True, order_by="Attendee.id"
    )


class Attendee(Base):
    """One attendee entry of an event, as Google lists it."""

    __tablename__ = "attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String, index=True)  # normalised
    display_name: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[str | None] = mapped_column(String(16))  # needsAction | accepted | ...
    organizer: Mapped[bool] = mapped_column(default=False)
    is_self: Mapped[bool] = mapped_column(default=False)
    optional: Mapped[bool] = mapped_column(default=False)
    resource: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship(back_populates="attendees")
