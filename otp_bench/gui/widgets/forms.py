"""Form helpers: labelled fields with an inline error line, marking a field invalid, and the
margin-free horizontal rows that put a field next to its buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget


def hbox(owner: QWidget | None = None, *, spacing: int | None = None) -> QHBoxLayout:
    """A horizontal layout without margins (on ``owner`` when given): the row lines up with the
    fields above and below it instead of sitting indented in its own frame."""
    box = QHBoxLayout(owner) if owner is not None else QHBoxLayout()
    box.setContentsMargins(0, 0, 0, 0)
    if spacing is not None:
        box.setSpacing(spacing)
    return box


def field_row(first: QWidget, *rest: QWidget) -> QWidget:
    """``first`` and ``rest`` side by side in one margin-free row; ``first`` (the field) takes the
    spare width, ``rest`` (its buttons) keep their size."""
    holder = QWidget()
    box = hbox(holder)
    box.addWidget(first, 1)
    for w in rest:
        box.addWidget(w)
    return holder


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
