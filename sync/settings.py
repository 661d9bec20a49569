"""Settings of the sync workers and the draft writer, with their defaults.

The application shell composes these into its config file schema. Unknown keys are errors.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

PositiveInt = Annotated[int, Field(gt=0)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True)


class SyncSettings(StrictModel):
    """How much to sync and how fast to ask for it."""

    window_days: PositiveInt = 730  # initial Gmail sync reaches this far back
    calendar_past_days: PositiveInt = 400
    calendar_future_days: PositiveInt = 60
    quota_units_per_second: Annotated[float, Field(gt=0)] = 250  # Gmail's per-user limit
    batch_size: Annotated[int, Field(gt=0, le=100)] = 50  # Google advises 50, allows 100
    workers: Annotated[int, Field(gt=0, le=16)] = 4
    audit_every_cycles: Annotated[int, Field(ge=0)] = 12  # 0: never audit
    audit_days: PositiveInt = 3


class DraftSettings(StrictModel):
    """What the draft writer may do each run."""

    enabled: bool = True
    max_per_run: Annotated[int, Field(ge=0)] = 10
    max_per_day: Annotated[int, Field(ge=0)] = 10
    thank_you_mode: Literal["per_attendee", "all"] = "per_attendee"
    cold_reply_max_thread_age_days: PositiveInt = 365  # older: a new message instead of a reply
    delete_untouched_when_resolved: bool = True
