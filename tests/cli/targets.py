"""Making output targets of every kind for the tests: a FIFO with a reader, a character device."""

from __future__ import annotations

import os
import stat
import threading
import time
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
        # The writer may have failed before opening: release the reader with an empty write.
        # The open must not block: if the reader already saw the end (and closed) a blocking
        # open would wait forever for a reader that is gone, so it is non-blocking and retried
        # only while the reader thread hasn't finished.
        gives_up = time.monotonic() + deadline
        while not done.is_set() and time.monotonic() < gives_up:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader holds it open (not yet, or not any more)
                done.wait(0.05)
                continue
            os.close(fd)
            done.wait(deadline)


def make_char_device(path: Path) -> Path:
    """A copy of /dev/null's node (1,3) at ``path``; skips where mknod isn't permitted."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError as exc:
        pytest.skip(f"can't make a character device here ({exc.strerror}: needs CAP_MKNOD)")
    return path
