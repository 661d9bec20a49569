"""What the rules know about one account's mailbox during one run, read from the store once and shared.

The user's identity, the mailbox's list addresses, which senders are machines, the threads carrying a
label, the meetings the user attended, and every interaction with every person. The large scans run at most
once per run, whatever the number of rule instances.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from rules import queries
from rules.automation import AutomatedPatterns, is_auto_submitted
from rules.clock import UserClock
from rules.identity import Identity
from rules.interactions import MET, RECEIVED, SENT, InteractionRow, Relationship, build_relationships
from rules.lists import RELAY_PRECEDENCES, collect_list_addresses, is_list_address, relay_list_address
from rules.mailscan import AUTOMATION_HEADERS as AUTOMATION_FLAG
from rules.mailscan import CALENDAR_NOTICE as CALENDAR_FLAG
from rules.mailscan import LIST_SIGNALS as LIST_SIGNALS_FLAG
from rules.mailscan import NEWSLETTER_HEADERS as NEWSLETTER_FLAG
from rules.mailscan import SENT as SENT_FLAG
from rules.mailscan import scan_messages, scan_recipients
from rules.meetings import Meeting, meetings_from_rows
from rules.settings import IdentitySettings
from store.addresses import normalise_address

RESOURCE_DOMAIN = "@resource.calendar.google.com"
GROUP_DOMAIN = "@group.calendar.google.com"
# Flags under which a message's headers, not only its From, decide whether a machine wrote it.
_MAYBE_MACHINE = CALENDAR_FLAG | NEWSLETTER_FLAG | AUTOMATION_FLAG
_UNSEEN: Any = object()


class Mailbox:
    """One account's mail and calendar as the rules see them, for one run at `clock.now`.

    `label_names`: the labels whose threads the run's rules exclude (the never-nudge label is always
    included), so that one scan finds them all.
    """

    def __init__(
        self,
        session: Session,
        account_id: int,
        settings: IdentitySettings,
        clock: UserClock,
        label_names: Collection[str] = (),
    ) -> None:
        self.session = session
        self.account_id = account_id
        self.settings = settings
        self.clock = clock
        self._label_ids = queries.label_ids_by_name(session, account_id)
        wanted = {settings.never_nudge_label, *label_names}
        self._scanned_labels = frozenset(self._label_ids[name] for name in wanted if name in self._label_ids)
        self._scan = scan_messages(session, account_id, self._scanned_labels)
        fold = settings.fold_plus_addresses
        people = queries.people(session, account_id)
        account_email = queries.account_email(session, account_id)
        self.identity = Identity(
            user_addresses=[account_email, *settings.aliases, *self._scan.sent_from],
            people=people,
            same_person=settings.same_person,
            normalise=lambda raw: normalise_address(raw, fold_plus=fold),
        )
        self.lists = collect_list_addresses(self._scan.list_signals, {row.email for row in people})
        self.patterns = AutomatedPatterns(settings.automated_patterns)
        self.groups = self.identity.normalise_all(settings.group_addresses)
        self.never_nudge = self.identity.normalise_all(settings.never_nudge)
        user = self.identity.user_addresses
        # The user's mail: its scanned row (thread, date) by message id.
        self._sent = {row[0]: row for row in self._scan.messages if row[4] & SENT_FLAG or row[3] in user}
        scan_recipients(
            session,
            account_id,
            self._scan,
            sent_ids=self._sent.keys(),
            user_addresses=user,
            lists=self.lists,
            is_list=self.is_list,
        )
        self._labelled: dict[frozenset[str], set[int]] = {}
        self._relay_precedences: dict[str, bool] = {}
        self._relationships: dict[tuple[frozenset[int], int], dict[str, Relationship]] = {}

    def is_list(self, address: str) -> bool:
        if address in self.lists:
            return True
        return "+" in address and is_list_address(address, self.lists)

    def has_list_recipient(self, message_id: int) -> bool:
        """Whether a list address is in the message's To or Cc."""
        return message_id in self._scan.to_list

    def is_group_or_resource(self, address: str, *, resource: bool = False) -> bool:
        """A calendar attendee that is a room, a resource or a group rather than a person."""
        return (
            resource
            or address.endswith(RESOURCE_DOMAIN)
            or address.endswith(GROUP_DOMAIN)
            or address in self.groups
            or self.is_list(address)
        )

    def is_automated(self, address: str) -> bool:
        """An automated sender: it matches the no-reply patterns, or all it ever sent was automated."""
        if self.patterns.matches(address):
            return True
        human, automated, _rows = self._senders
        return address in automated and address not in human

    def is_human_recipient(self, address: str) -> bool:
        """A recipient that can answer: not the user, not a list, not automated."""
        return not (self.identity.is_user(address) or self.is_list(address) or self.is_automated(address))

    def threads_labelled(self, names: Collection[str]) -> set[int]:
        """Store ids of threads where a message carries one of the labels (by name; unknown names: none)."""
        wanted = frozenset(self._label_ids[name] for name in names if name in self._label_ids)
        if wanted not in self._labelled:
            if wanted <= self._scanned_labels:
                found = [self._scan.threads_by_label.get(label, set()) for label in wanted]
                self._labelled[wanted] = set().union(*found)
            else:
                self._labelled[wanted] = queries.threads_with_labels(self.session, self.account_id, wanted)
        return self._labelled[wanted]

    @property
    def never_nudge_threads(self) -> set[int]:
        return self.threads_labelled([self.settings.never_nudge_label])

    def relationships(
        self, *, max_meeting_size: int, skip_labels: Collection[str] = ()
    ) -> dict[str, Relationship]:
        """Each person's relationship with the user: meetings count only with at most `max_meeting_size`
        other attendees (`Meeting.is_interaction`); mail in threads labelled `skip_labels` does not count."""
        skip = frozenset(self.threads_labelled(skip_labels)) if skip_labels else frozenset()
        cached = (skip, max_meeting_size)
        if cached not in self._relationships:
            met: list[InteractionRow] = [
                (attendee.key, int(meeting.start.timestamp()), MET, False, None)
                for meeting in self.attended_meetings
                if meeting.is_interaction(max_meeting_size)
                for attendee in meeting.others
            ]
            rows = itertools.chain(self._mail_interactions, met)
            self._relationships[cached] = build_relationships(rows, self.clock, skip)
        return self._relationships[cached]

    @cached_property
    def _senders(self) -> tuple[set[str], set[str], list[InteractionRow]]:
        """The From addresses that sent human mail, those that sent automated mail, and the interactions
        the human mail is."""
        human: set[str] = set()
        automated: set[str] = set()
        rows: list[InteractionRow] = []
        to_list = self._scan.to_list
        # What a From address alone decides, once per address: None when it is the user or a list ("Name
        # via Group <group@…>": the list wrote it, not a person), else its person and whether it looks like
        # a machine's. The user's mail is the SENT flag or a From of the user's: either way it is skipped.
        authors: dict[str | None, tuple[str, bool] | None] = {}
        for row in self._scan.messages:
            flags = row[4]
            if flags & SENT_FLAG:
                continue
            from_email = row[3]
            author = authors.get(from_email, _UNSEEN)
            if author is _UNSEEN:
                author = authors[from_email] = self._author(from_email)
            if author is None:
                continue
            person, machine = author
            on_list: bool | None = None  # for human mail only, decided below unless the headers told
            if flags & _MAYBE_MACHINE:
                machine, on_list = self._judged(row, from_machine=machine)  # the headers have their say
            if machine:
                automated.add(from_email)
                continue
            human.add(from_email)
            if on_list is None:
                on_list = row[0] in to_list or bool(
                    flags & LIST_SIGNALS_FLAG and self._came_through_list(row)
                )
            rows.append((person, row[2], RECEIVED, on_list, row[1]))
        return human, automated, rows

    def _author(self, from_email: str | None) -> tuple[str, bool] | None:
        if not from_email or self.is_list(from_email):
            return None
        person = self.identity.key(from_email)
        if person in self.identity.user_keys:
            return None
        return person, self.patterns.matches(from_email)

    def _came_through_list(self, row: tuple[Any, ...]) -> bool:
        """Whether a scanned message is list mail: a list address in To/Cc, a list header, or a relay."""
        if row[0] in self._scan.to_list:
            return True
        if not row[4] & LIST_SIGNALS_FLAG:
            return False
        list_id, post, xml, ml, precedence, sender = row[5:11]
        return bool(list_id or post or xml or ml) or relay_list_address(precedence, sender) is not None

    def _machine_wrote(self, row: tuple[Any, ...]) -> bool:
        """Whether a scanned message is automated (see `_judged`)."""
        from_email = row[3]
        return self._judged(row, from_machine=bool(from_email and self.patterns.matches(from_email)))[0]

    def _judged(self, row: tuple[Any, ...], *, from_machine: bool) -> tuple[bool, bool]:
        """Whether a scanned message is automated, and whether it came through a list (`False` when it is
        automated). Automated: a From matching the no-reply patterns (`from_machine`), a calendar notice, a
        newsletter no list relayed, `Auto-Submitted`, or bulk mail outside any list: `Precedence:
        bulk|list|junk` on mail no list relayed and nobody else sent for the author (a Sender of its own), a
        mass mailing or an old `vacation` auto-reply. List relays add that header to every person's post, so
        on list mail it proves nothing (issue 10)."""
        message, flags = row[0], row[4]
        if (
            from_machine
            or flags & CALENDAR_FLAG
            or (flags & NEWSLETTER_FLAG and message not in self._scan.to_list)
        ):
            return True, False
        if row[11] is not None and is_auto_submitted(row[11]):
            return True, False
        through_list = self._came_through_list(row)
        precedence, sender = row[9], row[10]
        bulk = (
            not through_list
            and precedence is not None
            and self._is_relay_precedence(precedence)
            and sender in (None, row[3])
        )
        return bulk, through_list

    def _is_relay_precedence(self, precedence: str) -> bool:
        """`Precedence: bulk|list|junk`, whatever the case and spacing (cached: a mailbox has a few)."""
        verdict = self._relay_precedences.get(precedence)
        if verdict is None:
            verdict = self._relay_precedences[precedence] = precedence.strip().lower() in RELAY_PRECEDENCES
        return verdict

    def is_automated_message(self, message_id: int) -> bool:
        """Whether the message with this store id is automated (see `_machine_wrote`)."""
        row = self._rows_by_id.get(message_id)
        return row is not None and self._machine_wrote(row)

    @cached_property
    def _rows_by_id(self) -> dict[int, tuple[Any, ...]]:
        return {row[0]: row for row in self._scan.messages}

    @cached_property
    def _mail_interactions(self) -> list[InteractionRow]:
        return [*self._senders[2], *self._sent_interactions()]

    def _sent_interactions(self) -> list[InteractionRow]:
        sent = self._sent
        to_list = self._scan.to_list
        # Each recipient address's person, once per address; None for the user and lists.
        people: dict[str, str | None] = {}
        rows: list[InteractionRow] = []
        seen: set[tuple[int, str]] = set()
        for message, recipient in self._scan.recipients:
            person = people.get(recipient, _UNSEEN)
            if person is _UNSEEN:
                person = people[recipient] = self._recipient(recipient)
            if person is None or (message, person) in seen:
                continue
            seen.add((message, person))
            row = sent[message]
            rows.append((person, row[2], SENT, message in to_list, row[1]))
        return rows

    def _recipient(self, address: str) -> str | None:
        person = self.identity.key(address)
        return None if person in self.identity.user_keys or self.is_list(address) else person

    @cached_property
    def attended_meetings(self) -> list[Meeting]:
        """Every meeting the user attended that has ended, whatever its size."""
        rows = queries.attended_events(
            self.session, self.account_id, ended_after=None, ended_before=self.clock.now
        )
        return meetings_from_rows(rows, self)

    def at(self, epoch: int) -> datetime:
        """An epoch from a query as an aware UTC datetime."""
        return datetime.fromtimestamp(epoch, tz=UTC)
