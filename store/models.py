"""Every model of the store in one import: ``from store.models import Message, Finding, ...``."""

from store.base import Base
from store.models_accounts import (
    Account,
    AccountLock,
    AuditRun,
    CursorPhase,
    CycleOutcome,
    CycleRun,
    GmailCursor,
    PendingMessage,
)
from store.models_calendar import Attendee, Calendar, CalendarCursor, Event
from store.models_findings import Draft, DraftState, Finding, FindingKind, FindingState
from store.models_mail import AddressRole, Label, LabelType, Message, MessageAddress, MessageIntent, Thread
from store.models_people import Person, PersonAddress

__all__ = [
    "Account",
    "AccountLock",
    "AddressRole",
    "Attendee",
    "AuditRun",
    "Base",
    "Calendar",
    "CalendarCursor",
    "CursorPhase",
    "CycleOutcome",
    "CycleRun",
    "Draft",
    "DraftState",
    "Event",
    "Finding",
    "FindingKind",
    "FindingState",
    "GmailCursor",
    "Label",
    "LabelType",
    "Message",
    "MessageAddress",
    "MessageIntent",
    "PendingMessage",
    "Person",
    "PersonAddress",
    "Thread",
]
