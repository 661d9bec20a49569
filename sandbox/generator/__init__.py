"""Deterministic generator of a networker's mailbox and calendar, with the ground truth of what to find."""
