"""How fast the mailbox generator makes a 100,000-message mailbox (issue 2 asks for under a minute).

Prints wall time and messages per second for generating and for writing, the peak RSS of the process and
the size of the JSON written. `python -m bench generator`, or `python -m bench.bench_generator --messages N`.
Over the limit (`--limit`, default 60 s) it says so and exits 1.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sandbox.generator import generate

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
LIMIT_SECONDS = 60.0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 1 when it took longer than the limit, else 0."""
    parser = argparse.ArgumentParser(prog="bench_generator")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=LIMIT_SECONDS, metavar="SECONDS")
    args = parser.parse_args([] if argv is None else argv)

    started = time.perf_counter()
    generated = generate(args.seed, args.messages, now=NOW)
    generated_at = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        mailbox_path, truth_path = Path(folder) / "mailbox.json", Path(folder) / "truth.json"
        generated.write(mailbox_path, truth_path)
        written_at = time.perf_counter()
        size = mailbox_path.stat().st_size
    user = generated.mailbox["users"][0]
    threads = len({message["threadId"] for message in user["messages"]})
    total = written_at - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    truth = generated.truth
    print(
        f"messages          {len(user['messages']):,} in {threads:,} threads "
        f"({len(user['messages']) / threads:.2f} a thread), {len(user['calendars'][0]['events']):,} events"
    )
    generating = generated_at - started
    print(f"generate          {generating:.2f} s ({args.messages / generating:,.0f} msg/s)")
    print(f"write JSON        {written_at - generated_at:.2f} s, {size / 2**20:.1f} MiB")
    print(f"total             {total:.2f} s ({args.messages / total:,.0f} msg/s), limit {args.limit:g} s")
    print(f"peak RSS          {peak_mib:.0f} MiB")
    print(
        f"ground truth      {len(truth['thank_you'])} thank-you, {len(truth['cold_contact'])} cold contacts, "
        f"{len(truth['awaiting_reply'])} awaiting reply"
    )
    if total > args.limit:
        print(f"SLOWER than the {args.limit:g} s limit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
