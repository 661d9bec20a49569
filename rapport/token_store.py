"""Each account's OAuth token on disk: google-auth's authorized-user JSON, private from its first byte.

A token file is written into a temp file created with mode 0600 in the same folder (mkstemp opens it
with `os.open(..., 0o600)`), fsynced and renamed over the old one, so a reader never sees half a token and
no other user can ever read one. Credentials loaded from it save themselves again after every refresh.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import google.auth.transport
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials

from rapport.errors import AuthRequired

logger = logging.getLogger(__name__)

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - an endpoint, not a secret
REQUIRED_KEYS = ("refresh_token", "client_id", "client_secret")
EXPIRY_FORMAT = "%Y-%m-%dT%H:%M:%S"


def write_token_file(path: Path, info: Mapping[str, Any]) -> None:
    """Atomically replace `path` with `info` as JSON, readable by its owner only; the folder is made 0700."""
    write_private_file(path, json.dumps(dict(info), indent=2) + "\n")


def write_private_file(path: Path, text: str) -> None:
    """Atomically replace `path` with `text`; the file is 0600 from its creation, its new folder 0700."""
    directory = path.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX only: Windows cannot open a folder for fsync)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def authorized_user_info(credentials: Credentials) -> dict[str, Any]:
    """google-auth's authorized-user JSON (token, refresh_token, client_id, client_secret, token_uri,
    scopes, expiry) for these credentials."""
    info: dict[str, Any] = json.loads(credentials.to_json())  # type: ignore[no-untyped-call]
    return info


def is_invalid_grant(error: RefreshError) -> bool:
    """The token endpoint answered `invalid_grant`: the refresh token is revoked or expired for good."""
    details = error.args[1] if len(error.args) > 1 else None
    if isinstance(details, Mapping):
        return details.get("error") == "invalid_grant"
    return "invalid_grant" in str(error)


class PersistingCredentials(Credentials):
    """User credentials that write themselves back to their token file after every refresh.

    google-auth refreshes during API calls (before expiry, or after a 401), so this is where a new access
    token is persisted. A refused refresh token becomes AuthRequired naming the account and its fix.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self._refresh_lock = threading.Lock()
        self._token_file: Path | None = None
        self._account_name = ""
        self._account_email = ""

    def bind(self, token_file: Path, account_name: str, account_email: str) -> PersistingCredentials:
        self._token_file = token_file
        self._account_name = account_name
        self._account_email = account_email
        return self

    def refresh(self, request: google.auth.transport.Request) -> None:
        # Worker threads share one credentials object: refresh and save one at a time.
        with self._refresh_lock:
            try:
                super().refresh(request)  # type: ignore[no-untyped-call]
            except AuthRequired:
                raise
            except RefreshError as error:
                if is_invalid_grant(error):
                    raise AuthRequired(self._account_name, self._account_email) from error
                raise
            if self._token_file is not None:
                write_token_file(self._token_file, authorized_user_info(self))

    def _make_copy(self) -> PersistingCredentials:
        # google-auth's with_*() methods copy through here; the copy must keep saving to the same file.
        copy: PersistingCredentials = super()._make_copy()  # type: ignore[no-untyped-call]
        copy._token_file = self._token_file
        copy._account_name = self._account_name
        copy._account_email = self._account_email
        return copy


def load_credentials(
    token_file: Path, account_name: str, account_email: str, token_uri: str = ""
) -> PersistingCredentials:
    """Build credentials from an account's token file.

    They are constructed directly rather than with `from_authorized_user_info`, which would force Google's
    token endpoint: `token_uri` (from config) wins, then the file's own, then Google's.
    """
    try:
        info = json.loads(token_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthRequired(account_name, account_email, f"no saved token at {token_file}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AuthRequired(
            account_name, account_email, f"the token file {token_file} is unreadable"
        ) from error
    missing = [key for key in REQUIRED_KEYS if not isinstance(info, dict) or not info.get(key)]
    if missing:
        reason = f"the token file {token_file} lacks {', '.join(missing)}"
        raise AuthRequired(account_name, account_email, reason)
    scopes = info.get("scopes")
    credentials = PersistingCredentials(
        token=info.get("token"),
        refresh_token=info["refresh_token"],
        token_uri=token_uri or info.get("token_uri") or GOOGLE_TOKEN_URI,
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        scopes=scopes.split(" ") if isinstance(scopes, str) else scopes,
        expiry=_parse_expiry(info.get("expiry")),
    )
    return credentials.bind(token_file, account_name, account_email)


def _parse_expiry(raw: object) -> datetime | None:
    """google-auth writes naive UTC as ISO 8601 with a "Z" and keeps it naive in memory."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return datetime.strptime(raw.rstrip("Z").split(".")[0], EXPIRY_FORMAT)
    except ValueError:
        logger.warning("token expiry %r is unreadable: the access token will be refreshed first", raw)
        return None
