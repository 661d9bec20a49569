"""The expects-an-answer decision for candidate mails: from the cache, else from a body fetched once.

Snippets are often only the quote header of a bottom-posted reply, so the decision needs the body; but only
the few candidates that pass every other condition get one, in one call to `fetch_bodies` per run. The body
is used in memory and never stored: the decision and the sentence that asks go to `message_intents`, so
no body is fetched twice. A body the fetch did not return is judged on its snippet this time and not
cached, so the next run tries again.

Each stored decision keeps the fingerprint of what decided it besides the body (the deciding instance's
phrase lists, whether the mail opened its thread). When the user edits those lists, the mails they decided
are decided again, their bodies fetched once more; a decision with no fingerprint (stored before it was
recorded) is too.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from rules import queries
from rules.intent import Intent, IntentClassifier
from store.models import MessageIntent

log = logging.getLogger(__name__)

FetchBodies = Callable[[list[str]], Mapping[str, str]]


@dataclass(frozen=True)
class IntentRequest:
    """A candidate mail to decide, with the classifier of the first rule instance that wants it."""

    gmail_id: str
    snippet: str
    outreach: bool
    classifier: IntentClassifier

    @property
    def fingerprint(self) -> str:
        return self.classifier.fingerprint(outreach=self.outreach)


class ReplyIntents:
    """Decides and caches whether candidate mails expect an answer; counts the bodies it fetched."""

    def __init__(self, session: Session, account_id: int, fetch_bodies: FetchBodies, now: datetime) -> None:
        self._session = session
        self._account_id = account_id
        self._fetch_bodies = fetch_bodies
        self._now = now
        self._known: dict[str, Intent] = {}
        self.bodies_fetched = 0

    def decide(self, requests: Sequence[IntentRequest]) -> dict[str, Intent]:
        """The decision for every requested mail (the first request for a mail wins)."""
        wanted: dict[str, IntentRequest] = {}
        for request in requests:
            if request.gmail_id not in self._known:
                wanted.setdefault(request.gmail_id, request)
        if wanted:
            cached = queries.cached_intents(self._session, self._account_id, sorted(wanted))
            stale: set[str] = set()
            for gmail_id, (expects, trigger, fingerprint) in cached.items():
                if fingerprint == wanted[gmail_id].fingerprint:
                    self._known[gmail_id] = Intent(expects_reply=expects, trigger=trigger)
                else:
                    stale.add(gmail_id)
            if stale:
                log.info("%s stored decisions were made with other settings: deciding them again", len(stale))
            missing = [gmail_id for gmail_id in wanted if gmail_id not in self._known]
            if missing:
                self._classify(missing, wanted, stale)
        return {request.gmail_id: self._known[request.gmail_id] for request in requests}

    def _classify(self, gmail_ids: list[str], requests: Mapping[str, IntentRequest], stale: set[str]) -> None:
        """Decide `gmail_ids` from their bodies; `stale`: those stored as decided by other settings."""
        bodies = self._fetch_bodies(gmail_ids)
        self.bodies_fetched += sum(1 for gmail_id in gmail_ids if gmail_id in bodies)
        # A stored decision gives way to the new one; without a body it stays, and the next run tries again.
        for chunk in queries.chunks(sorted(stale & bodies.keys())):
            self._session.execute(
                delete(MessageIntent).where(
                    MessageIntent.account_id == self._account_id, MessageIntent.gmail_id.in_(chunk)
                )
            )
        for gmail_id in gmail_ids:
            request = requests[gmail_id]
            body = bodies.get(gmail_id)
            if body is None:
                log.info("body of message %s not fetched: judged on its snippet, not cached", gmail_id)
                snippet = html.unescape(request.snippet)
                self._known[gmail_id] = request.classifier.classify(snippet, outreach=request.outreach)
                continue
            # A mail without a text part (HTML only) is judged on its snippet; fetching again would not help.
            text = body if body.strip() else html.unescape(request.snippet)
            intent = request.classifier.classify(text, outreach=request.outreach)
            self._known[gmail_id] = intent
            self._session.add(
                MessageIntent(
                    account_id=self._account_id,
                    gmail_id=gmail_id,
                    expects_reply=intent.expects_reply,
                    trigger=intent.trigger,
                    classified_at=self._now,
                    fingerprint=request.fingerprint,
                )
            )
        self._session.flush()
