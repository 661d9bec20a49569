"""Who the user is, who counts as one person, and how days and business days fall in the user's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rules.clock import UserClock
from rules.identity import Identity, PersonRow
from store.addresses import normalise_address


def identity(user: list[str], same_person: tuple[list[str], ...] | list[list[str]] = ()) -> Identity:
    people = [
        PersonRow("dana@acme.io", 1, "dana@acme.io", "Dana Kim"),
        PersonRow("dana.kim@gmail.com", 2, "dana.kim@gmail.com", None),
        PersonRow("alex@old-job.example", 3, "alex@old-job.example", "Alex"),
    ]
    return Identity(user_addresses=user, people=people, same_person=same_person, normalise=normalise_address)


def test_the_user_is_every_address_they_send_from_and_anyone_joined_to_one() -> None:
    me = identity(
        ["Alex@Example.com", "alex+lists@example.com"],
        same_person=[["alex@example.com", "alex@old-job.example"]],
    )

    assert me.is_user("alex@example.com")
    assert me.is_user("alex@old-job.example")
    assert not me.is_user("dana@acme.io")


def test_configured_groups_make_one_person_named_by_the_oldest() -> None:
    people = identity(["alex@example.com"], same_person=[["Dana.Kim@gmail.com", "dana@acme.io"]])

    assert people.key("dana.kim@gmail.com") == "dana@acme.io"
    assert people.person_id("dana@acme.io") == 1
    assert people.name("dana@acme.io") == "Dana Kim"
    assert people.key("unknown@example.org") == "unknown@example.org"


@pytest.mark.parametrize(
    ("sent", "now", "waited"),
    [
        (datetime(2026, 12, 4, 10, tzinfo=UTC), datetime(2026, 12, 7, 9, tzinfo=UTC), 0),  # Fri → Mon 9:00
        (datetime(2026, 12, 4, 10, tzinfo=UTC), datetime(2026, 12, 7, 10, tzinfo=UTC), 1),  # Fri → Mon 10:00
        (datetime(2026, 12, 5, 10, tzinfo=UTC), datetime(2026, 12, 11, 11, tzinfo=UTC), 5),  # Sat → next Fri
        (datetime(2026, 11, 23, 10, tzinfo=UTC), datetime(2026, 12, 4, 12, tzinfo=UTC), 9),
    ],
)
def test_business_days_count_weekdays_whose_hour_has_passed(
    sent: datetime, now: datetime, waited: int
) -> None:
    clock = UserClock("Europe/London", now)

    assert clock.business_days_since(sent) == waited
    assert clock.add_business_days(sent, waited) <= now
    assert clock.add_business_days(sent, waited + 1) > now


def test_days_and_labels_follow_the_users_timezone() -> None:
    kolkata = UserClock("Asia/Kolkata", datetime(2026, 12, 6, 12, tzinfo=UTC))
    new_york = UserClock("America/New_York", datetime(2026, 12, 6, 12, tzinfo=UTC))
    late_evening_utc = datetime(2026, 11, 3, 18, 45, tzinfo=UTC)  # 00:15 on 4 Nov in Kolkata

    assert kolkata.day_of_epoch(late_evening_utc.timestamp()) == date(2026, 11, 4)
    assert new_york.day_of_epoch(late_evening_utc.timestamp()) == date(2026, 11, 3)
    assert new_york.meeting_label(
        datetime(2026, 11, 3, 19, tzinfo=UTC), datetime(2026, 11, 3, 20, tzinfo=UTC)
    ) == ("Tue 3 Nov 14:00–15:00")
    assert new_york.day_label(datetime(2025, 7, 2, 12, tzinfo=UTC)) == "2 Jul 2025"


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/London",
        "Asia/Kolkata",  # +5:30: local midnight falls at 18:30 UTC
        "America/St_Johns",  # -3:30 with DST
        "Australia/Lord_Howe",  # a DST shift of half an hour
        "America/Sao_Paulo",  # in 2017 DST began and ended at midnight: a day without 00:00, one with two
    ],
)
def test_every_instant_of_a_year_falls_on_its_local_date_across_dst_switches(zone: str) -> None:
    clock = UserClock(zone, datetime(2026, 12, 6, 12, tzinfo=UTC))
    start = int(datetime(2017, 1, 1, tzinfo=UTC).timestamp())

    for quarter_hour in range(start, start + 366 * 86400, 900):
        for epoch in (quarter_hour, quarter_hour + 899):
            local_date = datetime.fromtimestamp(epoch, clock.zone).date()
            assert clock.day_of_epoch(epoch) == local_date, datetime.fromtimestamp(epoch, UTC)
