"""The words of a finding's reason: who, how often, how long ago — as the user would say it.

Names come from the drafts' name handling (`rules.render_context`), so a reason and its draft call a
person the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence

from rules.render_context import clean_display_name, first_name, joined_names


def person_label(name: str | None, email: str) -> str:
    """'Dana Kim (dana@acme.io)', or the bare address when no name is known."""
    cleaned = clean_display_name(name)
    return f"{cleaned} ({email})" if cleaned else email


def short_name(name: str | None, email: str) -> str:
    """How a sentence refers to someone: their first name, else their address."""
    return first_name(name, email) or email


def people_labels(people: Sequence[tuple[str | None, str]]) -> str:
    """'Dana Kim (dana@acme.io) and Lee Park (lee@x.io)'."""
    return joined_names([person_label(name, email) for name, email in people])


def people_short(people: Sequence[tuple[str | None, str]]) -> str:
    """'Dana', 'Dana and Lee'."""
    return joined_names([short_name(name, email) for name, email in people])


def cadence(median_gap_days: float) -> str:
    """'every ~3 weeks', 'about every month': how often a median gap means they were in touch."""
    for unit, length, below in (("day", 1.0, 14), ("week", 7.0, 8 * 7), ("month", 30.44, 18 * 30.44)):
        if median_gap_days < below:
            count = max(1, round(median_gap_days / length))
            return f"about every {unit}" if count == 1 else f"every ~{count} {unit}s"
    years = max(1, round(median_gap_days / 365.25))
    return "about every year" if years == 1 else f"every ~{years} years"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
