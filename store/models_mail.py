"""Gmail as the store keeps it: labels, threads, message metadata (never bodies), addresses, reply intents."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, one_of
from store.utc import utcnow

AddressRole = Literal["from", "sender", "reply_to", "to", "cc", "bcc"]
LabelType = Literal["system", "user"]


class Label(Base):
    """A Gmail label of one account (system labels such as SENT included)."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("account_id", "gmail_id"), one_of("type", get_args(LabelType)))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    gmail_id: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)
    type: Mapped[LabelType] = mapped_column(String(16))


class Thread(Base):
    """A Gmail thread; its messages belong to the same account."""

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("account_id", "gmail_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    gmail_id: Mapped[str] = mapped_column(String)

    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", passive_deletes=True, order_by="Message.internal_date"
    )


class Message(Base):
    """The metadata of one Gmail message: headers Rapport uses, labels, snippet. There is no body column."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("account_id", "gmail_id"),
        # The rules' scans: sent mail by date, received mail by date, a thread in order.
        Index("ix_messages_account_sent_date", "account_id", "is_sent", "internal_date"),
        Index("ix_messages_account_inbox_date", "account_id", "is_inbox", "internal_date"),
        Index("ix_messages_thread_date", "thread_id", "internal_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    gmail_id: Mapped[str] = mapped_column(String)
    history_id: Mapped[int | None] = mapped_column(BigInteger)
    internal_date: Mapped[datetime]  # Gmail's internalDate: when Gmail received or the user sent it
    date_header: Mapped[datetime | None]  # the Date header; null when missing or unparsable
    subject: Mapped[str | None] = mapped_column(Text)
    message_id_header: Mapped[str | None] = mapped_column(Text, index=True)  # Message-ID, with its <>
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references_header: Mapped[str | None] = mapped_column(Text)  # References as on the wire
    from_email: Mapped[str | None] = mapped_column(String, index=True)  # normalised; null if unparsable
    from_name: Mapped[str | None] = mapped_column(Text)
    sender_email: Mapped[str | None] = mapped_column(String)  # normalised Sender header
    mime_type: Mapped[str | None] = mapped_column(String)  # top-level payload mimeType, e.g. text/calendar
    # List and automation signals, raw header values (null when absent).
    list_id: Mapped[str | None] = mapped_column(Text)
    list_post: Mapped[str | None] = mapped_column(Text)
    list_unsubscribe: Mapped[str | None] = mapped_column(Text)
    x_mailing_list: Mapped[str | None] = mapped_column(Text)
    mailing_list: Mapped[str | None] = mapped_column(Text)
    precedence: Mapped[str | None] = mapped_column(String)
    auto_submitted: Mapped[str | None] = mapped_column(String)
    rapport_key: Mapped[str | None] = mapped_column(String, index=True)  # X-Rapport-Key of Rapport's drafts
    label_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # Gmail label ids, as Gmail lists them
    # Derived from label_ids whenever they change; columns so the rules' indexes can use them.
    is_sent: Mapped[bool] = mapped_column(default=False)
    is_draft: Mapped[bool] = mapped_column(default=False)
    is_inbox: Mapped[bool] = mapped_column(default=False)
    snippet: Mapped[str | None] = mapped_column(Text)  # Gmail's snippet, HTML entities decoded
    parse_problems: Mapped[str | None] = mapped_column(Text)  # what could not be parsed; null when all was

    thread: Mapped[Thread] = relationship(back_populates="messages")
    addresses: Mapped[list[MessageAddress]] = relationship(
        back_populates="message",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MessageAddress.id",
    )


class MessageAddress(Base):
    """One address named in a message's From, Sender, Reply-To, To, Cc or Bcc header."""

    __tablename__ = "message_addresses"
    __table_args__ = (
        one_of("role", get_args(AddressRole)),
        Index("ix_message_addresses_email_role", "email", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    role: Mapped[AddressRole] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String)  # normalised (store.addresses.normalise_address)
    raw_email: Mapped[str] = mapped_column(String)  # the address as written, before normalisation
    name: Mapped[str | None] = mapped_column(Text)  # display name, RFC 2047 decoded
    position: Mapped[int]  # order within its header, from 0

    message: Mapped[Message] = relationship(back_populates="addresses")


class MessageIntent(Base):
    """Whether a sent message asks for an answer, classified once from its body (which is not kept)."""

    __tablename__ = "message_intents"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    gmail_id: Mapped[str] = mapped_column(String, primary_key=True)
    expects_reply: Mapped[bool]
    trigger: Mapped[str | None] = mapped_column(Text)  # the sentence that asks, quoted in a finding's reason
    classified_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A hash of what decided it besides the body (rules.intent.IntentClassifier.fingerprint): the phrase
    # lists of the deciding instance, whether it opened its thread. Null: decided before it was recorded.
    fingerprint: Mapped[str | None] = mapped_column(String)
