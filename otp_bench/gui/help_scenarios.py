"""Help menu items about scenarios: the file format (rendered from the JSON Schema that ships,
so it is there in any installation), the shipped example scenarios' folder, and demo mode."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

if TYPE_CHECKING:
    from otp_bench.gui.main_window import MainWindow


def add_scenario_help(w: MainWindow, helpm: Any, act: Any, before: Any) -> None:
    items = [
        act("help_scenarios", "Scenario file &format…", lambda: show_format(w)),
        act("help_examples", "Open the &example scenarios folder", lambda: open_examples(w)),
        act("help_demo", "Play a &demo (Ctrl+D)", lambda: w.show_demo(True)),
    ]
    helpm.insertActions(before, items)
    helpm.insertSeparator(before)


def format_markdown() -> str:
    """Every key of a scenario file with its description, from the shipped schema."""
    from otp_bench.scenario import shipped

    schema = json.loads(shipped.schema_text())
    lines = ["# Scenario files", "",
             "The full guide with examples is docs/scenarios.md in the repository; "
             "`otp-bench run --schema` prints the JSON Schema for editors (VS Code's YAML "
             "extension validates and completes with it).", ""]

    def walk(props: dict[str, Any], prefix: str, depth: int) -> None:
        for key, spec in props.items():
            desc = spec.get("description", "")
            enum = spec.get("enum")
            if enum:
                desc += " — one of " + ", ".join(f"`{e}`" for e in enum if e is not None)
            lines.append(f"{'  ' * depth}- **{prefix}{key}**: {desc}".rstrip(": "))
            if depth < 2 and isinstance(spec.get("properties"), dict):
                walk(spec["properties"], "", depth + 1)
            items = spec.get("items") or {}
            for branch in items.get("anyOf", [items] if "properties" in items else []):
                if depth < 2 and "properties" in branch:
                    if branch.get("description"):
                        lines.append(f"{'  ' * (depth + 1)}- *{branch['description']}*")
                    walk(branch["properties"], "", depth + 2)

    walk(schema["properties"], "", 0)
    return "\n".join(lines)


def show_format(w: MainWindow) -> None:
    dialog = QDialog(w)
    dialog.setObjectName("scenarioFormatDialog")
    dialog.setWindowTitle("Scenario file format")
    dialog.resize(860, 640)
    view = QTextBrowser(dialog)
    view.setObjectName("scenarioFormatView")
    view.setMarkdown(format_markdown())
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    lay = QVBoxLayout(dialog)
    lay.addWidget(view)
    lay.addWidget(buttons)
    w.scenario_format_dialog = dialog
    dialog.show()


def open_examples(w: MainWindow) -> None:
    from otp_bench import assets

    folder = assets.path("scenarios")
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        w.statusBar().showMessage(f"The example scenarios are in {folder}", 15000)
