"""Automated mail: no-reply senders, auto-submitted mail, newsletters and calendar notifications.

A message is automated when its From address looks like a machine's (the configured no-reply patterns), when
`Auto-Submitted` says so, when it is a newsletter (`List-Unsubscribe` without `List-Post`, not relayed by a
discussion list the mailbox knows), or when it is a calendar notification. Automated messages are never
interactions. An address is an automated sender when it matches the patterns or everything it ever sent was
automated: a colleague's out-of-office reply does not turn the colleague into a machine.

`Precedence: bulk` alone proves nothing: list relays add it to every person's post (issue 10).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rules.lists import is_list_address

CALENDAR_NOTIFIER = "calendar-notification@google.com"


@dataclass(frozen=True)
class AutomationSignals:
    """The headers of one message that tell a machine from a person, as the store keeps them."""

    from_email: str | None
    sender_email: str | None
    auto_submitted: str | None
    list_unsubscribe: str | None
    list_post: str | None
    mime_type: str | None
    recipients: tuple[str, ...] = ()


class AutomatedPatterns:
    """The configured no-reply patterns, compiled once and matched against an address's local part."""

    def __init__(self, patterns: Iterable[str]) -> None:
        alternatives = [f"(?:{pattern})" for pattern in patterns]
        self._regex = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None
        self._cache: dict[str, bool] = {}

    def matches(self, address: str) -> bool:
        """Whether the address's local part (before any `+tag`) matches one of the patterns."""
        known = self._cache.get(address)
        if known is not None:
            return known
        local = address.partition("@")[0].split("+", 1)[0]
        verdict = bool(self._regex and self._regex.search(local))
        self._cache[address] = verdict
        return verdict


def is_auto_submitted(value: str | None) -> bool:
    """`Auto-Submitted` other than `no` (RFC 3834: auto-generated, auto-replied, auto-notified)."""
    if not value:
        return False
    return value.strip().lower().split(";", 1)[0].strip() != "no"


def is_newsletter(signals: AutomationSignals, lists: frozenset[str]) -> bool:
    """`List-Unsubscribe` without `List-Post`, unless a discussion list among the recipients relayed it.

    Some list servers (vger, for one) add `List-Unsubscribe` but no `List-Post` to every post; their posts
    go to the list address, whereas a newsletter goes to its subscriber.
    """
    if not signals.list_unsubscribe or signals.list_post:
        return False
    return not any(is_list_address(recipient, lists) for recipient in signals.recipients)


def is_automated_message(
    signals: AutomationSignals, *, lists: frozenset[str], patterns: AutomatedPatterns
) -> bool:
    """Whether a message is automated by any of the documented signals."""
    return message_is_automated(
        from_email=signals.from_email,
        sender_email=signals.sender_email,
        auto_submitted=signals.auto_submitted,
        newsletter=is_newsletter(signals, lists),
        mime_type=signals.mime_type,
        patterns=patterns,
    )


def message_is_automated(
    *,
    from_email: str | None,
    sender_email: str | None,
    auto_submitted: str | None,
    newsletter: bool,
    mime_type: str | None,
    patterns: AutomatedPatterns,
) -> bool:
    """The same verdict from plain values, for the scans over every received message.

    `newsletter`: the message has `List-Unsubscribe` without `List-Post` and no list among its recipients.
    """
    if from_email and patterns.matches(from_email):
        return True
    if newsletter or is_auto_submitted(auto_submitted):
        return True
    if CALENDAR_NOTIFIER in (from_email, sender_email):
        return True
    return bool(mime_type) and (mime_type or "").lower().startswith("text/calendar")
