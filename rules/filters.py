"""A rule instance's filters and the never-nudge list, applied to people, titles and calendars.

Empty include lists mean everything; excludes always win. A person passes when one of their addresses is
included and none is excluded, so `include_domains = ["recruit.example"]` catches a recruiter whichever of
their addresses they wrote from. Labels are matched by name through the labels table elsewhere (they
select threads, not people).
"""

from __future__ import annotations

from collections.abc import Iterable

from rules.identity import Identity
from rules.settings import Filters


def _domain_matches(address: str, domains: frozenset[str]) -> bool:
    domain = address.rpartition("@")[2]
    while domain:
        if domain in domains:
            return True
        domain = domain.partition(".")[2]  # a subdomain matches its parent: mail.acme.io is acme.io
    return False


def _lowered(values: Iterable[str]) -> frozenset[str]:
    return frozenset(value.strip().lower().lstrip("@") for value in values if value.strip())


class RuleFilter:
    """The filters of one rule instance, with the account's never-nudge addresses."""

    def __init__(self, filters: Filters, identity: Identity, never_nudge: Iterable[str]) -> None:
        self._identity = identity
        self._addresses_of = identity.addresses_by_key()
        self._include = identity.normalise_all(filters.include_addresses)
        self._exclude = identity.normalise_all(filters.exclude_addresses) | identity.normalise_all(
            never_nudge
        )
        self._include_domains = _lowered(filters.include_domains)
        self._exclude_domains = _lowered(filters.exclude_domains)
        self._titles = [keyword.lower() for keyword in filters.title_keywords if keyword.strip()]
        self._excluded_titles = [
            keyword.lower() for keyword in filters.exclude_title_keywords if keyword.strip()
        ]
        self._calendars = frozenset(filters.calendars)
        self.exclude_labels: tuple[str, ...] = tuple(filters.exclude_labels)

    def addresses(self, key: str) -> set[str]:
        """Every known address of the person with this key."""
        return self._addresses_of.get(key, set()) | {key}

    def never_nudged(self, key: str) -> bool:
        """Whether any of the person's addresses is excluded or on the never-nudge list."""
        addresses = self.addresses(key)
        if addresses & self._exclude:
            return True
        return bool(self._exclude_domains) and any(
            _domain_matches(a, self._exclude_domains) for a in addresses
        )

    def allows_person(self, key: str) -> bool:
        """Whether the person passes the include and exclude filters."""
        if self.never_nudged(key):
            return False
        if not self._include and not self._include_domains:
            return True
        addresses = self.addresses(key)
        return bool(addresses & self._include) or any(
            _domain_matches(address, self._include_domains) for address in addresses
        )

    def allows_title(self, title: str | None) -> bool:
        """A meeting title or mail subject: one of `title_keywords` when given, none of the excluded ones."""
        text = (title or "").lower()
        if any(keyword in text for keyword in self._excluded_titles):
            return False
        return not self._titles or any(keyword in text for keyword in self._titles)

    def allows_calendar(self, config_id: str, gcal_id: str | None) -> bool:
        """A calendar named in `calendars` (config id or resolved id); any calendar when none is named."""
        return not self._calendars or config_id in self._calendars or gcal_id in self._calendars
