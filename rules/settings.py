"""Settings of the rules engine: one pydantic model per rule kind, with the defaults of docs/rules.md.

The application shell composes these into its config file schema; the engine reads them and nothing else.
Every model forbids unknown keys, so a typo in the TOML is reported instead of silently ignored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NonNegative = Annotated[float, Field(ge=0)]
PositiveInt = Annotated[int, Field(gt=0)]


class StrictModel(BaseModel):
    """Base of every settings model: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True)


class Filters(StrictModel):
    """Which contacts, calendars, labels and titles a rule instance looks at.

    Empty include lists mean "everything"; exclude lists always win.
    """

    include_addresses: list[str] = []
    exclude_addresses: list[str] = []
    include_domains: list[str] = []
    exclude_domains: list[str] = []
    calendars: list[str] = []
    exclude_labels: list[str] = []
    title_keywords: list[str] = []
    exclude_title_keywords: list[str] = []


class RuleBase(StrictModel):
    """What every rule instance has: a unique name, a switch, filters and an optional template file."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    enabled: bool = True
    filters: Filters = Filters()
    template: str = ""  # empty: the built-in template for this kind


class ThankYouRule(RuleBase):
    kind: Literal["thank_you"] = "thank_you"
    after_hours: NonNegative = 2
    within_days: PositiveInt = 7
    max_attendees: PositiveInt = 6
    include_recurring: bool = False
    keywords: list[str] = [
        "interview",
        "coffee",
        "intro",
        "chat",
        "catch up",
        "catch-up",
        "lunch",
        "call",
        "meet",
    ]

    @model_validator(mode="after")
    def _window_is_open(self) -> ThankYouRule:
        if self.after_hours >= self.within_days * 24:
            raise ValueError("after_hours must be shorter than within_days (in hours)")
        return self


class ColdContactRule(RuleBase):
    kind: Literal["cold_contact"] = "cold_contact"
    min_days: PositiveInt = 45
    k: Annotated[float, Field(gt=0)] = 3.0
    max_days: PositiveInt = 1095
    min_sent: Annotated[int, Field(ge=0)] = 1
    min_received: Annotated[int, Field(ge=0)] = 1
    meeting_counts: bool = True
    # A meeting with more other attendees than this (an all-hands) is no interaction with any of them.
    max_meeting_size: PositiveInt = 8

    @model_validator(mode="after")
    def _range_is_open(self) -> ColdContactRule:
        if self.min_days >= self.max_days:
            raise ValueError("min_days must be smaller than max_days")
        return self


class AwaitingReplyRule(RuleBase):
    kind: Literal["awaiting_reply"] = "awaiting_reply"
    after_days: PositiveInt = 5  # business days
    within_days: PositiveInt = 21
    request_phrases: list[str] = [
        "let me know",
        "could you",
        "would you",
        "can you",
        "any update",
        "any news",
        "are you available",
        "do you have",
        "what do you think",
        "please confirm",
        "looking forward to hearing",
    ]
    acknowledgements: list[str] = [
        "thanks",
        "thank you",
        "queued",
        "applied",
        "acked-by",
        "reviewed-by",
        "sounds good",
        "will do",
        "congrats",
        "congratulations",
        "see you",
        "got it",
        "noted",
        "perfect",
        "great",
    ]

    @model_validator(mode="after")
    def _window_is_open(self) -> AwaitingReplyRule:
        if self.within_days <= self.after_days:
            raise ValueError("within_days must be larger than after_days")
        return self


RuleSettings = Annotated[ThankYouRule | ColdContactRule | AwaitingReplyRule, Field(discriminator="kind")]


def default_rules() -> list[RuleSettings]:
    """One instance of each kind with the documented defaults: what runs when the config names no rules."""
    return [
        ThankYouRule(name="thank-you"),
        ColdContactRule(name="cold-contacts"),
        AwaitingReplyRule(name="awaiting-reply"),
    ]


class IdentitySettings(StrictModel):
    """Who the user is and who counts as one person."""

    aliases: list[str] = []  # the user's other addresses, beside getProfile's
    fold_plus_addresses: bool = True
    same_person: list[list[str]] = []  # groups of addresses that are one person
    group_addresses: list[str] = []  # calendar attendees that are groups, not people
    never_nudge: list[str] = []  # addresses Rapport never nudges about
    never_nudge_label: str = "Rapport/never-nudge"
    automated_patterns: list[str] = [
        r"^no-?reply",
        r"^do-?not-?reply",
        r"^notifications?$",
        r"^mailer-daemon$",
        r"^postmaster$",
        r"^bounces?",
        r"^calendar-notification$",
        r"^alerts?$",
        r"^news(letter)?$",
        r"^info$",
        r"^updates?$",
    ]


class UserSettings(StrictModel):
    """How drafts are signed and which timezone the user lives in."""

    name: str = ""
    signature: str = ""
    timezone: str = "UTC"


class PreviewSettings(StrictModel):
    max_cold_contacts: PositiveInt = 20
