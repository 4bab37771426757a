"""Durations as scenario and workspace files write them, read and written: ``0s``, ``90s``,
``16m``, ``1h30m``, ``24h``, ``2d``."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> float:
    """Seconds in ``value``; a bare number is seconds. ValueError says what is accepted."""
    if isinstance(value, bool):
        raise ValueError("a duration like 30s, 16m or 1h is needed")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration can't be negative")
        return float(value)
    text = str(value).strip().replace(" ", "")
    pos, total = 0, 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"{value!r} isn't a duration (use e.g. 30s, 16m, 1h30m, 24h)")
    return total


def format_duration(seconds: float) -> str:
    """``900`` → ``15m``, ``86400`` → ``24h``, ``90`` → ``90s``: what the loader parses back."""
    if seconds != int(seconds):
        return f"{seconds:g}s"
    s = int(seconds)
    if s and s % 3600 == 0:
        return f"{s // 3600}h"
    if s and s % 60 == 0:
        return f"{s // 60}m"
    return f"{s}s"
