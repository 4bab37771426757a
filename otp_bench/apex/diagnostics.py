"""What the whole-file check reports: one ``File.cls:line:col: message`` per problem."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str  # the file name as shown (``TwilioOtpHandler.cls``)
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class ApexLoadError(Exception):
    """The source can't run: it doesn't parse, or uses what the bench doesn't interpret."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        first = "\n".join(str(d) for d in diagnostics[:20])
        more = f"\n… and {len(diagnostics) - 20} more" if len(diagnostics) > 20 else ""
        super().__init__(first + more)


class SourceError(Exception):
    """A path that isn't Apex source: missing, unreadable, not a .cls file or folder."""
