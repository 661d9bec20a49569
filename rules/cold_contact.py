"""cold_contact: a real relationship gone quiet (docs/rules.md, issue 4 point 3 and issue 10 point 4).

A person is a candidate when the relationship is two-way (the user wrote and they wrote back, or they met in
a meeting of at most `max_meeting_size` others: an all-hands is no relationship), and they are not the user,
a list or a machine. They are cold when the silence since the last interaction exceeds max(`min_days`, `k` ×
their own median gap) and is within `max_days`. The score ranks real relationships first: direct exchanges
above exchanges inside list threads, both above a single exchange, with reciprocity and duration as
factors, then a little for how overdue.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from rules import queries
from rules.filters import RuleFilter
from rules.findings import Found, Resolution
from rules.interactions import MET, SENT, Relationship
from rules.mailbox import Mailbox
from rules.reasons import cadence, plural, short_name
from rules.settings import ColdContactRule

KIND: Literal["cold_contact"] = "cold_contact"
DAY_SECONDS = 86400
DIRECT_WEIGHT = 1.0  # a day of direct exchange (or a meeting)
LIST_WEIGHT = 0.5  # a day of exchange only inside list threads
SINGLE_DAY_FACTOR = 0.25  # a relationship of one day is an acquaintance: below any relationship of two days
MAX_OVERDUE_FACTOR = 1.5  # how overdue only breaks ties between relationships of similar strength


def occasion_key(key: str, relationship: Relationship, mailbox: Mailbox) -> str:
    last_day = mailbox.clock.day_of_epoch(relationship.last_epoch)
    return f"{KIND}:{key}:{last_day.isoformat()}"


def is_two_way(relationship: Relationship, rule: ColdContactRule) -> bool:
    """The user wrote on `min_sent` days and they wrote back on `min_received` days, or they met."""
    counts = relationship.counts()
    wrote_both_ways = counts.sent >= rule.min_sent and counts.received >= rule.min_received
    return wrote_both_ways or (rule.meeting_counts and counts.met > 0)


def threshold_days(relationship: Relationship, rule: ColdContactRule) -> float:
    """max(min_days, k × the median gap between distinct interaction days)."""
    gap = relationship.counts().median_gap()
    return float(rule.min_days) if gap is None else max(float(rule.min_days), rule.k * gap)


def strength(relationship: Relationship) -> float:
    """Distinct days of exchange, direct ones counting double list ones, × reciprocity × duration."""
    counts = relationship.counts()
    volume = DIRECT_WEIGHT * counts.direct + LIST_WEIGHT * counts.list_only
    if len(counts.days) < 2:
        volume *= SINGLE_DAY_FACTOR
    wrote, answered = counts.sent + counts.met, counts.received + counts.met
    reciprocity = min(wrote, answered) / max(wrote, answered, 1)
    years = (relationship.last_epoch - relationship.first_epoch) / DAY_SECONDS / 365.25
    return volume * (0.5 + 0.5 * reciprocity) * (1.0 + min(years, 3.0) / 3.0)


def find(rule: ColdContactRule, mailbox: Mailbox, rule_filter: RuleFilter) -> list[Found]:
    """Every contact this rule instance finds gone cold."""
    relationships = mailbox.relationships(
        max_meeting_size=rule.max_meeting_size, skip_labels=rule_filter.exclude_labels
    )
    never_nudge_threads = mailbox.never_nudge_threads
    now = mailbox.clock.now_epoch
    cold: list[_Cold] = []
    for key, relationship in relationships.items():
        silence = (now - relationship.last_epoch) / DAY_SECONDS
        # The threshold is at least min_days: a recent or a long-dormant contact is no candidate, whatever
        # its counts (asked first, as counting a relationship's days is the dearer question).
        if not rule.min_days < silence <= rule.max_days:
            continue
        if not is_two_way(relationship, rule) or not _is_person(key, mailbox):
            continue
        threshold = threshold_days(relationship, rule)
        if not threshold < silence <= rule.max_days:
            continue
        if relationship.last_mail_thread in never_nudge_threads or not rule_filter.allows_person(key):
            continue
        cold.append(_Cold(key, relationship, silence, threshold))
    threads = [c.relationship.last_mail_thread for c in cold if c.relationship.last_mail_thread is not None]
    thread_ids = queries.thread_gmail_ids(mailbox.session, threads)
    return [_found(rule, mailbox, candidate, thread_ids) for candidate in cold]


def _is_person(key: str, mailbox: Mailbox) -> bool:
    return not (mailbox.identity.is_user(key) or mailbox.is_list(key) or mailbox.is_automated(key))


@dataclass(frozen=True)
class _Cold:
    key: str
    relationship: Relationship
    silence: float  # days since the last interaction
    threshold: float  # days of silence that make this relationship cold


def _found(rule: ColdContactRule, mailbox: Mailbox, cold: _Cold, thread_ids: dict[int, str]) -> Found:
    key, relationship, silence, threshold = cold.key, cold.relationship, cold.silence, cold.threshold
    counts = relationship.counts()
    name = mailbox.identity.name(key)
    power = strength(relationship)
    last = mailbox.at(relationship.last_epoch)
    evidence: dict[str, Any] = {
        "days": len(counts.days),
        "direct_days": counts.direct,
        "list_days": counts.list_only,
        "met_days": counts.met,
        "sent_days": counts.sent,
        "received_days": counts.received,
        "first_interaction": mailbox.at(relationship.first_epoch).isoformat(),
        "median_gap_days": counts.median_gap(),
        "threshold_days": round(threshold, 1),
        "silence_days": int(silence),
        "strength": round(power, 3),
    }
    return Found(
        rule_name=rule.name,
        kind=KIND,
        occasion_key=occasion_key(key, relationship, mailbox),
        emails=(key,),
        names=(name,),
        due_at=last + timedelta(days=threshold),
        # Whole days of silence: the score (and the reason) change once a day, not at every run.
        score=round(power * min(int(silence) / threshold, MAX_OVERDUE_FACTOR), 3),
        reason=_reason(relationship, mailbox, short_name(name, key)),
        evidence=evidence,
        person_id=mailbox.identity.person_id(key),
        thread_gmail_id=thread_ids.get(relationship.last_mail_thread or -1),
        last_interaction=last,
    )


def _reason(relationship: Relationship, mailbox: Mailbox, who: str) -> str:
    """'You and Sam wrote every ~3 weeks (18 exchanges since 2023); last on 2 Jul, 144 days ago'."""
    clock = mailbox.clock
    last = mailbox.at(relationship.last_epoch)
    ago = f"{clock.days_ago(last)} days ago"
    counts = relationship.counts()
    mailed = bool(counts.sent or counts.received)
    verb = "met or wrote" if counts.met and mailed else ("met" if counts.met else "wrote")
    gap = counts.median_gap()
    if gap is None:
        return f"You and {who} {verb} once, on {clock.day_label(last)}, {ago}"
    days = len(counts.days)
    on_lists = ", mostly on mailing lists," if counts.list_only * 2 > days else ""
    since = clock.local(mailbox.at(relationship.first_epoch)).year
    return (
        f"You and {who} {verb} {cadence(gap)} ({plural(days, 'exchange')}{on_lists} since {since}); "
        f"last on {clock.day_label(last)}, {ago}"
    )


def explain(
    keys: Collection[str], rules_by_key: dict[str, ColdContactRule | None], mailbox: Mailbox
) -> list[Resolution]:
    """Why each stored cold-contact finding in `keys` no longer holds."""
    default_size = ColdContactRule(name=KIND).max_meeting_size
    resolutions: list[Resolution] = []
    for key in keys:
        person, _, day = key.removeprefix(f"{KIND}:").rpartition(":")
        rule = rules_by_key.get(key)
        max_size = rule.max_meeting_size if rule is not None else default_size
        person_key = mailbox.identity.key(person)
        relationship = mailbox.relationships(max_meeting_size=max_size).get(person_key)
        if relationship is None:
            resolutions.append(Resolution(key, _no_interaction(person, person_key, max_size, mailbox)))
            continue
        last_day = mailbox.clock.day_of_epoch(relationship.last_epoch).isoformat()
        if last_day > day:
            resolutions.append(Resolution(key, _news(person, relationship, mailbox)))
        elif rule is None:
            resolutions.append(Resolution(key, "its rule is no longer enabled"))
        elif (mailbox.clock.now_epoch - relationship.last_epoch) / DAY_SECONDS > rule.max_days:
            resolutions.append(Resolution(key, f"expired: no interaction for more than {rule.max_days} days"))
        else:
            resolutions.append(Resolution(key, f"{person} no longer matches the rule '{rule.name}'"))
    return resolutions


def _no_interaction(person: str, key: str, max_size: int, mailbox: Mailbox) -> str:
    if any(key == attendee.key for meeting in mailbox.attended_meetings for attendee in meeting.others):
        return f"you met {person} only in meetings with more than {max_size} others"
    return f"no interaction with {person} is left in the mailbox"


def _news(person: str, relationship: Relationship, mailbox: Mailbox) -> str:
    when = mailbox.clock.day_label(mailbox.at(relationship.last_epoch))
    if relationship.last_direction == SENT:
        return f"you wrote to {person} on {when}"
    if relationship.last_direction == MET:
        return f"you met {person} on {when}"
    return f"{person} wrote on {when}"
