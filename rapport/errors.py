"""The errors Rapport shows its user, each with the exit code it ends the command with.

Every user-facing error says what is wrong and how to fix it, in one line per problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from google.auth.exceptions import RefreshError

EXIT_OK = 0
EXIT_CYCLE_FAILED = 1
EXIT_USAGE = 2

REFUSED = "Google refused the saved token (revoked or expired)"


def with_fix(message: str, fix: str) -> str:
    """`message` followed by " — fix: FIX", unless the message already names the fix (or there is none)."""
    if not fix or fix in message:
        return message
    return f"{message} — fix: {fix}"


class RapportError(Exception):
    """Base of the errors the CLI turns into a message and an exit code."""

    exit_code = EXIT_CYCLE_FAILED


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a config file: where, what was given, what was expected and how to fix it."""

    key: str  # dotted, e.g. "accounts[1].token_file"; "" for the file as a whole
    given: str  # the value as written, already rendered for display ("" when the key is missing)
    expected: str
    fix: str

    def render(self) -> str:
        where = self.key or "(file)"
        given = f"got {self.given}; " if self.given else ""
        return f"  {where}: {given}expected {self.expected}; fix: {self.fix}"


class ConfigError(RapportError):
    """The config file is missing, unreadable or invalid; lists every problem at once."""

    exit_code = EXIT_USAGE

    def __init__(self, path: Path, problems: list[ConfigProblem], heading: str = "") -> None:
        self.path = path
        self.problems = problems
        lines = [heading or f"config error in {path}:", *(problem.render() for problem in problems)]
        super().__init__("\n".join(lines))


class StoreUnreachableError(ConfigError):
    """The database `store.url` names cannot be reached now: down, refusing connections, timing out, or
    refusing Rapport's login.

    A command ends with exit code 2 like any config error, having written nothing. The daemon (`rapport
    run`) instead waits and retries, since a database restarting passes by itself; a URL no retry can fix
    (malformed, an unknown driver, a SQLite path that cannot be created) is a plain ConfigError.
    """

    def __init__(self, path: Path, problem: ConfigProblem) -> None:
        self.problem = problem
        super().__init__(path, [problem], heading=f"cannot reach the store named in {path}:")


class AuthRequired(RapportError, RefreshError):  # noqa: N818 - the name the other layers know it by
    """Google refused an account's saved token, or there is none: the user must run `rapport auth` again.

    It is a RefreshError too, so code below Rapport that handles refresh failures still recognises it.
    """

    exit_code = EXIT_CYCLE_FAILED

    def __init__(self, account: str, email: str, reason: str = REFUSED) -> None:
        self.account = account
        self.email = email
        self.reason = reason
        self.fix = f"rapport auth --account {account}"
        # GoogleAuthError's __init__ is untyped; it also sets the `retryable` flag (False) RefreshError needs.
        super().__init__(f'account "{account}" ({email}): {reason} — run: {self.fix}')  # type: ignore[no-untyped-call]
