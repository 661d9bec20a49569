"""Automated mail: the no-reply patterns and the `Auto-Submitted` header.

A message is automated when its From address looks like a machine's (the configured no-reply patterns), when
`Auto-Submitted` says so, when it is a newsletter (`List-Unsubscribe` without `List-Post`, not relayed by a
discussion list the mailbox knows), or when it is a calendar notification; `rules.mailbox` decides it from
these helpers and the flags `rules.mailscan` computes in SQL. An address is an automated sender when it
matches the patterns or everything it ever sent was automated: a colleague's out-of-office reply does not
turn the colleague into a machine.

`Precedence: bulk|list|junk` counts only on mail no list relayed (a mass mailing, an old `vacation`
auto-reply): list relays add it to every person's post (issue 10).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CALENDAR_NOTIFIER = "calendar-notification@google.com"


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
