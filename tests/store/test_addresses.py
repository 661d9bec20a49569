"""normalise_address gives one spelling per mailbox and None for anything that is not an address."""

from __future__ import annotations

import random

import pytest

from store.addresses import normalise_address


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("dana@acme.io", "dana@acme.io"),
        ("Dana.Kim@ACME.io", "dana.kim@acme.io"),  # case folds, dots stay
        ("  dana@acme.io \t", "dana@acme.io"),
        ("<dana@acme.io>", "dana@acme.io"),
        ("< Dana@Acme.io >", "dana@acme.io"),
        ("dana+jobs@acme.io", "dana@acme.io"),
        ("dana+jobs+2026@acme.io", "dana@acme.io"),
        ("+tag@acme.io", "+tag@acme.io"),  # nothing before the plus to fold to
        ("<mailto:dev@lists.example.org>", "dev@lists.example.org"),  # List-Post style
        ("mailto:leave@lists.example.org?subject=unsubscribe", "leave@lists.example.org"),
        ("dana@acme.io.", "dana@acme.io"),  # a fully qualified domain's trailing dot
        ("jörg@müller.de", "jörg@müller.de"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("x@xn--mller-kva.de", "x@xn--mller-kva.de"),
    ],
)
def test_addresses_are_normalised(raw: str, normalised: str) -> None:
    assert normalise_address(raw) == normalised


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "<>",
        "dana",
        "dana@",
        "@acme.io",
        "dana@acme",  # no dot: not a mail domain Rapport can write to
        "dana@@acme.io",
        "dana@acme..io",
        "dana@.acme.io",
        "dana@-acme.io",
        "dana@acme_corp.io",
        "dana kim@acme.io",
        "Dana Kim <dana@acme.io>",  # a whole header value: the parser's job, not this function's
        "dana@acme.io, sam@acme.io",
        "undisclosed-recipients:;",
        '"dana kim"@acme.io',
        "dana@[192.0.2.1]",
        "dana@192.0.2.1",
        "=?utf-8?q?Dana?= <dana@acme.io>",
        "a" * 250 + "@acme.io",
        "\x00@acme.io",
    ],
)
def test_what_is_not_an_address_is_none(garbage: str) -> None:
    assert normalise_address(garbage) is None


def test_plus_folding_can_be_switched_off() -> None:
    assert normalise_address("Dana+Jobs@Acme.io", fold_plus=False) == "dana+jobs@acme.io"


def test_it_never_raises_and_a_normalised_address_normalises_to_itself() -> None:
    generator = random.Random(20261206)
    alphabet = "aZ09.+-_@<>:;,\"' \t\x00é.@@mailto:"
    accepted = 0
    for _ in range(20_000):
        raw = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 24)))
        normalised = normalise_address(raw)
        if normalised is not None:
            accepted += 1
            assert normalise_address(normalised) == normalised, raw
    assert accepted > 0  # the sample did exercise the accepting path
