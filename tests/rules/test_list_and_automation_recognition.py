"""Which addresses are mailing lists and which messages are automated, from every signal real mail carries
(unit checks of each signal, and a scenario of list mail through the whole engine)."""

from __future__ import annotations

import pytest

from rules.automation import AutomatedPatterns, is_auto_submitted
from rules.lists import ListSignals, collect_list_addresses, list_addresses_of
from rules.settings import IdentitySettings
from tests.fixtures_rules import RulesEnvFactory, Scenario, days_ago


def signals(**headers: str) -> ListSignals:
    fields = {
        "list_id": None,
        "list_post": None,
        "x_mailing_list": None,
        "mailing_list": None,
        "precedence": None,
        "sender_email": None,
    }
    fields.update(headers)
    return ListSignals(**fields)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"list_post": "<mailto:notmuch@notmuchmail.org>"}, {"notmuch@notmuchmail.org"}),
        ({"x_mailing_list": "linux-kernel@vger.kernel.org"}, {"linux-kernel@vger.kernel.org"}),
        ({"x_mailing_list": "<ceph-devel@vger.kernel.org>"}, {"ceph-devel@vger.kernel.org"}),
        ({"mailing_list": "list dev@lists.example; contact dev-owner@lists.example"}, {"dev@lists.example"}),
        ({"list_id": "Team chat <team@groups.example>"}, {"team@groups.example"}),
        ({"precedence": "bulk", "sender_email": "devel-bounces@lists.example"}, {"devel@lists.example"}),
        ({"precedence": "list", "sender_email": "devel-bounce@lists.example"}, {"devel@lists.example"}),
        ({"precedence": "Bulk", "sender_email": "owner-devel@lists.example"}, {"devel@lists.example"}),
        ({"precedence": "junk", "sender_email": "devel-owner@lists.example"}, {"devel@lists.example"}),
        ({"precedence": "bulk", "sender_email": "devel-request@lists.example"}, {"devel@lists.example"}),
        (
            {"precedence": "bulk", "sender_email": "science-bounces+david=tethera.net@lists.example"},
            {"science@lists.example"},
        ),
        (
            {"precedence": "bulk", "sender_email": "cifs-owner-u79uwxl29ty76z2rm5mhxa@public.gmane.org"},
            {"cifs-u79uwxl29ty76z2rm5mhxa@public.gmane.org"},
        ),
    ],
)
def test_every_list_signal_names_the_list_address(headers: dict[str, str], expected: set[str]) -> None:
    assert list_addresses_of(signals(**headers)) == expected


def test_a_bounce_sender_without_a_bulk_precedence_is_not_a_relay() -> None:
    assert list_addresses_of(signals(sender_email="devel-bounces@lists.example")) == set()
    assert list_addresses_of(signals(precedence="bulk", sender_email="dana@acme.io")) == set()


def test_a_list_id_names_the_address_seen_in_the_mailbox_that_reads_the_same() -> None:
    lkml = signals(list_id="<linux-kernel.vger.kernel.org>")
    known = ["linux-kernel@vger.kernel.org", "joe@perches.com", "linux-kernel@other.example"]

    assert collect_list_addresses([lkml], known) == {"linux-kernel@vger.kernel.org"}


PATTERNS = AutomatedPatterns(IdentitySettings().automated_patterns)


@pytest.mark.parametrize(
    "address",
    [
        "no-reply@github.com",
        "noreply+abc@shop.example",
        "do-not-reply@bank.example",
        "notifications@service.example",
        "newsletter@magazine.example",
        "calendar-notification@google.com",
        "mailer-daemon@mx.example",
    ],
)
def test_no_reply_addresses_are_machines(address: str) -> None:
    assert PATTERNS.matches(address)


@pytest.mark.parametrize("address", ["dana@acme.io", "information.desk@acme.io", "newsome@acme.io"])
def test_people_are_not_machines_by_their_address(address: str) -> None:
    assert not PATTERNS.matches(address)


@pytest.mark.parametrize(
    ("value", "automated"),
    [
        ("auto-generated", True),
        ("auto-replied; owner-email=x@y", True),
        ("No", False),
        ("", False),
        (None, False),
    ],
)
def test_auto_submitted_other_than_no_is_automated(value: str | None, automated: bool) -> None:
    assert is_auto_submitted(value) is automated


def test_a_group_writing_as_its_members_and_an_x_mailing_list_are_lists_not_people(
    rules_env: RulesEnvFactory,
) -> None:
    # Google Groups rewrites From to "Dana Kim via Founders <founders@…>": the group wrote, not a person.
    # vger names its lists in X-Mailing-List only: its posters are people, the list is no recipient.
    scenario = Scenario()
    group = [
        ("List-Id", "<founders.groups.example>"),
        ("List-Post", "<mailto:founders@groups.example>"),
        ("Reply-To", "Dana Kim <dana@acme.io>"),
    ]
    vger = [("X-Mailing-List", "<ceph-devel@vger.example>")]
    for days in (200, 180, 160):
        meetup = scenario.writes(
            "'Dana Kim' via Founders <founders@groups.example>",
            "Meetup",
            "See you there?",
            at=days_ago(days),
            to="founders@groups.example",
            headers=group,
        )
        scenario.user_writes(
            "founders@groups.example",
            "Re: Meetup",
            "I'll be there.",
            at=days_ago(days - 0.1),
            reply_to=meetup,
        )
        patch = scenario.writes(
            "Sage <sage@ceph.example>",
            "[PATCH] x",
            "A patch.",
            at=days_ago(days),
            to="ceph-devel@vger.example",
            headers=vger,
        )
        scenario.user_writes(
            "sage@ceph.example",
            "Re: [PATCH] x",
            "Why this way?",
            at=days_ago(days - 0.1),
            cc="ceph-devel@vger.example",
            reply_to=patch,
        )
    venue = scenario.writes(
        "'Dana Kim' via Founders <founders@groups.example>",
        "Venue",
        "Anyone know a venue?",
        at=days_ago(14),
        to="founders@groups.example",
        headers=group,
    )
    scenario.user_writes(
        "founders@groups.example", "Re: Venue", "Could you try the library?", at=days_ago(12), reply_to=venue
    )
    scenario.user_writes("ceph-devel@vger.example", "[RFC] y", "Could someone review y?", at=days_ago(12))
    env = rules_env(scenario)

    env.run()

    assert [(f["kind"], f["emails"]) for f in env.findings()] == [("cold_contact", ["sage@ceph.example"])]
    assert "mostly on mailing lists" in env.findings()[0]["reason"]
