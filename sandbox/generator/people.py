"""The cast of a generated mailbox: the user, the people they know, mailing lists and automated senders.

Every person has one normalised address (lower-case, no `+tag`) and may be written on the wire in other
spellings that normalise to it (a case variant, a plus-address), so "one person" is never ambiguous.
How a person's display name is written (plain, RFC 2047 UTF-8 or ISO-8859-1, "Last, First", raw non-ASCII,
no name at all) is fixed per person and rendered once, then reused for every message.
"""

from __future__ import annotations

import base64
import random
import unicodedata
from dataclasses import dataclass, field

from sandbox.generator import pools

USER = "user"
LIST = "list"
AUTOMATED = "automated"

_ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss", "'": ""})


def ascii_fold(text: str) -> str:
    """The ASCII letters an address would use for a name: `Søren Dvořák` -> `Soren Dvorak`."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def encode_word_utf8(text: str) -> str:
    """An RFC 2047 `B` encoded word in UTF-8."""
    return f"=?UTF-8?B?{base64.b64encode(text.encode('utf-8')).decode('ascii')}?="


def encode_word_latin1(text: str) -> str:
    """An RFC 2047 `Q` encoded word in ISO-8859-1 (the caller checks the text fits Latin-1)."""
    out = []
    for byte in text.encode("latin-1"):
        char = chr(byte)
        if char == " ":
            out.append("_")
        elif char.isascii() and char.isalnum():
            out.append(char)
        else:
            out.append(f"={byte:02X}")
    return f"=?ISO-8859-1?Q?{''.join(out)}?="


def _fits_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(slots=True, eq=False)
class Person:
    """Someone (or something) with an address. `kind` is a relationship kind, or USER, LIST, AUTOMATED."""

    name: str
    email: str  # normalised: lower-case, no +tag
    kind: str
    company: str = ""
    title: str = ""
    utc_offset_minutes: int = 0
    spellings: tuple[str, ...] = ()  # other wire spellings of `email` (case variants, plus-addresses)
    display: str = ""  # the display name exactly as written on the wire ("" for a bare address)
    list_headers: tuple[tuple[str, str], ...] = ()  # for LIST: headers the list adds to what it relays
    extra_headers: tuple[tuple[str, str], ...] = ()  # for AUTOMATED: Auto-Submitted, List-Unsubscribe, ...
    rendered: dict[str, str] = field(default_factory=dict)

    @property
    def first(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email.split("@")[0]

    def address(self, spelling: str | None = None) -> str:
        """The person as an address header item, in their usual display-name style."""
        wire = spelling or self.email
        cached = self.rendered.get(wire)
        if cached is None:
            cached = f"{self.display} <{wire}>" if self.display else wire
            self.rendered[wire] = cached
        return cached


class Cast:
    """Creates people with unique normalised addresses, deterministically from one random generator."""

    def __init__(self, rng: random.Random, user_email: str, user_name: str) -> None:
        self.rng = rng
        self.taken: set[str] = set()
        local, _, domain = user_email.lower().partition("@")
        folded = ascii_fold(user_name).lower().replace(" ", "")
        self.user = Person(name=user_name, email=user_email.lower(), kind=USER, display=user_name)
        self.user_aliases: tuple[str, ...] = (
            f"{local}@alumni.example.edu",
            f"hello@{folded or local}.example",
        )
        self.user_plus = f"{local}+jobs@{domain}"
        self.taken.update((self.user.email, *self.user_aliases))
        self.people: list[Person] = []
        self.automated_senders: dict[str, Person] = {}

    def _unique(self, candidates: list[str]) -> str:
        for candidate in candidates:
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate
        local, _, domain = candidates[0].partition("@")
        serial = 2
        while f"{local}{serial}@{domain}" in self.taken:
            serial += 1
        address = f"{local}{serial}@{domain}"
        self.taken.add(address)
        return address

    def person(self, kind: str, company: tuple[str, str] | None = None, messy: float = 0.25) -> Person:
        """A new human contact of `kind`; `messy` is the chance their headers are written unusually."""
        rng = self.rng
        if rng.random() < 0.02:
            name, local = rng.choice(pools.CJK_NAMES)
            first_ascii, last_ascii = local.split(".")
        else:
            first, last = rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES)
            name = f"{first} {last}"
            first_ascii, last_ascii = ascii_fold(first).lower(), ascii_fold(last).lower()
        if company is None:
            firms = pools.RECRUITING_FIRMS if kind == "recruiter" else pools.COMPANIES
            company = rng.choice(firms)
        company_name, domain = company
        if kind in ("friend", "peer") and rng.random() < 0.7:
            domain, company_name = rng.choice(pools.PERSONAL_DOMAINS), ""
        styles = [
            f"{first_ascii}.{last_ascii}",
            f"{first_ascii}",
            f"{first_ascii[0]}{last_ascii}",
            f"{first_ascii}{last_ascii[0]}",
        ]
        email = self._unique(
            [f"{styles[rng.randrange(len(styles))]}@{domain}", *(f"{s}@{domain}" for s in styles)]
        )
        person = Person(
            name=name,
            email=email,
            kind=kind,
            company=company_name,
            title=rng.choice(pools.TITLES.get(kind, ("",))),
            utc_offset_minutes=rng.choice((0, 0, 0, 60, 60, -300, -240, -420, 330, 540, 120)),
        )
        self._style(person, messy)
        self.people.append(person)
        return person

    def _style(self, person: Person, messy: float) -> None:
        rng = self.rng
        local, _, domain = person.email.partition("@")
        spellings: list[str] = []
        if rng.random() < messy:
            spellings.append(f"{local.title()}@{domain.title()}")  # Dana.Kim@Acme.Io
        if rng.random() < messy * 0.6:
            spellings.append(f"{local}+{rng.choice(('jobs', 'lists', 'work', 'news'))}@{domain}")
        person.spellings = tuple(spellings)
        name = person.name
        roll = rng.random()
        if not name.isascii():
            if roll < messy and _fits_latin1(name):
                person.display = encode_word_latin1(name)
            elif roll < messy * 2:
                person.display = encode_word_utf8(name)
            else:
                person.display = name  # raw UTF-8 on the wire, as many clients send it
        elif roll < messy * 0.4:
            first, _, last = name.partition(" ")
            person.display = f'"{last}, {first}"'
        elif roll < messy * 0.5:
            person.display = ""
        else:
            person.display = f'"{name}"' if "'" in name else name

    def mailing_list(self, name: str, local: str, domain: str, *, relay: bool) -> Person:
        """A list: modern (List-Id, List-Post, Precedence: list) or an old-style relay (bulk + Sender)."""
        email = self._unique([f"{local}@{domain}"])
        if relay:
            sender = f"owner-{local}@{domain}" if self.rng.random() < 0.5 else f"{local}-bounces@{domain}"
            headers: tuple[tuple[str, str], ...] = (("Sender", sender), ("Precedence", "bulk"))
        else:
            headers = (
                ("List-Id", f"{name} <{local}.{domain}>"),
                ("List-Post", f"<mailto:{email}>"),
                ("List-Unsubscribe", f"<mailto:{local}+unsubscribe@{domain}>"),
                ("List-Archive", f"<https://{domain}/archives/{local}>"),
                ("Precedence", "list"),
            )
        person = Person(name=name, email=email, kind=LIST, display=name, list_headers=headers)
        self.people.append(person)
        return person

    def automated(self, name: str, local: str, domain: str, headers: tuple[tuple[str, str], ...]) -> Person:
        """An automated sender (newsletter, notifier, info@), with the headers it always adds. The address is
        kept as given (its local part is what marks it automated), so asking twice gives the same sender."""
        email = f"{local}@{domain}"
        known = self.automated_senders.get(email)
        if known is not None:
            return known
        self.taken.add(email)
        person = Person(name=name, email=email, kind=AUTOMATED, display=name, extra_headers=headers)
        self.automated_senders[email] = person
        self.people.append(person)
        return person
