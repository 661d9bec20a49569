"""Command line: `python -m sandbox.generator --messages N --seed S [--now ISO] --out F --truth F`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from sandbox.generator.core import generate


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.generator", description="Generate a sandbox mailbox and its ground truth."
    )
    parser.add_argument("--messages", type=int, required=True, help="total number of messages")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--now", type=_moment, default=None, help="ISO 8601 instant (default: this hour, UTC)"
    )
    parser.add_argument("--user-email", default="alex.morgan@example.com")
    parser.add_argument("--user-name", default="Alex Morgan")
    parser.add_argument("--timezone", default="Europe/London")
    parser.add_argument("--out", required=True, help="mailbox JSON path")
    parser.add_argument("--truth", required=True, help="ground-truth JSON path")
    args = parser.parse_args(argv)
    try:
        generated = generate(
            args.seed,
            args.messages,
            now=args.now,
            user_email=args.user_email,
            user_name=args.user_name,
            timezone=args.timezone,
        )
    except ValueError as error:
        parser.error(str(error))
    generated.write(args.out, args.truth)
    truth = generated.truth
    print(
        f"{args.messages} messages -> {args.out}; truth as of {truth['now']} -> {args.truth}: "
        f"{len(truth['thank_you'])} thank-you, {len(truth['cold_contact'])} cold contacts, "
        f"{len(truth['awaiting_reply'])} awaiting reply",
        file=sys.stderr,
    )
    return 0
