"""What the rules found and what Rapport wrote about it: findings with the user's decisions, and drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, one_of
from store.utc import utcnow

FindingKind = Literal["thank_you", "cold_contact", "awaiting_reply"]
FindingState = Literal["open", "drafted", "dismissed", "resolved"]
# "failed": it can never be written as planned (the message cannot be built, or Gmail refused it): tried once,
# the reason kept in `failure`, never retried.
DraftState = Literal["pending", "written", "user_edited", "deleted_by_user", "sent", "withdrawn", "failed"]


class Finding(Base):
    """One occasion that needs the user's attention, kept across runs so the user's decisions persist.

    The occasion key is stable across runs (e.g. ``thank_you:<event id>``): a rule that finds the same
    occasion again updates this row instead of creating another.
    """

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("account_id", "occasion_key"),
        one_of("kind", get_args(FindingKind)),
        one_of("state", get_args(FindingState)),
        Index("ix_findings_account_state", "account_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    rule_name: Mapped[str] = mapped_column(String)  # the rule instance's name in config
    kind: Mapped[FindingKind] = mapped_column(String(16))
    occasion_key: Mapped[str] = mapped_column(String)
    state: Mapped[FindingState] = mapped_column(String(16), default="open")
    state_reason: Mapped[str | None] = mapped_column(Text)  # why it left "open", e.g. "draft deleted by user"
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)  # the contacts' normalised addresses
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    event_gcal_id: Mapped[str | None] = mapped_column(String)  # thank_you: the meeting
    thread_gmail_id: Mapped[str | None] = mapped_column(String)  # awaiting_reply / cold_contact: the thread
    message_gmail_id: Mapped[str | None] = mapped_column(String)  # awaiting_reply: the sent message
    last_interaction: Mapped[datetime | None]  # cold_contact
    due_at: Mapped[datetime | None]  # when the occasion became due
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(Text, default="")  # the human explanation shown by preview
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the facts behind the reason
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    drafts: Mapped[list[Draft]] = relationship(back_populates="finding", order_by="Draft.id")


class Draft(Base):
    """Rapport's outbox: one draft it writes (or wrote) into Gmail for a finding.

    A finding with drafts cannot be deleted (no cascade): losing the row would lose track of a live
    Gmail draft and invite a duplicate.
    """

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("account_id", "draft_key"), one_of("state", get_args(DraftState)))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    # The finding's occasion key, plus ":" + recipient when one draft is written per attendee; it is the
    # X-Rapport-Key header of the Gmail draft.
    draft_key: Mapped[str] = mapped_column(String)
    gmail_draft_id: Mapped[str | None] = mapped_column(String)  # null until drafts.create answered
    gmail_message_id: Mapped[str | None] = mapped_column(String)
    gmail_thread_id: Mapped[str | None] = mapped_column(String)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    body_sha256: Mapped[str | None] = mapped_column(String(64))  # of the body Rapport wrote: detects edits
    state: Mapped[DraftState] = mapped_column(String(16), default="pending")
    failure: Mapped[str | None] = mapped_column(Text)  # why a failed draft could not be written
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    finding: Mapped[Finding] = relationship(back_populates="drafts")
