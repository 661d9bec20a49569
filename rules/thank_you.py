"""thank_you: a meeting that still needs its thank-you (docs/rules.md, issue 4 point 2).

A timed, default-type meeting the user attended, ended between `after_hours` and `within_days` ago, not a
recurring instance (unless configured), with 1 to `max_attendees` other human attendees, none of whom the
user has written to since it began.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import timedelta
from typing import Literal

from rules import queries
from rules.filters import RuleFilter
from rules.findings import Found, Resolution
from rules.mailbox import Mailbox
from rules.meetings import Meeting, SentMail, first_mail_since, meetings_from_rows, sent_mail_by_person
from rules.reasons import people_labels, people_short
from rules.settings import ThankYouRule

KIND: Literal["thank_you"] = "thank_you"


def occasion_key(gcal_id: str) -> str:
    return f"{KIND}:{gcal_id}"


def score(meeting: Meeting, rule: ThankYouRule) -> float:
    """1.0, +1.0 for a title keyword, +0.5 for each attendee fewer than `max_attendees` (at most +1.0)."""
    title = meeting.summary.lower()
    keyword = 1.0 if any(word.lower() in title for word in rule.keywords) else 0.0
    smallness = min(1.0, 0.5 * (rule.max_attendees - len(meeting.others)))
    return 1.0 + keyword + smallness


def _reason(meeting: Meeting, mailbox: Mailbox, shown: list[tuple[str | None, str]]) -> str:
    when = mailbox.clock.meeting_label(meeting.start, meeting.end)
    whom = people_short(shown) if len(shown) == 1 else "them"
    return f"Met {people_labels(shown)}, '{meeting.summary}', {when}; no mail to {whom} since"


def find(rule: ThankYouRule, mailbox: Mailbox, rule_filter: RuleFilter) -> list[Found]:
    """Every meeting this rule instance finds needing a thank-you."""
    clock = mailbox.clock
    rows = queries.attended_events(
        mailbox.session,
        mailbox.account_id,
        ended_after=clock.now - timedelta(days=rule.within_days),
        ended_before=clock.now - timedelta(hours=rule.after_hours),
    )
    meetings = [
        meeting for meeting in meetings_from_rows(rows, mailbox) if _qualifies(meeting, rule, rule_filter)
    ]
    if not meetings:
        return []
    sent = _sent_since(mailbox, meetings)
    found: list[Found] = []
    for meeting in meetings:
        if first_mail_since(sent, [a.key for a in meeting.others], meeting.start) is not None:
            continue
        shown = [a for a in meeting.others if rule_filter.allows_person(a.key)]
        if not shown:
            continue
        names = [(mailbox.identity.name(a.key) or a.name, a.email) for a in shown]
        found.append(
            Found(
                rule_name=rule.name,
                kind=KIND,
                occasion_key=occasion_key(meeting.gcal_id),
                emails=tuple(a.email for a in shown),
                names=tuple(name for name, _email in names),
                due_at=meeting.end + timedelta(hours=rule.after_hours),
                score=score(meeting, rule),
                reason=_reason(meeting, mailbox, names),
                evidence={
                    "summary": meeting.summary,
                    "start": meeting.start.isoformat(),
                    "end": meeting.end.isoformat(),
                    "attendees": [a.email for a in meeting.others],
                    "calendar": meeting.calendar_config_id,
                },
                person_id=mailbox.identity.person_id(shown[0].key),
                event_gcal_id=meeting.gcal_id,
            )
        )
    return found


def _qualifies(meeting: Meeting, rule: ThankYouRule, rule_filter: RuleFilter) -> bool:
    if meeting.recurring and not rule.include_recurring:
        return False
    if meeting.attendees_omitted or not 1 <= len(meeting.others) <= rule.max_attendees:
        return False
    if not rule_filter.allows_calendar(meeting.calendar_config_id, meeting.calendar_gcal_id):
        return False
    return rule_filter.allows_title(meeting.summary)


def _sent_since(mailbox: Mailbox, meetings: Iterable[Meeting]) -> dict[str, list[SentMail]]:
    since = min(meeting.start for meeting in meetings)
    rows = queries.sent_mail_since(
        mailbox.session, mailbox.account_id, mailbox.identity.user_addresses, since
    )
    return sent_mail_by_person(rows, mailbox)


def explain(
    keys: Collection[str], rules_by_key: dict[str, ThankYouRule | None], mailbox: Mailbox
) -> list[Resolution]:
    """Why each stored thank-you finding in `keys` no longer holds."""
    gcal_ids = {key.removeprefix(f"{KIND}:") for key in keys}
    rows = queries.attended_events(
        mailbox.session,
        mailbox.account_id,
        ended_after=None,
        ended_before=mailbox.clock.now,
        gcal_ids=gcal_ids,
    )
    states = queries.event_states(mailbox.session, mailbox.account_id, gcal_ids)
    meetings = {meeting.gcal_id: meeting for meeting in meetings_from_rows(rows, mailbox)}
    sent = _sent_since(mailbox, meetings.values()) if meetings else {}
    resolutions: list[Resolution] = []
    for key in keys:
        gcal_id = key.removeprefix(f"{KIND}:")
        meeting = meetings.get(gcal_id)
        gone = _why_gone(states.get(gcal_id), meeting)
        if gone is not None or meeting is None:
            resolutions.append(Resolution(key, gone or "the meeting no longer qualifies"))
            continue
        mail = first_mail_since(sent, [a.key for a in meeting.others], meeting.start)
        if mail is not None:
            when = mailbox.clock.day_label(mailbox.at(mail.at))
            resolutions.append(
                Resolution(key, f"you wrote to {mail.address} on {when}", resolved_by=mail.gmail_id)
            )
        else:
            resolutions.append(Resolution(key, _why_not_matching(meeting, rules_by_key.get(key), mailbox)))
    return resolutions


def _why_gone(state: tuple[str, str | None] | None, meeting: Meeting | None) -> str | None:
    """Why the meeting is no longer one the user attended, if it is not."""
    if state is None:
        return "the meeting is no longer in the calendar"
    status, response = state
    if status == "cancelled":
        return "the meeting was cancelled"
    if meeting is None and response == "declined":
        return "you declined the meeting"
    return None


def _why_not_matching(meeting: Meeting, rule: ThankYouRule | None, mailbox: Mailbox) -> str:
    if rule is None:
        return "its rule is no longer enabled"
    if meeting.end < mailbox.clock.now - timedelta(days=rule.within_days):
        return f"expired: the meeting is more than {rule.within_days} days ago"
    return f"the meeting no longer matches the rule '{rule.name}'"
