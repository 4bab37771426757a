"""Connected apps: the OAuth clients the headless API accepts (SPEC §3 "Connected apps").

``ConnectedAppEditor`` edits one app (client id, callback URLs with ``echo`` for the site's echo
endpoint, scopes, "require PKCE", the consumer secret shown masked until revealed);
``ConnectedAppsDialog`` lists the workspace's apps beside it, with the workspace's session
timeout (how long a headless access token lives on the bench clock). Reads and saves run on
workers.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from otp_bench.domain.changes import Action, Change, What
from otp_bench.domain.connected_app import (
    CONNECTED_APP_PREFIX,
    DEFAULT_SCOPES,
    ECHO,
    ConnectedApp,
)
from otp_bench.domain.ids import new_id
from otp_bench.gui.editors.base import EditorBase
from otp_bench.gui.widgets.forms import field_row, label

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner

SCOPE_CHOICES = ("api", "openid", "refresh_token", "offline_access", "profile", "email", "phone",
                 "web", "id", "full")
NO_APPS_NOTE = ("Without any connected app the bench accepts any client id and redirect URI "
                "(bench assumption). With one, both must match an app here.")


class ConnectedAppEditor(EditorBase):
    def __init__(self, tasks: TaskRunner, engine: Engine, app: ConnectedApp | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, engine, "Connected app", parent)
        self.is_new = app is None  # not saved yet: the dialog says so when it loads one
        self.app = app or ConnectedApp(
            id=new_id(CONNECTED_APP_PREFIX), name="", client_id=f"3MVG9{secrets.token_hex(8)}")
        self.name = self.field("name", "Name", QLineEdit())
        self.name.setObjectName("caName")
        self.client_id = self.field("client_id", "Client id (consumer key)", QLineEdit(),
                                    "what the client sends as client_id")
        self.client_id.setObjectName("caClientId")
        self.callbacks = self.field(
            "callback_urls", "Callback URLs", QPlainTextEdit(),
            "one per line; echo = the site's /services/oauth2/echo, which returns the "
            "redirect's parameters as JSON (what the Mobile SDK and the Postman collection use)")
        self.callbacks.setObjectName("caCallbacks")
        self.callbacks.setFixedHeight(72)
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        self.scope_boxes: dict[str, QCheckBox] = {}
        for i, scope in enumerate(SCOPE_CHOICES):
            box = QCheckBox(scope)
            box.setObjectName(f"caScope_{scope}")
            self.scope_boxes[scope] = box
            grid.addWidget(box, i // 5, i % 5)
        self.field("scopes", "Scopes", grid_host,
                   "openid adds a signed id_token; refresh_token adds a refresh token")
        self.require_pkce = QCheckBox("Require PKCE (a code_challenge at authorize)")
        self.require_pkce.setObjectName("caRequirePkce")
        self.field("require_pkce", "PKCE", self.require_pkce,
                   "off by default: Salesforce's Postman flow works without it")
        self.secret = QLineEdit()
        self.secret.setObjectName("caSecret")
        self.secret.setReadOnly(True)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        reveal = QPushButton("Show")
        reveal.setObjectName("caReveal")
        reveal.setCheckable(True)
        reveal.toggled.connect(lambda on: self.secret.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        self.field("consumer_secret", "Consumer secret", field_row(self.secret, reveal),
                   "signs the token response's signature; made by the bench, never exported")
        self.form.addWidget(label(NO_APPS_NOTE, "muted"))
        self.finish()
        self.load(self.app)

    def load(self, app: ConnectedApp) -> None:
        self.app = app
        self.name.setText(app.name)
        self.client_id.setText(app.client_id)
        self.callbacks.setPlainText("\n".join(app.callback_urls))
        for scope, box in self.scope_boxes.items():
            box.setChecked(scope in app.scopes)
        self.require_pkce.setChecked(app.require_pkce)
        self.secret.setText(app.consumer_secret)
        self.secret.setPlaceholderText("made when the app is first saved")
        self.clear_errors()

    def build(self) -> ConnectedApp | None:
        urls = tuple(u.strip() for u in self.callbacks.toPlainText().splitlines() if u.strip())
        extra = tuple(s for s in self.app.scopes if s not in self.scope_boxes)
        return replace(
            self.app, name=self.name.text().strip(), client_id=self.client_id.text().strip(),
            callback_urls=urls or (ECHO,), require_pkce=self.require_pkce.isChecked(),
            scopes=tuple(s for s, b in self.scope_boxes.items() if b.isChecked()) + extra,
        )

    noun = "connected app"

    def record_key(self) -> tuple[What, str] | None:
        return None if self.is_new else (What.CONNECTED_APP, self.app.id)

    def persist(self, obj: Any, confirm: bool) -> Any:
        return self.engine.save_connected_app(obj)

    def remove(self) -> None:
        self.engine.delete_connected_app(self.app.id)


class ConnectedAppsDialog(QDialog):
    """The workspace's connected apps: a list and the editor of the selected one."""

    changed = Signal()

    def __init__(self, tasks: TaskRunner, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectedAppsDialog")
        self.setWindowTitle("Connected apps")
        self.tasks = tasks
        self.engine = engine
        self.apps: list[ConnectedApp] = []
        self.list = QListWidget()
        self.list.setObjectName("caList")
        self.list.currentItemChanged.connect(self._selected)
        new = QPushButton("New connected app")
        new.setObjectName("caNew")
        new.clicked.connect(self.new_app)
        self.timeout = QSpinBox()
        self.timeout.setObjectName("caSessionTimeout")
        self.timeout.setRange(1, 24 * 60)
        self.timeout.setSuffix(" min")
        self.timeout.setValue(engine.settings.session_timeout_seconds // 60)
        self.timeout.setToolTip("Access tokens expire this long after they are issued, on the "
                                "bench clock (Salesforce's default session timeout: 2 hours)")
        self.timeout_status = label("", "muted")
        apply = QPushButton("Apply")
        apply.setObjectName("caApplyTimeout")
        apply.clicked.connect(self.save_timeout)
        self.editor = ConnectedAppEditor(tasks, engine, parent=self)
        self.editor.saved.connect(self._saved)
        self.editor.deleted.connect(self.reload)
        left = QVBoxLayout()
        left.addWidget(label("Clients of the headless API", "section"))
        left.addWidget(self.list, 1)
        left.addWidget(new)
        left.addWidget(label("Session timeout (access tokens)", "section"))
        row = QHBoxLayout()
        row.addWidget(self.timeout, 1)
        row.addWidget(apply)
        left.addLayout(row)
        left.addWidget(self.timeout_status)
        lay = QHBoxLayout(self)
        lay.addLayout(left, 1)
        lay.addWidget(self.editor, 3)
        self.resize(900, 560)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.tasks.run(self.engine.connected_apps, lambda apps: self._show(apps, select),
                       title="Reading connected apps")

    def _show(self, apps: list[ConnectedApp], select: str | None) -> None:
        self._fill(apps, None)
        ids = [a.id for a in apps]
        if select in ids:
            self.list.setCurrentRow(ids.index(select))
        elif apps:
            self.list.setCurrentRow(0)
        else:
            self.new_app()
        self.changed.emit()

    def _fill(self, apps: list[ConnectedApp], selected: str | None) -> None:
        """The list shows ``apps``, ``selected`` marked; the form isn't loaded from it."""
        self.apps = apps
        self.list.blockSignals(True)
        self.list.clear()
        for app in apps:
            item = QListWidgetItem(f"{app.name}\n{app.client_id}")
            item.setData(Qt.ItemDataRole.UserRole, app.id)
            self.list.addItem(item)
            if app.id == selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def _selected(self, item: QListWidgetItem | None, _prev: Any = None) -> None:
        if item is None:
            return
        app_id = item.data(Qt.ItemDataRole.UserRole)
        app = next((a for a in self.apps if a.id == app_id), None)
        if app is not None:
            self.editor.is_new = False
            self.editor.load(app)

    def on_changes(self, changes: list[Change]) -> None:
        """Apps saved or deleted elsewhere (a teammate, another window, a flow): the open form is
        left as it is and says now if its app changed or went (now: this editor's own save is
        still on its way then, and is no news); the list shows them once read."""
        ed = self.editor
        if ed.writing and (ed.is_new or all(c.entity_id == ed.app.id for c in changes)):
            return  # the form's own save: its answer reloads the list and the form together
        for change in changes:
            # the editor asks only whether the record is gone: a saved one stands for itself
            gone = change.action is Action.DELETED
            self.editor.on_record_changed(change, None if gone else change)
        self.tasks.run(self.engine.connected_apps,
                       lambda apps: self._fill(apps, self.editor.app.id),
                       title="Reading connected apps")

    def new_app(self) -> None:
        self.list.clearSelection()
        self.editor.is_new = True
        self.editor.load(ConnectedApp(id=new_id(CONNECTED_APP_PREFIX), name="",
                                      client_id=f"3MVG9{secrets.token_hex(8)}",
                                      scopes=DEFAULT_SCOPES))

    def save_timeout(self) -> None:
        seconds = self.timeout.value() * 60
        engine = self.engine

        def save() -> int:
            engine.save_settings(replace(engine.settings, session_timeout_seconds=seconds))
            return seconds

        self.tasks.run(save, lambda s: self.timeout_status.setText(
            f"Saved: tokens now live {s // 60} min."), lambda exc: self.timeout_status.setText(
            f"Not saved: {exc}"), title="Saving the session timeout")

    def _saved(self, app: ConnectedApp) -> None:
        self.reload(select=app.id)
