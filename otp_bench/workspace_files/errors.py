"""The one error of a file in the scenario format: it names file, line and field."""

from __future__ import annotations


class ScenarioError(ValueError):
    """An invalid scenario or workspace file; the message names file, line and field."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        where = file + (f":{line}" if line else "") + (f": {field}" if field else "")
        super().__init__(f"{where}: {message}")
        self.file = file
        self.line = line
        self.field = field
        self.message = message
