"""Progress of long work: a bar on a terminal, nothing on a pipe, nothing with ``--quiet``.

Anything that may take over a second (exports, imports, scenario runs, server start-up on a large
workspace) takes a ``Meter`` and reports to it; the command line picks the meter::

    from otp_bench.progress import meter

    with meter("Exporting events", total=n, quiet=args.quiet) as m:
        for ...:
            m.advance()

The bar is drawn by ``rich`` on standard error — standard output stays the data, so
``otp-bench export events - | jq`` sees only JSON — and only when standard error is a terminal
(rich's own detection, which also honours ``TERM=dumb``). Code that isn't told a meter uses
``SILENT``. Stdlib-only until a bar is actually drawn: rich is imported then, not before.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class Meter:
    """Counts work done. This base draws nothing: it is what a pipe or ``--quiet`` gets."""

    def total(self, total: int | None) -> None:
        """How many units the work has, once known (None: unknown, a pulsing bar)."""

    def advance(self, n: int = 1) -> None:
        """``n`` more units done."""

    def describe(self, text: str) -> None:
        """What is being done now (e.g. the scenario running)."""

    def print(self, text: str) -> None:
        """A line of output that must not tear the bar (the bar redraws under it)."""
        print(text)


SILENT = Meter()


class _Bar(Meter):
    """A rich progress bar; advances are batched so a 100k-row export isn't slowed by drawing."""

    def __init__(self, progress: Any, task: Any, total: int | None) -> None:
        self._progress, self._task = progress, task
        self._pending = 0
        self._batch = 1
        self.total(total)

    def total(self, total: int | None) -> None:
        self._flush()
        self._batch = max(1, (total or 0) // 500) if total else 50
        self._progress.update(self._task, total=total)

    def advance(self, n: int = 1) -> None:
        self._pending += n
        if self._pending >= self._batch:
            self._flush()

    def describe(self, text: str) -> None:
        self._progress.update(self._task, description=text)

    def print(self, text: str) -> None:
        self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def _flush(self) -> None:
        if self._pending:
            self._progress.advance(self._task, self._pending)
            self._pending = 0


def draws_on(stream: TextIO) -> bool:
    """Whether a bar would be drawn on ``stream`` (a terminal, as rich sees it)."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return False
    from rich.console import Console

    return bool(Console(file=stream).is_terminal)


@contextmanager
def meter(
    description: str, *, total: int | None = None, quiet: bool = False,
    stream: TextIO | None = None, lines_to: TextIO | None = None,
) -> Iterator[Meter]:
    """A bar on ``stream`` (standard error) when it is a terminal and not ``quiet``; else SILENT.

    ``lines_to``: where ``Meter.print`` lines go; a bar prints them above itself only when they
    go to the same terminal (otherwise they are printed plainly to ``lines_to``).
    """
    stream = stream or sys.stderr
    if quiet or not draws_on(stream):
        yield _Plain(lines_to) if lines_to is not None else SILENT
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(file=stream)
    with Progress(
        SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True,
        redirect_stdout=False, redirect_stderr=False,  # stdout is the data, never the bar's
        refresh_per_second=5,  # enough to look alive; each redraw takes the GIL from the work
    ) as progress:
        bar = _Bar(progress, progress.add_task(description, total=total), total)
        same_terminal = lines_to is None or _same_terminal(lines_to, stream)
        yield bar if same_terminal else _Beside(bar, lines_to)
        bar._flush()


class _Plain(Meter):
    def __init__(self, out: TextIO | None) -> None:
        self._out = out

    def print(self, text: str) -> None:
        print(text, file=self._out)


class _Beside(Meter):
    """A bar on one stream while lines go to another (stdout redirected, stderr a terminal)."""

    def __init__(self, bar: _Bar, out: TextIO | None) -> None:
        self._bar, self._out = bar, out

    def total(self, total: int | None) -> None:
        self._bar.total(total)

    def advance(self, n: int = 1) -> None:
        self._bar.advance(n)

    def describe(self, text: str) -> None:
        self._bar.describe(text)

    def print(self, text: str) -> None:
        print(text, file=self._out)


def _same_terminal(a: TextIO, b: TextIO) -> bool:
    import os

    try:
        sa, sb = os.fstat(a.fileno()), os.fstat(b.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (sa.st_dev, sa.st_ino, sa.st_rdev) == (sb.st_dev, sb.st_ino, sb.st_rdev)
