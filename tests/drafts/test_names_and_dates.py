"""How a draft speaks of people and time: the name it greets by, "4 months", "yesterday", local dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.render_context import (
    clean_display_name,
    first_name,
    humanise_duration,
    joined_names,
    relative_day,
    spoken_date,
)


@pytest.mark.parametrize(
    ("display_name", "email", "expected"),
    [
        ("Dana Kim", "dana@acme.io", "Dana"),
        ("Kim, Dana", "dana@acme.io", "Dana"),
        ('"Kim, Dana"', "dana@acme.io", "Dana"),
        ("Dana Kim, PhD", "dana@acme.io", "Dana"),
        ("Dr. Dana Kim", "dana@acme.io", "Dana"),
        ("DANA KIM", "dana@acme.io", "Dana"),
        ("jean-luc picard", "jlp@acme.io", "Jean-Luc"),
        ("McKenzie Ward", "m@acme.io", "McKenzie"),
        ("Zoë Çelik", "zoe@acme.io", "Zoë"),
        ("Sam Lee (Acme)", "sam@acme.io", "Sam"),
        ("Sam Lee via Platform Group", "platform@groups.example", "Sam"),
        ("J. Robert Oppenheimer", "jro@lanl.example", "Robert"),
        ("J. Smith", "jsmith@acme.io", ""),
        ("dana@acme.io", "dana@acme.io", "Dana"),
        (None, "dana.kim@acme.io", "Dana"),
        (None, "sam_lee+news@example.org", "Sam"),
        (None, "chris@example.org", "Chris"),
        (None, "jsmith@example.org", ""),
        (None, "dkim@example.org", ""),
        (None, "info@example.org", ""),
        (None, "x@example.org", ""),
        (None, "42@example.org", ""),
        ("Vendor Ops", "ops@vendor.example", ""),
        ("Acme Support Team", "help@acme.io", ""),
    ],
)
def test_the_name_a_draft_greets_by(display_name: str | None, email: str, expected: str) -> None:
    assert first_name(display_name, email) == expected


def test_a_name_written_surname_first_reads_in_natural_order() -> None:
    assert clean_display_name("Kim, Dana") == "Dana Kim"
    assert clean_display_name("  'Lee,   Sam'  ") == "Sam Lee"
    assert clean_display_name("sales@acme.io") == ""
    assert clean_display_name("Line\nbreak") == "Line Break"


@pytest.mark.parametrize(
    ("days", "spoken"),
    [
        (0, "less than a day"),
        (1, "a day"),
        (9, "9 days"),
        (15, "2 weeks"),
        (45, "6 weeks"),
        (62, "2 months"),
        (125, "4 months"),
        (400, "a year"),
        (600, "over a year"),
        (1000, "2 years"),
    ],
)
def test_how_long_since_they_last_talked(days: int, spoken: str) -> None:
    assert humanise_duration(timedelta(days=days, hours=3)) == spoken


def test_dates_are_spoken_in_the_users_timezone() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    now = datetime(2026, 11, 4, 20, 0, tzinfo=UTC)  # Wednesday noon in Los Angeles
    late_monday_evening = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)  # Monday 22:30 in Los Angeles

    assert spoken_date(late_monday_evening, now, zone) == "Monday 2 November"
    assert relative_day(late_monday_evening, now, zone) == "on Monday"
    assert relative_day(now - timedelta(hours=20), now, zone) == "yesterday"
    assert relative_day(now - timedelta(hours=2), now, zone) == "today"
    assert relative_day(now - timedelta(days=20), now, zone) == "on 15 October"
    assert spoken_date(datetime(2025, 7, 2, 12, tzinfo=UTC), now, zone) == "Wednesday 2 July 2025"


def test_several_names_are_joined_as_in_a_sentence() -> None:
    assert joined_names([]) == ""
    assert joined_names(["Dana"]) == "Dana"
    assert joined_names(["Dana", "Sam"]) == "Dana and Sam"
    assert joined_names(["Dana", "Sam", "Lee"]) == "Dana, Sam and Lee"
