"""Making output targets of every kind for the tests: a FIFO with a reader, a character device."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def fifo_reader(fifo: Path, *, deadline: float = 30.0) -> Iterator[Callable[[], bytes]]:
    """A thread reading ``fifo`` to its end; call the yielded function after the block."""
    data: list[bytes] = []
    done = threading.Event()

    def read() -> None:
        with open(fifo, "rb") as fh:
            data.append(fh.read())
        done.set()

    t = threading.Thread(target=read, daemon=True)
    t.start()

    def result() -> bytes:
        assert done.wait(deadline), "the FIFO's reader never saw the end of the output"
        return b"".join(data)

    try:
        yield result
    finally:
        if not done.is_set():  # the writer failed before opening: release the reader
            with open(fifo, "wb"):
                pass
            done.wait(deadline)


def make_char_device(path: Path) -> Path:
    """A copy of /dev/null's node (1,3) at ``path``; skips where mknod isn't permitted."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError as exc:
        pytest.skip(f"can't make a character device here ({exc.strerror}: needs CAP_MKNOD)")
    return path
