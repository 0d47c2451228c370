from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from desktop.domain import uuid7 as module
from desktop.domain.uuid7 import uuid7, uuid7_time


def test_canonical_form_version_and_variant() -> None:
    text = uuid7()
    assert len(text) == 36 and text == text.lower()
    u = uuid.UUID(text)
    assert str(u) == text
    assert u.version == 7
    assert u.variant == uuid.RFC_4122
    assert text[14] == "7"
    assert text[19] in "89ab"


def test_time_is_now() -> None:
    before = datetime.now(UTC)
    created = uuid7_time(uuid7())
    after = datetime.now(UTC)
    assert before - timedelta(milliseconds=1) <= created <= after
    assert created.tzinfo is UTC


def test_strictly_increasing_within_a_process() -> None:
    ids = [uuid7() for _ in range(20_000)]  # many share a millisecond
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


@pytest.fixture
def isolated_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a test feed made-up times without leaving the generator ahead of the real clock."""
    monkeypatch.setattr(module, "_last_ms", -1)
    monkeypatch.setattr(module, "_counter", 0)


@pytest.mark.usefixtures("isolated_clock")
def test_counter_overflow_carries_into_the_timestamp() -> None:
    ms = 1_800_000_000_000
    ids = [module._next_uuid7(ms) for _ in range(5_000)]  # more than 4096 in one millisecond
    assert [u.int for u in ids] == sorted(u.int for u in ids)
    assert ids[-1].int >> 80 > ms
    assert all(u.version == 7 for u in ids)


@pytest.mark.usefixtures("isolated_clock")
def test_clock_going_back_keeps_order() -> None:
    first = module._next_uuid7(1_900_000_000_000)
    second = module._next_uuid7(1_899_999_999_000)
    assert second.int > first.int


def test_uuid7_time_reads_the_timestamp() -> None:
    ms = 1_767_225_600_123  # 2026-01-01T00:00:00.123Z
    value = (ms << 80) | (0x7 << 76) | (0b10 << 62)
    text = str(uuid.UUID(int=value))
    assert uuid7_time(text) == datetime(2026, 1, 1, 0, 0, 0, 123_000, tzinfo=UTC)
    with pytest.raises(ValueError):
        uuid7_time(str(uuid.uuid4()))


def test_threads_get_distinct_ids() -> None:
    results: list[list[str]] = [[] for _ in range(4)]

    def work(out: list[str]) -> None:
        out.extend(uuid7() for _ in range(2_000))

    threads = [threading.Thread(target=work, args=(r,)) for r in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for r in results for i in r]
    assert len(set(everything)) == len(everything)
    for r in results:
        assert r == sorted(r)


def test_made_up_times_do_not_leak_into_later_ids() -> None:
    assert uuid7_time(uuid7()) < datetime.now(UTC) + timedelta(seconds=1)


def _rand_b(text: str) -> int:
    return uuid.UUID(text).int & ((1 << 62) - 1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_reuse_the_parents_random_bits() -> None:
    uuid7()  # the parent's pool is filled; a child copies it unless it starts afresh
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send five ids and leave at once
        os.close(read)
        os.write(write, " ".join(uuid7() for _ in range(5)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read().split()
    os.waitpid(pid, 0)
    parent = [uuid7() for _ in range(5)]
    assert len(child) == 5
    assert not {_rand_b(t) for t in child} & {_rand_b(t) for t in parent}
