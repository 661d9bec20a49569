"""The user's clock: local days, business days and how times read in reasons, in the user's timezone.

Every instant in the store is UTC; docs/rules.md counts days and business days (Monday–Friday) where the
user lives, and reasons print local times ("Tue 3 Nov 14:00–15:00").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_BUCKET_SECONDS = 900  # every zone's offset is a multiple of 15 minutes, so a bucket never straddles midnight
_DAY_SECONDS = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SATURDAY = 5
# English names whatever the process locale: reasons and drafts read the same on every machine.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = tuple(day[:3] for day in WEEKDAYS)  # "Tue 3 Nov" in reasons
_MONTHS = tuple(month[:3] for month in MONTHS)


class UserClock:
    """`now` and the user's zone, with the conversions the rules and their reasons need."""

    def __init__(self, timezone: str, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.zone = ZoneInfo(timezone)
        self.now = now
        self._year = self.local(now).year
        self.now_epoch = now.timestamp()
        self._days: dict[int, int] = {}  # quarter-hour → local day, on days the offset changes
        self._turns: dict[int, tuple[int, int]] = {}  # UTC day → `day_turn`

    def local(self, instant: datetime) -> datetime:
        """The instant on the user's wall clock."""
        return instant.astimezone(self.zone)

    def day_number(self, epoch: float) -> int:
        """The user's calendar day of an instant in epoch seconds, as a date ordinal (cached)."""
        first, turn = self.day_turn(int(epoch // _DAY_SECONDS))
        if first:
            return first + (epoch >= turn)
        return self._bucket_day(int(epoch // _BUCKET_SECONDS))

    def day_turn(self, utc_day: int) -> tuple[int, int]:
        """How the UTC day `utc_day` (epoch seconds // 86400) falls on the user's calendar: (the local day
        at its start as a date ordinal, the first epoch of the next local day), or (0, 0) when the zone's
        offset changes that day (a DST switch: then `day_number` asks the zone for each quarter-hour).

        Loops over many instants look a UTC day up once here, and compare instead of converting each."""
        turn = self._turns.get(utc_day)
        if turn is None:
            turn = self._turns[utc_day] = self._day_turn(utc_day)
        return turn

    def _day_turn(self, utc_day: int) -> tuple[int, int]:
        start = utc_day * _DAY_SECONDS
        last = start + _DAY_SECONDS - _BUCKET_SECONDS  # the day's last quarter-hour
        offset = datetime.fromtimestamp(start, self.zone).utcoffset()
        if offset is None or offset != datetime.fromtimestamp(last, self.zone).utcoffset():
            return (0, 0)
        seconds, rest = divmod(offset, timedelta(seconds=1))
        if rest:
            return (0, 0)
        # A constant offset all day (no zone changes its offset twice within a day): the local date turns
        # once, at the first quarter-hour whose start is past local midnight.
        local_days, _ = divmod(start + seconds, _DAY_SECONDS)
        turn = -(-((local_days + 1) * _DAY_SECONDS - seconds) // _BUCKET_SECONDS) * _BUCKET_SECONDS
        return (local_days + _EPOCH_ORDINAL, turn)

    def _bucket_day(self, bucket: int) -> int:
        """The local date of the quarter-hour `bucket` starts, as an ordinal (cached)."""
        day = self._days.get(bucket)
        if day is None:
            day = datetime.fromtimestamp(bucket * _BUCKET_SECONDS, self.zone).date().toordinal()
            self._days[bucket] = day
        return day

    def day_of_epoch(self, epoch: float) -> date:
        """The user's calendar day of an instant in epoch seconds."""
        return date.fromordinal(self.day_number(epoch))

    def today(self) -> date:
        return self.local(self.now).date()

    def add_business_days(self, instant: datetime, days: int) -> datetime:
        """The same wall-clock time `days` business days later (weekend days are skipped, not counted)."""
        local = self.local(instant)
        counted = 0
        while counted < days:
            local = (local.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=self.zone)
            if local.weekday() < _SATURDAY:
                counted += 1
        return local.astimezone(instant.tzinfo)

    def business_days_since(self, instant: datetime) -> int:
        """Whole business days from an instant to now: how many `add_business_days` steps have passed."""
        local = self.local(instant)
        now_local = self.local(self.now)
        count = 0
        while True:
            local = (local.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=self.zone)
            if local > now_local:
                return count
            if local.weekday() < _SATURDAY:
                count += 1

    def day_label(self, instant: datetime) -> str:
        """'2 Jul', or '2 Jul 2024' when not this year."""
        local = self.local(instant)
        label = f"{local.day} {_MONTHS[local.month - 1]}"
        return label if local.year == self._year else f"{label} {local.year}"

    def meeting_label(self, start: datetime, end: datetime) -> str:
        """'Tue 3 Nov 14:00–15:00' (the end's date is named when the meeting runs past midnight)."""
        local_start, local_end = self.local(start), self.local(end)
        label = f"{_WEEKDAYS[local_start.weekday()]} {self.day_label(start)} {local_start:%H:%M}–"
        if local_end.date() != local_start.date():
            label += f"{_WEEKDAYS[local_end.weekday()]} {self.day_label(end)} "
        return label + f"{local_end:%H:%M}"

    def days_ago(self, instant: datetime) -> int:
        """Whole days from an instant to now."""
        return int((self.now - instant).total_seconds() // 86400)
