"""Time-ordered UUID version 7 (RFC 9562, section 5.7) for primary keys of synced records.

Layout: 48-bit Unix time in milliseconds, 4-bit version (7), 12-bit ``rand_a``, 2-bit variant
(0b10), 62-bit random ``rand_b``. Within one process the ids are strictly increasing: ``rand_a``
is a counter (RFC 9562 method 1) started at a random value in its lower half each millisecond,
and when it runs out, or the clock steps back, the timestamp is carried forward by 1 ms.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_last_ms = -1
_counter = 0

_COUNTER_MAX = 0xFFF
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def uuid7() -> str:
    """A new UUIDv7 as the canonical 36-character lower-case string."""
    return str(_next_uuid7(time.time_ns() // 1_000_000))


def _next_uuid7(now_ms: int) -> uuid.UUID:
    global _last_ms, _counter
    with _lock:
        if now_ms > _last_ms:
            _last_ms = now_ms
            _counter = secrets.randbits(11)  # leave the upper half of rand_a for the counter
        else:
            _counter += 1
            if _counter > _COUNTER_MAX:
                _last_ms += 1
                _counter = secrets.randbits(11)
        ms, counter = _last_ms, _counter
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= secrets.randbits(62)
    return uuid.UUID(int=value)


def uuid7_time(text: str) -> datetime:
    """The creation time (UTC, millisecond precision) stored in a UUIDv7."""
    u = uuid.UUID(str(text))
    if u.version != 7:
        raise ValueError(f"not a version 7 UUID: {text}")
    return _EPOCH + timedelta(milliseconds=u.int >> 80)
