"""The sandbox mailbox file (`rapport-sandbox-mailbox/1`, docs/mailbox-format.md): load, validate, save,
and convert between the document and the sandbox's in-memory mailboxes and calendars.

Validation happens in two passes: pydantic checks the shape (types, required keys, no unknown keys where
the format is closed) and reports each problem with its path, e.g. `users[0].messages[12].internalDate`;
then the rules pydantic cannot express (unique ids, known label ids, one primary calendar, ...) are
checked by hand with the same kind of path. Every problem is collected before one MailboxError is raised.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NotRequired

from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from sandbox.calendar_state import CalendarStore
from sandbox.gmail_state import DRAFT, SYSTEM_LABELS, GmailMailbox, StoredMessage
from sandbox.history import DEFAULT_START_HISTORY_ID, HistoryLog

MAILBOX_FORMAT = "rapport-sandbox-mailbox/1"
_MESSAGE_ID = re.compile(r"^[0-9a-f]{16}$")
_DRAFT_ID = re.compile(r"^r-?\d+$")
_CLOSED = ConfigDict(extra="forbid", strict=True)
_OPEN = ConfigDict(extra="allow", strict=True)


class MailboxError(ValueError):
    """A mailbox document that does not follow the format; `problems` lists every issue with its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid sandbox mailbox:\n  " + "\n  ".join(problems))
        self.problems = problems


@with_config(_CLOSED)
class HeaderDoc(TypedDict):
    name: str
    value: str


@with_config(_CLOSED)
class MessageDoc(TypedDict):
    id: str
    threadId: str
    labelIds: list[str]
    internalDate: int | str
    headers: list[HeaderDoc]
    body: str
    snippet: NotRequired[str]


@with_config(_CLOSED)
class LabelDoc(TypedDict):
    id: str
    name: str


@with_config(_CLOSED)
class DraftDoc(TypedDict):
    id: str
    messageId: str


@with_config(_OPEN)
class EventDoc(TypedDict):
    id: str
    start: dict[str, Any]
    end: dict[str, Any]
    status: NotRequired[Literal["confirmed", "tentative", "cancelled"]]


@with_config(_OPEN)
class CalendarDoc(TypedDict):
    id: str
    summary: str
    timeZone: NotRequired[str]
    primary: NotRequired[bool]
    accessRole: NotRequired[str]
    events: list[EventDoc]


@with_config(_CLOSED)
class UserDoc(TypedDict):
    email: str
    name: NotRequired[str]
    timezone: NotRequired[str]
    aliases: NotRequired[list[str]]
    labels: NotRequired[list[LabelDoc]]
    messages: list[MessageDoc]
    drafts: NotRequired[list[DraftDoc]]
    calendars: NotRequired[list[CalendarDoc]]
    history_id: NotRequired[int]


@with_config(_CLOSED)
class MailboxDoc(TypedDict):
    format: Literal["rapport-sandbox-mailbox/1"]
    generated: NotRequired[dict[str, Any]]
    users: list[UserDoc]


_ADAPTER: TypeAdapter[MailboxDoc] = TypeAdapter(MailboxDoc)


def _path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def validate(document: Any) -> MailboxDoc:
    """Check a parsed mailbox document; returns it unchanged, or raises MailboxError naming every problem."""
    try:
        checked = _ADAPTER.validate_python(document)
    except ValidationError as exc:
        raise MailboxError([f"{_path(error['loc'])}: {error['msg']}" for error in exc.errors()]) from exc
    _check_rules(checked)
    return document  # type: ignore[no-any-return]


def _validate_json(data: bytes) -> MailboxDoc:
    """Parse and check a mailbox file's bytes in one pass (half the memory of json.load + validate)."""
    try:
        checked = _ADAPTER.validate_json(data)
    except ValidationError as exc:
        raise MailboxError([f"{_path(error['loc'])}: {error['msg']}" for error in exc.errors()]) from exc
    _check_rules(checked)
    return checked


def _check_rules(checked: MailboxDoc) -> None:
    problems: list[str] = []
    seen_users: set[str] = set()
    for user_index, user in enumerate(checked["users"]):
        where = f"users[{user_index}]"
        if user["email"].lower() in seen_users:
            problems.append(f"{where}.email: duplicate user {user['email']}")
        seen_users.add(user["email"].lower())
        problems.extend(_user_problems(user, where))
    if problems:
        raise MailboxError(problems)


def _user_problems(user: UserDoc, where: str) -> list[str]:
    problems: list[str] = []
    label_ids = set(SYSTEM_LABELS)
    for index, label in enumerate(user.get("labels", [])):
        if label["id"] in label_ids:
            problems.append(f"{where}.labels[{index}].id: duplicate label id {label['id']}")
        label_ids.add(label["id"])
    message_ids: set[str] = set()
    for index, message in enumerate(user["messages"]):
        at = f"{where}.messages[{index}]"
        if not _MESSAGE_ID.match(message["id"]):
            problems.append(f"{at}.id: {message['id']!r} is not 16 lower-case hex digits")
        if message["id"] in message_ids:
            problems.append(f"{at}.id: duplicate message id {message['id']}")
        message_ids.add(message["id"])
        if not _MESSAGE_ID.match(message["threadId"]):
            problems.append(f"{at}.threadId: {message['threadId']!r} is not 16 lower-case hex digits")
        internal_date = message["internalDate"]
        if isinstance(internal_date, str) and not internal_date.isdigit():
            problems.append(f"{at}.internalDate: {internal_date!r} is not epoch milliseconds")
        unknown = [label for label in message["labelIds"] if label not in label_ids]
        if unknown:
            problems.append(f"{at}.labelIds: unknown label ids {unknown}")
    for index, draft in enumerate(user.get("drafts", [])):
        if not _DRAFT_ID.match(draft["id"]):
            problems.append(f"{where}.drafts[{index}].id: {draft['id']!r} is not r followed by digits")
        if draft["messageId"] not in message_ids:
            problems.append(f"{where}.drafts[{index}].messageId: no message {draft['messageId']}")
    problems.extend(_calendar_problems(user, where))
    return problems


def _calendar_problems(user: UserDoc, where: str) -> list[str]:
    problems: list[str] = []
    calendars = user.get("calendars", [])
    if sum(1 for calendar in calendars if calendar.get("primary")) > 1:
        problems.append(f"{where}.calendars: more than one primary calendar")
    for cal_index, calendar in enumerate(calendars):
        event_ids: set[str] = set()
        for index, event in enumerate(calendar["events"]):
            at = f"{where}.calendars[{cal_index}].events[{index}]"
            if event["id"] in event_ids:
                problems.append(f"{at}.id: duplicate event id {event['id']}")
            event_ids.add(event["id"])
            for key in ("start", "end"):
                moment = event[key]
                if "dateTime" not in moment and "date" not in moment:
                    problems.append(f"{at}.{key}: needs dateTime or date")
        for index, event in enumerate(calendar["events"]):
            master = event.get("recurringEventId")
            if master is not None and master not in event_ids:
                at = f"{where}.calendars[{cal_index}].events[{index}]"
                problems.append(f"{at}.recurringEventId: no event {master} in this calendar")
    return problems


def load(source: str | Path | Mapping[str, Any]) -> MailboxDoc:
    """Read (a path) or take (a dict) a mailbox document and validate it."""
    if isinstance(source, Mapping):
        return validate(dict(source))
    return _validate_json(Path(source).read_bytes())


def save(document: Mapping[str, Any], path: str | Path) -> None:
    """Validate and write a mailbox document as UTF-8 JSON."""
    checked = validate(dict(document))
    with Path(path).open("w", encoding="utf-8") as handle:
        json.dump(checked, handle, ensure_ascii=False, separators=(",", ":"))
        handle.write("\n")


def users_from_document(
    source: str | Path | Mapping[str, Any], *, loaded_at: datetime
) -> list[tuple[GmailMailbox, list[CalendarStore]]]:
    """Validate a mailbox document and build each user's mailbox and calendars from it."""
    document = load(source)
    return [_user_from_doc(user, loaded_at) for user in document["users"]]


def _user_from_doc(user: UserDoc, loaded_at: datetime) -> tuple[GmailMailbox, list[CalendarStore]]:
    history_id = user.get("history_id", DEFAULT_START_HISTORY_ID)
    gmail = GmailMailbox(
        email=user["email"],
        name=user.get("name", ""),
        timezone=user.get("timezone", "UTC"),
        aliases=list(user.get("aliases", [])),
        user_labels={label["id"]: label["name"] for label in user.get("labels", [])},
        history=HistoryLog.starting_at(history_id),
    )
    gmail.load_messages(
        StoredMessage(
            id=message["id"],
            thread_id=message["threadId"],
            label_ids=[sys.intern(label) for label in message["labelIds"]],
            internal_date=int(message["internalDate"]),
            # Header names repeat on every message: one shared string each saves ~10 % of a big mailbox.
            headers=[(sys.intern(header["name"]), header["value"]) for header in message["headers"]],
            body=message["body"],
            given_snippet=message.get("snippet"),
            history_id=history_id,
        )
        for message in user["messages"]
    )
    for draft in user.get("drafts", []):
        gmail.attach_draft(draft["id"], draft["messageId"])
    for message in gmail.messages.values():
        if DRAFT in message.label_ids and gmail.draft_id_of(message.id) is None:
            gmail.attach_draft(gmail.new_draft_id(), message.id)
    calendars = [_calendar_from_doc(calendar, user, loaded_at) for calendar in user.get("calendars", [])]
    if not any(calendar.primary for calendar in calendars):
        calendars.insert(
            0,
            CalendarStore(
                id=user["email"],
                summary=user["email"],
                time_zone=user.get("timezone", "UTC"),
                primary=True,
                updated=loaded_at,
            ),
        )
    return gmail, calendars


def _calendar_from_doc(calendar: CalendarDoc, user: UserDoc, loaded_at: datetime) -> CalendarStore:
    store = CalendarStore(
        id=calendar["id"],
        summary=calendar["summary"],
        time_zone=calendar.get("timeZone", user.get("timezone", "UTC")),
        primary=calendar.get("primary", False),
        access_role=calendar.get("accessRole", "owner"),
        updated=loaded_at,
    )
    for event in calendar["events"]:
        store.load_event(dict(event))
    return store


def document_from_users(users: Sequence[tuple[GmailMailbox, list[CalendarStore]]]) -> dict[str, Any]:
    """A mailbox document holding the given mailboxes and calendars as they are now."""
    return {"format": MAILBOX_FORMAT, "users": [_user_to_doc(gmail, calendars) for gmail, calendars in users]}


def _user_to_doc(gmail: GmailMailbox, calendars: list[CalendarStore]) -> dict[str, Any]:
    return {
        "email": gmail.email,
        "name": gmail.name,
        "timezone": gmail.timezone,
        "aliases": list(gmail.aliases),
        "labels": [{"id": label_id, "name": name} for label_id, name in gmail.user_labels.items()],
        "messages": [
            {
                "id": message.id,
                "threadId": message.thread_id,
                "labelIds": list(message.label_ids),
                "internalDate": str(message.internal_date),
                "headers": [{"name": name, "value": value} for name, value in message.headers],
                "body": message.body,
                "snippet": message.snippet,
            }
            for message in gmail.newest_first()
        ],
        "drafts": [
            {"id": draft_id, "messageId": message_id} for draft_id, message_id in gmail.drafts.items()
        ],
        "calendars": [
            {
                "id": calendar.id,
                "summary": calendar.summary,
                "timeZone": calendar.time_zone,
                "primary": calendar.primary,
                "accessRole": calendar.access_role,
                "events": [event.resource for event in calendar.events.values()],
            }
            for calendar in calendars
        ],
        "history_id": gmail.history.current,
    }
