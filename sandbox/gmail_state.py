"""One user's Gmail mailbox in memory: messages, threads, labels, drafts, history, and Gmail's rules for them.

The mailbox keeps its messages in a newest-first index (Gmail lists by internalDate, newest first), its
threads oldest-first, and a Message-ID index for threading. Every change goes through `add_message`,
`remove_message` or `change_labels`, which keep the indexes and the history log in step. Threading follows
Gmail's documented rule for drafts and inserted mail: a message joins the requested thread only when that
thread exists, its References/In-Reply-To name a message of the thread and the subjects match.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox import mime
from sandbox.history import (
    LABEL_ADDED,
    LABEL_REMOVED,
    MESSAGE_ADDED,
    MESSAGE_DELETED,
    HistoryLog,
)

SPAM = "SPAM"
TRASH = "TRASH"
DRAFT = "DRAFT"
SENT = "SENT"
INBOX = "INBOX"
UNREAD = "UNREAD"
CATEGORY_LABELS = (
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
)
SYSTEM_LABELS = (
    "CHAT",
    SENT,
    INBOX,
    "IMPORTANT",
    TRASH,
    DRAFT,
    SPAM,
    *CATEGORY_LABELS,
    "STARRED",
    UNREAD,
)

SortKey = tuple[int, str]  # (-internalDate, id): ascending order is Gmail's newest-first order


@dataclass(slots=True)
class StoredMessage:
    """A message as the sandbox keeps it: headers in wire order, the text body, labels, dates, ids."""

    id: str
    thread_id: str
    label_ids: list[str]
    internal_date: int  # epoch milliseconds
    headers: list[tuple[str, str]]
    body: str
    given_snippet: str | None  # a snippet the mailbox file states; otherwise derived from the body
    history_id: int
    raw_source: bytes | None = None  # the uploaded bytes of a multipart draft, served as they came
    _size: int | None = field(default=None, repr=False)
    _search: dict[str, str] | None = field(default=None, repr=False)

    @property
    def snippet(self) -> str:
        """Gmail's snippet of the message (derived on demand: a big mailbox need not hold them all)."""
        return self.given_snippet if self.given_snippet is not None else mime.snippet_of(self.body)

    @property
    def sort_key(self) -> SortKey:
        """The key of Gmail's newest-first listing order."""
        return (-self.internal_date, self.id)

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), as stored."""
        return mime.header_value(self.headers, name)

    def raw(self) -> bytes:
        """The RFC 822 bytes Gmail serves for format=raw."""
        if self.raw_source is not None:
            return self.raw_source
        return mime.build_raw(self.headers, self.body)

    @property
    def size_estimate(self) -> int:
        """Gmail's sizeEstimate: the raw message's size in bytes."""
        if self._size is None:
            self._size = len(self.raw())
        return self._size

    def search_text(self, name: str) -> str:
        """Every value of header `name`, decoded and lower-cased, joined: what the `q` operators search."""
        if self._search is None:
            fields: dict[str, list[str]] = {}
            for key, value in self.headers:
                fields.setdefault(key.lower(), []).append(mime.decode_header_value(value).lower())
            self._search = {key: "\n".join(values) for key, values in fields.items()}
        return self._search.get(name.lower(), "")

    def to_summary(self) -> dict[str, Any]:
        """A JSON-friendly view for tests and the admin endpoint (headers as Gmail's name/value list)."""
        return {
            "id": self.id,
            "threadId": self.thread_id,
            "labelIds": list(self.label_ids),
            "internalDate": str(self.internal_date),
            "historyId": str(self.history_id),
            "snippet": self.snippet,
            "headers": [{"name": name, "value": value} for name, value in self.headers],
            "body": self.body,
        }


@dataclass
class GmailMailbox:
    """One user's Gmail data and the indexes that answer Gmail's questions quickly."""

    email: str
    name: str = ""
    timezone: str = "UTC"
    aliases: list[str] = field(default_factory=list)
    user_labels: dict[str, str] = field(default_factory=dict)  # label id -> name
    history: HistoryLog = field(default_factory=HistoryLog)
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    threads: dict[str, list[str]] = field(default_factory=dict)  # thread id -> message ids, oldest first
    drafts: dict[str, str] = field(default_factory=dict)  # draft id -> message id
    _order: list[SortKey] = field(default_factory=list)
    _by_rfc822_id: dict[str, str] = field(default_factory=dict)
    _draft_of_message: dict[str, str] = field(default_factory=dict)
    _id_counter: int = 0
    _list_cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    # ---- reading -------------------------------------------------------------------------------------

    def addresses(self) -> list[str]:
        """The user's own addresses (primary first, then aliases), lower-cased."""
        return [self.email.lower(), *(alias.lower() for alias in self.aliases)]

    def known_label(self, label_id: str) -> bool:
        """True for a system label or one of the user's label ids."""
        return label_id in SYSTEM_LABELS or label_id in self.user_labels

    def newest_first(self) -> Iterable[StoredMessage]:
        """Every message in Gmail's listing order."""
        messages = self.messages
        return (messages[message_id] for _, message_id in self._order)

    def thread_messages(self, thread_id: str) -> list[StoredMessage]:
        """The messages of a thread, oldest first (empty for an unknown thread)."""
        return [self.messages[message_id] for message_id in self.threads.get(thread_id, ())]

    def draft_id_of(self, message_id: str) -> str | None:
        """The id of the draft whose message this is, if any."""
        return self._draft_of_message.get(message_id)

    def cached(self, key: tuple[Any, ...]) -> Any:
        """A listing computed earlier at the current historyId (None when absent or stale)."""
        return self._list_cache.get((self.history.current, *key))

    def remember(self, key: tuple[Any, ...], value: Any) -> None:
        """Keep a listing for the current historyId; any mutation makes it stale."""
        if len(self._list_cache) >= 16:
            self._list_cache.clear()
        self._list_cache[(self.history.current, *key)] = value

    # ---- ids and threading ---------------------------------------------------------------------------

    def new_message_id(self, at_ms: int) -> str:
        """A fresh 16-hex-digit id that grows with time, as Gmail's do (milliseconds shifted left 20 bits)."""
        while True:
            self._id_counter += 1
            candidate = format(((at_ms << 20) | (self._id_counter & 0xFFFFF)) & (2**64 - 1), "016x")
            if candidate not in self.messages:
                return candidate

    def new_draft_id(self) -> str:
        """A fresh draft id, `r` and digits as Gmail's."""
        while True:
            self._id_counter += 1
            candidate = f"r{(self._id_counter * 2654435761 + 7_000_000_000_000_000_000) % 10**19:019d}"
            if candidate not in self.drafts:
                return candidate

    def resolve_thread(self, requested: str | None, headers: Sequence[tuple[str, str]]) -> str | None:
        """The thread a new message joins under Gmail's rule, or None when it starts its own.

        It joins `requested` only when that thread exists, References or In-Reply-To name a message of
        the thread, and its Subject matches a subject of the thread once Re:/Fwd: prefixes are stripped.
        """
        if not requested or requested not in self.threads:
            return None
        named = [
            *mime.message_ids_in(mime.header_value(headers, "References")),
            *mime.message_ids_in(mime.header_value(headers, "In-Reply-To")),
        ]
        members = set(self.threads[requested])
        if not any(self._by_rfc822_id.get(rfc822_id) in members for rfc822_id in named):
            return None
        subject = mime.normalized_subject(mime.header_value(headers, "Subject"))
        thread_subjects = {
            mime.normalized_subject(self.messages[message_id].header("Subject"))
            for message_id in self.threads[requested]
        }
        return requested if subject in thread_subjects else None

    # ---- changing ------------------------------------------------------------------------------------

    def add_message(self, message: StoredMessage, *, at: float, record: bool = True) -> None:
        """Store a message in its thread and indexes; `record` appends a messageAdded history record."""
        if message.id in self.messages:
            raise ValueError(f"duplicate message id {message.id}")
        if record:
            message.history_id = self.history.append(
                MESSAGE_ADDED,
                at=at,
                message_id=message.id,
                thread_id=message.thread_id,
                message_labels=message.label_ids,
            )
        self.messages[message.id] = message
        bisect.insort(self._order, message.sort_key)
        thread = self.threads.setdefault(message.thread_id, [])
        dates = [self.messages[member].internal_date for member in thread]
        thread.insert(bisect.bisect_right(dates, message.internal_date), message.id)
        rfc822_id = mime.canonical_message_id(message.header("Message-ID"))
        if rfc822_id is not None:
            self._by_rfc822_id.setdefault(rfc822_id, message.id)

    def load_messages(self, messages: Iterable[StoredMessage]) -> None:
        """Bulk-load messages from a mailbox file (no history records; one sort instead of many inserts)."""
        for message in messages:
            if message.id in self.messages:
                raise ValueError(f"duplicate message id {message.id}")
            self.messages[message.id] = message
            self.threads.setdefault(message.thread_id, []).append(message.id)
            rfc822_id = mime.canonical_message_id(message.header("Message-ID"))
            if rfc822_id is not None:
                self._by_rfc822_id.setdefault(rfc822_id, message.id)
        self._order = sorted(message.sort_key for message in self.messages.values())
        for thread in self.threads.values():
            thread.sort(key=lambda member: (self.messages[member].internal_date, member))

    def remove_message(self, message_id: str, *, at: float) -> StoredMessage:
        """Delete a message for good (and its draft, if it was one); appends a messageDeleted record."""
        message = self.messages.pop(message_id)
        self.history.append(
            MESSAGE_DELETED,
            at=at,
            message_id=message.id,
            thread_id=message.thread_id,
            message_labels=message.label_ids,
        )
        del self._order[bisect.bisect_left(self._order, message.sort_key)]
        thread = self.threads[message.thread_id]
        thread.remove(message_id)
        if not thread:
            del self.threads[message.thread_id]
        rfc822_id = mime.canonical_message_id(message.header("Message-ID"))
        if rfc822_id is not None and self._by_rfc822_id.get(rfc822_id) == message_id:
            del self._by_rfc822_id[rfc822_id]
        draft_id = self._draft_of_message.pop(message_id, None)
        if draft_id is not None:
            del self.drafts[draft_id]
        return message

    def change_labels(self, message_id: str, *, add: Sequence[str], remove: Sequence[str], at: float) -> None:
        """Add and remove labels on a message; one history record per direction that changed anything."""
        message = self.messages[message_id]
        added = [label for label in dict.fromkeys(add) if label not in message.label_ids]
        removed = [
            label for label in dict.fromkeys(remove) if label in message.label_ids and label not in add
        ]
        if added:
            message.label_ids.extend(added)
            message.history_id = self.history.append(
                LABEL_ADDED,
                at=at,
                message_id=message.id,
                thread_id=message.thread_id,
                message_labels=message.label_ids,
                changed_labels=added,
            )
        if removed:
            message.label_ids[:] = [label for label in message.label_ids if label not in removed]
            message.history_id = self.history.append(
                LABEL_REMOVED,
                at=at,
                message_id=message.id,
                thread_id=message.thread_id,
                message_labels=message.label_ids,
                changed_labels=removed,
            )

    def attach_draft(self, draft_id: str, message_id: str) -> None:
        """Make `message_id` the message of draft `draft_id` (replacing the previous one's link)."""
        previous = self.drafts.get(draft_id)
        if previous is not None:
            self._draft_of_message.pop(previous, None)
        self.drafts[draft_id] = message_id
        self._draft_of_message[message_id] = draft_id

    def drafts_newest_first(self) -> list[tuple[str, StoredMessage]]:
        """(draft id, message) pairs, newest message first."""
        pairs = [(draft_id, self.messages[message_id]) for draft_id, message_id in self.drafts.items()]
        pairs.sort(key=lambda pair: pair[1].sort_key)
        return pairs
