"""Gmail's `q` search language, the part of it the sandbox implements, compiled to a message predicate.

Supported: `after:`/`before:` (also `newer:`/`older:`) with epoch seconds or a date (`YYYY/MM/DD`,
`YYYY-MM-DD`, `MM/DD/YYYY`; Google's filtering guide: "All dates used in the search query are interpreted
as midnight on that date in the PST timezone"), `newer_than:`/`older_than:` with `Nd`/`Nm`/`Ny`,
`in:inbox|sent|drafts|spam|trash|anywhere`, `label:` (a label's id or name, case-insensitive, with `-`
standing for spaces, `/` and other separators as Gmail allows), `category:`, `from:`, `to:` (To, Cc and
Bcc, as Gmail), `cc:`, `bcc:`, `subject:`, `is:unread|read|starred|important`, `rfc822msgid:`, a leading
`-` to negate, quoted values, implicit AND (and the word AND). Anything else (free text, OR, braces,
parentheses, another operator) is refused with 400 "Invalid query" naming the part, never ignored.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox.errors import bad_request
from sandbox.gmail_state import DRAFT, INBOX, SENT, SPAM, TRASH, UNREAD, StoredMessage

Predicate = Callable[[StoredMessage], bool]

QUERY_DATE_ZONE = ZoneInfo("America/Los_Angeles")
_TOKEN = re.compile(r'\s*(-?)([A-Za-z_0-9]+:)?("(?:[^"]*)"|\S+)')
_DATE_FORMS = (
    re.compile(r"^(?P<y>\d{4})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})$"),
    re.compile(r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})$"),
)
_RELATIVE = re.compile(r"^(\d+)([dmy])$")
_IN_LABELS = {"inbox": INBOX, "sent": SENT, "drafts": DRAFT, "draft": DRAFT, "spam": SPAM, "trash": TRASH}
_IS_LABELS = {"unread": UNREAD, "starred": "STARRED", "important": "IMPORTANT"}
_CATEGORIES = {
    "primary": "CATEGORY_PERSONAL",
    "personal": "CATEGORY_PERSONAL",
    "social": "CATEGORY_SOCIAL",
    "promotions": "CATEGORY_PROMOTIONS",
    "updates": "CATEGORY_UPDATES",
    "forums": "CATEGORY_FORUMS",
}
_LABEL_SEPARATORS = re.compile(r"[\s/&(){}|\"\\-]+")
_ADDRESS_FIELDS = {"from": ("from",), "to": ("to", "cc", "bcc"), "cc": ("cc",), "bcc": ("bcc",)}


@dataclass(frozen=True)
class Query:
    """A compiled `q`: the predicate and whether it asks for spam/trash (which then are not hidden)."""

    matches: Predicate
    wants_spam_trash: bool


@dataclass(frozen=True)
class SearchContext:
    """What a query needs to know about the mailbox: labels by name, the user's addresses, the time."""

    label_ids_by_name: Mapping[str, str]
    user_addresses: Sequence[str]
    now: datetime


def label_search_name(name: str) -> str:
    """A label name as Gmail's `label:` matches it: lower case, separators folded to `-`."""
    return _LABEL_SEPARATORS.sub("-", name.strip().lower()).strip("-")


def _invalid(part: str, why: str) -> Exception:
    return bad_request(f"Invalid query: {why}: '{part}'", location="q")


def compile_query(q: str | None, context: SearchContext) -> Query:
    """Compile `q` (None or blank: everything matches)."""
    terms: list[Predicate] = []
    wants_spam_trash = False
    text = (q or "").strip()
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or not match.group(0).strip():
            break
        position = match.end()
        negated, operator, raw_value = match.group(1) == "-", match.group(2), match.group(3)
        whole = match.group(0).strip()
        if operator is None:
            if raw_value == "AND" and not negated:
                continue
            if raw_value in ("OR", "AND") or raw_value.startswith(("{", "(", "}", ")")):
                raise _invalid(whole, "boolean operators and grouping are not supported by the sandbox")
            raise _invalid(whole, "free-text search is not supported by the sandbox")
        quoted = len(raw_value) >= 2 and raw_value.startswith('"') and raw_value.endswith('"')
        value = raw_value[1:-1] if quoted else raw_value
        if value.startswith('"'):
            raise _invalid(whole, "unbalanced quotes")
        if value.startswith(("(", "{")) or not value:
            raise _invalid(whole, "grouped or empty values are not supported by the sandbox")
        predicate, mentions_spam_trash = _term(operator[:-1].lower(), value, whole, context)
        if mentions_spam_trash and not negated:
            wants_spam_trash = True
        terms.append(_negate(predicate) if negated else predicate)
    return Query(matches=_all_of(terms), wants_spam_trash=wants_spam_trash)


def _negate(predicate: Predicate) -> Predicate:
    return lambda message: not predicate(message)


def _all_of(terms: list[Predicate]) -> Predicate:
    if not terms:
        return lambda message: True
    if len(terms) == 1:
        return terms[0]
    return lambda message: all(term(message) for term in terms)


def _has_label(label_id: str) -> Predicate:
    return lambda message: label_id in message.label_ids


@dataclass(frozen=True)
class _Term:
    """One `operator:value` term being compiled."""

    operator: str
    value: str
    whole: str
    context: SearchContext

    @property
    def lowered(self) -> str:
        return self.value.lower()


Compiled = tuple[Predicate, bool]  # the predicate, and whether the term asks for spam/trash


def _date_term(term: _Term) -> Compiled:
    bound_ms = _date_bound_ms(term.value, term.whole)
    if term.operator in ("after", "newer"):
        return (lambda message: message.internal_date >= bound_ms), False
    return (lambda message: message.internal_date < bound_ms), False


def _relative_term(term: _Term) -> Compiled:
    cutoff_ms = _relative_cutoff_ms(term.lowered, term.whole, term.context.now)
    if term.operator == "newer_than":
        return (lambda message: message.internal_date > cutoff_ms), False
    return (lambda message: message.internal_date < cutoff_ms), False


def _in_term(term: _Term) -> Compiled:
    if term.lowered == "anywhere":
        return (lambda message: True), True
    if term.lowered not in _IN_LABELS:
        raise _invalid(term.whole, "unsupported in: value")
    label = _IN_LABELS[term.lowered]
    return _has_label(label), label in (SPAM, TRASH)


def _is_term(term: _Term) -> Compiled:
    if term.lowered == "read":
        return (lambda message: UNREAD not in message.label_ids), False
    if term.lowered not in _IS_LABELS:
        raise _invalid(term.whole, "unsupported is: value")
    return _has_label(_IS_LABELS[term.lowered]), False


def _label_term(term: _Term) -> Compiled:
    label_id = _label_id(term.value, term.context)
    if label_id is None:
        return (lambda message: False), False  # Gmail answers an unknown label with no results
    return _has_label(label_id), label_id in (SPAM, TRASH)


def _category_term(term: _Term) -> Compiled:
    if term.lowered not in _CATEGORIES:
        raise _invalid(term.whole, "unsupported category")
    return _has_label(_CATEGORIES[term.lowered]), False


def _address_field_term(term: _Term) -> Compiled:
    return _address_term(_ADDRESS_FIELDS[term.operator], term.lowered, term.context), False


def _subject_term(term: _Term) -> Compiled:
    return _text_term(("subject",), term.lowered), False


def _message_id_term(term: _Term) -> Compiled:
    wanted = term.value.strip().strip("<>")
    return (lambda message: (message.header("Message-ID") or "").strip().strip("<>") == wanted), False


_OPERATORS: dict[str, Callable[[_Term], Compiled]] = {
    "after": _date_term,
    "newer": _date_term,
    "before": _date_term,
    "older": _date_term,
    "newer_than": _relative_term,
    "older_than": _relative_term,
    "in": _in_term,
    "is": _is_term,
    "label": _label_term,
    "category": _category_term,
    "from": _address_field_term,
    "to": _address_field_term,
    "cc": _address_field_term,
    "bcc": _address_field_term,
    "subject": _subject_term,
    "rfc822msgid": _message_id_term,
}


def _term(operator: str, value: str, whole: str, context: SearchContext) -> Compiled:
    builder = _OPERATORS.get(operator)
    if builder is None:
        raise _invalid(whole, "unsupported operator")
    return builder(_Term(operator, value, whole, context))


def _label_id(value: str, context: SearchContext) -> str | None:
    lowered = value.lower()
    for label_id in context.label_ids_by_name.values():
        if label_id.lower() == lowered:
            return label_id
    return context.label_ids_by_name.get(label_search_name(value))


def _date_bound_ms(value: str, whole: str) -> int:
    if value.isdigit():
        return int(value) * 1000
    for form in _DATE_FORMS:
        match = form.match(value)
        if match is None:
            continue
        try:
            day = date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            break
        midnight = datetime(day.year, day.month, day.day, tzinfo=QUERY_DATE_ZONE)
        return int(midnight.timestamp() * 1000)
    raise _invalid(whole, "unsupported date")


def _relative_cutoff_ms(value: str, whole: str, now: datetime) -> int:
    match = _RELATIVE.match(value)
    if match is None:
        raise _invalid(whole, "unsupported period (use Nd, Nm or Ny)")
    amount, unit = int(match.group(1)), match.group(2)
    if unit == "d":
        cutoff = now - timedelta(days=amount)
    else:
        cutoff = _months_before(now, amount * (12 if unit == "y" else 1))
    return int(cutoff.timestamp() * 1000)


def _months_before(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _contains_token(haystack: str, needle: str) -> bool:
    """`needle` occurs in `haystack` on word boundaries (`dana`, `acme.io`, `@acme.io` all match)."""
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        before_ok = start == 0 or not needle[0].isalnum() or not haystack[start - 1].isalnum()
        after_ok = end == len(haystack) or not needle[-1].isalnum() or not haystack[end].isalnum()
        if before_ok and after_ok:
            return True
        start = haystack.find(needle, start + 1)
    return False


def _text_term(fields: Sequence[str], needle: str) -> Predicate:
    def matches(message: StoredMessage) -> bool:
        return any(_contains_token(message.search_text(name), needle) for name in fields)

    return matches


def _address_term(fields: Sequence[str], needle: str, context: SearchContext) -> Predicate:
    if needle != "me":
        return _text_term(fields, needle)
    mine = list(context.user_addresses)

    def matches(message: StoredMessage) -> bool:
        return any(_contains_token(message.search_text(name), address) for name in fields for address in mine)

    return matches
