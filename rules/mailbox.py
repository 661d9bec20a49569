"""What the rules know about one account's mailbox during one run, read from the store once and shared.

The user's identity, the mailbox's list addresses, which senders are machines, the threads carrying a
label, and every interaction with every person. The large scans run at most once per run, whatever the
number of rule instances.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy.orm import Session
from store.addresses import normalise_address

from rules import queries
from rules.automation import AutomatedPatterns, message_is_automated
from rules.clock import UserClock
from rules.identity import Identity
from rules.interactions import MET, RECEIVED, SENT, InteractionRow, Relationship, build_relationships
from rules.lists import collect_list_addresses, is_list_address, relay_list_address
from rules.meetings import meetings_from_rows
from rules.settings import IdentitySettings

RESOURCE_DOMAIN = "@resource.calendar.google.com"
GROUP_DOMAIN = "@group.calendar.google.com"


class Mailbox:
    """One account's mail and calendar as the rules see them, for one run at `clock.now`."""

    def __init__(
        self, session: Session, account_id: int, settings: IdentitySettings, clock: UserClock
    ) -> None:
        self.session = session
        self.account_id = account_id
        self.settings = settings
        self.clock = clock
        fold = settings.fold_plus_addresses
        people = queries.people(session, account_id)
        user_addresses = [
            queries.account_email(session, account_id),
            *settings.aliases,
            *queries.sent_from_addresses(session, account_id),
        ]
        self.identity = Identity(
            user_addresses=user_addresses,
            people=people,
            same_person=settings.same_person,
            normalise=lambda raw: normalise_address(raw, fold_plus=fold),
        )
        known = {row.email for row in people}
        self.lists = collect_list_addresses(queries.list_signals(session, account_id), known)
        self.patterns = AutomatedPatterns(settings.automated_patterns)
        self.groups = self.identity.normalise_all(settings.group_addresses)
        self.never_nudge = self.identity.normalise_all(settings.never_nudge)
        self._label_ids = queries.label_ids_by_name(session, account_id)
        self._labelled: dict[frozenset[str], set[int]] = {}
        self._relationships: dict[frozenset[int], dict[str, Relationship]] = {}

    def is_list(self, address: str) -> bool:
        return is_list_address(address, self.lists)

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
        return self._automated_count[address] > 0 and self._human_count[address] == 0

    def is_human_recipient(self, address: str) -> bool:
        """A recipient that can answer: not the user, not a list, not automated."""
        return not (self.identity.is_user(address) or self.is_list(address) or self.is_automated(address))

    def threads_labelled(self, names: Collection[str]) -> set[int]:
        """Store ids of threads where a message carries one of the labels (by name; unknown names: none)."""
        wanted = frozenset(self._label_ids[name] for name in names if name in self._label_ids)
        if wanted not in self._labelled:
            self._labelled[wanted] = queries.threads_with_labels(self.session, self.account_id, wanted)
        return self._labelled[wanted]

    @property
    def never_nudge_threads(self) -> set[int]:
        return self.threads_labelled([self.settings.never_nudge_label])

    def relationships(self, skip_labels: Collection[str] = ()) -> dict[str, Relationship]:
        """Each person's relationship with the user; mail in threads labelled `skip_labels` does not count."""
        skip = frozenset(self.threads_labelled(skip_labels)) if skip_labels else frozenset()
        if skip not in self._relationships:
            self._relationships[skip] = build_relationships(self._interactions, self.clock, skip)
        return self._relationships[skip]

    @cached_property
    def _list_recipient_messages(self) -> set[int]:
        return queries.messages_with_recipient_in(self.session, self.account_id, self.lists)

    @cached_property
    def _sender_counts(self) -> tuple[Counter[str], Counter[str], list[InteractionRow]]:
        """Per From address, how many of its messages were human and how many automated; and the
        interactions those human messages are."""
        human: Counter[str] = Counter()
        automated: Counter[str] = Counter()
        rows: list[InteractionRow] = []
        to_list = self._list_recipient_messages
        key = self.identity.key
        rows_received = queries.received_mail(self.session, self.account_id, self.identity.user_addresses)
        for row in rows_received:
            (
                message,
                thread,
                when,
                from_email,
                sender_email,
                auto,
                newsletter,
                mime,
                list_headers,
                precedence,
            ) = row
            if self.is_list(from_email) or self.identity.is_user(from_email):
                continue  # "Name via Group <group@…>": the list wrote it, not a person
            if message_is_automated(
                from_email=from_email,
                sender_email=sender_email,
                auto_submitted=auto,
                newsletter=bool(newsletter) and message not in to_list,
                mime_type=mime,
                patterns=self.patterns,
            ):
                automated[from_email] += 1
                continue
            human[from_email] += 1
            relayed = relay_list_address(precedence, sender_email) is not None
            on_list = bool(list_headers) or relayed or message in to_list
            rows.append((key(from_email), when, RECEIVED, on_list, thread))
        return human, automated, rows

    @property
    def _human_count(self) -> Counter[str]:
        return self._sender_counts[0]

    @property
    def _automated_count(self) -> Counter[str]:
        return self._sender_counts[1]

    @cached_property
    def _interactions(self) -> list[InteractionRow]:
        rows = list(self._sender_counts[2])
        rows.extend(self._sent_interactions())
        rows.extend(self._meeting_interactions())
        return rows

    def _sent_interactions(self) -> list[InteractionRow]:
        rows: list[InteractionRow] = []
        to_list = self._list_recipient_messages
        key, is_user = self.identity.key, self.identity.is_user
        seen: set[tuple[int, str]] = set()
        for message, thread, when, recipient, _gmail_id in queries.sent_recipients(
            self.session, self.account_id, self.identity.user_addresses
        ):
            if is_user(recipient) or self.is_list(recipient):
                continue
            person = key(recipient)
            if (message, person) in seen:
                continue
            seen.add((message, person))
            rows.append((person, when, SENT, message in to_list, thread))
        return rows

    def _meeting_interactions(self) -> list[InteractionRow]:
        rows = queries.attended_events(
            self.session, self.account_id, ended_after=None, ended_before=self.clock.now
        )
        return [
            (attendee.key, int(meeting.start.timestamp()), MET, False, None)
            for meeting in meetings_from_rows(rows, self)
            for attendee in meeting.others
        ]

    def at(self, epoch: int) -> datetime:
        """An epoch from a query as an aware UTC datetime."""
        return datetime.fromtimestamp(epoch, tz=UTC)
