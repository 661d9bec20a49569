"""Mailing-list recognition: which addresses are lists, from every signal real list mail carries (issue 10).

Modern list software names the list in `List-Id`, `List-Post`, `X-Mailing-List` or `Mailing-List`. Older and
self-hosted relays add none of these: they send with `Precedence: bulk` (or `list`, `junk`) and a `Sender:`
that is the list's bounce, owner or request address, which names the list itself (`x-bounces@d` → `x@d`).
A list address is a list: never a contact and never a human recipient. The person in From of relayed mail
stays a person; only the list's own address (as in "Name via Group <group@…>") is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

RELAY_PRECEDENCES = frozenset({"bulk", "list", "junk"})

# The local part of a relay's Sender, and how it names the list: x-bounce(s), owner-x, x-owner, x-request.
# Archives that mangle every address with a per-recipient tag (gmane: `x-owner-TAG@d` for the list `x-TAG@d`)
# keep the tag on the list's address too.
_RELAY_SENDER_PATTERNS = (
    re.compile(r"^(?P<list>.+)-bounces?$"),
    re.compile(r"^owner-(?P<list>.+)$"),
    re.compile(r"^(?P<list>.+)-owner$"),
    re.compile(r"^(?P<list>.+)-request$"),
    re.compile(r"^(?P<list>.+)-(?:bounces?|owner|request)(?P<tag>-[a-z0-9]{16,})$"),
)
_ANGLE_ADDRESS = re.compile(r"<\s*(?:mailto:)?\s*([^<>\s@]+@[^<>\s?]+?)\s*(?:\?[^<>]*)?>", re.IGNORECASE)
_MAILTO = re.compile(r"mailto:\s*([^<>\s@,?]+@[^<>\s,?]+)", re.IGNORECASE)
_BARE = re.compile(r"^\s*<?\s*([^<>\s@,]+@[^<>\s,]+?)\s*>?\s*$")
_LIST_ID = re.compile(r"<\s*([^<>\s]+)\s*>")


@dataclass(frozen=True)
class ListSignals:
    """The list headers of one message, raw as stored, with its normalised Sender and recipients."""

    list_id: str | None
    list_post: str | None
    x_mailing_list: str | None
    mailing_list: str | None
    precedence: str | None
    sender_email: str | None


def _plain(address: str) -> str:
    """Lower-cased without any `+tag`: lists are compared this way whatever the identity config says."""
    local, _, domain = address.strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if domain else ""


def _addresses_in(value: str | None) -> list[str]:
    """Addresses named by a list header: `<mailto:x@d>`, `<x@d>`, `x@d`, `x@d; contact x-owner@d`."""
    if not value:
        return []
    found = [match.group(1) for match in _MAILTO.finditer(value)]
    found += [match.group(1) for match in _ANGLE_ADDRESS.finditer(value)]
    if not found:
        bare = _BARE.match(value)
        if bare:
            found.append(bare.group(1))
        else:
            # Mailing-List: "list x@d; contact x-owner@d" names the list first.
            words = [word.strip("<>;,") for word in value.split() if "@" in word]
            found += words[:1]
    return [plain for plain in (_plain(address) for address in found) if plain]


def relay_list_address(precedence: str | None, sender_email: str | None) -> str | None:
    """The list an old-style relay names: Precedence bulk/list/junk and a bounce/owner/request Sender."""
    if not precedence or not sender_email or precedence.strip().lower() not in RELAY_PRECEDENCES:
        return None
    local, _, domain = _plain(sender_email).partition("@")
    if not domain:
        return None
    for pattern in _RELAY_SENDER_PATTERNS:
        match = pattern.match(local)
        if match:
            tag = match.groupdict().get("tag") or ""
            return f"{match.group('list')}{tag}@{domain}"
    return None


def list_id_key(list_id: str | None) -> str | None:
    """The identifier inside `List-Id` (`"Notmuch" <notmuch.notmuchmail.org>` → `notmuch.notmuchmail.org`)."""
    if not list_id:
        return None
    match = _LIST_ID.search(list_id)
    key = (match.group(1) if match else list_id).strip().lower()
    return key or None


def list_addresses_of(signals: ListSignals) -> set[str]:
    """The list addresses one message's headers name outright (List-Post, X-Mailing-List, relays, …)."""
    lists: set[str] = set()
    for value in (signals.list_post, signals.x_mailing_list, signals.mailing_list):
        lists.update(_addresses_in(value))
    relay = relay_list_address(signals.precedence, signals.sender_email)
    if relay:
        lists.add(relay)
    key = list_id_key(signals.list_id)
    if key and "@" in key:
        lists.add(_plain(key))
    return lists


def is_list_address(address: str, lists: frozenset[str]) -> bool:
    """Whether a normalised address is one of the mailbox's lists (compared without any `+tag`)."""
    return _plain(address) in lists


def collect_list_addresses(messages: Iterable[ListSignals], known_addresses: Iterable[str]) -> frozenset[str]:
    """The list addresses of a whole mailbox: what every message names, and the addresses its List-Ids name.

    `List-Id` names a list id rather than an address (`<linux-kernel.vger.kernel.org>`); an address seen in
    the mailbox that reads the same with its `@` as a dot (`linux-kernel@vger.kernel.org`) is that list.
    """
    lists: set[str] = set()
    list_ids: set[str] = set()
    for signals in messages:
        lists |= list_addresses_of(signals)
        key = list_id_key(signals.list_id)
        if key and "@" not in key:
            list_ids.add(key)
    if list_ids:
        lists.update(
            _plain(address) for address in known_addresses if address.replace("@", ".", 1) in list_ids
        )
    return frozenset(lists)
