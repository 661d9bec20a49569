"""The facts a draft template may use, turned into plain, human words: names, dates, "4 months".

The draft writer gathers typed facts from the store (who, which meeting, which thread, which question);
this module turns them into the dictionary a template sees. Everything in it is a string, a bool, None, or
a list/dict of those, so the sandboxed template can read it and reach nothing else. Dates are spoken in the
user's timezone and in English ("Tuesday 3 November", "yesterday"), whatever the machine's locale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rules.clock import MONTHS, WEEKDAYS
from rules.settings import UserSettings

# Words that open a display name without being the person's name.
_HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "m"}
)
# Words after a comma that are a suffix ("Dana Kim, PhD"), not a given name ("Kim, Dana").
_SUFFIXES = frozenset({"jr", "sr", "phd", "md", "ii", "iii", "iv", "esq", "mba", "msc", "bsc", "dds", "cpa"})
# Words naming a role, not a person, in a local part or a display name: "Hi Info," or "Hi Vendor," would be
# worse than "Hi there,".
_ROLE_WORDS = frozenset(
    {
        "info",
        "sales",
        "contact",
        "hello",
        "hi",
        "team",
        "support",
        "admin",
        "office",
        "hr",
        "jobs",
        "careers",
        "billing",
        "accounts",
        "help",
        "mail",
        "email",
        "enquiries",
        "inquiries",
        "press",
        "marketing",
        "ops",
        "dev",
        "me",
        "hey",
        "mailbox",
        "inbox",
        "operations",
        "service",
        "services",
        "desk",
        "recruiting",
        "notifications",
        "newsletter",
        "noreply",
    }
)
# Two leading consonants that can start a name ("Chris", "Steve", "Dmitri"); others ("jsmith", "dkim")
# mean the local part is an initial glued to a surname, which must not be read as a first name.
_NAME_ONSET = re.compile(
    r"(?:bl|br|ch|cl|cr|dm|dr|dw|fl|fr|gl|gn|gr|kh|kl|kn|kr|ll|ph|pl|pr|ps|rh|sc|sh|sk|sl|sm|sn|sp|st|sv|sw"
    r"|th|tr|ts|tw|wh|wr|zh)"
)
_VOWELS = frozenset("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ")
# What kind of meeting a title names, so a draft can thank for "the coffee" or "lunch": (words in the title,
# kind, how a sentence names it). The first match wins; a title naming none is "the meeting".
_OCCASIONS = (
    (re.compile(r"\binterview", re.IGNORECASE), "interview", "the interview"),
    (re.compile(r"\blunch", re.IGNORECASE), "meal", "lunch"),
    (re.compile(r"\bdinner", re.IGNORECASE), "meal", "dinner"),
    (re.compile(r"\bbreakfast", re.IGNORECASE), "meal", "breakfast"),
    (re.compile(r"\bdrinks\b", re.IGNORECASE), "meal", "the drinks"),
    (re.compile(r"\bcoffee", re.IGNORECASE), "coffee", "the coffee"),
    (re.compile(r"\bintro(?:duction)?\b", re.IGNORECASE), "intro", "the intro"),
    (re.compile(r"\bcatch[- ]?up\b", re.IGNORECASE), "catch_up", "the catch-up"),
    (re.compile(r"\bcall\b", re.IGNORECASE), "call", "the call"),
    (re.compile(r"\bchat\b", re.IGNORECASE), "call", "the chat"),
)
# Reply and forward prefixes in mail clients' languages: "Re:", "AW:", "SV:", "Re[2]:", "Fwd:", "WG:".
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|antw|vs|ref|odp)(?:\[\d+\]|\(\d+\))?\s*:\s*", re.IGNORECASE)
_FORWARD_PREFIX = re.compile(r"^\s*(?:fwd?|wg|tr|rv|doorst)\s*:\s*", re.IGNORECASE)
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_VIA = re.compile(r"\s+via\s+.*$", re.IGNORECASE)
_LOCAL_SEPARATORS = re.compile(r"[._+\-0-9]+")
GREETING_FALLBACK = "there"


@dataclass(frozen=True)
class Contact:
    """A recipient of the draft: their address as it will be written and the name mail or calendar gave."""

    email: str
    display_name: str | None = None


@dataclass(frozen=True)
class MeetingFacts:
    """The meeting a thank-you is for."""

    title: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ThreadFacts:
    """The conversation a draft refers to: its subject and the date of its last message."""

    subject: str
    last_date: datetime


@dataclass(frozen=True)
class DraftFacts:
    """Everything known about one draft's occasion, before it is put into words."""

    kind: str
    contacts: tuple[Contact, ...]
    is_reply: bool
    meeting: MeetingFacts | None = None
    thread: ThreadFacts | None = None
    last_interaction: datetime | None = None
    question: str | None = None


def clean_display_name(display_name: str | None) -> str:
    """The name in natural order without quotes, brackets, "via" relays, titles or suffixes; "" if none.

    "Kim, Dana" becomes "Dana Kim"; a "name" that is really an address is no name.
    """
    if not display_name:
        return ""
    name = " ".join(display_name.split()).strip().strip("\"'").strip()
    name = _VIA.sub("", _BRACKETED.sub(" ", name))
    if "@" in name:
        return ""
    if name.count(",") == 1:
        before, after = (part.strip() for part in name.split(","))
        if _bare(after) in _SUFFIXES:
            name = before
        elif before and after:
            name = f"{after} {before}"
    words = [word for word in name.replace(",", " ").split() if word]
    while len(words) > 1 and _bare(words[0]) in _HONORIFICS:
        words = words[1:]
    while len(words) > 1 and _bare(words[-1]) in _SUFFIXES:
        words = words[:-1]
    return " ".join(_capitalised(word) for word in words)


def first_name(display_name: str | None, email: str) -> str:
    """The name to greet someone by, from their display name, else their address; "" when unsure."""
    words = clean_display_name(display_name).split()
    if any(_bare(word) in _ROLE_WORDS for word in words):
        return ""  # "Acme Support", "Vendor Ops": an organisation's mailbox, not a person to greet by name
    if words:
        if not _is_initial(words[0]):
            return words[0]
        # "J. Robert Oppenheimer" goes by the middle name; "J. Smith" leaves only a surname.
        if len(words) >= 3 and not _is_initial(words[1]):
            return words[1]
        return ""
    return _name_from_local_part(email.split("@", 1)[0])


def _bare(word: str) -> str:
    return word.strip(".").lower()


def _is_initial(word: str) -> bool:
    return len(word.strip(".")) <= 1


def _capitalised(word: str) -> str:
    """Words written all in one case get a capital per part ("jean-luc" → "Jean-Luc"); mixed case is kept."""
    if word.islower() or word.isupper():
        return re.sub(r"[^\W\d_]+", lambda part: part.group(0).capitalize(), word)
    return word


def _name_from_local_part(local: str) -> str:
    tokens = [token for token in _LOCAL_SEPARATORS.split(local.lower()) if token]
    if not tokens:
        return ""
    candidate = tokens[0]
    if len(candidate) < 2 or not candidate.isalpha() or candidate in _ROLE_WORDS:
        return ""
    starts_with_two_consonants = candidate[0] not in _VOWELS and candidate[1] not in _VOWELS
    if starts_with_two_consonants and not _NAME_ONSET.match(candidate):
        return ""
    return candidate.capitalize()


def without_reply_prefixes(subject: str | None, *, forwards: bool = False) -> str:
    """The subject without its leading "Re:" prefixes (and "Fwd:" ones when `forwards`), one line."""
    rest = " ".join((subject or "").split())
    prefixes = (_REPLY_PREFIX, _FORWARD_PREFIX) if forwards else (_REPLY_PREFIX,)
    while True:
        stripped = rest
        for prefix in prefixes:
            stripped = prefix.sub("", stripped, count=1)
        if stripped == rest:
            return rest
        rest = stripped


def humanise_duration(span: timedelta) -> str:
    """How long, as a person says it: "3 days", "a week", "4 months", "2 years"."""
    days = max(0, span.days)
    if days < 1:
        return "less than a day"
    if days < 14:
        return _count(days, "day")
    if days < 60:
        return _count(round(days / 7), "week")
    if round(days / 30.44) < 12:
        return _count(round(days / 30.44), "month")
    years = days / 365.25
    if years < 2:
        return "a year" if years < 1.5 else "over a year"
    return _count(int(years), "year")


def _count(number: int, unit: str) -> str:
    if number == 1:
        return f"a {unit}"
    return f"{number} {unit}s"


def spoken_date(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "Tuesday 3 November", with the year when it is not this year's."""
    local, today = moment.astimezone(zone), now.astimezone(zone)
    text = f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"
    return text if local.year == today.year else f"{text} {local.year}"


def relative_day(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "today", "yesterday", "on Tuesday" within the week, else "on 3 November" (and the year if needed)."""
    local, today = moment.astimezone(zone), now.astimezone(zone)
    days_ago = (today.date() - local.date()).days
    if days_ago == 0:
        return "today"
    if days_ago == 1:
        return "yesterday"
    if 1 < days_ago < 7:
        return f"on {WEEKDAYS[local.weekday()]}"
    text = f"on {local.day} {MONTHS[local.month - 1]}"
    return text if local.year == today.year else f"{text} {local.year}"


def joined_names(names: list[str]) -> str:
    """ "Dana", "Dana and Sam", "Dana, Sam and Lee"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def template_context(facts: DraftFacts, user: UserSettings, now: datetime) -> dict[str, Any]:
    """The variables a template sees (documented in rules/rendering.py)."""
    zone = ZoneInfo(user.timezone)
    contacts = [_contact_context(contact) for contact in facts.contacts]
    known_first_names = [contact["first_name"] for contact in contacts if contact["first_name"]]
    user_name = clean_display_name(user.name) or user.name
    return {
        "kind": facts.kind,
        "contact": contacts[0] if contacts else None,
        "contacts": contacts,
        "emails": [contact["email"] for contact in contacts],
        "greeting": joined_names(known_first_names) or GREETING_FALLBACK,
        "reply": facts.is_reply,
        "meeting": _meeting_context(facts.meeting, now, zone) if facts.meeting else None,
        "thread": _thread_context(facts.thread, now, zone) if facts.thread else None,
        "since_last_talk": (
            humanise_duration(now - facts.last_interaction) if facts.last_interaction is not None else None
        ),
        "last_talk_date": (
            spoken_date(facts.last_interaction, now, zone) if facts.last_interaction is not None else None
        ),
        "question": facts.question or None,
        "user": {
            "name": user.name,
            "first_name": user_name.split()[0] if user_name else "",
            "signature": user.signature,
        },
        "closing": user.signature.strip() or user.name,
    }


def _contact_context(contact: Contact) -> dict[str, str]:
    return {
        "first_name": first_name(contact.display_name, contact.email),
        "full_name": clean_display_name(contact.display_name),
        "email": contact.email,
    }


def meeting_occasion(title: str) -> tuple[str, str]:
    """(kind, how a sentence names it) of a meeting from its title: ("coffee", "the coffee"), ("meal",
    "lunch"), …; ("meeting", "the meeting") when the title names no kind of meeting."""
    for pattern, kind, noun in _OCCASIONS:
        if pattern.search(title):
            return kind, noun
    return "meeting", "the meeting"


def _meeting_context(meeting: MeetingFacts, now: datetime, zone: ZoneInfo) -> dict[str, str]:
    start, end = meeting.start.astimezone(zone), meeting.end.astimezone(zone)
    kind, occasion = meeting_occasion(meeting.title)
    return {
        "title": meeting.title.strip(),
        "kind": kind,
        "occasion": occasion,
        "date": spoken_date(meeting.start, now, zone),
        "day": WEEKDAYS[start.weekday()],
        "time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "when": f"{spoken_date(meeting.start, now, zone)} at {start:%H:%M}",
        "relative_day": relative_day(meeting.start, now, zone),
    }


def _thread_context(thread: ThreadFacts, now: datetime, zone: ZoneInfo) -> dict[str, str]:
    return {
        "subject": without_reply_prefixes(thread.subject, forwards=True),
        "date": spoken_date(thread.last_date, now, zone),
        "relative_day": relative_day(thread.last_date, now, zone),
    }
