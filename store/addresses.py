"""Address normalisation: one spelling per mailbox, so that people, rules and drafts agree on who is who."""

from __future__ import annotations

import re

MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit on a forward path, minus its angle brackets

# What a local part may hold once quoted forms are set aside: no whitespace, control or structural characters.
_LOCAL_PART = re.compile(r"""[^\s\x00-\x1f\x7f@<>()\[\],;:"\\]+""")
# A domain of dot-separated labels of letters (any script), digits and hyphens, with at least one dot.
_DOMAIN = re.compile(r"(?:[^\W_](?:(?:[^\W_]|-)*[^\W_])?\.)+[^\W\d_](?:(?:[^\W_]|-)*[^\W_])?")


def normalise_address(raw: str, *, fold_plus: bool = True) -> str | None:
    """The normalised form of an email address, or None when ``raw`` is not one. Never raises.

    Strips whitespace, a ``mailto:`` prefix and surrounding ``<>``, lower-cases, and with ``fold_plus``
    folds ``local+tag@domain`` to ``local@domain``. Dots are never folded: they matter outside Gmail.
    """
    text = raw.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if text[:7].lower() == "mailto:":  # List-Post and List-Unsubscribe name addresses as <mailto:...>
        text = text[7:].split("?", 1)[0].strip()
    text = text.lower().rstrip(".")
    if len(text) > MAX_ADDRESS_LENGTH or text.count("@") != 1:
        return None
    local, domain = text.split("@")
    if not _LOCAL_PART.fullmatch(local) or not _DOMAIN.fullmatch(domain):
        return None
    if fold_plus and "+" in local:
        folded = local.split("+", 1)[0]
        local = folded or local  # "+tag@d" has nothing to fold to: keep it whole
    return f"{local}@{domain}"
