"""One account's failure stops that account only: with two accounts, one whose refresh token Google revoked
(or whose token file is missing), the other still syncs and drafts; the command exits 1 naming the failed
account and its fix, and `rapport status` shows it with that fix."""

from __future__ import annotations

import json

from tests.fixtures_rapport import (
    ALEX,
    KIM,
    SandboxRapportFactory,
    expected_draft_keys,
    hour_now,
    networkers_mailbox,
)

FIX = "rapport auth --account home"


def test_a_revoked_token_fails_its_account_and_the_other_still_syncs_and_drafts(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    now = hour_now()
    rapport = sandbox_rapport(networkers_mailbox(ALEX, KIM, now=now), accounts={"work": ALEX, "home": KIM})
    rapport.server.tokens.revoke(rapport.refresh_tokens["home"])

    result = rapport.invoke("run", "--once")
    status = rapport.invoke("status")
    as_json = {entry["account"]: entry for entry in json.loads(rapport.invoke("status", "--json").output)}

    assert result.exit_code == 1
    [failed] = [line for line in result.stderr.splitlines() if "account=home" in line]
    assert " ERROR rapport.daemon: account=home synced=0 found=0 drafted=0 errors=1 " in failed
    assert failed.endswith(
        f'outcome=auth_error: account "home" ({KIM}): Google refused the saved token (revoked or expired)'
        f" — run: {FIX}"
    )
    assert "rapport: account" not in result.stderr  # the log line says it all, once
    assert "Traceback" not in result.output
    assert rapport.draft_keys("work") == expected_draft_keys(1, now)
    assert rapport.draft_keys("home") == []
    assert as_json["work"]["last_cycle"]["outcome"] == "ok"
    assert as_json["home"]["last_cycle"]["outcome"] == "auth_error"
    assert as_json["home"]["last_error"]["fix"] == FIX
    assert "home: last cycle failed at" in status.output
    assert f"— run: {FIX}" in status.output
    assert "work: last cycle failed" not in status.output


def test_an_account_without_a_token_file_is_told_to_authorize_and_the_other_runs(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    now = hour_now()
    rapport = sandbox_rapport(networkers_mailbox(ALEX, KIM, now=now), accounts={"work": ALEX, "home": KIM})
    token_file = rapport.config.parent / "tokens" / "home.json"
    token_file.unlink()

    for command in (["sync"], ["preview", "--json"], ["draft"]):
        result = rapport.invoke(*command)

        assert result.exit_code == 1, command
        assert f"no saved token at {token_file} — run: {FIX}" in result.stderr, command
    assert rapport.draft_keys("work") == expected_draft_keys(1, now)
    assert rapport.server.log.count(user=KIM) == 0


def test_a_token_for_another_mailbox_is_an_authorization_problem_with_its_fix(
    sandbox_rapport: SandboxRapportFactory,
) -> None:
    rapport = sandbox_rapport(networkers_mailbox(ALEX, KIM), accounts={"work": ALEX, "home": KIM})
    home_token = rapport.config.parent / "tokens" / "home.json"
    work_token = rapport.config.parent / "tokens" / "work.json"
    home_token.write_bytes(work_token.read_bytes())  # home's file now holds a token for Alex's mailbox

    result = rapport.invoke("sync")
    [home] = [
        entry for entry in json.loads(rapport.invoke("status", "--json").output) if entry["account"] == "home"
    ]

    assert result.exit_code == 1
    assert f"the token is for {ALEX}, but the account is configured as {KIM}" in result.stderr
    assert f"fix: {FIX}, signing in as {KIM}" in result.stderr
    assert home["gmail_cursor"] is None  # nothing of Alex's mailbox was stored under home
