"""Paging and search plumbing shared by Gmail's list methods (messages, threads, drafts).

Lists are in Gmail's newest-first order; a page token names the last item served (its internalDate and
id) rather than an offset, so the next page starts at the right place even when mail arrived or went in
between. Tokens are opaque digit strings, like Gmail's.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from sandbox.errors import bad_request
from sandbox.gmail_query import SearchContext, label_search_name
from sandbox.gmail_state import SYSTEM_LABELS, GmailMailbox, SortKey
from sandbox.handlers import Call
from sandbox.state import SandboxState

DEFAULT_PAGE = 100
MAX_PAGE = 500  # "The maximum allowed value for this field is 500." (messages/threads/history/drafts.list)
_PAGE_TOKEN = re.compile(r"^(\d{13})(\d{20})$")


def page_size(call: Call) -> int:
    """maxResults with Gmail's default, capped at Gmail's maximum."""
    return max(1, min(MAX_PAGE, call.integer("maxResults", DEFAULT_PAGE)))


def encode_page_token(key: SortKey) -> str:
    """An opaque token naming the last item served (its date and id)."""
    return f"{-key[0]:013d}{int(key[1], 16):020d}"


def decode_page_token(token: str | None) -> SortKey | None:
    """The sort key after which the next page starts; 400 for a token the sandbox never issued."""
    if token is None:
        return None
    match = _PAGE_TOKEN.match(token)
    if match is None:
        raise bad_request("Invalid pageToken", location="pageToken")
    return (-int(match.group(1)), format(int(match.group(2)), "016x"))


def page(keys: list[SortKey], call: Call) -> tuple[int, int, str | None]:
    """(start, end, nextPageToken) of the requested page over the sorted `keys`."""
    after = decode_page_token(call.one("pageToken"))
    start = 0 if after is None else bisect.bisect_right(keys, after)
    end = min(len(keys), start + page_size(call))
    next_token = encode_page_token(keys[end - 1]) if end < len(keys) else None
    return start, end, next_token


def listing(key: str, items: list[Any], total: int, next_token: str | None) -> dict[str, Any]:
    """A list response as Gmail shapes it: no item key when empty, the token only when more follow."""
    result: dict[str, Any] = {}
    if items:
        result[key] = items
    if next_token is not None:
        result["nextPageToken"] = next_token
    result["resultSizeEstimate"] = total
    return result


def search_context(state: SandboxState, mailbox: GmailMailbox) -> SearchContext:
    """What `q` needs: label names (system and user) to ids, the user's addresses, the time."""
    names = {label_search_name(label): label for label in SYSTEM_LABELS}
    names.update({label_search_name(name): label_id for label_id, name in mailbox.user_labels.items()})
    return SearchContext(label_ids_by_name=names, user_addresses=mailbox.addresses(), now=state.now())


def list_cache_key(state: SandboxState, kind: str, q: str | None, *rest: Any) -> tuple[Any, ...]:
    """The cache key of a listing: relative dates (`newer_than:`) move with the clock, so their results
    are reused only within the same second."""
    second = int(state.now().timestamp()) if q and "_than:" in q else None
    return (kind, q, second, *rest)
