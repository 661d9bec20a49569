"""A generated networker's mailbox (2,000 messages, fixed seed), synced for real: the rules find what the
generator's ground truth says, with precision and recall of at least 0.95 for each rule."""

from __future__ import annotations

from typing import Any

from rules.engine import run_rules
from rules.report import findings_json
from rules.settings import IdentitySettings, UserSettings, default_rules
from sandbox.generator import generate
from sync.bodies import fetch_plain_bodies
from tests.fixtures_rules import NOW, USER
from tests.fixtures_sync import SyncEnvFactory

SEED = 7
MESSAGES = 2000


def _keys(kind: str, items: list[dict[str, Any]]) -> set[str]:
    """How docs/mailbox-format.md matches findings to the truth: event id, primary address, message id."""
    if kind == "thank_you":
        return {item["event_id"] for item in items}
    if kind == "cold_contact":
        return {item["emails"][0] for item in items}
    return {item["message_id"] for item in items}


def test_rules_agree_with_the_generators_ground_truth(sync_env: SyncEnvFactory) -> None:
    now = NOW.replace(minute=0, second=0)
    generated = generate(SEED, MESSAGES, now=now, user_email=USER)
    env = sync_env(generated.mailbox)
    env.sync()
    user = generated.mailbox["users"][0]

    with env.session_factory() as session:
        run_rules(
            session,
            env.account_id,
            rules=default_rules(),
            identity=IdentitySettings(aliases=user["aliases"]),
            user=UserSettings(timezone=user["timezone"]),
            now=now,
            fetch_bodies=lambda ids: fetch_plain_bodies(env.api, ids),
        )
        found = findings_json(session, env.account_id)

    problems = []
    for kind in ("thank_you", "cold_contact", "awaiting_reply"):
        expected = _keys(kind, generated.truth[kind])
        actual = _keys(kind, [finding for finding in found if finding["kind"] == kind])
        hits = len(expected & actual)
        precision = hits / len(actual) if actual else 1.0
        recall = hits / len(expected) if expected else 1.0
        if precision < 0.95 or recall < 0.95:
            problems.append(
                f"{kind}: precision {precision:.2f}, recall {recall:.2f}; "
                f"missed {sorted(expected - actual)[:10]}, unexpected {sorted(actual - expected)[:10]}"
            )
        assert expected, f"the generated truth plants no {kind}"
    assert not problems, "\n".join(problems)
