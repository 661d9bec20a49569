"""Where the real-mail corpora are: `../shared/corpora` beside the checkout, which a user's clone lacks.

Tests that read them skip (or leave those messages out) when the directory is absent.
"""

from __future__ import annotations

from pathlib import Path

NOTMUCH = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "notmuch"
