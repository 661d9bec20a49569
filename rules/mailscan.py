"""The two scans the rules make over a whole mailbox: every message's metadata, every recipient.

Scanning the messages table is the dearest read of a run (100,000 wide rows), so it happens once and
answers every whole-mailbox question: who the user sends from, which list headers exist, which messages
are automated, which threads carry a label, and when each message was sent by whom. The recipients scan
reads the narrow address table once for the user's sent mail and for lists among recipients.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, literal, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from rules.automation import CALENDAR_NOTIFIER
from rules.lists import ListSignals
from rules.queries import RECIPIENT_ROLES, carries_label, epoch, raw_rows
from store.models import Message, MessageAddress

log = logging.getLogger(__name__)

# Bits of the scan's flags column, computed in SQL so booleans cost one narrow column.
SENT = 1  # the SENT label
NEWSLETTER_HEADERS = 2  # List-Unsubscribe without List-Post
CALENDAR_NOTICE = 4  # text/calendar, or From/Sender calendar-notification@google.com
LIST_SIGNALS = 16  # some list header, or a Precedence with a Sender (a relay, perhaps)
AUTOMATION_HEADERS = 32  # a Precedence or an Auto-Submitted header (mail without one is judged by its From)


@dataclass
class MailScan:
    """Everything the whole-mailbox scans found.

    `messages` rows are (id, thread id, epoch, from, flags, List-Id, List-Post, X-Mailing-List,
    Mailing-List, Precedence, Sender, Auto-Submitted, labels): plain rows, as a hundred thousand objects
    would cost more than the scan itself. The label ids come only on messages carrying a label asked about.
    """

    messages: list[tuple[Any, ...]] = field(default_factory=list)
    list_signals: set[ListSignals] = field(default_factory=set)
    sent_from: set[str] = field(default_factory=set)  # the From addresses of SENT mail
    threads_by_label: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    recipients: list[tuple[int, str]] = field(default_factory=list)  # (sent message id, recipient)
    to_list: set[int] = field(default_factory=set)  # messages with a list address in To or Cc


def _bit(condition: ColumnElement[bool] | InstrumentedAttribute[bool], value: int) -> ColumnElement[int]:
    return case((condition, value), else_=0)


def scan_messages(session: Session, account_id: int, label_ids: Collection[str]) -> MailScan:
    """Every non-draft message of the account, once; `label_ids`: the labels whose threads are wanted."""
    as_text = cast(Message.label_ids, String)  # the labels, read only from messages that carry one asked for
    labelled = carries_label(Message.label_ids, label_ids)
    flags = (
        _bit(Message.is_sent, SENT)
        + _bit(and_(Message.list_unsubscribe.is_not(None), Message.list_post.is_(None)), NEWSLETTER_HEADERS)
        + _bit(
            or_(
                func.lower(Message.mime_type).like("text/calendar%"),
                Message.sender_email == CALENDAR_NOTIFIER,
                Message.from_email == CALENDAR_NOTIFIER,
            ),
            CALENDAR_NOTICE,
        )
    )
    flags = flags + _bit(
        or_(
            Message.list_id.is_not(None),
            Message.list_post.is_not(None),
            Message.x_mailing_list.is_not(None),
            Message.mailing_list.is_not(None),
            and_(Message.precedence.is_not(None), Message.sender_email.is_not(None)),
        ),
        LIST_SIGNALS,
    )
    flags = flags + _bit(
        or_(Message.precedence.is_not(None), Message.auto_submitted.is_not(None)), AUTOMATION_HEADERS
    )
    query = select(
        Message.id,
        Message.thread_id,
        epoch(Message.internal_date),
        Message.from_email,
        flags,
        Message.list_id,
        Message.list_post,
        Message.x_mailing_list,
        Message.mailing_list,
        Message.precedence,
        Message.sender_email,
        Message.auto_submitted,
        case((labelled, as_text), else_=None) if label_ids else literal(None),
    ).where(
        # An expression, not the bare column: the scan reads every message of the account anyway, and SQLite
        # would otherwise walk the (account, sent, date) index and fetch each row out of order, twice as slow.
        (Message.account_id + 0) == account_id,
        not_(Message.is_draft),
    )
    scan = MailScan(messages=raw_rows(session, query))
    # The headers as plain tuples first: list mail repeats a few lists' headers thousands of times.
    signals: set[tuple[Any, ...]] = set()
    for row in scan.messages:
        if row[4] & SENT and row[3]:
            scan.sent_from.add(row[3])
        if row[4] & LIST_SIGNALS:
            signals.add(row[5:11])
        if row[12] is not None:
            for label in _labels(row[12], row[0]):
                scan.threads_by_label[label].add(row[1])
    scan.list_signals = {ListSignals(*headers) for headers in signals}
    return scan


def _labels(text: str | None, message_id: int) -> list[str]:
    try:
        labels = json.loads(text or "[]")
    except json.JSONDecodeError:
        log.warning("label ids of message %s are not JSON: %r", message_id, text)
        return []
    return [label for label in labels if isinstance(label, str)] if isinstance(labels, list) else []


def scan_recipients(
    session: Session,
    account_id: int,
    scan: MailScan,
    *,
    sent_ids: Collection[int],
    user_addresses: Collection[str],
    lists: Collection[str],
    is_list: Callable[[str], bool],
) -> None:
    """Recipients of the user's sent mail (`sent_ids`), and which messages have a list address in To or Cc."""
    # The address table is narrow: one pass over its recipient rows is cheaper than any join (rows of other
    # accounts come too and are dropped here: they are neither in `sent_ids` nor asked about). The user's
    # own addresses stay in the database, about half the rows as most received mail is To the user, unless
    # they might be a list's: the user is no recipient a relationship counts.
    maybe_list = or_(MessageAddress.email.in_(sorted(lists)), MessageAddress.email.like("%+%"))
    query = select(MessageAddress.message_id, MessageAddress.role, MessageAddress.email).where(
        MessageAddress.role.in_(RECIPIENT_ROLES),
        or_(MessageAddress.email.not_in(sorted(user_addresses)), maybe_list),
    )
    list_set = set(lists)
    to_list, recipients = scan.to_list, scan.recipients
    rows: list[tuple[int, str, str]] = raw_rows(session, query)
    for message_id, role, email in rows:
        if role != "bcc" and (email in list_set or ("+" in email and is_list(email))):
            to_list.add(message_id)
        if message_id in sent_ids:
            recipients.append((message_id, email))
