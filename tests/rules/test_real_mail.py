"""Issue 10 on real mail: the notmuch corpora as sandbox mailboxes where one prolific sender is the user.

Carl Worth's notmuch list (a modern Mailman list) and David Howells' FS-Cache review threads on lkml,
turned into old-style relays (every List-* header removed: only `Precedence: bulk` and a bounce/owner
`Sender` remain). Real acknowledgements, Acked-by replies and answered questions must not nag; questions
the user asked at the bottom or the top of a real thread, and left unanswered, must be found, quoted; the
list addresses are never contacts or recipients; the people posting through the lists are.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from rules.engine import run_rules
from rules.report import findings_json
from rules.settings import IdentitySettings, UserSettings, default_rules
from sync.bodies import fetch_plain_bodies
from tests.fixtures_rules import NOW, USER
from tests.fixtures_sync import SyncEnvFactory
from tests.rules import realmail

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not realmail.CORPORA.is_dir(), reason="the notmuch corpora are not in ../shared/corpora"
    ),
]

CARL = "cworth@cworth.org"
HOWELLS = ["dhowells@redhat.com", "dhowells-H+wXaHxf7aLQT0dZR+AlfA@public.gmane.org"]
SAME_PEOPLE = [
    ["sjayaraman@suse.de", "sjayaraman-l3A5Bk7waGM@public.gmane.org"],
    ["jlayton@samba.org", "jlayton-eUNUBHrolfbYtjvyW6yDsg@public.gmane.org"],
]


def run(
    sync_env: SyncEnvFactory,
    document: dict[str, Any],
    identity: IdentitySettings,
    fetched: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Sync the mailbox and run the default rules; `fetched` collects the ids whose bodies were read."""
    env = sync_env(document)
    env.sync()

    def fetch_bodies(gmail_ids: list[str]) -> Mapping[str, str]:
        if fetched is not None:
            fetched.extend(gmail_ids)
        return fetch_plain_bodies(env.api, gmail_ids)

    with env.session_factory() as session:
        run_rules(
            session,
            env.account_id,
            rules=default_rules(),
            identity=identity,
            user=UserSettings(timezone="UTC"),
            now=NOW,
            fetch_bodies=fetch_bodies,
        )
        return findings_json(session, env.account_id)


def test_carls_notmuch_list_nags_only_about_the_questions_left_unanswered(sync_env: SyncEnvFactory) -> None:
    messages = realmail.corpus("default", keep=lambda message: message.date.year == 2009)
    document = realmail.mailbox(messages, user=[CARL], account=USER, now=NOW, days_ago=14)
    ten_days_ago = NOW - timedelta(days=10)
    darwin = realmail.find(messages, "cur/36:2,")
    bottom = realmail.users_reply(
        document,
        messages,
        "cur/36:2,",
        body=f"On Wed, 18 Nov 2009, Alexander Botero-Lowry wrote:\n{realmail.quoted(darwin)}\n\n"
        "Could you send your getline replacement as a proper patch?\n\n-Carl\n",
        at=ten_days_ago,
        number=1,
    )
    pull = realmail.find(messages, "cur/37:2,")
    top = realmail.users_reply(
        document,
        messages,
        "cur/37:2,",
        body=f"Which of these two should go in first?\n\n-Carl\n\nOn Wed, 18 Nov 2009, Alexander wrote:\n"
        f"{realmail.quoted(pull)}\n",
        at=ten_days_ago,
        number=2,
    )
    pushed = realmail.users_reply(
        document, messages, "cur/50:2,", body="Thanks, pushed.\n\n-Carl\n", at=ten_days_ago, number=3
    )
    keith = {"email": "keithp@keithp.com", "displayName": "Keith Packard", "responseStatus": "accepted"}
    start = NOW - timedelta(days=12)
    document["users"][0]["calendars"][0]["events"].append(
        {
            "id": "coffee",
            "status": "confirmed",
            "summary": "Coffee with Keith",
            "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
            "organizer": {"email": USER, "self": True},
            "attendees": [
                {"email": USER, "self": True, "organizer": True, "responseStatus": "accepted"},
                keith,
            ],
            "eventType": "default",
        }
    )
    thanks = realmail.users_reply(
        document,
        messages,
        "cur/29:2,",
        body="Keith, thanks for the coffee yesterday. Great to talk about notmuch in person.\n",
        at=start + timedelta(hours=20),
        number=4,
    )

    fetched: list[str] = []

    found = run(sync_env, document, IdentitySettings(), fetched)

    awaiting = {finding["message_id"]: finding for finding in found if finding["kind"] == "awaiting_reply"}
    assert {bottom["id"], top["id"]} <= set(awaiting)
    # Named as his newest mail names him (the user's reply-all to "Alexander Botero-Lowry").
    assert awaiting[bottom["id"]]["reason"].startswith(
        f"You asked Alexander on {ten_days_ago.day} {ten_days_ago:%b}: "
        "'Could you send your getline replacement as a proper patch?' — no reply in"
    )
    assert "'Which of these two should go in first?'" in awaiting[top["id"]]["reason"]
    assert awaiting[bottom["id"]]["emails"] == ["alex.boterolowry@gmail.com"]
    assert pushed["id"] in fetched  # a candidate, judged on its text: an acknowledgement
    assert pushed["id"] not in awaiting
    assert thanks["id"] not in awaiting  # the hand-sent thank-you note
    carl_said = {
        realmail.document_of(document, messages, suffix)["id"]
        for suffix in ("cur/40:2,", "cur/43:2,", "cur/48:2,", "cur/49:2,", "foo/cur/07:2,")
    }  # an acknowledgement ("Thanks Ingmar … Pushed."), answers, and a question Keith answered
    assert not carl_said & set(awaiting)
    # The only other mail found asks "And did I say welcome to notmuch yet?" — a question by the letter.
    assert len(set(awaiting) - {bottom["id"], top["id"]}) <= 1
    assert all("notmuch@notmuchmail.org" not in finding["emails"] for finding in found)


def test_old_style_relays_on_lkml_keep_people_as_contacts_and_acks_quiet(sync_env: SyncEnvFactory) -> None:
    messages = realmail.corpus("lkml", keep=lambda message: "cifs" in message.header("subject").lower())
    relayed = [m for m in messages if m.header("precedence") == "bulk" and "owner" in m.header("sender")]
    assert relayed, "the corpus has old-style relays"
    document = realmail.mailbox(
        messages, user=HOWELLS, account=USER, now=NOW, days_ago=10, strip_list_headers=True
    )
    acks = [  # three real "Acked-by: David Howells" replies, each the last word of its thread
        realmail.document_of(document, messages, suffix)["id"]
        for suffix in ("1382298587.002195:2,", "1382298587.002196:2,", "1382298587.002197:2,")
    ]

    fetched: list[str] = []

    found = run(sync_env, document, IdentitySettings(same_person=SAME_PEOPLE), fetched)

    assert set(acks) <= set(fetched)  # candidates, so judged on their text…
    assert [f for f in found if f["kind"] == "awaiting_reply"] == []  # …and found to expect nothing


def test_people_posting_through_relays_become_cold_contacts_ranked_by_exchanges(
    sync_env: SyncEnvFactory,
) -> None:
    messages = realmail.corpus("lkml", keep=lambda message: "cifs" in message.header("subject").lower())
    document = realmail.mailbox(
        messages, user=HOWELLS, account=USER, now=NOW, days_ago=100, strip_list_headers=True
    )

    found = run(sync_env, document, IdentitySettings(same_person=SAME_PEOPLE))

    cold = [finding for finding in found if finding["kind"] == "cold_contact"]
    people = [finding["emails"][0] for finding in sorted(cold, key=lambda f: -f["score"])]
    assert people[0] in {
        "sjayaraman@suse.de",
        "sjayaraman-l3a5bk7wagm@public.gmane.org",
    }  # the most exchanges
    assert {"smfrench@gmail.com"} <= set(people)
    lists = {
        "linux-fsdevel@vger.kernel.org",
        "linux-kernel@vger.kernel.org",
        "linux-cifs-u79uwxl29ty76z2rm5mhxa@public.gmane.org",
    }
    assert not lists & {email for finding in found for email in finding["emails"]}  # relays, seen as lists
    assert all("mostly on mailing lists" in str(finding["reason"]) for finding in cold)
