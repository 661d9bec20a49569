"""A batch part that failed is asked for again; when it is the only call of its round it goes out as a plain
request under the client's retry policy, not as a batch of one exposed to two faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.faults import Fault, FaultInjector
from tests.fixtures_sandbox import fault_seed
from tests.fixtures_sync import SyncEnv, SyncEnvFactory, mailbox, message

MESSAGES = 12  # one batch of messages.get
# Before the batch's parts the server draws for getProfile, labels.list, messages.list and the batch request.
DRAWS_BEFORE_PARTS = 4
RATE = 0.2


def _mailbox() -> dict[str, Any]:
    return mailbox([message(n, days_ago=1 + n / 24) for n in range(1, MESSAGES + 1)])


def _faults_at(wanted: Callable[[list[int]], bool]) -> int:
    """A seed whose faults fall, among the sync's first draws, where `wanted` says (given their indexes)."""

    def accept(injector: FaultInjector) -> bool:
        draws = DRAWS_BEFORE_PARTS + MESSAGES + 8  # the parts, then the retries and the calls after them
        return wanted([n for n in range(draws) if injector.for_request("any") is not None])

    return fault_seed(RATE, [Fault.BACKEND_ERROR], accept)


def _in_parts(index: int) -> bool:
    return DRAWS_BEFORE_PARTS <= index < DRAWS_BEFORE_PARTS + MESSAGES


def _faulty_env(sync_env: SyncEnvFactory, seed: int) -> SyncEnv:
    env = sync_env(_mailbox(), fault_rate=RATE, fault_seed=seed, fault_kinds=[Fault.BACKEND_ERROR])
    env.settings = env.settings.model_copy(update={"workers": 1})
    return env


def _fetches(env: SyncEnv) -> list[tuple[bool, int]]:
    """(in a batch, status) of every messages.get the server answered, in order."""
    log = env.server.log.calls()
    return [
        (record.in_batch, record.status) for record in log if record.method_id == "gmail.users.messages.get"
    ]


def test_a_part_retried_on_its_own_goes_as_a_plain_request(sync_env: SyncEnvFactory) -> None:
    seed = _faults_at(lambda faulted: len(faulted) == 1 and _in_parts(faulted[0]))
    env = _faulty_env(sync_env, seed)

    report = env.sync()

    fetches = _fetches(env)
    assert sorted(fetches[:MESSAGES]) == [(True, 200)] * (MESSAGES - 1) + [(True, 500)]
    assert fetches[MESSAGES:] == [(False, 200)]
    assert not report.interrupted
    env.assert_store_matches_sandbox()


def test_a_plain_retry_that_fails_is_retried_by_the_clients_policy(sync_env: SyncEnvFactory) -> None:
    retry_index = DRAWS_BEFORE_PARTS + MESSAGES  # the first draw after the batch's parts
    seed = _faults_at(
        lambda faulted: len(faulted) == 2 and _in_parts(faulted[0]) and faulted[1] == retry_index
    )
    env = _faulty_env(sync_env, seed)

    report = env.sync()

    fetches = _fetches(env)
    assert sorted(fetches[:MESSAGES]) == [(True, 200)] * (MESSAGES - 1) + [(True, 500)]
    assert fetches[MESSAGES:] == [(False, 500), (False, 200)]
    assert not report.interrupted
    env.assert_store_matches_sandbox()


def test_a_lone_call_is_a_plain_request_from_the_start(sync_env: SyncEnvFactory) -> None:
    env = sync_env(mailbox([message(1)]))

    env.sync()

    assert _fetches(env) == [(False, 200)]
    env.assert_store_matches_sandbox()
