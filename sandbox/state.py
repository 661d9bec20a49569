"""The sandbox's whole world: every user's Gmail mailbox and calendars, the clock, and the mutations.

`SandboxState` is what the server serves: the server holds `lock` around each API handler, and every
public method here takes it too. Mutations are the things that happen to a real account while Rapport
is not looking (mail arrives, the user sends or deletes a draft, an event is cancelled, history expires);
each advances Gmail history exactly as Gmail would. `mutate(op, **args)` exposes the same methods to the
admin endpoint with JSON-friendly arguments and results.
"""

from __future__ import annotations

import copy
import inspect
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox import gmail_compose, mailbox
from sandbox.calendar_state import CalendarStore, StoredEvent
from sandbox.errors import ApiError, bad_request, not_found
from sandbox.gmail_compose import HeaderInput
from sandbox.gmail_state import INBOX, SENT, UNREAD, GmailMailbox, StoredMessage

Clock = Callable[[], datetime]
DEFAULT_RETENTION_DAYS = 7.0
# What stays each instance's own when a series' master changes.
_INSTANCE_OWN_FIELDS = frozenset(
    {"id", "start", "end", "recurrence", "recurringEventId", "originalStartTime"}
)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _moment(value: datetime | str | int | float | None, default: datetime) -> datetime:
    """A datetime from an aware datetime, an ISO string or epoch milliseconds (None: `default`)."""
    if value is None:
        return default
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SandboxState:
    """Users' Gmail mailboxes and calendars, with the lock the server holds around every handler."""

    def __init__(
        self,
        *,
        decode_headers: bool = False,
        clock: Clock | None = None,
        history_retention_days: float = DEFAULT_RETENTION_DAYS,
    ) -> None:
        self.lock = threading.RLock()
        self.decode_headers = decode_headers
        self.history_retention_days = history_retention_days
        self._clock = clock or _wall_clock
        self._gmail: dict[str, GmailMailbox] = {}
        self._calendars: dict[str, list[CalendarStore]] = {}

    # ---- building ------------------------------------------------------------------------------------

    @classmethod
    def from_mailbox(
        cls,
        document: Mapping[str, Any] | str | Path,
        *,
        decode_headers: bool = False,
        clock: Clock | None = None,
        history_retention_days: float = DEFAULT_RETENTION_DAYS,
    ) -> SandboxState:
        """A state serving the users of a mailbox document (a dict or a path; validated first)."""
        state = cls(decode_headers=decode_headers, clock=clock, history_retention_days=history_retention_days)
        for gmail, calendars in mailbox.users_from_document(document, loaded_at=state.now()):
            state._gmail[gmail.email.lower()] = gmail
            state._calendars[gmail.email.lower()] = calendars
        return state

    def to_mailbox(self) -> dict[str, Any]:
        """The current state as a mailbox document (drafts included; history is not kept)."""
        with self.lock:
            return mailbox.document_from_users(
                [(gmail, self._calendars[key]) for key, gmail in self._gmail.items()]
            )

    # ---- reading -------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox clock (aware, UTC when the clock gives a naive time)."""
        moment = self._clock()
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    @property
    def users(self) -> list[str]:
        """The users' email addresses, in mailbox order."""
        with self.lock:
            return [gmail.email for gmail in self._gmail.values()]

    def has_user(self, email: str) -> bool:
        """True when `email` is one of the users (case-insensitive)."""
        with self.lock:
            return email.lower() in self._gmail

    def gmail(self, user: str) -> GmailMailbox:
        """A user's mailbox with expired history purged; 404 for an unknown user."""
        with self.lock:
            mailbox = self._gmail.get(user.lower())
            if mailbox is None:
                raise not_found(f"Unknown user {user}")
            cutoff = self.now() - timedelta(days=self.history_retention_days)
            mailbox.history.purge_before(cutoff.timestamp())
            return mailbox

    def calendars(self, user: str) -> list[CalendarStore]:
        """A user's calendars, in calendarList order."""
        with self.lock:
            self.gmail(user)
            return self._calendars[user.lower()]

    def calendar(self, user: str, calendar_id: str) -> CalendarStore:
        """A user's calendar by id (`primary` for the primary one); 404 "Not Found" when unknown."""
        with self.lock:
            for calendar in self.calendars(user):
                if calendar.id == calendar_id or (calendar_id == "primary" and calendar.primary):
                    return calendar
            raise ApiError(404, "Not Found", "notFound")

    def message(self, user: str, message_id: str) -> dict[str, Any]:
        """One message as tests read it (headers, body, labels, ids)."""
        with self.lock:
            return self._message_of(self.gmail(user), message_id).to_summary()

    def messages(self, user: str) -> list[dict[str, Any]]:
        """Every message of a user, newest first."""
        with self.lock:
            return [message.to_summary() for message in self.gmail(user).newest_first()]

    def drafts(self, user: str) -> list[dict[str, Any]]:
        """Every draft: {id, messageId, threadId, headers, body}, newest first."""
        with self.lock:
            gmail = self.gmail(user)
            return [
                gmail_compose.draft_summary(gmail, draft_id) for draft_id, _ in gmail.drafts_newest_first()
            ]

    def history_id(self, user: str) -> str:
        """The user's current historyId (a string, as Gmail serves it)."""
        with self.lock:
            return str(self.gmail(user).history.current)

    @staticmethod
    def _message_of(gmail: GmailMailbox, message_id: str) -> StoredMessage:
        message = gmail.messages.get(message_id)
        if message is None:
            raise not_found()
        return message

    @staticmethod
    def _draft_of(gmail: GmailMailbox, draft_id: str) -> str:
        if draft_id not in gmail.drafts:
            raise not_found()
        return draft_id

    # ---- Gmail mutations -----------------------------------------------------------------------------

    def deliver(
        self,
        user: str,
        *,
        from_: str,
        to: str | Sequence[str] | None,
        subject: str,
        body: str,
        cc: str | Sequence[str] | None = None,
        headers: HeaderInput = None,
        thread_id: str | None = None,
        in_reply_to: str | None = None,
        at: datetime | str | int | None = None,
        labels: Sequence[str] | None = None,
    ) -> str:
        """Mail arrives (INBOX, UNREAD unless `labels` says otherwise); returns its message id.

        `in_reply_to` is the Gmail id of the message answered; with only `thread_id` the mail answers that
        thread's latest message. Either way it joins the thread only under Gmail's threading rule.
        """
        with self.lock:
            gmail = self.gmail(user)
            self._check_reply_target(gmail, in_reply_to)
            self._check_labels(gmail, labels or ())
            message = gmail_compose.compose(
                gmail,
                from_=from_,
                to=to if to is not None else gmail.email,
                subject=subject,
                body=body,
                cc=cc,
                headers=headers,
                thread_id=thread_id,
                in_reply_to=in_reply_to,
                at=_moment(at, self.now()),
                labels=labels if labels is not None else (INBOX, UNREAD),
            )
            return message.id

    def user_sends(
        self,
        user: str,
        *,
        to: str | Sequence[str],
        subject: str,
        body: str,
        cc: str | Sequence[str] | None = None,
        thread_id: str | None = None,
        in_reply_to: str | None = None,
        headers: HeaderInput = None,
        at: datetime | str | int | None = None,
    ) -> str:
        """The user sends a mail by hand (label SENT, From the user); returns its message id."""
        with self.lock:
            gmail = self.gmail(user)
            self._check_reply_target(gmail, in_reply_to)
            sender = f"{gmail.name} <{gmail.email}>" if gmail.name else gmail.email
            message = gmail_compose.compose(
                gmail,
                from_=sender,
                to=to,
                subject=subject,
                body=body,
                cc=cc,
                headers=headers,
                thread_id=thread_id,
                in_reply_to=in_reply_to,
                at=_moment(at, self.now()),
                labels=(SENT,),
            )
            return message.id

    def user_sends_draft(self, user: str, draft_id: str) -> str:
        """The user sends a draft from Gmail: the draft goes, a SENT message with its headers appears."""
        with self.lock:
            gmail = self.gmail(user)
            return gmail_compose.send_draft(gmail, self._draft_of(gmail, draft_id), at=self.now()).id

    def user_deletes_draft(self, user: str, draft_id: str) -> None:
        """The user discards a draft: it and its message are gone."""
        with self.lock:
            gmail = self.gmail(user)
            message_id = gmail.drafts[self._draft_of(gmail, draft_id)]
            gmail.remove_message(message_id, at=self.now().timestamp())

    def user_edits_draft(
        self, user: str, draft_id: str, body: str | None = None, subject: str | None = None
    ) -> str:
        """The user edits a draft: its message is replaced (new message id, returned), as drafts.update."""
        with self.lock:
            gmail = self.gmail(user)
            draft_id = self._draft_of(gmail, draft_id)
            return gmail_compose.edit_draft(gmail, draft_id, body=body, subject=subject, at=self.now()).id

    def modify_labels(
        self, user: str, message_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        """Labels change on a message (the user reads, archives, stars, files it)."""
        with self.lock:
            gmail = self.gmail(user)
            self._message_of(gmail, message_id)
            self._check_labels(gmail, [*add, *remove])
            gmail.change_labels(message_id, add=list(add), remove=list(remove), at=self.now().timestamp())

    def delete_message(self, user: str, message_id: str) -> None:
        """A message is deleted for good (emptied from the trash)."""
        with self.lock:
            gmail = self.gmail(user)
            self._message_of(gmail, message_id)
            gmail.remove_message(message_id, at=self.now().timestamp())

    def expire_history(self, user: str) -> None:
        """Gmail forgets the user's history: any older startHistoryId now answers 404."""
        with self.lock:
            self.gmail(user).history.expire_all()

    @staticmethod
    def _check_reply_target(gmail: GmailMailbox, in_reply_to: str | None) -> None:
        if in_reply_to is not None and in_reply_to not in gmail.messages:
            raise not_found(f"No message {in_reply_to} to reply to")

    @staticmethod
    def _check_labels(gmail: GmailMailbox, labels: Sequence[str]) -> None:
        unknown = [label for label in labels if not gmail.known_label(label)]
        if unknown:
            raise bad_request(f"Invalid label: {unknown[0]}")

    # ---- Calendar mutations --------------------------------------------------------------------------

    def add_event(self, user: str, calendar_id: str, event: Mapping[str, Any]) -> str:
        """A new event appears on a calendar; returns its id."""
        with self.lock:
            calendar = self.calendar(user, calendar_id)
            if "id" not in event or "start" not in event or "end" not in event:
                raise bad_request("An event needs id, start and end")
            if str(event["id"]) in calendar.events:
                raise ApiError(409, "The requested identifier already exists.", "duplicate")
            return calendar.put_event(copy.deepcopy(dict(event)), self.now()).id

    def update_event(self, user: str, calendar_id: str, event_id: str, **fields: Any) -> None:
        """Fields of an event change (summary, start, end, attendees, status, ...); on a series' master
        the change reaches the instances too, except their own times and ids."""
        with self.lock:
            calendar = self.calendar(user, calendar_id)
            event = self._event(calendar, event_id)
            shared = {key: value for key, value in fields.items() if key not in _INSTANCE_OWN_FIELDS}
            calendar.change(
                event,
                self.now(),
                lambda resource: resource.update(copy.deepcopy(fields)),
                to_instances=lambda resource: resource.update(copy.deepcopy(shared)),
            )

    def cancel_event(self, user: str, calendar_id: str, event_id: str) -> None:
        """An event is cancelled (a series' master takes every instance with it)."""
        with self.lock:
            calendar = self.calendar(user, calendar_id)
            event = self._event(calendar, event_id)
            calendar.change(
                event, self.now(), lambda resource: resource.update(status="cancelled"), exceptions_too=True
            )

    def set_response(
        self, user: str, calendar_id: str, event_id: str, email: str, response_status: str
    ) -> None:
        """An attendee answers an invitation (accepted, declined, tentative, needsAction)."""
        with self.lock:
            calendar = self.calendar(user, calendar_id)
            event = self._event(calendar, event_id)

            def answer(resource: dict[str, Any]) -> bool:
                for attendee in resource.get("attendees", []):
                    if str(attendee.get("email", "")).lower() == email.lower():
                        attendee["responseStatus"] = response_status
                        return True
                return False

            if not any(
                str(attendee.get("email", "")).lower() == email.lower()
                for attendee in event.resource.get("attendees", [])
            ):
                raise bad_request(f"{email} is not an attendee of {event_id}")
            calendar.change(event, self.now(), answer)

    def invalidate_sync_tokens(self, user: str, calendar_id: str) -> None:
        """Every sync token issued for this calendar now answers 410 fullSyncRequired."""
        with self.lock:
            self.calendar(user, calendar_id).invalidate_tokens()

    @staticmethod
    def _event(calendar: CalendarStore, event_id: str) -> StoredEvent:
        event = calendar.events.get(event_id)
        if event is None:
            raise ApiError(404, "Not Found", "notFound")
        return event

    # ---- the admin endpoint --------------------------------------------------------------------------

    def mutate(self, op: str, **args: Any) -> Any:
        """Run mutation or reader `op` with JSON arguments (`from` for `from_`); returns a JSON value."""
        operations: dict[str, Callable[..., Any]] = {
            "deliver": self.deliver,
            "user_sends": self.user_sends,
            "user_sends_draft": self.user_sends_draft,
            "user_deletes_draft": self.user_deletes_draft,
            "user_edits_draft": self.user_edits_draft,
            "modify_labels": self.modify_labels,
            "delete_message": self.delete_message,
            "expire_history": self.expire_history,
            "add_event": self.add_event,
            "update_event": self.update_event,
            "cancel_event": self.cancel_event,
            "set_response": self.set_response,
            "invalidate_sync_tokens": self.invalidate_sync_tokens,
            "drafts": self.drafts,
            "message": self.message,
            "messages": self.messages,
            "history_id": self.history_id,
        }
        operation = operations.get(op)
        if operation is None:
            raise bad_request(f"Unknown mutation op {op!r}; known: {', '.join(sorted(operations))}")
        if "from" in args:
            args["from_"] = args.pop("from")
        if op == "update_event" and isinstance(args.get("fields"), Mapping):
            args.update(args.pop("fields"))
        try:
            inspect.signature(operation).bind(**args)
        except TypeError as exc:
            raise bad_request(f"Bad arguments for {op}: {exc}") from exc
        return operation(**args)
