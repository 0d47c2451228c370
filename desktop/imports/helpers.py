"""Small helpers shared by the kinds modules (``kinds_*.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CHUNK = 500  # values per ``IN (…)`` lookup: well under SQLite's variable limit


def distinct_chunks(values: Iterable[Any], size: int = CHUNK) -> list[list[Any]]:
    """The distinct non-empty values, in order, cut into lists of at most ``size``."""
    distinct = list(dict.fromkeys(v for v in values if v))
    return [distinct[i : i + size] for i in range(0, len(distinct), size)]
