"""A generated mailbox looks like a networker's real Gmail and Calendar, in the sandbox's format."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from sandbox import mailbox as mailbox_format
from sandbox.generator import Generated, generate

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def generated() -> Generated:
    return generate(11, 2000, now=NOW)


@pytest.fixture(scope="module")
def user(generated: Generated) -> dict[str, Any]:
    user: dict[str, Any] = generated.mailbox["users"][0]
    return user


def header(message: dict[str, Any], name: str) -> str | None:
    return next((h["value"] for h in message["headers"] if h["name"].lower() == name.lower()), None)


def all_headers(user: dict[str, Any], name: str) -> list[str]:
    return [value for message in user["messages"] if (value := header(message, name)) is not None]


def by_thread(user: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in user["messages"]:
        threads[message["threadId"]].append(message)
    for messages in threads.values():
        messages.sort(key=lambda m: int(m["internalDate"]))
    return threads


def test_the_sandbox_loads_the_generated_mailbox(generated: Generated) -> None:
    document = mailbox_format.load(generated.mailbox)
    assert document["format"] == "rapport-sandbox-mailbox/1"
    assert generated.mailbox["generated"] == {"seed": 11, "messages": 2000, "now": NOW.isoformat()}


@pytest.mark.parametrize("messages", [500, 1234, 5000])
def test_the_message_count_is_the_one_asked_for(messages: int) -> None:
    user = generate(2, messages, now=NOW).mailbox["users"][0]
    assert len(user["messages"]) == messages


def test_the_same_inputs_give_the_same_mailbox_and_another_seed_another() -> None:
    first, again, other = (generate(seed, 600, now=NOW) for seed in (5, 5, 6))
    assert json.dumps(first.mailbox) == json.dumps(again.mailbox)
    assert first.truth == again.truth
    assert first.mailbox != other.mailbox


def test_now_defaults_to_the_current_hour() -> None:
    truth = generate(1, 500).truth
    now = datetime.fromisoformat(truth["now"])
    assert (now.minute, now.second, now.microsecond) == (0, 0, 0)
    assert timedelta(0) <= datetime.now(UTC) - now < timedelta(hours=1, minutes=5)


def test_too_few_messages_for_the_scenarios_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate(1, 50, now=NOW)


def test_ids_are_gmail_like_and_a_thread_is_named_by_its_first_message(user: dict[str, Any]) -> None:
    ids = [message["id"] for message in user["messages"]]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{16}", message_id) for message_id in ids)
    for thread_id, messages in by_thread(user).items():
        assert messages[0]["id"] == thread_id


def test_threads_average_under_two_messages_with_a_few_long_ones(user: dict[str, Any]) -> None:
    sizes = Counter(len(messages) for messages in by_thread(user).values())
    threads = sum(sizes.values())
    assert 1.5 <= len(user["messages"]) / threads <= 1.9
    assert sizes[1] > threads / 3
    assert sum(count for size, count in sizes.items() if size >= 15) >= 1


def test_dates_match_internal_dates_and_span_three_years(user: dict[str, Any]) -> None:
    stamps = [int(message["internalDate"]) // 1000 for message in user["messages"]]
    assert max(stamps) <= NOW.timestamp()
    assert NOW.timestamp() - min(stamps) >= 3 * 365 * 86_400
    missing = 0
    for message in user["messages"]:
        date = header(message, "Date")
        if date is None:
            missing += 1
            continue
        assert parsedate_to_datetime(date).timestamp() == int(message["internalDate"]) // 1000
    assert 1 <= missing <= len(user["messages"]) * 0.02


def test_replies_chain_by_message_id(user: dict[str, Any]) -> None:
    message_ids = all_headers(user, "Message-ID")
    assert len(set(message_ids)) == len(message_ids) == len(user["messages"])
    assert all(re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", value) for value in message_ids)
    for messages in by_thread(user).values():
        sent = [m for m in messages if "DRAFT" not in m["labelIds"]]
        for previous, reply in pairwise(sent):
            assert header(reply, "In-Reply-To") == header(previous, "Message-ID")
            assert (header(reply, "References") or "").endswith(header(previous, "Message-ID") or "-")
            assert (header(reply, "Subject") or "").startswith(("Re: ", "=?UTF-8?B?"))


def test_labels_say_who_sent_what(user: dict[str, Any]) -> None:
    own = {user["email"], *user["aliases"]}
    for message in user["messages"]:
        labels = message["labelIds"]
        sender = parseaddr(header(message, "From") or "")[1].lower()
        if "DRAFT" in labels:
            assert labels == ["DRAFT"]
        elif sender in own:
            assert "SENT" in labels
        else:
            assert "SENT" not in labels
            assert any(label.startswith("CATEGORY_") for label in labels)
    assert any("UNREAD" in m["labelIds"] for m in user["messages"])
    assert any("INBOX" not in m["labelIds"] and "SENT" not in m["labelIds"] for m in user["messages"])


def test_headers_are_as_messy_as_real_mail(user: dict[str, Any]) -> None:
    froms = all_headers(user, "From") + all_headers(user, "To")
    utf8 = [value for value in froms if "=?UTF-8?B?" in value]
    latin1 = [value for value in froms if "=?ISO-8859-1?Q?" in value]
    assert utf8
    assert latin1
    decoded = str(make_header(decode_header(latin1[0].rsplit("<", 1)[0])))
    assert not decoded.isascii()
    assert any(re.match(r'^"[^"]+, [^"]+" <', value) for value in froms), "a quoted Last, First name"
    addresses = [address for _, address in getaddresses(froms)]
    assert any(address != address.lower() for address in addresses), "an address case variant"
    assert any("+" in address.split("@")[0] for address in addresses), "a plus-address"
    assert any(not value.isascii() and "=?" not in value for value in froms), "a raw UTF-8 name"
    assert any(header(message, "Date") is None for message in user["messages"]), "a missing Date"
    subjects = all_headers(user, "Subject")
    assert any(not subject.isascii() for subject in subjects)
    assert any(subject.startswith("=?UTF-8?B?") for subject in subjects)
    senders = {parseaddr(value)[1] for value in all_headers(user, "From")}
    assert set(user["aliases"]) & senders, "the user sometimes sends from an alias"


def test_bodies_quote_the_message_they_answer_and_carry_signatures(user: dict[str, Any]) -> None:
    bodies = [message["body"] for message in user["messages"]]
    assert any(re.search(r"^On .+ wrote:\n> ", body, re.MULTILINE) for body in bodies)
    assert any(re.search(r"^On .+ wrote:\n>.*\n\n\S", body, re.MULTILINE) for body in bodies), "bottom-posted"
    assert sum("\n-- \n" in body for body in bodies) > len(bodies) / 4


def test_automated_mail_and_lists_carry_their_signals(user: dict[str, Any]) -> None:
    messages = user["messages"]
    newsletters = [m for m in messages if header(m, "List-Unsubscribe") and not header(m, "List-Post")]
    assert newsletters
    assert all(header(m, "Precedence") == "bulk" for m in newsletters)
    modern = [m for m in messages if header(m, "List-Post")]
    assert modern
    assert all(header(m, "List-Id") and header(m, "Precedence") == "list" for m in modern)
    relayed = [m for m in messages if header(m, "Sender")]
    assert relayed
    for message in relayed:
        assert header(message, "Precedence") == "bulk"
        assert not header(message, "List-Id")
        assert re.match(r"^(owner-.+|.+-bounces)@", header(message, "Sender") or "")
    own = {user["email"], *user["aliases"]}
    replies_on_lists = [
        m
        for m in messages
        if parseaddr(header(m, "From") or "")[1] in own
        and header(m, "Cc")
        and "lists" in (header(m, "Cc") or "")
    ]
    assert replies_on_lists, "the user answers list posters with the list in Cc"
    senders = [parseaddr(value)[1] for value in all_headers(user, "From")]
    assert "calendar-notification@google.com" in senders
    assert any(re.match(r"^(no-?reply|notifications)@", sender) for sender in senders)
    assert all_headers(user, "Auto-Submitted")


def events_of(user: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = user["calendars"][0]["events"]
    return events


def test_the_calendar_has_every_kind_of_meeting(user: dict[str, Any]) -> None:
    events = events_of(user)
    by_id = {event["id"]: event for event in events}
    masters = [e for e in events if "recurrence" in e]
    assert masters
    assert all(e["recurrence"][0].startswith("RRULE:FREQ=WEEKLY") for e in masters)
    instances = [e for e in events if "recurringEventId" in e]
    assert instances
    assert all(by_id[e["recurringEventId"]] in masters for e in instances)
    assert all("originalStartTime" in e for e in instances)
    assert any(len(e.get("attendees", [])) >= 40 for e in events), "an all-hands"
    assert any(e.get("attendeesOmitted") for e in events)
    assert any(
        a.get("self") and a["responseStatus"] == "declined" for e in events for a in e.get("attendees", [])
    )
    assert any(e["status"] == "cancelled" for e in events)
    assert any("date" in e["start"] for e in events)
    assert any(a.get("resource") for e in events for a in e.get("attendees", []))
    assert any(a.get("optional") for e in events for a in e.get("attendees", []))
    assert any(
        a["email"].endswith("@group.calendar.google.com") for e in events for a in e.get("attendees", [])
    )
    assert {"outOfOffice", "focusTime", "workingLocation", "default"} <= {e["eventType"] for e in events}


def test_meetings_reach_sixty_days_ahead_and_years_back(user: dict[str, Any]) -> None:
    starts = [
        datetime.fromisoformat(e["start"]["dateTime"]) for e in events_of(user) if "dateTime" in e["start"]
    ]
    assert max(starts) - NOW > timedelta(days=40)
    assert max(starts) - NOW <= timedelta(days=61)
    assert NOW - min(starts) > timedelta(days=365 * 2.5)


def test_the_truth_states_its_moment_and_kinds(generated: Generated) -> None:
    truth = generated.truth
    assert truth["format"] == "rapport-ground-truth/1"
    assert truth["now"] == NOW.isoformat()
    assert truth["user"] == "alex.morgan@example.com"
    reasons = {kind: {n["reason"] for n in items} for kind, items in truth["negatives"].items()}
    assert len(reasons["thank_you"]) >= 15
    assert len(reasons["cold_contact"]) >= 8
    assert len(reasons["awaiting_reply"]) >= 12


def test_the_command_line_writes_mailbox_and_truth(tmp_path: Path) -> None:
    out, truth = tmp_path / "mailbox.json", tmp_path / "truth.json"
    command = [
        sys.executable,
        "-m",
        "sandbox.generator",
        "--messages",
        "500",
        "--seed",
        "3",
        "--now",
        "2026-12-06T12:00:00+00:00",
        "--out",
        str(out),
        "--truth",
        str(truth),
    ]
    subprocess.run(command, check=True, capture_output=True)
    in_process = generate(3, 500, now=NOW)
    assert mailbox_format.load(out) == in_process.mailbox
    assert json.loads(truth.read_text(encoding="utf-8")) == in_process.truth


def test_the_generator_benchmark_exits_1_when_over_its_time_limit() -> None:
    # A limit of 0 s no run can meet: the benchmark must fail the command, not only print a warning.
    command = [sys.executable, "-m", "bench.bench_generator", "--messages", "500", "--limit", "0"]

    over = subprocess.run(command, capture_output=True, text=True, check=False)

    assert over.returncode == 1
    assert "SLOWER than the 0 s limit" in over.stderr
    assert "messages          500 in" in over.stdout
