"""Time-ordered UUID version 7 (RFC 9562, section 5.7) for primary keys of synced records.

Layout: 48-bit Unix time in milliseconds, 4-bit version (7), 12-bit ``rand_a``, 2-bit variant
(0b10), 62-bit random ``rand_b``. Within one process the ids are strictly increasing: ``rand_a``
is a counter (RFC 9562 method 1) started at a random value in its lower half each millisecond,
and when it runs out, or the clock steps back, the timestamp is carried forward by 1 ms.

A bulk write makes hundreds of thousands of ids, so the work per id is kept small: the random
bits come from one ``os.urandom`` call per 4096 ids (read as 64-bit integers), and the text is
formatted from the integer directly instead of through :class:`uuid.UUID`. A forked child starts
with a fresh pool, so parent and child never share random bits.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_last_ms = -1
_counter = 0

_COUNTER_MAX = 0xFFF
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_POOL_IDS = 4096  # random 64-bit words drawn from the OS at a time
_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62
_RAND_B = (1 << 62) - 1
_START = (1 << 11) - 1  # the counter starts in the lower half of rand_a
_random: Iterator[int] = iter(())


def _word() -> int:
    """64 random bits from the pool (called with ``_lock`` held)."""
    global _random
    for word in _random:
        return word
    _random = iter(memoryview(os.urandom(8 * _POOL_IDS)).cast("Q"))
    return next(_random)


def _fresh_pool() -> None:
    global _random
    _random = iter(())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_pool)


def uuid7() -> str:
    """A new UUIDv7 as the canonical 36-character lower-case string."""
    h = f"{_next_int(time.time_ns() // 1_000_000):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _next_int(now_ms: int) -> int:
    """The next id as a 128-bit integer, for a clock reading of ``now_ms``."""
    global _last_ms, _counter
    with _lock:
        if now_ms > _last_ms:
            _last_ms = now_ms
            _counter = _word() >> 53  # 11 random bits: the lower half of rand_a
        else:
            _counter += 1
            if _counter > _COUNTER_MAX:
                _last_ms += 1
                _counter = _word() >> 53
        word = _word()
        ms, counter = _last_ms, _counter
    return (ms & 0xFFFF_FFFF_FFFF) << 80 | _VERSION | counter << 64 | _VARIANT | (word & _RAND_B)


def _next_uuid7(now_ms: int) -> uuid.UUID:
    """The next id as a :class:`uuid.UUID` (tests feed made-up clock readings)."""
    return uuid.UUID(int=_next_int(now_ms))


def uuid7_time(text: str) -> datetime:
    """The creation time (UTC, millisecond precision) stored in a UUIDv7."""
    u = uuid.UUID(str(text))
    if u.version != 7:
        raise ValueError(f"not a version 7 UUID: {text}")
    return _EPOCH + timedelta(milliseconds=u.int >> 80)
