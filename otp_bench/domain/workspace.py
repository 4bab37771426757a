"""Where a workspace lives: its database URL, and how that URL is shown (password never).

A ``Workspace`` is what every banner, error, status bar, log line and recent-list entry prints:
``str()``, ``repr()`` and ``display`` all hide the password; only ``url`` (handed to the database
driver) carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

REDACTED = "***"

# bare scheme → the driver otp-bench installs with its `postgres` extra (psycopg 3)
_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def sqlite_url(path: Path | str) -> str:
    """The URL of the SQLite file at ``path``. SQLAlchemy ends a URL's database at a ``?`` (the
    start of its query) and unquotes the rest, so both are quoted: ``/tmp/q?x/w.db`` as typed
    opened ``/tmp/q``, and a ``%41`` in a folder's name turned into an ``A``."""
    return "sqlite:///" + str(path).replace("%", "%25").replace("?", "%3F")


@dataclass(frozen=True)
class Workspace:
    url: str = field(repr=False)

    @classmethod
    def parse(cls, text: str) -> Workspace:
        """A URL as typed (``postgresql://…``, ``sqlite:///…``) or a SQLite file path."""
        text = text.strip()
        if "://" not in text:
            return cls(sqlite_url(Path(text).expanduser().resolve()))
        scheme, rest = text.split("://", 1)
        return cls(f"{_DRIVERS.get(scheme.lower(), scheme)}://{rest}")

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if self.url.startswith("sqlite:///") and self.url != "sqlite:///:memory:":
            return Path(unquote(self.url.removeprefix("sqlite:///")))  # as SQLAlchemy reads it
        return None

    @property
    def password(self) -> str | None:
        if self.is_sqlite:
            return None
        pw = urlsplit(self.url).password
        return unquote(pw) if pw else None

    @property
    def display(self) -> str:
        """The URL with its password replaced by ``***`` (a SQLite workspace: its file path)."""
        path = self.sqlite_path
        if path is not None:
            return str(path)
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit(parts._replace(netloc=f"{user}:{REDACTED}@{host}"))

    @property
    def short(self) -> str:
        """A short label: the file name, or database@host."""
        path = self.sqlite_path
        if path is not None:
            return path.name
        parts = urlsplit(self.url)
        db = parts.path.lstrip("/") or "postgres"
        return f"{db}@{parts.hostname or 'localhost'}"

    def scrub(self, text: str) -> str:
        """``text`` with this workspace's password (as typed or URL-encoded) replaced."""
        pw = self.password
        if not pw:
            return text
        for form in {pw, quote(pw, safe=""), quote(pw)}:
            text = text.replace(form, REDACTED)
        return text.replace(self.url, self.display)

    def __str__(self) -> str:
        return self.display

    def __repr__(self) -> str:
        return f"Workspace({self.display!r})"


def redacted(url: str) -> str:
    """Shorthand for ``Workspace.parse(url).display``."""
    return Workspace.parse(url).display if url else url

