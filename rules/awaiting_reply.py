"""awaiting_reply: a sent mail that expects an answer and got none (docs/rules.md, issues 4 and 10).

The structural conditions (window, last in its thread and answered nowhere else, written by the user rather
than a machine, a human recipient, not a reply to a machine, not a thank-you note, no never-nudge label) are
checked on metadata first; only the few mails that pass them need the expects-an-answer decision, which
`rules.reply_intents` makes from their bodies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from rules import queries
from rules.filters import RuleFilter
from rules.findings import Found, Resolution
from rules.intent import Intent, IntentClassifier, says_thank_you
from rules.mailbox import Mailbox
from rules.meetings import Meeting, meetings_from_rows
from rules.reasons import people_short
from rules.settings import AwaitingReplyRule

KIND: Literal["awaiting_reply"] = "awaiting_reply"
THANK_YOU_DRAFT_PREFIX = "thank_you:"  # X-Rapport-Key of Rapport's thank-you drafts


@dataclass(frozen=True)
class Recipient:
    key: str
    email: str
    name: str | None


@dataclass(frozen=True)
class Candidate:
    """A sent mail that passed every condition but the expects-an-answer one."""

    message_id: int
    gmail_id: str
    thread_gmail_id: str
    sent_at: datetime
    subject: str
    snippet: str
    outreach: bool  # it opened its thread and answers nothing (no In-Reply-To, no References)
    recipients: tuple[Recipient, ...]  # human recipients passing the rule's filters


def occasion_key(gmail_id: str) -> str:
    return f"{KIND}:{gmail_id}"


def candidates(
    rule: AwaitingReplyRule,
    mailbox: Mailbox,
    rule_filter: RuleFilter,
    *,
    thank_you_days: int,
    thank_you_notes: Collection[str],
) -> list[Candidate]:
    """The sent mails of this rule's window that meet every structural condition."""
    clock = mailbox.clock
    rows = queries.awaiting_candidates(
        mailbox.session,
        mailbox.account_id,
        mailbox.identity.user_addresses,
        sent_after=clock.now - timedelta(days=rule.within_days),
        sent_before=clock.now - timedelta(days=rule.after_days),
    )
    skip_threads = mailbox.never_nudge_threads | mailbox.threads_labelled(rule_filter.exclude_labels)
    rows = [
        row
        for row in rows
        if row[2] not in skip_threads
        and clock.add_business_days(row[4], rule.after_days) <= clock.now
        and rule_filter.allows_title(row[5])
        and not mailbox.is_automated_message(row[0])  # an invitation Calendar sent as the user, an auto-reply
        and row[1] not in thank_you_notes
        and not (row[8] or "").startswith(THANK_YOU_DRAFT_PREFIX)
    ]
    answers = _answers_elsewhere(mailbox, [(row[9], row[4]) for row in rows])
    rows = [row for row in rows if row[9] not in answers]
    if not rows:
        return []
    recipients = _human_recipients(mailbox, [row[0] for row in rows])
    context = _ThreadContext(mailbox, rows)
    met = _meetings_before(mailbox, min(row[4] for row in rows), thank_you_days)
    found: list[Candidate] = []
    for row in rows:
        message_id, gmail_id, thread_id, thread_gmail_id, sent_at, subject, snippet, in_reply_to, *_ = row
        humans = recipients.get(message_id, [])
        if not humans or context.replies_to_machine(thread_id, message_id, sent_at, in_reply_to):
            continue
        if says_thank_you(subject, snippet) and _met_recently(met, humans, sent_at, thank_you_days):
            continue
        shown = tuple(person for person in humans if rule_filter.allows_person(person.key))
        if shown:
            found.append(
                Candidate(
                    message_id=message_id,
                    gmail_id=gmail_id,
                    thread_gmail_id=thread_gmail_id,
                    sent_at=sent_at,
                    subject=subject or "",
                    snippet=snippet or "",
                    outreach=context.is_outreach(thread_id, message_id, in_reply_to, row[10]),
                    recipients=shown,
                )
            )
    return found


def _answers_elsewhere(
    mailbox: Mailbox, sent: Sequence[tuple[str | None, datetime]]
) -> dict[str, tuple[str | None, datetime]]:
    """The first later message answering each sent mail (by In-Reply-To) in any thread, by the sent mail's
    Message-ID: (from, when). An answer with a new subject lands in a thread of its own in Gmail."""
    sent_at = {header.strip(): at for header, at in sent if header}
    if not sent_at:
        return {}
    rows = queries.answers_to(mailbox.session, mailbox.account_id, sorted(sent_at), min(sent_at.values()))
    answers: dict[str, tuple[str | None, datetime]] = {}
    for in_reply_to, at, from_email in rows:
        header = in_reply_to.strip()
        if at > sent_at[header]:
            answers.setdefault(header, (from_email, at))
    return answers


def _human_recipients(mailbox: Mailbox, message_ids: Sequence[int]) -> dict[int, list[Recipient]]:
    """Each message's recipients that can answer (not the user, a list or a machine), one per person."""
    by_message: defaultdict[int, list[Recipient]] = defaultdict(list)
    for message_id, _role, email, name in queries.recipients_of(mailbox.session, message_ids):
        if not mailbox.is_human_recipient(email):
            continue
        key = mailbox.identity.key(email)
        mailbox.identity.remember_name(key, name)
        if all(known.key != key for known in by_message[message_id]):
            by_message[message_id].append(Recipient(key, email, name))
    return by_message


class _ThreadContext:
    """The other messages of the candidates' threads, and those their In-Reply-To names."""

    def __init__(self, mailbox: Mailbox, rows: Sequence[queries.AnyRow]) -> None:
        self._mailbox = mailbox
        self._threads: defaultdict[int, list[queries.AnyRow]] = defaultdict(list)
        for row in queries.thread_messages(mailbox.session, sorted({row[2] for row in rows})):
            self._threads[row[0]].append(row)
        header_ids = sorted({row[7].strip() for row in rows if row[7]})
        found = queries.messages_by_header_id(mailbox.session, mailbox.account_id, header_ids)
        self._by_header = {row[4]: row for row in found if row[4]}

    def is_outreach(
        self, thread_id: int, message_id: int, in_reply_to: str | None, references: str | None
    ) -> bool:
        """It starts a conversation: first in its thread, and answering no mail. A reply Gmail threaded
        apart (under a changed subject) or whose parent is not in the mailbox still names that parent."""
        if (in_reply_to or "").strip() or (references or "").strip():
            return False
        messages = self._threads.get(thread_id, [])
        return not messages or messages[0][1] == message_id

    def replies_to_machine(
        self, thread_id: int, message_id: int, sent_at: datetime, in_reply_to: str | None
    ) -> bool:
        """The message it answers (by In-Reply-To, else the thread's previous one) came from a machine."""
        previous = self._by_header.get((in_reply_to or "").strip())
        if previous is None:
            earlier = [
                row for row in self._threads.get(thread_id, []) if row[1] != message_id and row[2] <= sent_at
            ]
            previous = earlier[-1] if earlier else None
        if previous is None:
            return False
        replied_to, from_email = previous[1], previous[3]
        if not from_email or self._mailbox.identity.is_user(from_email):
            return False
        return self._mailbox.is_automated(from_email) or self._mailbox.is_automated_message(replied_to)


def _meetings_before(mailbox: Mailbox, earliest: datetime, days: int) -> list[Meeting]:
    rows = queries.attended_events(
        mailbox.session,
        mailbox.account_id,
        ended_after=earliest - timedelta(days=days),
        ended_before=mailbox.clock.now,
    )
    return meetings_from_rows(rows, mailbox)


def _met_recently(meetings: list[Meeting], people: list[Recipient], sent_at: datetime, days: int) -> bool:
    """The user met one of `people` in the `days` before the mail (a thank-you note's occasion)."""
    keys = {person.key for person in people}
    since = sent_at - timedelta(days=days)
    return any(
        meeting.start <= sent_at and meeting.end >= since and keys & {a.key for a in meeting.others}
        for meeting in meetings
    )


def to_found(
    rule: AwaitingReplyRule, candidate: Candidate, intent: Intent, mailbox: Mailbox, strength: float
) -> Found:
    """The finding for a candidate that expects an answer; `strength`: its strongest recipient's."""
    clock = mailbox.clock
    waited = clock.business_days_since(candidate.sent_at)
    people = [(mailbox.identity.name(r.key) or r.name, r.email) for r in candidate.recipients]
    trigger = intent.trigger or candidate.subject
    asked = (
        "?" in trigger or IntentClassifier(rule.request_phrases, []).asking_sentence([trigger]) is not None
    )
    verb = "asked" if asked else "wrote to"
    reason = (
        f"You {verb} {people_short(people)} on {clock.day_label(candidate.sent_at)}: '{trigger}' — "
        f"no reply in {waited} business days"
    )
    overdue = max(0, waited - rule.after_days) + 1
    return Found(
        rule_name=rule.name,
        kind=KIND,
        occasion_key=occasion_key(candidate.gmail_id),
        emails=tuple(r.email for r in candidate.recipients),
        names=tuple(name for name, _email in people),
        due_at=clock.add_business_days(candidate.sent_at, rule.after_days),
        score=round(overdue * (1.0 + min(strength, 10.0) / 10.0), 3),
        reason=reason,
        evidence={
            "subject": candidate.subject,
            "sent_at": candidate.sent_at.isoformat(),
            "trigger": intent.trigger,
            "asked": asked,  # the trigger asks something (else it is the opening of an outreach)
            "business_days": waited,
            "outreach": candidate.outreach,
        },
        person_id=mailbox.identity.person_id(candidate.recipients[0].key),
        thread_gmail_id=candidate.thread_gmail_id,
        message_gmail_id=candidate.gmail_id,
    )


def explain(
    keys: Collection[str], rules_by_key: dict[str, AwaitingReplyRule | None], mailbox: Mailbox
) -> list[Resolution]:
    """Why each stored awaiting-reply finding in `keys` no longer holds."""
    gmail_ids = [key.removeprefix(f"{KIND}:") for key in keys]
    sent = {
        row[1]: row for row in queries.messages_by_gmail_id(mailbox.session, mailbox.account_id, gmail_ids)
    }
    threads: defaultdict[int, list[queries.AnyRow]] = defaultdict(list)
    for row in queries.thread_messages(mailbox.session, sorted({row[2] for row in sent.values()})):
        threads[row[0]].append(row)
    answers = _answers_elsewhere(mailbox, [(row[4], row[3]) for row in sent.values()])
    resolutions: list[Resolution] = []
    for key in keys:
        message = sent.get(key.removeprefix(f"{KIND}:"))
        if message is None:
            resolutions.append(Resolution(key, "the mail is no longer in the mailbox"))
            continue
        message_id, _gmail_id, thread_id, sent_at, header = message
        later = [(row[3], row[2]) for row in threads[thread_id] if row[1] != message_id and row[2] > sent_at]
        elsewhere = answers.get((header or "").strip())
        answer = min([*later, *([elsewhere] if elsewhere else [])], key=lambda found: found[1], default=None)
        if answer is not None:
            resolutions.append(Resolution(key, _answered(*answer, mailbox)))
            continue
        resolutions.append(
            Resolution(key, _why_not_matching(sent_at, thread_id, rules_by_key.get(key), mailbox))
        )
    return resolutions


def _answered(from_email: str | None, at: datetime, mailbox: Mailbox) -> str:
    when = mailbox.clock.day_label(at)
    if from_email and mailbox.identity.is_user(from_email):
        return f"you wrote again in the thread on {when}"
    return f"{from_email or 'someone'} replied on {when}"


def _why_not_matching(
    sent_at: datetime, thread_id: int, rule: AwaitingReplyRule | None, mailbox: Mailbox
) -> str:
    if rule is None:
        return "its rule is no longer enabled"
    if sent_at < mailbox.clock.now - timedelta(days=rule.within_days):
        return f"expired: sent more than {rule.within_days} days ago"
    if thread_id in mailbox.never_nudge_threads:
        return f"never nudge: the thread is labelled {mailbox.settings.never_nudge_label}"
    return f"the mail no longer matches the rule '{rule.name}'"
