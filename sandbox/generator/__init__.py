"""Deterministic generator of a networker's mailbox and calendar, with the ground truth of what to find."""

from sandbox.generator.core import Generated, generate

__all__ = ["Generated", "generate"]
