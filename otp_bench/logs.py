"""Logging for the desktop app, the servers and the commands: one level switch, a rotating file in
the user log directory, and every line masked by the project's redaction before it is written.

- Level: ``--log-level LEVEL`` or ``$OTP_BENCH_LOG_LEVEL`` (DEBUG, INFO, WARNING, ERROR); default
  INFO in the log file, WARNING on standard error (an explicit level applies to both). The level
  chosen is exported to ``$OTP_BENCH_LOG_LEVEL`` so worker processes started later follow it.
- File: the app (``otp-bench.log``), ``headless`` and ``mock-provider`` write
  ``<user log dir>/<component>.log`` (platformdirs; ``$OTP_BENCH_LOG_DIR`` overrides), rotated at
  ``MAX_BYTES`` with ``BACKUPS`` old files. Short commands log to standard error only.
- Redaction: ``RedactingFormatter`` masks the whole formatted line — message, arguments and any
  traceback — with ``otp_bench.delivery.redaction.redact_log_text`` (secrets of exchanges in
  flight, secret URL parameters, Basic/Bearer credentials, codes labelled as OTPs).

Importing this module is cheap (no engine, no Qt): the command line sets logging up first.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import Any

LEVEL_ENV = "OTP_BENCH_LOG_LEVEL"
DIR_ENV = "OTP_BENCH_LOG_DIR"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s [%(process)d] %(name)s: %(message)s"
APP = "otp-bench"  # the desktop app's log file stem


class LogLevelError(ValueError):
    """An unknown level name (from the command line or the environment)."""


def log_dir() -> Path:
    """Where the log files are: ``$OTP_BENCH_LOG_DIR``, else the platform's user log dir."""
    override = os.environ.get(DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_log_path

    return user_log_path("otp-bench", appauthor=False)


def log_file(component: str = APP) -> Path:
    return log_dir() / f"{component}.log"


def parse_level(name: str | None) -> int | None:
    """A level name (any case) as a number; None for no name; ``LogLevelError`` if unknown."""
    if name is None or not name.strip():
        return None
    upper = name.strip().upper()
    if upper not in LEVELS:
        raise LogLevelError(f"unknown log level {name!r} (one of {', '.join(LEVELS)})")
    return int(logging.getLevelName(upper))


class RedactingFormatter(logging.Formatter):
    """Formats, then masks the whole line (a traceback's text included)."""

    def format(self, record: logging.LogRecord) -> str:
        from otp_bench.delivery.redaction import redact_log_text

        return redact_log_text(super().format(record))


class _PrivateRotatingFile(logging.handlers.RotatingFileHandler):
    """A rotating log file only its owner reads (0600), like the workspace's secrets file."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Standard error as it is when a line is written (tests and redirections swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(component: str | None = None, *, level: str | None = None) -> Path | None:
    """Configure the root logger for this process; returns the log file, if one is written.

    ``component``: the log file's stem (``otp-bench``, ``headless``, ``mock-provider``), or None
    for standard error only. ``level``: the ``--log-level`` value, which beats the environment.
    Safe to call again (handlers it added before are replaced); raises ``LogLevelError``.
    """
    explicit = parse_level(level) if level else parse_level(os.environ.get(LEVEL_ENV))
    if explicit is not None:
        os.environ[LEVEL_ENV] = logging.getLevelName(explicit)  # for spawned workers
    file_level = explicit if explicit is not None else logging.INFO
    err_level = explicit if explicit is not None else logging.WARNING
    root = reset_logging()
    _levels_before.update({"": root.level, "alembic": logging.getLogger("alembic").level})
    formatter = RedactingFormatter(FORMAT)
    err = _Stderr()
    err.setLevel(err_level)
    err.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [err]
    path = None
    if component:
        path = log_file(component)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fh = _PrivateRotatingFile(
                path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
        except OSError as exc:
            print(f"otp-bench: not writing a log file ({path.parent}: {exc.strerror or exc})",
                  file=sys.stderr)
            path = None
        else:
            fh.setLevel(file_level)
            fh.setFormatter(formatter)
            handlers.append(fh)
    for h in handlers:
        h._otp_bench = True  # type: ignore[attr-defined]
        root.addHandler(h)
    root.setLevel(min(h.level for h in handlers))
    # Alembic narrates every workspace opening at INFO; that is noise unless asked for (DEBUG)
    logging.getLogger("alembic").setLevel(
        logging.DEBUG if explicit is not None and explicit <= logging.DEBUG else logging.WARNING)
    logging.captureWarnings(True)
    if path is not None:
        from otp_bench import __version__

        logging.getLogger("otp_bench").info("otp-bench %s %s started (pid %d, log level %s)",
                                            __version__, component, os.getpid(),
                                            logging.getLevelName(file_level))
    return path


_levels_before: dict[str, int] = {}  # what setup_logging changed, for reset_logging


def reset_logging() -> logging.Logger:
    """Undo ``setup_logging``: its handlers removed and closed, the levels it set restored."""
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "_otp_bench", False)]:
        root.removeHandler(h)
        h.close()
    for name, level in _levels_before.items():
        logging.getLogger(name or None).setLevel(level)
    _levels_before.clear()
    logging.captureWarnings(False)
    return root


def describe() -> list[str]:
    """Lines for ``--version --verbose`` and Help → About: where the logs are, what level."""
    level = os.environ.get(LEVEL_ENV) or "INFO (file), WARNING (standard error)"
    return [
        f"log folder: {log_dir()}",
        f"  app: {log_file(APP).name}; servers: {log_file('headless').name}, "
        f"{log_file('mock-provider').name} (rotated at {MAX_BYTES // (1024 * 1024)} MiB, "
        f"{BACKUPS} kept)",
        f"log level: {level} (--log-level or ${LEVEL_ENV})",
    ]
