"""`rapport demo` (what `make demo` runs) needs nothing but the installed package: it serves a generated
mailbox with the sandbox, runs one full cycle, shows what it found and a draft of each kind in full as Gmail
holds it, says what the cycle cost, exits 0, and leaves no temporary file behind."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.fixtures_rapport import RAPPORT


def test_the_demo_runs_a_cycle_and_shows_the_findings_and_a_draft_in_full(tmp_path: Path) -> None:
    environment = {**os.environ, "TMPDIR": str(tmp_path), "COLUMNS": "160"}
    environment.pop("RAPPORT_CONFIG", None)

    demo = subprocess.run(
        [RAPPORT, "demo"], check=False, capture_output=True, text=True, timeout=120, env=environment
    )

    out = demo.stdout
    assert demo.returncode == 0, demo.stderr
    assert "a generated mailbox of 2,000 messages (seed 7)" in out
    assert "(full sync)" in out
    assert "Open findings — Alex Morgan (alex.morgan@example.com)" in out
    for kind in ("thank-you", "cold contact", "awaiting reply"):
        assert f"│ {kind}" in out
    written = re.search(r"Drafts written into Gmail \((\d+)\)", out)
    assert written is not None
    assert int(written.group(1)) > 10  # the demo lifts the daily cap, so every kind is drafted
    for kind in ("Thank-you", "Awaiting reply", "Cold contact"):
        title = f"{kind} draft in full, as Gmail holds it"
        assert title in out
        full = out.split(title, 1)[1].split("───\n", 1)[1].split("\n───", 1)[0]
        for header in ("From: Alex Morgan <alex.morgan@example.com>", "To: ", "Subject: ", "X-Rapport-Key: "):
            assert header in full, kind
        assert ("In-Reply-To: " in full) == (kind != "Thank-you"), kind  # the others answer a thread
        assert "\n\nHi " in full
    assert "Gmail quota units for the whole cycle" in out
    assert "Traceback" not in demo.stderr
    assert list(tmp_path.iterdir()) == []
