"""A person is named by the newest mail that names them, whatever order the sync stores it in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from store.models import Person, PersonAddress
from tests.fixtures_sync import NOW, USER, SimulatedKill, SyncEnv, SyncEnvFactory, mailbox, message

LIST = "founders@groups.example.org"
POSTERS = ["Maya Chen", "Riley Park", "Noor Aziz", "Sam Lee", "Dana Kim", "Hana Ito", "Ezra Cole", "Lu Wen"]


def _list_mail() -> dict[str, Any]:
    """A mailing list that rewrites From as "<poster> via Founders Circle", one thread per post, over 40
    days; the Gmail ids do not follow the dates, and the newest post is Riley's."""
    posts = []
    for number in range(1, 41):
        poster = POSTERS[(number * 3) % len(POSTERS)]
        days_ago = 1 + ((number + 13) * 17) % 40
        posts.append(
            message(
                number,
                days_ago=days_ago,
                headers={
                    "From": f"{poster} via Founders Circle <{LIST}>",
                    "To": USER,
                    "Subject": f"Post {number}",
                    "Message-ID": f"<post{number}@groups.example.org>",
                },
            )
        )
    newest = max(posts, key=lambda post: int(post["internalDate"]))
    assert newest["headers"][0]["value"].startswith("Riley Park")
    return mailbox(posts)


def _name_of(env: SyncEnv, email: str) -> str | None:
    with env.session_factory() as session:
        return session.scalar(
            select(Person.display_name)
            .join(PersonAddress, PersonAddress.person_id == Person.id)
            .where(PersonAddress.account_id == env.account_id, PersonAddress.email == email)
        )


@pytest.mark.parametrize("killed_after_batches", [None, 1, 3, 6])
def test_the_list_is_named_by_its_newest_post_whether_or_not_the_sync_was_killed(
    sync_env: SyncEnvFactory, killed_after_batches: int | None
) -> None:
    env = sync_env(_list_mail())
    env.settings = env.settings.model_copy(update={"batch_size": 4, "workers": 1})
    batches: list[int] = []

    def die_after_some_batches(done: int, _total: int) -> None:
        batches.append(done)
        if killed_after_batches is not None and len(batches) > killed_after_batches:
            raise SimulatedKill

    if killed_after_batches is not None:
        with pytest.raises(SimulatedKill):
            env.sync(progress=die_after_some_batches)
    env.sync()

    assert len(env.stored_ids()) == 40
    assert _name_of(env, LIST) == "Riley Park via Founders Circle"


def test_newer_mail_renames_a_person_but_older_mail_and_nameless_mail_do_not(
    sync_env: SyncEnvFactory,
) -> None:
    env = sync_env(mailbox([message(1, days_ago=5, headers={"From": f"Maya via Founders Circle <{LIST}>"})]))
    env.sync()
    assert _name_of(env, LIST) == "Maya via Founders Circle"

    env.state.deliver(USER, from_=f"Riley via Founders Circle <{LIST}>", to=USER, subject="New", body=".")
    env.sync()
    renamed = _name_of(env, LIST)
    env.state.deliver(USER, from_=LIST, to=USER, subject="Nameless", body=".")
    env.state.deliver(USER, from_=f'"  " <{LIST}>', to=USER, subject="Blank name", body=".")
    env.state.deliver(
        USER,
        from_=f"Ezra via Founders Circle <{LIST}>",
        to=USER,
        subject="Delayed",
        body=".",
        at=NOW - timedelta(days=3),
    )
    env.sync()

    assert renamed == "Riley via Founders Circle"
    assert len(env.stored_ids()) == 5
    assert _name_of(env, LIST) == "Riley via Founders Circle"
