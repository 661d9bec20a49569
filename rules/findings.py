"""What a rule yields: a finding before it is stored, and a resolution for one that no longer holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Kind = Literal["thank_you", "cold_contact", "awaiting_reply"]
KINDS: tuple[Kind, ...] = ("thank_you", "cold_contact", "awaiting_reply")


@dataclass(frozen=True)
class Found:
    """One occasion a rule instance found, with everything the store's findings row keeps.

    `occasion_key` is stable across runs (`thank_you:<event id>`, `cold_contact:<address>:<date>`,
    `awaiting_reply:<message id>`): finding it again refreshes the stored finding instead of adding one.
    """

    rule_name: str
    kind: Kind
    occasion_key: str
    emails: tuple[str, ...]  # the contacts' normalised addresses, primary first
    names: tuple[str | None, ...]  # their display names, in the order of `emails`
    due_at: datetime
    score: float
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    person_id: int | None = None
    event_gcal_id: str | None = None
    thread_gmail_id: str | None = None
    message_gmail_id: str | None = None
    last_interaction: datetime | None = None


@dataclass(frozen=True)
class Resolution:
    """Why a stored open or drafted finding no longer holds, e.g. "you wrote to dana@acme.io on 4 Nov".

    `resolved_by` names the sent message that settled it, when one did (a thank-you note, for instance).
    """

    occasion_key: str
    reason: str
    resolved_by: str | None = None
