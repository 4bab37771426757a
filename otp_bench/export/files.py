"""Writing an export file whole or not at all: text goes to a temporary sibling, then replaces.

A failed or interrupted export never leaves a half-written HAR that a reviewer might open.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


class ExportError(RuntimeError):
    """An export can't be written; the message names the file and what is wrong."""


@contextmanager
def atomic_text(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"{target} is a directory; name a file to write")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise ExportError(f"can't write {target}: folder {parent} doesn't exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=parent)
    except OSError as exc:
        raise ExportError(f"can't write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
