"""Resilience figures for the README: kill -9s survived, the fault rate held, the bad inputs the test suite
tries, and the duplicate drafts and lost messages all that left behind (target: none of either).

(a) kill campaign: a generated mailbox (2,000 messages) served twice; on one sandbox `rapport run --once`
    is SIGKILLed at 100 seeded API calls over an initial sync with its drafting, an incremental sync after a
    day of mail, a drafting-heavy cycle and the repair after expired cursors, restarted after each kill;
    after each phase its store and Gmail drafts are compared with those of a clean run on the other;
(b) fault sweep: at fault rates 0.1, 0.3 and 0.5 (500, 503, 429, dropped connections, slow answers) the
    same phases without kills on a generated 500-message mailbox, each stormy cycle repeated until one ends
    without an error, compared with a calm twin;
(c) bad inputs: the bad configs, malformed messages and hostile templates the test suite puts through
    Rapport.
The machinery is the test suite's (tests/resilience/campaign.py). `python -m bench resilience` runs it all
(about seven minutes on two cores); `python -m bench.bench_resilience --messages 800 --kills 30 --rates 0.3`
a smaller one, `--only a,c` some of the parts.
"""

from __future__ import annotations

import argparse
import copy
import functools
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.generator import generate
from sandbox.server import SandboxServer
from sandbox.state import SandboxState
from tests.fixtures_rapport import SandboxRapport, hour_now
from tests.fixtures_resilience import CAMPAIGN_DRAFTS, audit_gaps, gmail_drafts, open_site, store_content
from tests.resilience.campaign import CampaignLog, Phase, Station, run_campaign, weather_storm
from tests.resilience.scenario import Move, cursors_expire, life_goes_on, meetings_end

SEED = 20261206
GET, THREAD = "gmail.users.messages.get", "gmail.users.threads.get"
CREATE, LIST_DRAFTS = "gmail.users.drafts.create", "gmail.users.drafts.list"
HISTORY, EVENTS, LISTING = "gmail.users.history.list", "calendar.events.list", "gmail.users.messages.list"
# Where the 100 kills fall, phase by phase: (station, how many kill points are drawn from it).
KILL_PLAN: list[tuple[str, Move | None, list[tuple[Station, int]]]] = [
    (
        "initial sync and drafting",
        None,
        [
            (Station(None, 1, 4), 3),
            (Station(LISTING, 1, 2), 2),
            (Station(GET, 1, 80), 12),
            (Station(THREAD, 1, 30), 4),
            (Station(EVENTS, 1, 1), 2),
            (Station(LIST_DRAFTS, 1, 1), 2),
            (Station(CREATE, 1, 8), 20),
        ],
    ),
    (
        "incremental sync after a day of mail",
        life_goes_on,
        [
            (Station(HISTORY, 1, 1), 5),
            (Station(GET, 1, 5), 5),
            (Station(EVENTS, 1, 1), 3),
            (Station(LIST_DRAFTS, 1, 1), 3),
            (Station("gmail.users.drafts.get", 1, 1), 1),
            (Station("gmail.users.drafts.delete", 1, 1, refused=True), 1),
            (Station("gmail.users.drafts.delete", 1, 1), 1),
            (Station(CREATE, 1, 1), 1),
        ],
    ),
    (
        "drafting after sixteen meetings ended",
        functools.partial(meetings_end, meetings=16),
        [(Station(LIST_DRAFTS, 1, 1), 5), (Station(CREATE, 1, 2), 14), (Station(LIST_DRAFTS, 2, 2), 1)],
    ),
    (
        "repair after the cursors expired",
        cursors_expire,
        [
            (Station(HISTORY, 1, 1), 2),
            (Station(LISTING, 1, 2), 3),
            (Station(GET, 1, 3), 4),
            (Station(EVENTS, 1, 2), 5),
            (Station(CREATE, 1, 1), 1),
        ],
    ),
]
STORM_PHASES = [
    Phase("initial sync and drafting", None),
    Phase("incremental sync after a day of mail", life_goes_on),
    Phase("drafting after meetings ended", meetings_end),
]


def kill_phases(kills: int) -> list[Phase]:
    """KILL_PLAN scaled to about `kills` kill points (every station keeps at least one)."""
    scale = kills / sum(count for _, _, stations in KILL_PLAN for _, count in stations)
    return [
        Phase(
            name, move, [station for station, count in stations for _ in range(max(1, round(count * scale)))]
        )
        for name, move, stations in KILL_PLAN
    ]


@dataclass
class Twins:
    """Two sandboxes serving one mailbox, and Rapport configured for each."""

    reference: SandboxRapport
    tested: SandboxRapport
    servers: tuple[SandboxServer, SandboxServer]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def twins(document: dict[str, Any], root: Path, **tested_server_options: Any) -> Twins:
    servers = (
        SandboxServer(SandboxState.from_mailbox(copy.deepcopy(document))).start(),
        SandboxServer(SandboxState.from_mailbox(copy.deepcopy(document)), **tested_server_options).start(),
    )
    reference, tested = (
        open_site(server, root / name, sync="audit_every_cycles = 1", extra_sections=CAMPAIGN_DRAFTS)
        for server, name in zip(servers, ("reference", "tested"), strict=True)
    )
    return Twins(reference, tested, servers)


@dataclass
class Comparison:
    """How the tested site ended against the reference, phase by phase."""

    phases_equal: int = 0
    phases: int = 0
    duplicates: int = 0  # Gmail drafts beyond one per X-Rapport-Key
    lost: int = 0  # messages the reference store holds and the tested one does not
    differing: set[str] = field(default_factory=set)  # what differed in a phase that did not end equal

    def compare(self, sites: Twins) -> None:
        reference, tested = store_content(sites.reference.store_url), store_content(sites.tested.store_url)
        drafts = gmail_drafts(sites.tested)
        differing = {part for part in reference if reference[part] != tested[part]}
        if drafts != gmail_drafts(sites.reference):
            differing.add("Gmail drafts")
        self.phases += 1
        self.phases_equal += not differing
        self.differing |= differing
        self.duplicates = sum(count - 1 for count in Counter(key for key, *_ in drafts).values())
        kept = {row[0] for row in tested["messages"]}
        self.lost = sum(1 for row in reference["messages"] if row[0] not in kept)

    def verdict(self) -> str:
        equal = f"{self.phases_equal} of {self.phases}"
        return equal if not self.differing else f"{equal} (differing: {', '.join(sorted(self.differing))})"


def part_a(messages: int, kills: int, root: Path) -> tuple[int, Comparison]:
    now = hour_now()
    sites = twins(generate(SEED, messages, now=now).mailbox, root / "kills")
    comparison = Comparison()
    started = time.monotonic()
    try:
        log: CampaignLog = run_campaign(
            sites.reference,
            sites.tested,
            kill_phases(kills),
            seed=SEED,
            now=now,
            after=lambda _phase: comparison.compare(sites),
        )
        gaps = audit_gaps(sites.tested.store_url)
    finally:
        sites.stop()
    seconds = time.monotonic() - started
    by_phase = Counter(phase for phase, _ in log.kills)
    print(
        f"(a) kill -9 campaign over {messages:,} messages: {len(log.kills)} kills survived in {log.runs} runs"
    )
    for phase, count in by_phase.items():
        print(f"    {count:3d} kills during {phase}")
    missed = Counter(f"{point.method or 'any call'} (during {phase})" for phase, point in log.missed)
    print(f"    {len(log.missed)} kill points not reached (the run finished first): {dict(missed)}")
    print(f"    phases ending equal to the clean run: {comparison.verdict()}")
    print(f"    duplicate drafts {comparison.duplicates}, lost messages {comparison.lost}, audit gaps {gaps}")
    print(f"    wall {seconds:.0f} s")
    return len(log.kills), comparison


@dataclass
class Storm:
    """One rate of the sweep: how the stormy site fared."""

    rate: float
    cycles: list[int]  # stormy cycles each phase took; empty when it did not converge
    verdict: str
    faults: int
    calls: int
    comparison: Comparison
    seconds: float


def storm_at(document: dict[str, Any], rate: float, root: Path) -> Storm:
    sites = twins(document, root / f"storm-{rate}", fault_rate=rate, fault_seed=SEED, slow_seconds=0.05)
    comparison = Comparison()
    started = time.monotonic()
    try:
        cycles = weather_storm(
            sites.reference,
            sites.tested,
            STORM_PHASES,
            now=hour_now(),
            after=lambda _phase: comparison.compare(sites),
        )
        verdict = f"{sum(cycles)} stormy cycles ({' + '.join(map(str, cycles))} by phase)"
    except AssertionError as failure:
        cycles, verdict = [], f"did not converge: {str(failure).splitlines()[0]}"
    finally:
        faults, calls = len(sites.tested.server.faults.history()), len(sites.tested.server.log.calls())
        sites.stop()
    return Storm(rate, cycles, verdict, faults, calls, comparison, time.monotonic() - started)


def part_b(messages: int, rates: Sequence[float], root: Path) -> tuple[float, Comparison]:
    document = generate(SEED + 1, messages, now=hour_now()).mailbox
    held, previous, total = 0.0, 0.0, Comparison()
    print(f"(b) fault sweep over {messages:,} messages (500, 503, 429, dropped connections, slow answers)")
    for rate in sorted(rates):
        storm = storm_at(document, rate, root)
        found = storm.comparison
        equal = found.phases_equal == len(STORM_PHASES)
        if storm.cycles and equal and held == previous:  # held at this rate and at every lower one
            held = rate
        previous = rate
        total.duplicates += found.duplicates
        total.lost += found.lost
        print(
            f"    rate {rate:.1f}: {storm.faults:,} faults injected, {storm.calls:,} calls, {storm.verdict}, "
            f"{'same end state as the calm run' if equal else 'END STATE DIFFERS: ' + found.verdict()}, "
            f"duplicates {found.duplicates}, lost {found.lost}, wall {storm.seconds:.0f} s"
        )
    return held, total


def part_c() -> int:
    """The bad inputs the test suite puts through Rapport, counted from its tables."""
    from tests.drafts.test_rendering import HOSTILE  # noqa: PLC0415 - test tables, only for counting
    from tests.rapport.test_config_errors import BAD_CONFIGS  # noqa: PLC0415
    from tests.resilience.test_bad_config_through_run import UNUSABLE_STORES  # noqa: PLC0415
    from tests.resilience.test_malformed_mail import BAD_MAIL, BROKEN_CORPUS  # noqa: PLC0415
    from tests.sync.test_header_variants_and_malformed_mail import MALFORMED  # noqa: PLC0415

    configs = len(BAD_CONFIGS) + len(UNUSABLE_STORES) + 1  # + the database that is down
    corpus = sum(1 for path in BROKEN_CORPUS.rglob("*") if path.is_file()) if BROKEN_CORPUS.is_dir() else 0
    mail = len(MALFORMED) + len(BAD_MAIL) + corpus
    # The bad-config table's own hostile template is counted there, not again here.
    templates = len(HOSTILE)
    print(f"(c) bad inputs tried by the tests: {configs + mail + templates}")
    print(f"    {configs} bad configs, {mail} malformed messages ({corpus} from notmuch's broken/), ", end="")
    print(f"{templates} hostile templates (and 1 more among the bad configs)")
    return configs + mail + templates


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_resilience")
    parser.add_argument("--messages", type=int, default=2000, help="mailbox of the kill campaign")
    parser.add_argument("--kills", type=int, default=100, help="kill points of the campaign (about)")
    parser.add_argument("--storm-messages", type=int, default=500, help="mailbox of the fault sweep")
    parser.add_argument("--rates", default="0.1,0.3,0.5", help="fault rates to sweep")
    parser.add_argument("--only", default="a,b,c", help="parts to run, e.g. a,c")
    args = parser.parse_args([] if argv is None else argv)
    parts = set(args.only.split(","))
    kills, held, tried = 0, 0.0, 0
    killed, stormed = Comparison(), Comparison()
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        if "a" in parts:
            kills, killed = part_a(args.messages, args.kills, root)
        if "b" in parts:
            held, stormed = part_b(args.storm_messages, [float(rate) for rate in args.rates.split(",")], root)
    if "c" in parts:
        tried = part_c()
    duplicates, lost = killed.duplicates + stormed.duplicates, killed.lost + stormed.lost
    print(
        f"summary: {kills} kills survived, fault rate {held:.1f} held, {tried} bad inputs tried, "
        f"{duplicates} duplicate drafts, {lost} lost messages"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
