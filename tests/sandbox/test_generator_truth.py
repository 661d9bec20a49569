"""The generator's ground truth is exactly what docs/rules.md finds, recomputed from the mailbox alone.

The recomputation below reads only the JSON a sandbox would serve (headers as on the wire, bodies, events)
and follows docs/rules.md with the defaults of rules/settings.py, independently of the generator's plan.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from email.utils import getaddresses, parseaddr
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rules.settings import AwaitingReplyRule, ColdContactRule, IdentitySettings, ThankYouRule
from sandbox.generator import Generated, generate
from sync.settings import SyncSettings

THANK_YOU = ThankYouRule(name="t")
COLD = ColdContactRule(name="c")
AWAITING = AwaitingReplyRule(name="a")
AUTOMATED_LOCAL = [re.compile(pattern) for pattern in IdentitySettings().automated_patterns]
RELAY_SENDER = re.compile(r"^(?:owner-(?P<a>.+)|(?P<b>.+?)-(?:bounces?|owner|request))@(?P<domain>.+)$")
DAY, HOUR = 86_400, 3_600


def normalise(address: str) -> str:
    local, _, domain = address.strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def words(phrases: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(phrase) for phrase in phrases) + r")\b", re.IGNORECASE)


REQUESTS = words(AWAITING.request_phrases)
ACKNOWLEDGEMENTS = words(AWAITING.acknowledgements)


class Mailbox:
    """The mailbox as the rules would see it: addresses normalised, lists and automated senders known."""

    def __init__(self, generated: Generated) -> None:
        user = generated.mailbox["users"][0]
        self.now = int(datetime.fromisoformat(generated.truth["now"]).timestamp())
        self.zone = ZoneInfo(user["timezone"])
        self.me = {normalise(user["email"]), *(normalise(alias) for alias in user["aliases"])}
        never = next(label["id"] for label in user["labels"] if label["name"] == "Rapport/never-nudge")
        self.messages = [self.parse(message) for message in user["messages"]]
        self.never_nudge = {m["threadId"] for m in self.messages if never in m["labels"]}
        self.sent = [m for m in self.messages if m["from"] in self.me and "DRAFT" not in m["labels"]]
        self.events = [event for event in user["calendars"][0]["events"] if "recurrence" not in event]
        self.lists: set[str] = set()
        self.automated: set[str] = set()
        for message in self.messages:
            headers = message["headers"]
            if "list-post" in headers:
                self.lists.add(normalise(headers["list-post"].removeprefix("<mailto:").rstrip(">")))
            relay = RELAY_SENDER.match(parseaddr(headers.get("sender", ""))[1].lower())
            if relay and headers.get("precedence", "").lower() in ("bulk", "list", "junk"):
                self.lists.add(normalise(f"{relay['a'] or relay['b']}@{relay['domain']}"))
            if self.is_automated_message(message):
                self.automated.add(message["from"])

    @staticmethod
    def parse(message: dict[str, Any]) -> dict[str, Any]:
        headers: dict[str, str] = {}
        for header in message["headers"]:
            headers.setdefault(header["name"].lower(), header["value"])
        recipients = getaddresses([headers.get("to", ""), headers.get("cc", "")])
        return {
            "id": message["id"],
            "threadId": message["threadId"],
            "labels": message["labelIds"],
            "ts": int(message["internalDate"]) // 1000,
            "headers": headers,
            "from": normalise(parseaddr(headers["from"])[1]),
            "to": [normalise(address) for _, address in recipients if address],
            "body": message["body"],
        }

    def is_automated_message(self, message: dict[str, Any]) -> bool:
        headers = message["headers"]
        return (
            self.automated_address(message["from"])
            or headers.get("auto-submitted", "no").lower() != "no"
            or ("list-unsubscribe" in headers and "list-post" not in headers)
            or message["from"] == "calendar-notification@google.com"
        )

    @staticmethod
    def automated_address(address: str) -> bool:
        local = address.partition("@")[0]
        return any(pattern.search(local) for pattern in AUTOMATED_LOCAL)

    def is_person(self, address: str) -> bool:
        return (
            address not in self.me
            and address not in self.lists
            and address not in self.automated
            and not self.automated_address(address)
        )

    def local_date(self, ts: int) -> date:
        return datetime.fromtimestamp(ts, self.zone).date()

    def event_times(self, event: dict[str, Any]) -> tuple[int, int]:
        def moment(when: dict[str, str]) -> int:
            if "dateTime" in when:
                return int(datetime.fromisoformat(when["dateTime"]).timestamp())
            day = date.fromisoformat(when["date"])
            return int(datetime(day.year, day.month, day.day, tzinfo=self.zone).timestamp())

        return moment(event["start"]), moment(event["end"])

    def attended(self, event: dict[str, Any]) -> bool:
        if event["status"] == "cancelled":
            return False
        if event.get("organizer", {}).get("self"):
            return True
        own = next((a for a in event.get("attendees", []) if a.get("self")), None)
        return own is not None and own["responseStatus"] in ("accepted", "tentative")

    def other_humans(self, event: dict[str, Any], present: tuple[str, ...]) -> list[str]:
        return [
            normalise(a["email"])
            for a in event.get("attendees", [])
            if not a.get("self")
            and not a.get("resource")
            and not a["email"].endswith(("@resource.calendar.google.com", "@group.calendar.google.com"))
            and normalise(a["email"]) not in self.me
            and a["responseStatus"] in present
        ]


def thank_you(box: Mailbox) -> dict[str, list[str]]:
    found = {}
    for event in box.events:
        start, end = box.event_times(event)
        if not THANK_YOU.after_hours * HOUR <= box.now - end <= THANK_YOU.within_days * DAY:
            continue
        if "date" in event["start"] or event.get("eventType", "default") != "default":
            continue
        if not box.attended(event) or "recurringEventId" in event or event.get("attendeesOmitted"):
            continue
        humans = box.other_humans(event, ("accepted", "tentative", "needsAction"))
        if not 1 <= len(humans) <= THANK_YOU.max_attendees:
            continue
        if any(m["ts"] >= start and set(m["to"]) & set(humans) for m in box.sent):
            continue
        found[event["id"]] = sorted(humans)
    return found


def cold_contacts(box: Mailbox, *, mail_days: int = 10_000, calendar_days: int = 10_000) -> dict[str, int]:
    sent: dict[str, list[int]] = defaultdict(list)
    received: dict[str, list[int]] = defaultdict(list)
    met: dict[str, list[int]] = defaultdict(list)
    for message in box.messages:
        if "DRAFT" in message["labels"] or box.now - message["ts"] > mail_days * DAY:
            continue
        if message["from"] in box.me:
            for address in filter(box.is_person, message["to"]):
                sent[address].append(message["ts"])
        elif box.is_person(message["from"]):
            received[message["from"]].append(message["ts"])
    for event in box.events:
        start, end = box.event_times(event)
        if box.now - start > calendar_days * DAY:
            continue
        if not (end <= box.now and box.attended(event)) or event.get("attendeesOmitted"):
            continue
        if len(box.other_humans(event, ("accepted", "tentative", "needsAction"))) <= COLD.max_meeting_size:
            for address in box.other_humans(event, ("accepted", "tentative")):
                met[address].append(end)
    found = {}
    for address in {*sent, *received, *met}:
        if not ((sent[address] and received[address]) or met[address]):
            continue
        stamps = sent[address] + received[address] + met[address]
        days = sorted({box.local_date(ts) for ts in stamps})
        gaps = [(later - earlier).days for earlier, later in pairwise(days)]
        threshold = max(COLD.min_days, COLD.k * statistics.median(gaps)) if gaps else COLD.min_days
        silence = (box.now - max(stamps)) / DAY
        if threshold < silence <= COLD.max_days:
            found[address] = max(stamps)
    return found


def business_days_between(first: date, last: date) -> int:
    return sum(1 for n in range(1, (last - first).days + 1) if (first + timedelta(days=n)).weekday() < 5)


def new_text(body: str) -> str:
    lines = []
    for line in body.splitlines():
        if line == "-- ":
            break
        if line.startswith(">") or re.match(r"^On .+ wrote:$", line):
            continue
        lines.append(line)
    return "\n".join(lines)


def awaiting_reply(box: Mailbox) -> dict[str, list[str]]:
    threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in box.messages:
        if "DRAFT" not in message["labels"]:
            threads[message["threadId"]].append(message)
    found = {}
    for thread_id, messages in threads.items():
        messages.sort(key=lambda m: m["ts"])
        last = messages[-1]
        if last["from"] not in box.me or thread_id in box.never_nudge:
            continue
        business = business_days_between(box.local_date(last["ts"]), box.local_date(box.now))
        if business < AWAITING.after_days or box.now - last["ts"] > AWAITING.within_days * DAY:
            continue
        humans = sorted({address for address in last["to"] if box.is_person(address)})
        if not humans:
            continue
        if len(messages) > 1 and box.is_automated_message(messages[-2]):
            continue
        text = new_text(last["body"])
        asks = "?" in text or REQUESTS.search(text) is not None
        if not asks and (len(messages) > 1 or ACKNOWLEDGEMENTS.search(text)):
            continue
        if follows_a_meeting_with(box, last, humans):
            continue
        found[last["id"]] = humans
    return found


def follows_a_meeting_with(box: Mailbox, mail: dict[str, Any], humans: list[str]) -> bool:
    """Sent to someone the user met, between the meeting's start and within_days after it: such a mail
    resolves (or is) the meeting's thank-you, so it is a thank-you note, not a question awaiting an answer."""
    for event in box.events:
        start, end = box.event_times(event)
        met = box.attended(event) and set(box.other_humans(event, ("accepted", "tentative"))) & set(humans)
        if met and start <= mail["ts"] <= end + THANK_YOU.within_days * DAY:
            return True
    return False


CASES = [
    (1, 2000, datetime(2026, 12, 6, 12, tzinfo=UTC), "Europe/London"),  # a Sunday
    (
        2,
        2000,
        datetime(2026, 3, 30, 7, tzinfo=UTC),
        "Europe/London",
    ),  # the Monday after the clocks go forward
    (3, 2000, datetime(2026, 7, 15, 23, tzinfo=UTC), "Europe/London"),  # already tomorrow in London
    (4, 600, datetime(2025, 10, 27, 9, tzinfo=UTC), "Europe/London"),  # the day after the clocks go back
    (6, 2000, datetime(2026, 12, 6, 12, tzinfo=UTC), "Australia/Sydney"),  # eleven hours ahead of UTC
    (7, 2000, datetime(2026, 6, 1, 4, tzinfo=UTC), "America/Los_Angeles"),  # still yesterday there
    (5, 20_000, datetime(2026, 12, 6, 12, tzinfo=UTC), "Europe/London"),
]


@pytest.fixture(scope="module", params=CASES, ids=lambda case: f"seed{case[0]}-{case[1]}-{case[3]}")
def generated(request: pytest.FixtureRequest) -> Generated:
    seed, messages, now, timezone = request.param
    return generate(seed, messages, now=now, timezone=timezone)


def test_thank_you_truth_is_what_the_rule_finds(generated: Generated) -> None:
    expected = {item["event_id"]: item["emails"] for item in generated.truth["thank_you"]}
    assert thank_you(Mailbox(generated)) == expected


def test_cold_contact_truth_is_what_the_rule_finds(generated: Generated) -> None:
    expected = {item["emails"][0] for item in generated.truth["cold_contact"]}
    assert set(cold_contacts(Mailbox(generated))) == expected


def test_cold_contacts_are_the_same_on_what_a_default_sync_keeps(generated: Generated) -> None:
    settings = SyncSettings()
    box = Mailbox(generated)
    synced = cold_contacts(box, mail_days=settings.window_days, calendar_days=settings.calendar_past_days)
    assert set(synced) == {item["emails"][0] for item in generated.truth["cold_contact"]}


def test_awaiting_reply_truth_is_what_the_rule_finds(generated: Generated) -> None:
    expected = {item["message_id"]: item["emails"] for item in generated.truth["awaiting_reply"]}
    assert awaiting_reply(Mailbox(generated)) == expected


def test_there_are_tens_of_positives_of_every_kind(generated: Generated) -> None:
    floor = 20 if generated.mailbox["generated"]["messages"] >= 2000 else 5
    for kind in ("thank_you", "cold_contact", "awaiting_reply"):
        assert len(generated.truth[kind]) >= floor, kind


def test_every_near_miss_names_something_that_exists_and_is_not_a_positive(generated: Generated) -> None:
    user = generated.mailbox["users"][0]
    message_ids = {message["id"] for message in user["messages"]}
    event_ids = {event["id"] for event in user["calendars"][0]["events"]}
    truth = generated.truth
    positives = {
        "thank_you": {item["event_id"] for item in truth["thank_you"]},
        "cold_contact": {item["emails"][0] for item in truth["cold_contact"]},
        "awaiting_reply": {item["message_id"] for item in truth["awaiting_reply"]},
    }
    for negative in truth["negatives"]["thank_you"]:
        assert negative["event_id"] in event_ids
        assert negative["event_id"] not in positives["thank_you"], negative
    for negative in truth["negatives"]["cold_contact"]:
        assert negative["emails"][0] not in positives["cold_contact"], negative
    for negative in truth["negatives"]["awaiting_reply"]:
        assert negative["message_id"] in message_ids
        assert negative["message_id"] not in positives["awaiting_reply"], negative
