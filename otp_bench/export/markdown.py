"""Small Markdown helpers shared by the evidence reports: tables and safe cell text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime


def cell(value: object) -> str:
    """Text safe inside a table cell: no pipes or line breaks from user or provider text."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split()) or "–"


def code(value: object) -> str:
    # GFM splits table cells on "|" even inside code spans, so it is escaped there too
    text = " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")
    return Pre(f"`{text}`") if text else Pre("–")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend(row(r) for r in rows)
    return "\n".join(lines) + "\n"


def row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) if _pre(c) else cell(c) for c in cells) + " |"


class Pre(str):
    """Cell text that is already Markdown (e.g. inline code): written as is."""


def _pre(value: object) -> bool:
    return isinstance(value, Pre)


def hms(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%H:%M:%S")


def stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
