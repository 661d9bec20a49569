"""Who the user is and who counts as one person (issue 4 point 5).

The user's addresses are the account's address, the configured aliases and every address the user
demonstrably sends from (From of SENT mail); they never become contacts. A contact is a person, not an
address: case and `+tag` variants fold into one address (the sync normalises them), and the store's people
tables join the addresses of one person, including the configured `same_person` groups. Each person is
known by a key: its primary normalised address, which is also what findings name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Normaliser = Callable[[str], str | None]


@dataclass(frozen=True)
class PersonRow:
    """One row of the store's people tables: an address, its person and that person's primary address."""

    email: str
    person_id: int
    primary_email: str
    display_name: str | None


class Identity:
    """The user's addresses and the person behind every address, for one account."""

    def __init__(
        self,
        *,
        user_addresses: Iterable[str],
        people: Iterable[PersonRow],
        same_person: Iterable[Iterable[str]] = (),
        normalise: Normaliser,
    ) -> None:
        self._normalise = normalise
        self._key_of: dict[str, str] = {}
        self._id_of_key: dict[str, int] = {}
        self._names: dict[str, str] = {}
        self._addresses_by_key: dict[str, set[str]] | None = None
        for row in people:
            self._key_of[row.email] = row.primary_email
            self._id_of_key.setdefault(row.primary_email, row.person_id)
            if row.display_name and row.primary_email not in self._names:
                self._names[row.primary_email] = row.display_name
        for group in same_person:
            self._join([address for address in (normalise(raw) for raw in group) if address])
        own = {address for address in (normalise(raw) for raw in user_addresses) if address}
        own_keys = {self.key(address) for address in own}
        own |= {address for address, key in self._key_of.items() if key in own_keys}
        self.user_addresses: frozenset[str] = frozenset(own)
        self.user_keys: frozenset[str] = frozenset(own_keys)  # the person keys that are the user

    def _join(self, addresses: list[str]) -> None:
        """Make every address of the group (and every address sharing a person with one) one person."""
        if not addresses:
            return
        keys = {self.key(address) for address in addresses}
        # The oldest person survives, as in the store; an address the store never saw keeps its own key.
        survivor = min(keys, key=lambda key: (self._id_of_key.get(key, 1 << 62), key))
        for address, key in list(self._key_of.items()):
            if key in keys:
                self._key_of[address] = survivor
        for address in addresses:
            self._key_of[address] = survivor
        if survivor not in self._names:
            for key in keys:
                if key in self._names:
                    self._names[survivor] = self._names[key]
                    break

    def normalise(self, raw: str) -> str | None:
        """An address from config or the store, normalised as the sync normalises them."""
        return self._normalise(raw)

    def key(self, address: str) -> str:
        """The person's key (primary normalised address) for a normalised address; itself when unknown."""
        return self._key_of.get(address, address)

    def person_id(self, key: str) -> int | None:
        """The store's person id for a person key, when the store knows the person."""
        return self._id_of_key.get(key)

    def name(self, key: str) -> str | None:
        """The person's display name, when one is known."""
        return self._names.get(key)

    def remember_name(self, key: str, name: str | None) -> None:
        """Keep a display name seen elsewhere (an attendee entry, a From header) for a person without one."""
        if name and key not in self._names:
            self._names[key] = name

    def is_user(self, address: str) -> bool:
        """Whether a normalised address is one of the user's (or joined to one of them)."""
        return address in self.user_addresses or self.key(address) in self.user_keys

    def addresses_by_key(self) -> dict[str, set[str]]:
        """Every known address of every person, by person key (computed once: each rule instance's filter
        asks; callers read it and never change it)."""
        if self._addresses_by_key is None:
            grouped: dict[str, set[str]] = defaultdict(set)
            for address, key in self._key_of.items():
                grouped[key].add(address)
            self._addresses_by_key = grouped
        return self._addresses_by_key

    def normalise_all(self, raws: Iterable[str]) -> frozenset[str]:
        """Normalised addresses of a config list, dropping what is not an address."""
        return frozenset(address for address in (self._normalise(raw) for raw in raws) if address)
