"""The rules engine: evaluate every enabled rule instance for one account and persist what they find.

Instances run in config order, thank-you rules first (a thank-you note they see resolved is then known to
the awaiting-reply rules), and one occasion found by several instances belongs to the first. Everything is
read from the store once per run (`rules.mailbox.Mailbox`); candidate bodies are fetched through the
caller's `fetch_bodies` in one call; the findings are written in bulk and the session is committed.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from rules import awaiting_reply, cold_contact, queries, thank_you
from rules.clock import UserClock
from rules.filters import RuleFilter
from rules.findings import KINDS, Found, Resolution
from rules.intent import IntentClassifier
from rules.mailbox import Mailbox
from rules.persistence import active_findings, persist
from rules.reply_intents import FetchBodies, IntentRequest, ReplyIntents
from rules.settings import (
    AwaitingReplyRule,
    ColdContactRule,
    IdentitySettings,
    RuleSettings,
    ThankYouRule,
    UserSettings,
)
from store.people import apply_same_person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RulesReport:
    """What one run of the rules did for one account."""

    opened: int  # new findings
    refreshed: int  # open or drafted findings found again
    resolved: int  # open or drafted findings whose condition no longer holds
    found_by_kind: dict[str, int] = field(default_factory=dict)  # occasions found this run, per kind
    bodies_fetched: int = 0  # candidate bodies fetched for the expects-an-answer decision

    @property
    def found(self) -> int:
        return sum(self.found_by_kind.values())


class _Run:
    """One evaluation: the mailbox read once, what each kind's instances found, why stored ones resolved."""

    def __init__(
        self,
        session: Session,
        *,
        account_id: int,
        rules: Sequence[RuleSettings],
        identity: IdentitySettings,
        clock: UserClock,
        fetch_bodies: FetchBodies,
    ) -> None:
        self.rules = [rule for rule in rules if rule.enabled]
        self.identity = identity
        labels = [label for rule in self.rules for label in rule.filters.exclude_labels]
        self.mailbox = Mailbox(session, account_id, identity, clock, label_names=labels)
        self.intents = ReplyIntents(session, account_id, fetch_bodies, clock.now)
        self.active = active_findings(session, account_id)
        # An awaiting-reply score weighs a recipient by their cold-contact strength, with meetings counted
        # as the first cold-contact instance counts them.
        cold = [rule for rule in self.rules if isinstance(rule, ColdContactRule)]
        self.max_meeting_size = (cold[0] if cold else ColdContactRule(name="cold-contacts")).max_meeting_size
        self.found: dict[str, Found] = {}
        self.resolutions: list[Resolution] = []

    def rule_filter(self, rule: RuleSettings) -> RuleFilter:
        return RuleFilter(rule.filters, self.mailbox.identity, self.identity.never_nudge)

    def keep(self, items: Sequence[Found]) -> None:
        for item in items:
            self.found.setdefault(item.occasion_key, item)

    def missing(self, kind: str) -> list[str]:
        """Active findings of `kind` that no instance found this run."""
        return [key for key, stored in self.active.items() if stored.kind == kind and key not in self.found]

    def rules_by_key(self, keys: Sequence[str], kind: type[Any]) -> dict[str, Any]:
        by_name = {rule.name: rule for rule in self.rules if isinstance(rule, kind)}
        return {key: by_name.get(self.active[key].rule_name) for key in keys}

    def run_thank_you(self) -> None:
        for rule in self.rules:
            if isinstance(rule, ThankYouRule):
                self.keep(thank_you.find(rule, self.mailbox, self.rule_filter(rule)))
        keys = self.missing("thank_you")
        if keys:
            self.resolutions += thank_you.explain(keys, self.rules_by_key(keys, ThankYouRule), self.mailbox)

    def run_cold_contact(self) -> None:
        for rule in self.rules:
            if isinstance(rule, ColdContactRule):
                self.keep(cold_contact.find(rule, self.mailbox, self.rule_filter(rule)))
        keys = self.missing("cold_contact")
        if keys:
            self.resolutions += cold_contact.explain(
                keys, self.rules_by_key(keys, ColdContactRule), self.mailbox
            )

    def run_awaiting_reply(self) -> None:
        instances = [rule for rule in self.rules if isinstance(rule, AwaitingReplyRule)]
        thank_you_days = max(
            [rule.within_days for rule in self.rules if isinstance(rule, ThankYouRule)]
            or [ThankYouRule.model_fields["within_days"].default]
        )
        notes = {r.resolved_by for r in self.resolutions if r.resolved_by}
        if instances:
            longest = max(rule.within_days for rule in instances)
            since = self.mailbox.clock.now - timedelta(days=longest)
            notes |= queries.thank_you_notes(self.mailbox.session, self.mailbox.account_id, since)
        batches = []
        requests: list[IntentRequest] = []
        for rule in instances:
            classifier = IntentClassifier(rule.request_phrases, rule.acknowledgements)
            candidates = awaiting_reply.candidates(
                rule,
                self.mailbox,
                self.rule_filter(rule),
                thank_you_days=thank_you_days,
                thank_you_notes=notes,
            )
            batches.append((rule, candidates))
            requests += [IntentRequest(c.gmail_id, c.snippet, c.outreach, classifier) for c in candidates]
        intents = self.intents.decide(requests)
        for rule, candidates in batches:
            self.keep(
                [
                    awaiting_reply.to_found(
                        rule,
                        candidate,
                        intents[candidate.gmail_id],
                        self.mailbox,
                        max(self._strength(r.key) for r in candidate.recipients),
                    )
                    for candidate in candidates
                    if intents[candidate.gmail_id].expects_reply
                ]
            )
        keys = self.missing("awaiting_reply")
        if keys:
            self.resolutions += awaiting_reply.explain(
                keys, self.rules_by_key(keys, AwaitingReplyRule), self.mailbox
            )

    def _strength(self, key: str) -> float:
        relationship = self.mailbox.relationships(max_meeting_size=self.max_meeting_size).get(key)
        return cold_contact.strength(relationship) if relationship else 0.0


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one run (left as it is when something else paused it).

    A run holds tens of thousands of new objects at once (relationships, meetings, findings, rows to
    insert); so many survivors make the collector walk the whole heap, every imported module's objects too,
    once to three times per run: a sixth of the run's time on the bench. Reference counting frees what the
    run built when it ends; a cycle it leaves is collected once the collector is back.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@_collector_paused()
def run_rules(
    session: Session,
    account_id: int,
    *,
    rules: Sequence[RuleSettings],
    identity: IdentitySettings,
    user: UserSettings,
    now: datetime,
    fetch_bodies: FetchBodies,
) -> RulesReport:
    """Evaluate every enabled rule instance at `now`, persist the findings and commit.

    `fetch_bodies(gmail_ids) -> {gmail_id: text}` fetches the text bodies of candidate mails (the shell
    wires it to `sync.bodies.fetch_plain_bodies`); its errors propagate.
    """
    if identity.same_person:
        apply_same_person(session, account_id, identity.same_person, fold_plus=identity.fold_plus_addresses)
    clock = UserClock(user.timezone, now)
    run = _Run(
        session, account_id=account_id, rules=rules, identity=identity, clock=clock, fetch_bodies=fetch_bodies
    )
    run.run_thank_you()
    run.run_cold_contact()
    run.run_awaiting_reply()
    counts = persist(
        session, account_id, found=run.found.values(), resolutions=run.resolutions, active=run.active, now=now
    )
    session.commit()
    by_kind: dict[str, int] = {
        kind: sum(1 for item in run.found.values() if item.kind == kind) for kind in KINDS
    }
    report = RulesReport(
        opened=counts.opened,
        refreshed=counts.refreshed,
        resolved=counts.resolved,
        found_by_kind=by_kind,
        bodies_fetched=run.intents.bodies_fetched,
    )
    log.info(
        "rules for account %s: %s found (%s new), %s resolved, %s bodies fetched",
        account_id,
        report.found,
        report.opened,
        report.resolved,
        report.bodies_fetched,
    )
    return report
