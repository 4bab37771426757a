"""Where a command's output goes and its input comes from: the one helper for every file it writes.

Every command that writes a file (exports, run reports, JUnit XML, recorder saves, workspace and key
files, Apex bundles) goes through ``open_output`` or ``write_output``; every command that reads a
file the operator names may use ``read_input``::

    from otp_bench.outputs import OutputError, open_output

    with open_output(args.file, secret=args.reveal) as out:   # "-" is standard output
        out.write(text)

What a target gets, as a Unix user expects of ``command > target``, plus atomicity:

- ``-`` is standard output (flushed, never closed); ``read_input("-")`` reads standard input;
- an existing target that isn't a regular file — a character or block device (``/dev/null``), a
  FIFO, a Unix socket — is written in place, never replaced (a FIFO waits for its reader up to
  ``FIFO_DEADLINE`` seconds; a socket is connected to and written);
- a symlink is followed and its target written by these same rules; the link stays a link;
- a regular file is replaced atomically — a temporary sibling is written, synced, then
  ``os.replace``-d over it, so a failed or interrupted write never leaves half a file — and keeps
  its permission bits (and owner, where the process may set it). Hard links to it are not kept;
- a new file gets ``0666 & ~umask``; one holding revealed secrets (``secret=True``: a revealed
  HAR, a workspace key) is created ``0600``, and replacing a file with secrets drops its group and
  other bits (``0640`` becomes ``0600``): a secret is never left readable by others;
- a directory, a missing folder, a file we may not write: ``OutputError``, one line naming the
  target and what is wrong (commands print it and exit 2). Nothing is created or replaced then.

Stdlib only and Qt-free, so every layer (export, scenario runner, headless, GUI) can use it.
"""

from __future__ import annotations

import os
import secrets as _secrets
import socket
import stat
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, TextIO

STDIO = "-"
FIFO_DEADLINE = 60.0  # seconds a FIFO may stay without a reader before the write gives up
SOCKET_DEADLINE = 30.0  # seconds a Unix socket's reader may stall one write

Kind = Literal["stdout", "new", "regular", "special", "socket"]


class OutputError(ValueError):
    """A target can't be written (or a source read); the message names it and what is wrong."""


@dataclass(frozen=True)
class Target:
    """An output target resolved: what was given, the real path written, and its kind."""

    given: str
    path: Path | None  # None for standard output
    kind: Kind

    @property
    def is_stdout(self) -> bool:
        return self.kind == "stdout"

    def __str__(self) -> str:
        return "standard output" if self.path is None else self.given


def is_stdio(name: str | os.PathLike[str] | None) -> bool:
    return name is not None and os.fspath(name) == STDIO


def resolve_output(target: str | os.PathLike[str]) -> Target:
    """What writing ``target`` would do, checked before anything is written."""
    given = os.fspath(target)
    if given == STDIO:
        return Target(given, None, "stdout")
    if not given:
        raise OutputError("no output file named (use - for standard output)")
    if "\0" in given:
        raise OutputError(f"can't write {_printable(given)}: "
                          "a file name can't hold a NUL character")
    real = Path(os.path.realpath(given))  # a symlink (even a dangling one) names its target
    try:
        st = os.stat(real)
    except FileNotFoundError:
        parent = real.parent
        if not parent.is_dir():
            shown = Path(given).parent if not os.path.islink(given) else parent
            raise OutputError(f"can't write {_printable(given)}: "
                              f"folder {_printable(shown)} doesn't exist") from None
        return Target(given, real, "new")
    except OSError as exc:
        raise OutputError(f"can't write {_printable(given)}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{_printable(given)} is a directory; name a file to write "
                          "(or - for standard output)")
    if stat.S_ISREG(st.st_mode):
        return Target(given, real, "regular")
    if stat.S_ISSOCK(st.st_mode):
        return Target(given, real, "socket")
    return Target(given, real, "special")


@contextmanager
def open_output(
    target: str | os.PathLike[str], *, secret: bool = False, stdout: TextIO | None = None,
) -> Iterator[TextIO]:
    """A UTF-8 text stream to ``target`` by the rules above; it is complete only if the block
    ends without an exception (a regular file is then replaced; otherwise left as it was)."""
    t = resolve_output(target)
    if t.path is None:
        out = stdout or sys.stdout
        yield out
        out.flush()
        return
    if t.kind == "special":
        with _open_in_place(t) as fh:
            yield fh
        return
    if t.kind == "socket":
        with _socket_writer(t) as fh:
            yield fh
        return
    with _atomic(t, secret=secret) as fh:
        yield fh


def write_output(target: str | os.PathLike[str], text: str, *, secret: bool = False,
                 stdout: TextIO | None = None) -> Target:
    """Write ``text`` whole to ``target``; returns the resolved target (for messages)."""
    t = resolve_output(target)
    with open_output(target, secret=secret, stdout=stdout) as fh:
        fh.write(text)
    return t


def read_input(source: str | os.PathLike[str], *, stdin: IO[str] | None = None) -> str:
    """The whole UTF-8 text of ``source``; ``-`` reads standard input. Raises what ``open`` and
    decoding raise (``OSError``, ``UnicodeDecodeError``), for the caller to name in its terms."""
    given = os.fspath(source)
    if given == STDIO:
        stream = stdin or sys.stdin
        buffer = getattr(stream, "buffer", None)  # decode as UTF-8 whatever the locale says
        return buffer.read().decode("utf-8") if buffer is not None else stream.read()
    with open(given, encoding="utf-8") as fh:
        return fh.read()


def input_name(source: str | os.PathLike[str]) -> str:
    """How messages name a source: its path, or ``<stdin>``."""
    return _shown(os.fspath(source))


def _printable(name: object) -> str:
    """A name as one printable line: a name holding control characters is shown quoted."""
    text = os.fspath(name) if isinstance(name, (str, os.PathLike)) else str(name)
    return text if text.isprintable() else repr(text)


def _shown(given: str) -> str:
    return "<stdin>" if given == STDIO else given


# -- the three ways of writing ----------------------------------------------------------------


@contextmanager
def _atomic(t: Target, *, secret: bool) -> Iterator[TextIO]:
    assert t.path is not None
    path = t.path
    st = os.stat(path) if t.kind == "regular" else None
    if st is not None and not os.access(path, os.W_OK):
        raise OutputError(f"{_printable(t.given)} is read-only; not replacing it")
    tmp = path.with_name(f".{path.name}.{_secrets.token_hex(4)}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                     0o600 if secret else 0o666)
    except OSError as exc:
        if st is None:
            raise OutputError(f"can't write {_printable(t.given)}: {exc.strerror or exc} "
                              f"(folder {path.parent})") from None
        fd = -1  # the folder is read-only but the file may be written: write it in place
    if fd < 0:
        with _open_in_place(t) as fh:
            yield fh
        return
    try:
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode) & (0o7700 if secret else 0o7777))
            if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                with suppress(OSError):  # only root may give a file away; write it anyway
                    os.fchown(fd, st.st_uid, st.st_gid)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())  # the rename must never expose an empty file after a crash
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _open_in_place(t: Target) -> Iterator[TextIO]:
    assert t.path is not None
    is_fifo = stat.S_ISFIFO(os.stat(t.path).st_mode)
    timed_out = threading.Event()
    timer = None
    if is_fifo:
        # open() blocks until a reader opens the FIFO; the deadline opens one for us to unblock
        timer = threading.Timer(FIFO_DEADLINE, _release_fifo, (t.path, timed_out))
        timer.daemon = True
        timer.start()
    try:
        fh = open(t.path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise OutputError(f"can't write {_printable(t.given)}: {exc.strerror or exc}") from None
    finally:
        if timer is not None:
            timer.cancel()
    if timed_out.is_set():
        fh.close()
        raise OutputError(f"can't write {_printable(t.given)}: no process opened the FIFO "
                          f"for reading within {FIFO_DEADLINE:g} s")
    with fh:
        yield fh


def _release_fifo(path: Path, timed_out: threading.Event) -> None:
    timed_out.set()
    with suppress(OSError):
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))


@contextmanager
def _socket_writer(t: Target) -> Iterator[TextIO]:
    assert t.path is not None
    sock = socket.socket(getattr(socket, "AF_UNIX", 1), socket.SOCK_STREAM)
    sock.settimeout(SOCKET_DEADLINE)
    try:
        sock.connect(os.fspath(t.path))
    except OSError as exc:
        sock.close()
        raise OutputError(f"can't write {_printable(t.given)}: {exc.strerror or exc} "
                          "(a socket)") from None
    with sock, sock.makefile("w", encoding="utf-8", newline="\n") as fh:
        yield fh
        fh.flush()
        sock.shutdown(socket.SHUT_WR)
