"""Form helpers: labelled fields with an inline error line, and marking a field invalid."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def set_invalid(widget: QWidget, message: str | None) -> None:
    """Show ``widget`` as invalid (red border via the ``invalid`` property) with a tooltip."""
    widget.setToolTip(message or "")
    if bool(widget.property("invalid")) == bool(message):
        return  # re-polishing under a stylesheet is costly: only when the state flips
    widget.setProperty("invalid", bool(message))
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class Field(QWidget):
    """A label, an input and a one-line error message below it."""

    def __init__(self, label: str, editor: QWidget, hint: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.label = QLabel(label)
        self.label.setProperty("role", "section")
        self.label.setWordWrap(True)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        lay.addWidget(self.label)
        lay.addWidget(editor)
        if hint:
            h = QLabel(hint)
            h.setProperty("role", "muted")
            h.setWordWrap(True)
            lay.addWidget(h)
        lay.addWidget(self.error)

    def set_error(self, message: str | None) -> None:
        set_invalid(self.editor, message)
        self.error.setText(message or "")
        self.error.setVisible(bool(message))


def label(text: str, role: str = "", wrap: bool = True) -> QLabel:
    lab = QLabel(text)
    if role:
        lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    return lab
