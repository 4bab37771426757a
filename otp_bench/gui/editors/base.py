"""What every workspace editor shares: a titled form, Save / Delete, and error mapping.

Saving runs on a worker. The engine's ``ValidationError(field, message)`` lands under the field it
names, ``ConflictError`` under the name, ``NeedsConfirmation`` asks the operator and retries with
``confirm=True``. Nothing is saved when an error is shown.

When the record an editor shows changes or is deleted elsewhere (another window, a flow, another
process), the editor says so in a notice and offers Reload; the form keeps what the operator typed
until they choose, so nothing unsaved is overwritten silently.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from otp_bench.domain.changes import Action, Change, What
from otp_bench.gui.widgets.forms import Field, label

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner


class EditorBase(QWidget):
    """Signals: saved(object) after a successful save; deleted(); failed(str);
    reload_requested() when the operator asks for the version saved elsewhere."""

    saved = Signal(object)
    deleted = Signal()
    failed = Signal(str)
    reload_requested = Signal()

    def __init__(self, tasks: TaskRunner, engine: Engine, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.engine = engine
        self.fields: dict[str, Field] = {}
        self.title = label(title, "title")
        self.banner = QLabel()
        self.banner.setObjectName("editorBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.notice = QFrame()  # "changed elsewhere", with Reload
        self.notice.setObjectName("editorNotice")
        self.notice.setStyleSheet("#editorNotice { color: #8c4b02; background: #fef1de; "
                                  "border: 1px solid #8c4b02; border-radius: 6px; }")
        self.notice_text = QLabel()
        self.notice_text.setObjectName("editorNoticeText")
        self.notice_text.setWordWrap(True)
        self.reload_button = QPushButton("Reload")
        self.reload_button.setObjectName("reloadRecord")
        self.reload_button.clicked.connect(self.reload_requested)
        row = QHBoxLayout(self.notice)
        row.setContentsMargins(8, 6, 8, 6)
        row.addWidget(self.notice_text, 1)
        row.addWidget(self.reload_button)
        self.notice.hide()
        self._writing = False  # our own save or delete is on its way: its change is no news
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("save")
        self.save_button.setProperty("primary", True)
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("delete")
        self.delete_button.setProperty("danger", True)
        self.delete_button.clicked.connect(self.confirm_delete)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.delete_button)
        top.addWidget(self.save_button)
        inner = QWidget()
        self.form = QVBoxLayout(inner)
        self.form.setContentsMargins(2, 2, 12, 12)
        self.form.setSpacing(12)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # as needed, never off: a field wider than a small window scrolls instead of being cut
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        inner.setMaximumWidth(860)
        scroll.setWidget(inner)
        # an optional column on the right (the provider editor's preview and send test)
        self.side_panel = QWidget()
        self.side = QVBoxLayout(self.side_panel)
        self.side.setContentsMargins(12, 0, 0, 0)
        self.side.setSpacing(8)
        self.side_panel.hide()
        body = QHBoxLayout()
        body.addWidget(scroll, 5)  # the form keeps ≥ 400 px in a 1280×720 window
        body.addWidget(self.side_panel, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        lay.setSpacing(10)
        lay.addLayout(top)
        lay.addWidget(self.banner)
        lay.addWidget(self.notice)
        lay.addLayout(body, 1)

    # -- building ----------------------------------------------------------------------------

    def field(self, key: str, title: str, editor: QWidget, hint: str = "",
              layout: Any = None) -> Any:
        f = Field(title, editor, hint)
        self.fields[key] = f
        (layout if layout is not None else self.form).addWidget(f)
        return editor

    def section(self, text: str) -> QLabel:
        lab = label(text.upper(), "section")
        lab.setContentsMargins(0, 8, 0, 0)
        self.form.addWidget(lab)
        return lab

    def finish(self) -> None:
        self.form.addStretch(1)

    # -- messages ------------------------------------------------------------------------------

    def show_banner(self, text: str, kind: str = "error") -> None:
        colors = {"error": ("#ba0517", "#fdeceb"), "ok": ("#2e844a", "#ebf7e6"),
                  "warn": ("#8c4b02", "#fef1de")}
        fg, bg = colors[kind]
        self.banner.setStyleSheet(f"color: {fg}; background: {bg}; border: 1px solid {fg}; "
                                  "border-radius: 6px; padding: 8px;")
        self.banner.setText(text)
        self.banner.show()

    def clear_errors(self) -> None:
        for f in self.fields.values():
            f.set_error(None)
        self.banner.hide()

    def show_error(self, field: str, message: str) -> None:
        key = re.split(r"[.\[]", field)[0] if field not in self.fields else field
        target = self.fields.get(field) or self.fields.get(key)
        if target is not None:
            target.set_error(message)
            self.show_banner(f"Not saved: {field} — {message}")
        else:
            self.show_banner(f"Not saved: {field}: {message}")
        self.failed.emit(f"{field}: {message}")

    # -- saving --------------------------------------------------------------------------------

    def build(self) -> Any:
        """The domain object from the form, or None after marking a field (subclasses)."""
        raise NotImplementedError

    def persist(self, obj: Any, confirm: bool) -> Any:
        """Call the engine (on a worker) — subclasses."""
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def save(self, confirm: bool = False) -> None:
        self.clear_errors()
        obj = self.build()
        if obj is None:
            self.show_banner("Not saved: fix the fields marked in red.")
            return
        self.save_button.setEnabled(False)
        self._writing = True
        self.tasks.run(lambda: self.persist(obj, confirm), self._on_saved,
                       lambda exc: self._on_error(exc, obj), title="Saving")

    def _on_saved(self, obj: Any) -> None:
        self._writing = False
        self.notice.hide()  # what is saved now is this form
        self.delete_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.show_banner("Saved.", "ok")
        self.saved.emit(obj)

    def _on_error(self, exc: BaseException, obj: Any) -> None:
        from otp_bench.engine.workspace import NeedsConfirmation, ValidationError

        self._writing = False
        self.save_button.setEnabled(True)
        if isinstance(exc, NeedsConfirmation):
            box = QMessageBox(QMessageBox.Icon.Warning, "Not recommended", str(exc),
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                              self)
            box.setObjectName("confirmSwitch")
            box.setInformativeText("Switch this site to the Salesforce default provider anyway? "
                                   "The switch is recorded in the log.")
            box.button(QMessageBox.StandardButton.Yes).setText("Switch anyway")
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.finished.connect(lambda r: self.save(confirm=True)
                                 if r == QMessageBox.StandardButton.Yes else
                                 self.show_banner("Not saved: the switch was cancelled.",
                                                  "warn"))
            box.open()
            self.confirm_box = box
            return
        if isinstance(exc, ValidationError):
            self.show_error(exc.field, exc.message)
        elif type(exc).__name__ == "ConflictError":
            self.show_error("name" if "name" in self.fields else "username", str(exc))
        else:
            self.show_banner(f"Not saved: {type(exc).__name__}: {exc}")
            self.failed.emit(str(exc))

    def confirm_delete(self) -> None:
        answer = QMessageBox.question(self, "Delete?", "Delete this item from the workspace?")
        if answer == QMessageBox.StandardButton.Yes:
            self.run_delete()

    def run_delete(self) -> None:
        self._writing = True
        self.tasks.run(self.remove, lambda _r: self.deleted.emit(),
                       lambda exc: self._on_error(exc, None), title="Deleting")

    # -- the record changing elsewhere -----------------------------------------------------------

    noun = "item"

    @property
    def writing(self) -> bool:
        """This editor's own save or delete is on its way (its change is no news)."""
        return self._writing

    def record_key(self) -> tuple[What, str] | None:
        """The change-feed key of the record shown (None: a new one, not saved yet)."""
        return None

    def on_record_changed(self, change: Change, record: Any | None) -> None:
        """A change from the feed: if it names this editor's record and isn't this editor's own
        save or delete, say so — the form is left as it is."""
        if self._writing or self.record_key() != (change.what, change.entity_id):
            return
        if record is None or change.action is Action.DELETED:
            self.notice_text.setText(
                f"Deleted elsewhere: this {self.noun} is no longer in the workspace. Saving "
                "creates it again from this form.")
            self.reload_button.hide()
            self.delete_button.setEnabled(False)
        else:
            self.notice_text.setText(
                f"Changed elsewhere: this {self.noun} was saved by a flow, another window or a "
                "teammate. The form still shows what you opened: Reload (drops edits made here) "
                "or Save to overwrite.")
            self.reload_button.show()
            self.delete_button.setEnabled(True)
        self.notice.show()


