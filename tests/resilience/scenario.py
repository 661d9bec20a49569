"""A mailbox's life between Rapport's cycles.

`life_goes_on` is a day in the user's mailbox after Rapport wrote its drafts: a contact answers a follow-up,
the user writes by hand to a cold contact, deletes one of Rapport's drafts, edits another and sends a third,
new mail arrives, mail is archived, starred and deleted, a meeting ends and an upcoming one is cancelled.
`meetings_end` ends a few meetings at once (a drafting-heavy cycle); `cursors_expire` lets mail and a meeting
arrive and then expires Gmail's history and the Calendar sync tokens. They choose their targets from
the sorted draft keys and ids, and give everything they create explicit times and Message-IDs, so two
sandboxes holding the same mailbox are moved on identically.

`compact_mailbox` holds every kind of finding in thirty messages, for cycles that must make few calls.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sandbox.server import SandboxServer

Move = Callable[[SandboxServer, str, datetime], None]


def _rapport_drafts(server: SandboxServer, user: str) -> dict[str, str]:
    """Draft id by X-Rapport-Key, for the drafts Rapport wrote."""
    keys: dict[str, str] = {}
    for draft in server.state.drafts(user):
        for header in draft["headers"]:
            if str(header["name"]).lower() == "x-rapport-key":
                keys[str(header["value"])] = str(draft["id"])
    return keys


def _of_kind(drafts: dict[str, str], kind: str) -> list[str]:
    return sorted(key for key in drafts if key.startswith(kind + ":"))


def _header(message: dict[str, Any], name: str) -> str:
    return next((str(h["value"]) for h in message["headers"] if str(h["name"]).lower() == name.lower()), "")


def _meeting(event_id: str, user: str, ended: datetime, guests: Sequence[tuple[str, str]]) -> dict[str, Any]:
    start = ended - timedelta(minutes=45)
    return {
        "id": event_id,
        "status": "confirmed",
        "summary": f"Coffee chat: {guests[0][1].split()[0]} / Alex",
        "start": {"dateTime": start.isoformat(), "timeZone": "Europe/London"},
        "end": {"dateTime": ended.isoformat(), "timeZone": "Europe/London"},
        "organizer": {"email": user, "self": True},
        "attendees": [
            {"email": user, "self": True, "organizer": True, "responseStatus": "accepted"},
            *({"email": email, "displayName": name, "responseStatus": "accepted"} for email, name in guests),
        ],
        "eventType": "default",
    }


def life_goes_on(server: SandboxServer, user: str, at: datetime) -> None:
    """A day in the mailbox after Rapport drafted (it needs at least 2 follow-ups, 3 cold contacts and a
    thank-you among Rapport's drafts)."""
    state = server.state
    drafts = _rapport_drafts(server, user)
    awaiting, cold, thanks = (
        _of_kind(drafts, kind) for kind in ("awaiting_reply", "cold_contact", "thank_you")
    )
    # The contact answers the first follow-up's mail: the finding resolves itself.
    asked = state.message(user, awaiting[0].split(":")[1])
    state.deliver(
        user,
        from_=_header(asked, "To"),
        to=user,
        subject="Re: " + _header(asked, "Subject"),
        body="Sorry for the delay, here it is.",
        in_reply_to=asked["id"],
        at=at - timedelta(hours=5),
        headers={"Message-ID": "<life-answer@contact.example>"},
    )
    state.user_sends_draft(user, drafts[awaiting[1]])
    # The user writes to the first cold contact by hand, deletes the second's draft, edits the third's.
    state.user_sends(
        user,
        to=cold[0].split(":")[1],
        subject="Long time no see",
        body="Are you around next week?",
        at=at - timedelta(hours=4),
        headers={"Message-ID": "<life-by-hand@example.com>"},
    )
    state.user_deletes_draft(user, drafts[cold[1]])
    state.user_edits_draft(user, drafts[cold[2]], body="Rewritten in my own words.")
    state.user_deletes_draft(user, drafts[thanks[0]])
    for number in range(4):
        state.deliver(
            user,
            from_=f"New Person {number} <new{number}@arrivals.example>",
            to=user,
            subject=f"Introduction {number}",
            body="Nice to meet you.",
            at=at - timedelta(hours=3, minutes=number),
            headers={"Message-ID": f"<life-new-{number}@arrivals.example>"},
        )
    inbox = sorted(
        message["id"]
        for message in state.messages(user)
        if "INBOX" in message["labelIds"] and not _header(message, "X-Rapport-Key")
    )
    for gmail_id in inbox[:3]:
        state.modify_labels(user, gmail_id, remove=["INBOX"])
    state.modify_labels(user, inbox[3], add=["STARRED"])
    state.delete_message(user, inbox[4])
    ended = at - timedelta(hours=3)
    state.add_event(
        user, "primary", _meeting("lifemeeting", user, ended, [("priya@newco.example", "Priya Shah")])
    )
    primary = state.calendars(user)[0]
    upcoming = sorted(
        event_id
        for event_id, event in primary.events.items()
        if not event.cancelled
        and not event.master_id
        and not event.is_master
        and "dateTime" in event.resource["start"]
        and datetime.fromisoformat(event.resource["start"]["dateTime"]) > at
    )
    state.cancel_event(user, "primary", upcoming[0])


def meetings_end(server: SandboxServer, user: str, at: datetime, meetings: int = 3) -> None:
    """`meetings` meetings end a few hours before `at`, every other one with two guests (three meetings:
    five thank-you drafts to write)."""
    guests = ["Lena Ortiz", "Omar Haddad", "Yuki Sato", "Inès Moreau", "Tom Becker"]
    for number in range(meetings):
        people = []
        for seat in range(1 + number % 2):
            name = guests[(2 * number + seat) % len(guests)]
            people.append((f"guest.{number}.{seat}@partner.example", name))
        ended = at - timedelta(hours=3, minutes=10 * number)
        server.state.add_event(user, "primary", _meeting(f"endedmeeting{number}", user, ended, people))


def cursors_expire(server: SandboxServer, user: str, at: datetime) -> None:
    """Mail arrives and a meeting ends, then Gmail forgets the history since and every Calendar sync token
    expires: the next cycle must repair its window (history 404) and re-sync the calendar (410)."""
    state = server.state
    for number in range(3):
        state.deliver(
            user,
            from_=f"Late Person {number} <late{number}@arrivals.example>",
            to=user,
            subject=f"While you were away {number}",
            body="Catching you before the holidays.",
            at=at - timedelta(hours=2, minutes=number),
            headers={"Message-ID": f"<expired-gap-{number}@arrivals.example>"},
        )
    ended = at - timedelta(hours=4)
    state.add_event(user, "primary", _meeting("gapmeeting", user, ended, [("rosa@gap.example", "Rosa Diaz")]))
    state.expire_history(user)
    state.invalidate_sync_tokens(user, "primary")


# ---- a compact mailbox: every kind of finding, few messages -------------------------------------------

COMPACT_USER = "alex@example.com"


def _compact_message(number: int, thread: int, label: str, at: datetime, **headers: str) -> dict[str, Any]:
    gmail_id = f"{0x1900000000000000 + number:016x}"
    fields = {
        "Date": email.utils.format_datetime(at),
        "Message-ID": f"<compact-{number}@mail.example>",
        **headers,
    }
    return {
        "id": gmail_id,
        "threadId": f"{0x1900000000000000 + thread:016x}",
        "labelIds": [label],
        "internalDate": str(int(at.timestamp() * 1000)),
        "headers": [{"name": name.replace("_", "-"), "value": value} for name, value in fields.items()],
        "body": "Hello.",
    }


def compact_mailbox(now: datetime) -> dict[str, Any]:
    """About thirty messages and three meetings giving four cold contacts, three unanswered questions and two
    thank-yous (docs/rules.md), the rest newsletters and a meeting to come: a whole cycle in few API calls."""
    me = f"Alex Morgan <{COMPACT_USER}>"
    day = timedelta(days=1)
    messages: list[dict[str, Any]] = []
    number = 0
    for person, (name, days) in enumerate(
        [("Sam Lee", 130), ("Ravi Menon", 150), ("Mei Chen", 170), ("Jonas Weber", 200)]
    ):
        contact = f"{name} <{name.split()[0].lower()}@friends.example>"
        thread = number + 1
        for offset, (label, sender, to) in enumerate(
            [("INBOX", contact, me), ("SENT", me, contact), ("INBOX", contact, me)]
        ):
            number += 1
            subject = ("Re: " if offset else "") + f"Catching up {person}"
            at = now - (days - 2 * offset) * day
            messages.append(_compact_message(number, thread, label, at, From=sender, To=to, Subject=subject))
    for asked, (contact, days) in enumerate(
        [("Priya Rao <priya@client.example>", 9), ("Ben Ford <ben@agency.example>", 11),
         ("Vendor Ops <ops@vendor.example>", 13)]
    ):  # fmt: skip
        number += 1
        message = _compact_message(
            number, number, "SENT", now - days * day, From=me, To=contact, Subject=f"Question {asked}"
        )
        message["body"] = f"Hi,\n\nCould you send me the figures for part {asked}?\n\nAlex\n"
        messages.append(message)
    for issue in range(15):
        number += 1
        at = now - (issue + 1) * day
        messages.append(
            _compact_message(
                number,
                number,
                "INBOX",
                at,
                From="Weekly Digest <news@digest.example>",
                To=COMPACT_USER,
                Subject=f"This week, issue {issue}",
                List_Unsubscribe="<mailto:leave@digest.example>",
            )
        )
    meetings = [
        _meeting(f"compactmeeting{index}", COMPACT_USER, now - timedelta(hours=hours), [guest])
        for index, (hours, guest) in enumerate(
            [(5, ("dana@acme.io", "Dana Kim")), (26, ("kim@studio.example", "Kim Park")),
             (-50, ("lou@studio.example", "Lou Grant"))]  # the last one is in two days
        )
    ]  # fmt: skip
    calendar = {"id": COMPACT_USER, "summary": COMPACT_USER, "timeZone": "Europe/London", "primary": True,
                "accessRole": "owner", "events": meetings}  # fmt: skip
    user = {"email": COMPACT_USER, "name": "Alex Morgan", "timezone": "Europe/London", "messages": messages,
            "calendars": [calendar]}  # fmt: skip
    return {"format": "rapport-sandbox-mailbox/1", "users": [user]}
