"""Which addresses are mailing lists and which messages are automated, from every signal real mail carries."""

from __future__ import annotations

import pytest

from rules.automation import AutomatedPatterns, AutomationSignals, is_automated_message
from rules.lists import ListSignals, collect_list_addresses, has_list_headers, list_addresses_of
from rules.settings import IdentitySettings


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
    assert has_list_headers(signals(**headers))


def test_a_bounce_sender_without_a_bulk_precedence_is_not_a_relay() -> None:
    assert list_addresses_of(signals(sender_email="devel-bounces@lists.example")) == set()
    assert list_addresses_of(signals(precedence="bulk", sender_email="dana@acme.io")) == set()
    assert not has_list_headers(signals(precedence="bulk"))


def test_a_list_id_names_the_address_seen_in_the_mailbox_that_reads_the_same() -> None:
    lkml = signals(list_id="<linux-kernel.vger.kernel.org>")
    known = ["linux-kernel@vger.kernel.org", "joe@perches.com", "linux-kernel@other.example"]

    assert collect_list_addresses([lkml], known) == {"linux-kernel@vger.kernel.org"}


def automation(**headers: object) -> AutomationSignals:
    fields: dict[str, object] = {
        "from_email": "dana@acme.io",
        "sender_email": None,
        "auto_submitted": None,
        "list_unsubscribe": None,
        "list_post": None,
        "mime_type": "text/plain",
    }
    fields.update(headers)
    return AutomationSignals(**fields)  # type: ignore[arg-type]


PATTERNS = AutomatedPatterns(IdentitySettings().automated_patterns)
LISTS = frozenset({"linux-kernel@vger.kernel.org"})


@pytest.mark.parametrize(
    "headers",
    [
        {"from_email": "no-reply@github.com"},
        {"from_email": "noreply+abc@shop.example"},
        {"from_email": "notifications@service.example"},
        {"from_email": "newsletter@magazine.example"},
        {"from_email": "calendar-notification@google.com"},
        {"auto_submitted": "auto-generated"},
        {"auto_submitted": "auto-replied; owner-email=x@y"},
        {"list_unsubscribe": "<mailto:leave@news.example>"},
        {"mime_type": "text/calendar"},
        {"sender_email": "calendar-notification@google.com"},
    ],
)
def test_machines_and_newsletters_are_automated(headers: dict[str, object]) -> None:
    assert is_automated_message(automation(**headers), lists=LISTS, patterns=PATTERNS)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"auto_submitted": "no"},
        {"list_unsubscribe": "<mailto:leave@lists.example>", "list_post": "<mailto:dev@lists.example>"},
        # vger adds List-Unsubscribe and no List-Post; the post went to the list, not to a subscriber.
        {"list_unsubscribe": "<mailto:leave@vger>", "recipients": ("linux-kernel@vger.kernel.org",)},
        {"from_email": "information.desk@acme.io"},
    ],
)
def test_people_posting_through_lists_are_not_automated(headers: dict[str, object]) -> None:
    assert not is_automated_message(automation(**headers), lists=LISTS, patterns=PATTERNS)
