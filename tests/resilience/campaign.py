"""Kill campaigns and fault storms: two sandboxes holding one mailbox, Rapport run cleanly on one and
battered on the other through phases of the mailbox's life, compared after each phase.

A `Phase` moves both mailboxes on (tests.resilience.scenario), then the clean site runs a cycle and one
that reads back the drafts it wrote. `run_campaign` kills the battered site's `rapport run --once` at each
kill point drawn from the phase's `Station`s, restarts it, and lets it finish; `weather_storm` repeats the
stormy site's cycles until one ends without an error. Each calls `after(phase)` for the caller to compare.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tests.fixtures_rapport import SandboxRapport
from tests.fixtures_resilience import KillPoint, KillSwitch, Run, cycle, run_once
from tests.resilience.scenario import Move

MAX_STORMY_CYCLES = 12  # a storm at 30 % ends in a clean cycle long before this; reaching it is a failure


@dataclass(frozen=True)
class Station:
    """Where a kill may fall: the `low`..`high`th call of `method` (None: any call) of a run; `refused`
    None lets the seed choose whether the call is refused or carried out."""

    method: str | None
    low: int
    high: int
    refused: bool | None = None


@dataclass(frozen=True)
class Phase:
    """A moment of the mailbox's life (`move` None: as it was served) and where to kill Rapport in it."""

    name: str
    move: Move | None
    stations: Sequence[Station] = ()


def kill_points(stations: Sequence[Station], rng: random.Random) -> list[KillPoint]:
    """One kill point per station, in order, drawn from `rng`."""
    return [
        KillPoint(
            station.method,
            rng.randint(station.low, station.high),
            rng.random() < 0.5 if station.refused is None else station.refused,
        )
        for station in stations
    ]


@dataclass
class CampaignLog:
    """Kills that happened, kill points a run finished before reaching, and how many processes ran."""

    kills: list[tuple[str, KillPoint]] = field(default_factory=list)
    missed: list[tuple[str, KillPoint]] = field(default_factory=list)
    runs: int = 0


def batter(
    site: SandboxRapport, switch: KillSwitch, phase: str, points: Sequence[KillPoint], log: CampaignLog
) -> Run:
    """Run Rapport on `site` killed at each point in turn, then once more to completion; returns the last run.

    A kill point the run finished before reaching is logged as missed (that run completed normally)."""
    for point in points:
        run = run_once(site, switch, point)
        log.runs += 1
        if run.killed:
            assert run.returncode == -9, f"{phase}, {point}: exited {run.returncode}\n{run.log}"
            log.kills.append((phase, point))
        else:
            assert run.returncode == 0, f"{phase}, {point}: exited {run.returncode}\n{run.log}"
            log.missed.append((phase, point))
    final = run_once(site)
    log.runs += 1
    assert final.returncode == 0, f"{phase}: the run after the kills exited {final.returncode}\n{final.log}"
    return final


def _move_both(phase: Phase, sites: Sequence[SandboxRapport], now: datetime) -> None:
    if phase.move is not None:
        for site in sites:
            phase.move(site.server, site.users["work"], now)


def _clean_cycles(site: SandboxRapport, phase: str) -> None:
    for _ in range(2):  # the cycle, then one that reads back the drafts it wrote
        run = cycle(site)
        assert run.returncode == 0, f"{phase}: the clean cycle exited {run.returncode}\n{run.log}"


def run_campaign(
    clean: SandboxRapport,
    battered: SandboxRapport,
    phases: Sequence[Phase],
    *,
    seed: int,
    now: datetime,
    after: Callable[[str], None],
) -> CampaignLog:
    """Each phase: both mailboxes move on, the clean site cycles, the battered one is killed at the phase's
    kill points, then completes and reads back its drafts; then `after(phase name)`."""
    switch = KillSwitch(battered.server)
    rng = random.Random(seed)
    log = CampaignLog()
    for phase in phases:
        _move_both(phase, (clean, battered), now)
        _clean_cycles(clean, phase.name)
        batter(battered, switch, phase.name, kill_points(phase.stations, rng), log)
        settle = run_once(battered)
        log.runs += 1
        assert settle.returncode == 0, f"{phase.name}: exited {settle.returncode}\n{settle.log}"
        after(phase.name)
    return log


def is_clean(run: Run) -> bool:
    """Whether a cycle ended well without a single error (a draft that failed counts)."""
    return run.returncode == 0 and "errors=0" in run.log


def until_a_clean_cycle(site: SandboxRapport) -> list[Run]:
    """Cycles until one ends without an error; every run, in order."""
    runs: list[Run] = []
    while not runs or not is_clean(runs[-1]):
        assert len(runs) < MAX_STORMY_CYCLES, runs[-1].log
        runs.append(cycle(site))
    return runs


def weather_storm(
    calm: SandboxRapport,
    stormy: SandboxRapport,
    phases: Sequence[Phase],
    *,
    now: datetime,
    after: Callable[[str], None],
) -> list[int]:
    """Each phase: both mailboxes move on, the calm site cycles, the stormy one runs cycles until one is
    clean, twice (the second reads back the drafts); then `after(phase name)`. Returns the stormy cycles
    each phase took."""
    taken: list[int] = []
    for phase in phases:
        _move_both(phase, (calm, stormy), now)
        _clean_cycles(calm, phase.name)
        taken.append(len(until_a_clean_cycle(stormy)) + len(until_a_clean_cycle(stormy)))
        after(phase.name)
    return taken
