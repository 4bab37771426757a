"""File menu items for team workspaces: open one by URL, reopen a recent URL, hand the key over.

The password is typed into its own masked field and goes only into the URL handed to the
database driver: the dialog, the recent list (QSettings), the status bar and the window title
never hold it. A recent entry reopens the dialog with the URL filled in and the password empty
(a server that trusts you, or a ``~/.pgpass`` entry, needs none).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QWidget,
)

from otp_bench.domain.workspace import Workspace

if TYPE_CHECKING:
    from otp_bench.gui.main_window import MainWindow

RECENT_KEY = "recent_urls"
EXAMPLE = "postgresql://alice@db.example.com:5432/otp_team"


def without_password(url: str) -> str:
    """``url`` with any password removed (what the recent list keeps)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}" if user else host))


def with_password(url: str, password: str) -> str:
    if not password:
        return url
    parts = urlsplit(without_password(url))
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


class OpenUrlDialog(QDialog):
    """Database URL (no password) + a masked password field."""

    def __init__(self, parent: QWidget | None = None, url: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("openWorkspaceUrl")
        self.setWindowTitle("Open workspace URL")
        form = QFormLayout(self)
        self.url_edit = QLineEdit(without_password(url))
        self.url_edit.setObjectName("workspaceUrl")
        self.url_edit.setPlaceholderText(EXAMPLE)
        self.url_edit.setMinimumWidth(420)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("workspacePassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("empty: the server trusts you, or ~/.pgpass")
        self.note = QLabel("A team workspace on PostgreSQL (needs the postgres extra: "
                           "pip install 'otp-bench[postgres]'), or a SQLite file path.")
        self.note.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setObjectName("workspaceUrlProblem")
        self.problem.setStyleSheet("color: #c23934")
        form.addRow("Database URL", self.url_edit)
        form.addRow("Password", self.password_edit)
        form.addRow(self.note)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.url_edit.editingFinished.connect(self._move_password)
        (self.password_edit if url else self.url_edit).setFocus()

    def _move_password(self) -> None:
        """A password typed into the URL moves to the masked field at once."""
        text = self.url_edit.text().strip()
        if "://" in text and urlsplit(text).password is not None:
            self.password_edit.setText(Workspace(text).password or "")
            self.url_edit.setText(without_password(text))

    def _accept(self) -> None:
        self._move_password()
        text = self.url_edit.text().strip()
        if not text:
            self.problem.setText("Type a database URL, e.g. " + EXAMPLE)
            return
        self.accept()

    def workspace(self) -> Workspace:
        """What to open: the URL with the password in it (never displayed)."""
        ws = Workspace.parse(self.url_edit.text())
        return Workspace(with_password(ws.url, self.password_edit.text()))


def open_workspace_url(w: MainWindow, url: str = "") -> OpenUrlDialog:
    """Show the dialog (window-modal, never blocking); open the workspace when accepted."""
    dlg = OpenUrlDialog(w, url)

    def chosen() -> None:
        ws = dlg.workspace()
        remember_url(w, ws)
        w.open_url(ws.url)

    dlg.accepted.connect(chosen)
    dlg.open()
    w.url_dialog = dlg  # tests and screenshots find it here
    return dlg


def remember_url(w: MainWindow, ws: Workspace) -> None:
    if ws.sqlite_path is not None:
        return  # files go to the file recent list
    entry = without_password(ws.url)
    recent = [u for u in recent_urls(w) if u != entry]
    w.settings.setValue(RECENT_KEY, [entry, *recent][:8])


def recent_urls(w: MainWindow) -> list[str]:
    value = w.settings.value(RECENT_KEY, [])
    return [str(u) for u in value] if isinstance(value, list) else []


def _fill_recent(w: MainWindow, menu: QMenu) -> None:
    menu.clear()
    urls = recent_urls(w)
    if not urls:
        menu.addAction("(none)").setEnabled(False)
    for url in urls:
        menu.addAction(Workspace(url).display, functools.partial(open_workspace_url, w, url))


def export_workspace_key(w: MainWindow) -> None:
    if w.engine is None:
        return
    path, _f = QFileDialog.getSaveFileName(w, "Export workspace key", "workspace.key",
                                           "Workspace key (*.key)")
    if path:
        engine = w.engine
        w.tasks.run(lambda: engine.export_key(Path(path)),
                    lambda said: w.statusBar().showMessage(said, 10000),
                    title="Can't export the workspace key")


def import_workspace_key(w: MainWindow) -> None:
    if w.engine is None:
        return
    path, _f = QFileDialog.getOpenFileName(w, "Import workspace key", "",
                                           "Workspace key (*.key);;All files (*)")
    if path:
        engine = w.engine
        url = engine.workspace.url

        def done(said: str) -> None:
            w.statusBar().showMessage(said + " Reopening the workspace to unlock it…", 10000)
            w.open_url(url)

        w.tasks.run(lambda: engine.import_key(Path(path)), done,
                    title="Can't import the workspace key")


def add_workspace_items(w: MainWindow, file_menu: QMenu) -> dict[str, QAction]:
    """Append the team-workspace items to the File menu; the actions by name."""
    acts: dict[str, QAction] = {}

    def act(key: str, text: str, slot: Any) -> None:
        a = QAction(text, w)
        a.triggered.connect(slot)
        file_menu.addAction(a)
        acts[key] = a

    act("open_url", "Open workspace &URL…", lambda: open_workspace_url(w))
    recent = file_menu.addMenu("Open recent U&RL")
    recent.aboutToShow.connect(lambda: _fill_recent(w, recent))
    file_menu.addSeparator()
    act("export_key", "&Export workspace key…", lambda: export_workspace_key(w))
    act("import_key", "&Import workspace key…", lambda: import_workspace_key(w))
    return acts
