"""The headless client pane: runs the two headless flows the way a client app would.

It drives ``otp_bench.headless.client.HeadlessClient`` (real HTTP to the bench's loopback headless
API, started on first use) from worker threads and shows every exchange raw: init, authorize
(``Authorization: Basic base64(identifier:otp)``, the OTP masked) answered by Salesforce's 302,
the GET of the redirect (the site's echo, as OkHttp or fetch follow it), then the token
exchange. The operator picks the client (a connected app, or any client when the workspace has
none) and PKCE on or off; "Connected apps…" opens their editor.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from otp_bench.domain.vocabulary import UseCase
from otp_bench.gui.site_pane.exchange_html import render_exchanges
from otp_bench.gui.widgets.forms import label

if TYPE_CHECKING:
    from otp_bench.domain.model import Site
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.editors.connected_app_editor import ConnectedAppsDialog
    from otp_bench.gui.tasks import TaskRunner
    from otp_bench.headless.client import HeadlessClient

_SHRINKABLE = QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
HEADLESS_FLOWS = (UseCase.HEADLESS_PASSWORDLESS_LOGIN, UseCase.HEADLESS_PASSWORDLESS_REGISTRATION)


def _edit(name: str, placeholder: str = "") -> QLineEdit:
    e = QLineEdit()
    e.setObjectName(name)
    e.setPlaceholderText(placeholder)
    return e


class HeadlessPane(QWidget):
    """Signals: exchanged(Exchange) after each call; step_changed(str) "init"/"code"/"done"."""

    exchanged = Signal(object)
    step_changed = Signal(str)
    show_log = Signal(str)  # filter text for the live log: the engine's side of this flow

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Engine | None = None
        self._client: HeadlessClient | None = None
        self._exchanges: list[Any] = []
        self._state = ""
        self.apps_dialog: ConnectedAppsDialog | None = None
        self.step = "init"
        self.flow = QComboBox()
        self.flow.setObjectName("headlessFlow")
        for uc in HEADLESS_FLOWS:
            self.flow.addItem(uc.label, uc)
        self.site = QComboBox()
        self.site.setObjectName("headlessSite")
        for combo in (self.flow, self.site):  # long names mustn't widen the form
            combo.setSizeAdjustPolicy(_SHRINKABLE)
            combo.setMinimumContentsLength(12)
        self.username = _edit("hlUsername", "name@example.com")
        self.first_name = _edit("hlFirstName")
        self.last_name = _edit("hlLastName")
        self.email = _edit("hlEmail", "name@example.com")
        self.mobile = _edit("hlMobile", "+1 415 555 0100")
        self.init_button = QPushButton("1 · POST init")
        self.init_button.setObjectName("hlInit")
        self.init_button.setProperty("primary", True)
        self.identifier = _edit("hlIdentifier", "returned by init")
        self.code = _edit("hlCode", "from the phone")
        self.app = QComboBox()
        self.app.setObjectName("hlApp")
        self.app.setSizeAdjustPolicy(_SHRINKABLE)
        self.app.setMinimumContentsLength(12)
        self.app.setToolTip("The connected app the client presents (client id, callback URL)")
        self.pkce = QCheckBox("Send a PKCE challenge (S256)")
        self.pkce.setObjectName("hlPkce")
        self.pkce.setChecked(True)
        self.apps_button = QPushButton("Connected apps…")
        self.apps_button.setObjectName("hlApps")
        self.apps_button.clicked.connect(self.edit_apps)
        self.authorize_button = QPushButton("2 · POST authorize → token")
        self.authorize_button.setObjectName("hlAuthorize")
        self.authorize_button.setProperty("primary", True)
        self.status = label("", "muted")
        self.status.setObjectName("hlStatus")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.linkActivated.connect(
            lambda _l: self.show_log.emit(f"{self.username.text().strip()} headless"))

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Flow", self.flow)
        form.addRow("Site", self.site)
        self._reg_rows = [self.first_name, self.last_name, self.email, self.mobile]
        form.addRow("Username", self.username)
        form.addRow("First name", self.first_name)
        form.addRow("Last name", self.last_name)
        form.addRow("Email", self.email)
        form.addRow("Mobile", self.mobile)
        self._form = form
        left = QWidget()
        ll = QVBoxLayout(left)
        intro = label("A client app calls the site's headless identity API. The bench "
                      "serves it on loopback; every exchange is shown on the right.", "muted")
        # the splitter ignores height-for-width: reserve the wrapped lines of a narrow column,
        # or the form rows below get squashed in a 1280×720 window
        intro.setMinimumHeight(intro.heightForWidth(260))
        ll.addWidget(intro)
        ll.addLayout(form)
        ll.addWidget(self.init_button)
        f2 = QFormLayout()
        f2.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        f2.addRow("Client", self.app)
        f2.addRow("", self.apps_button)
        f2.addRow("", self.pkce)
        f2.addRow("Identifier", self.identifier)
        f2.addRow("Code", self.code)
        ll.addLayout(f2)
        ll.addWidget(self.authorize_button)
        ll.addWidget(self.status)
        ll.addStretch(1)
        restart = QPushButton("Start over")
        restart.clicked.connect(self.restart)
        ll.addWidget(restart, 0, Qt.AlignmentFlag.AlignLeft)
        self.view = QTextBrowser()
        self.view.setObjectName("hlExchanges")
        # the form scrolls rather than squashing its fields when the window is short
        scroll = QScrollArea()
        scroll.setObjectName("hlFormScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(left)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.view)
        split.setStretchFactor(1, 2)
        split.setSizes([340, 560])
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 10)
        lay.addWidget(split)
        self.flow.currentIndexChanged.connect(lambda _i: self.restart())
        self.init_button.clicked.connect(self._on_init)
        # Enter in the username starts the flow, as on a login form; click() is a no-op while
        # the button is disabled, so a second Enter can't start a second init
        self.username.returnPressed.connect(self.init_button.click)
        self.authorize_button.clicked.connect(self._on_authorize)
        self.code.returnPressed.connect(self._on_authorize)
        self.restart()

    @property
    def use_case(self) -> UseCase:
        return UseCase(self.flow.currentData())

    def set_engine(self, engine: Engine) -> None:
        self.close_client()
        self._engine = engine
        self.restart()
        self.reload_apps()

    # -- connected apps ------------------------------------------------------------------------

    def reload_apps(self) -> None:
        if self._engine is not None:  # a database read: on a worker
            self._tasks.run(self._engine.connected_apps, self.set_apps,
                            title="Reading connected apps")

    def set_apps(self, apps: list[Any]) -> None:
        current = self.app.currentText()
        self.app.clear()
        if not apps:
            self.app.addItem("Any client (no connected app)", None)
            self.app.setItemData(0, "Without connected apps the bench accepts any client id "
                                 "and redirect URI (bench assumption)",
                                 Qt.ItemDataRole.ToolTipRole)
        for a in apps:
            self.app.addItem(a.name, a)
            self.app.setItemData(self.app.count() - 1, f"client_id {a.client_id} · callback "
                                 f"{a.callback_urls[0]}", Qt.ItemDataRole.ToolTipRole)
        if current:
            self.app.setCurrentText(current)

    def edit_apps(self) -> None:
        if self._engine is None:
            return
        from otp_bench.gui.editors.connected_app_editor import ConnectedAppsDialog

        dialog = ConnectedAppsDialog(self._tasks, self._engine, self)
        dialog.changed.connect(self.reload_apps)
        self.apps_dialog = dialog
        dialog.open()

    def set_sites(self, sites: list[Site]) -> None:
        current = self.site.currentText()
        self.site.clear()
        for s in sites:
            self.site.addItem(s.name, s)
        if current:
            self.site.setCurrentText(current)

    def close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            self._tasks.run(client.close, title="Stopping the headless API")

    def restart(self) -> None:
        reg = self.use_case is UseCase.HEADLESS_PASSWORDLESS_REGISTRATION
        for w in self._reg_rows:
            self._form.setRowVisible(w, reg)
        self._exchanges = []
        self.identifier.clear()
        self.code.clear()
        self.status.setText("")
        self.view.setHtml(render_exchanges([]))
        self._set_step("init")

    def _set_step(self, step: str) -> None:
        self.step = step
        self.init_button.setEnabled(step in ("init", "code", "done"))
        self.authorize_button.setEnabled(step == "code")
        self.step_changed.emit(step)

    def fill_code(self, code: str) -> bool:
        if self.step != "code":
            return False
        self.code.setText(code)
        return True

    # -- calls ---------------------------------------------------------------------------------

    def _client_for(self) -> HeadlessClient:
        if self._client is None:  # worker thread: starting the loopback server may take a moment
            from otp_bench.headless.client import HeadlessClient

            self._client = HeadlessClient(engine=self._engine)
        return self._client

    def _prefix(self) -> str:
        from otp_bench.headless.routing import site_path

        site = self.site.currentData()
        return site_path(site) if site else ""

    def _on_init(self) -> None:
        if self._engine is None or self.site.currentData() is None:
            self.status.setText("Load a workspace with a site first.")
            return
        prefix, uc = self._prefix(), self.use_case
        username = self.username.text().strip()
        if not username:
            self.status.setText("<span style='color:#ba0517'>Enter a username.</span>")
            return
        fields = (self.first_name.text().strip(), self.last_name.text().strip(),
                  self.email.text().strip() or username, username, self.mobile.text().strip())

        def call() -> Any:
            client = self._client_for()
            if uc is UseCase.HEADLESS_PASSWORDLESS_LOGIN:
                return client.init_passwordless_login(prefix, username)
            return client.init_registration(prefix, *fields)

        self._set_step("busy")
        self.status.setText("Calling init…")
        self._tasks.run(call, self._on_init_done, self._on_error, title="Headless init")

    def _on_init_done(self, ex: Any) -> None:
        self._add(ex)
        ident = ex.field("identifier") if ex.ok else None
        if ident:
            self.identifier.setText(ident)
            self.status.setText("Init answered with an identifier. The API answers refusals "
                                "like successes (no account enumeration): <a href='log'>the "
                                "live log</a> has the real outcome. Enter the code from the "
                                "phone.")
            self._set_step("code")
        else:
            self.status.setText(f"<b>Init failed</b>: HTTP {ex.status} {ex.error}")
            self._set_step("init")

    def _on_authorize(self) -> None:
        if self.step != "code":
            return
        prefix, uc = self._prefix(), self.use_case
        ident, code = self.identifier.text().strip(), self.code.text().strip()
        app, use_pkce = self.app.currentData(), self.pkce.isChecked()
        state = secrets.token_urlsafe(12)
        self._state = state

        def call() -> list[Any]:
            from otp_bench.headless.client import DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI

            client = self._client_for()
            client.client_id = app.client_id if app else DEFAULT_CLIENT_ID
            client.redirect_uri = app.callback_urls[0] if app else DEFAULT_REDIRECT_URI
            auth = client.authorize(prefix, ident, code, uc, use_pkce=use_pkce, state=state)
            out = [auth]
            if auth.redirected:
                echo = client.follow(auth)  # None for an app scheme: a native app catches it
                if echo is not None:
                    out.append(echo)
                auth_code = auth.location_params.get("code")
                if auth_code:
                    out.append(client.token(prefix, auth_code))
            return out

        self._set_step("busy")
        self.status.setText("Calling authorize…")
        self._tasks.run(call, self._on_authorized, self._on_error, title="Headless authorize")

    def _on_authorized(self, exchanges: list[Any]) -> None:
        first = len(self._exchanges) + 1
        for ex in exchanges:
            self._add(ex)
        self.view.scrollToAnchor(f"ex{first}")  # the authorize call and its 302 in view
        last = exchanges[-1]
        if len(exchanges) >= 2 and last.ok and last.field("access_token"):
            state_ok = exchanges[0].location_params.get("state") == self._state
            self.status.setText(
                "<b style='color:#2e844a'>Access token issued.</b> Authorize answered 302 to "
                "the callback with the code" + (" and the same state" if state_ok else "")
                + "; the client exchanged the code for a token.")
            self._set_step("done")
        else:
            err = last.field("error_description") or last.field("error") or last.error
            self.status.setText(f"<b>Authorize failed</b>: HTTP {last.status} — {err}")
            self._set_step("code")

    def _on_error(self, exc: BaseException) -> None:
        self.status.setText(f"<b>{type(exc).__name__}</b>: {exc}")
        self._set_step("init")

    def restyle(self) -> None:
        self.view.setHtml(render_exchanges(self._exchanges))

    def _add(self, ex: Any) -> None:
        self._exchanges.append(ex)
        self.view.setHtml(render_exchanges(self._exchanges))
        self.exchanged.emit(ex)
