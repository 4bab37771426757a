"""The mock site pane: an Experience-Cloud-like site, branded per site, for the five browser flows.

The operator picks a site and a flow; the pages collect what the real pages would, the engine runs
on a worker (``TaskRunner``), and the outcome moves the page on: code entry, then the end page.
Refusals and delivery failures show the end user's message and, in the dashed operator box, the
reason code, its sentence and the engine's detail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from otp_bench.domain.model import Site
from otp_bench.domain.vocabulary import License, Reason, UseCase
from otp_bench.gui.layout import compact_combo
from otp_bench.gui.site_pane import messages as msg
from otp_bench.gui.site_pane.pages import (
    BROWSER_FLOWS,
    CARD_WIDTH,
    PAGE_TYPES,
    PATHS,
    Card,
    CodePage,
    EndPage,
)
from otp_bench.gui.widgets.forms import label

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.engine.outcomes import InitOutcome, VerifyOutcome
    from otp_bench.gui.tasks import TaskRunner


class SitePane(QWidget):
    """Signals: page_changed(name) with "start", "code" or "end"; show_flow(flow_id)."""

    page_changed = Signal(str)
    show_flow = Signal(str)
    outcome_shown = Signal(object)  # an init/verify outcome (or the error) is on screen

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Engine | None = None
        self._outcome: InitOutcome | None = None
        self.site = QComboBox()
        self.site.setObjectName("siteChooser")
        # combos size to a short text, not their longest item: the pane fits 1280×720 windows
        compact_combo(self.site, 12)
        self.flow = QComboBox()
        self.flow.setObjectName("flowChooser")
        compact_combo(self.flow, 16)
        for uc in BROWSER_FLOWS:
            self.flow.addItem(uc.label, uc)
        self.address = QLabel()
        self.address.setObjectName("addressBar")
        self.address.setProperty("role", "pill")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a long URL is clipped rather than widening the pane (and squeezing the docks)
        self.address.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.address.setMinimumWidth(60)
        self.restart_button = restart = QPushButton("Start over")
        restart.setObjectName("restart")
        restart.clicked.connect(self.restart)
        chrome = QHBoxLayout()
        chrome.addWidget(label("Site", "section", False))
        chrome.addWidget(self.site)
        chrome.addWidget(label("Flow", "section", False))
        chrome.addWidget(self.flow)
        chrome.addWidget(self.address, 1)
        chrome.addWidget(restart)

        self.pages: dict[UseCase, Any] = {}  # built on first use: startup paints sooner
        self.code_page = CodePage()
        self.end_page = EndPage()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.code_page)
        self.stack.addWidget(self.end_page)
        self.code_page.installEventFilter(self)
        self.end_page.installEventFilter(self)
        self.code_page.submitted.connect(self._on_verify)
        self.code_page.resend_clicked.connect(self._on_resend)
        self.end_page.restart.connect(self.restart)

        self.header = QFrame()
        self.header.setObjectName("siteHeader")
        self.logo = QLabel()
        self.logo.setObjectName("siteLogo")
        hl = QHBoxLayout(self.header)
        hl.setContentsMargins(24, 14, 24, 14)
        hl.addWidget(self.logo)
        hl.addStretch(1)
        hl.addWidget(QLabel("Help  ·  Contact Us"))
        card = Card()
        cl = QVBoxLayout(card)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.stack)
        self.operator = QFrame()
        self.operator.setProperty("role", "operator")
        self.operator.setFixedWidth(330)
        self.operator_text = QLabel()
        self.operator_text.setObjectName("operatorNote")
        self.operator_text.setWordWrap(True)
        self.operator_text.setTextFormat(Qt.TextFormat.RichText)
        self.operator_text.linkActivated.connect(lambda _l: self._show_in_log())
        ol = QVBoxLayout(self.operator)
        ol.setContentsMargins(12, 10, 12, 10)
        ol.addWidget(label("OPERATOR VIEW — not shown to the end user", "section"))
        ol.addWidget(self.operator_text)
        self.operator.hide()
        self._operator_widgets: list[Any] = []

        self.canvas = canvas = QWidget()
        canvas.setObjectName("siteCanvas")
        col = QVBoxLayout(canvas)
        col.setContentsMargins(0, 0, 0, 24)
        col.setSpacing(14)
        col.addWidget(self.header)
        col.addSpacing(18)
        # the end user's card, and next to it what the operator is told (below it when narrow)
        self.card_row = row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        row.setSpacing(18)
        row.addStretch(1)
        row.addWidget(card, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        row.addWidget(self.operator, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        row.addStretch(1)
        col.addLayout(row)
        col.addStretch(1)
        self.footer = QLabel()
        self.footer.setObjectName("siteFooter")
        self.footer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        col.addWidget(self.footer)
        self.frame = QFrame()
        self.frame.setObjectName("siteFrame")
        fl = QVBoxLayout(self.frame)
        fl.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(canvas)
        fl.addWidget(scroll)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 10)
        lay.setSpacing(8)
        lay.addLayout(chrome)
        lay.addWidget(self.frame, 1)
        self.site.currentIndexChanged.connect(self._on_site_picked)
        self.flow.currentIndexChanged.connect(lambda _i: self.restart())
        self._apply_site()
        self.restart()

    # -- workspace -------------------------------------------------------------------------

    def set_engine(self, engine: Engine) -> None:
        self._engine = engine
        self.restart()

    def set_sites(self, sites: list[Site]) -> None:
        """Refill the site chooser, keeping the current choice when it still exists."""
        current = self.site.currentData()
        self.site.blockSignals(True)
        self.site.clear()
        for s in sites:
            self.site.addItem(s.name, s)
        ids = [s.id for s in sites]  # by id: a site renamed elsewhere stays chosen
        if current is not None and current.id in ids:
            self.site.setCurrentIndex(ids.index(current.id))
        self.site.blockSignals(False)
        self._apply_site()

    @property
    def current_site(self) -> Site | None:
        site = self.site.currentData()
        return site if isinstance(site, Site) else None

    @property
    def use_case(self) -> UseCase:
        return UseCase(self.flow.currentData())

    @property
    def page_name(self) -> str:
        w = self.stack.currentWidget()
        return "code" if w is self.code_page else "end" if w is self.end_page else "start"

    def _apply_site(self) -> None:
        from otp_bench.gui import theme
        from otp_bench.gui.site_pane import slds

        site = self.current_site
        brand = site.brand_color if site else "#0176d3"
        name = (site.logo_text or site.name) if site else "No site yet"
        self.logo.setText(name)
        self.footer.setText(f"© {name} · Privacy · Terms of Use")
        self.frame.setStyleSheet(slds.stylesheet(brand, theme.scaled(13) / 13))
        self.canvas.setFont(slds.site_font(self.font()))
        self._update_address()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        wide = self.width() >= CARD_WIDTH + self.operator.width() + 90
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.card_row.direction() != direction:
            self.card_row.setDirection(direction)

    def _update_address(self) -> None:
        site = self.current_site
        prefix = (site.url_prefix or "site") if site else "site"
        self.address.setText(f"https://{prefix}.my.site.com/{PATHS[self.use_case]}")

    # -- navigation ------------------------------------------------------------------------

    def page(self, uc: UseCase) -> Any:
        """The start page of ``uc`` (created the first time it's needed)."""
        if uc not in self.pages:
            page = PAGE_TYPES[uc]()
            page.submitted.connect(self._on_start)
            page.installEventFilter(self)
            self.stack.addWidget(page)
            self.pages[uc] = page
        return self.pages[uc]

    def restart(self) -> None:
        self._outcome = None
        page = self.page(self.use_case)
        page.clear_errors()
        self._set_busy(False)
        self._operator(page.bench_note or None)
        self._show_operator_widgets(page.operator_widgets())
        self._update_address()
        self._go(page)

    def _show_operator_widgets(self, widgets: list[Any]) -> None:
        """Operator-only settings of the start page (the licence of a sign-up) live beside the
        card, never in it."""
        for w in self._operator_widgets:
            if w not in widgets:
                w.hide()
        layout = self.operator.layout()
        assert layout is not None, "the operator card has its layout from the start"
        for w in widgets:
            if w not in self._operator_widgets:
                layout.addWidget(w)
                self._operator_widgets.append(w)
            w.show()
        if widgets:
            self.operator.show()

    def _go(self, page: QWidget) -> None:
        if page is not self.pages.get(self.use_case):
            self._show_operator_widgets([])
        # a stacked widget is as tall as its tallest page: size the card to the shown page only
        for i in range(self.stack.count()):
            w = self.stack.widget(i)
            policy = QSizePolicy.Policy.Preferred if w is page else QSizePolicy.Policy.Ignored
            if w is not None:
                w.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(page)
        self._fit()
        self.page_changed.emit(self.page_name)

    def _fit(self) -> None:
        """Size the card to the shown page: wrapped text needs its height for the card's fixed
        width, which a stacked widget never asks its page for."""
        page = self.stack.currentWidget()
        if page is not None:
            self.stack.setFixedHeight(page.heightForWidth(CARD_WIDTH) if page.hasHeightForWidth()
                                      else page.sizeHint().height())

    def eventFilter(self, obj: Any, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest and obj is self.stack.currentWidget():
            self._fit()  # an error line appeared or went: the card follows
        return False

    def _set_busy(self, busy: bool) -> None:
        for page in (*self.pages.values(), self.code_page):
            page.button.setEnabled(not busy)
        self.code_page.resend.setEnabled(not busy)

    def _operator(self, html: str | None) -> None:
        self.operator_text.setText(html or "")
        self.operator.setVisible(bool(html))

    # -- start -----------------------------------------------------------------------------

    def _on_start(self) -> None:
        if self._engine is None or self.current_site is None:
            self._operator("Create or load a workspace with a site first (File → Load sample "
                           "workspace).")
            return
        page = self.pages[self.use_case]
        page.clear_errors()
        call = self._start_call(page)
        if call is None:
            return
        self._set_busy(True)
        self._tasks.run(call, self._on_init, self._on_start_error, title="Starting the flow")

    def _on_site_picked(self, _index: int) -> None:
        self._apply_site()
        self.restart()

    def _start_call(self, page: Any) -> Callable[[], InitOutcome] | None:
        engine, uc = self._engine, self.use_case
        if engine is None or self.current_site is None:
            return None
        site = self.current_site.name
        if uc.registers_user:
            values = {k: page.fields[k].editor.text().strip()
                      for k in ("first_name", "last_name", "email", "username", "mobile")}
            missing = [k for k in ("username", "mobile") if not values[k]]
            if page.password is not None and not page.password.text():
                missing.append("password")
            for k in missing:
                page.fields[k].set_error("Complete this field.")
            if missing:
                return None
            from otp_bench.domain.model import NewUser

            new = NewUser(username=values["username"], mobile=values["mobile"],
                          license=License(page.license.currentData()),
                          first_name=values["first_name"], last_name=values["last_name"],
                          email=values["email"])
            return lambda: engine.start(uc, site, new_user=new)
        username = page.username.text().strip()
        if not username:
            page.fields["username"].set_error("Enter your username.")
            return None
        if uc is UseCase.VERIFICATION and not page.password.text():
            page.fields["password"].set_error("Enter your password.")
            return None
        mobile = page.mobile.text().strip() or None if uc is \
            UseCase.VERIFICATION_METHOD_REGISTRATION else None
        return lambda: engine.start(uc, site, username, mobile=mobile)

    def _on_start_error(self, exc: BaseException) -> None:
        self._set_busy(False)
        page = self.pages[self.use_case]
        if "username" in page.fields:
            page.fields["username"].set_error("We can't find an account with that username.")
        self._operator(f"<b>{type(exc).__name__}</b> — {exc}")
        self.outcome_shown.emit(exc)

    def _on_init(self, out: InitOutcome) -> None:
        self._show_init(out)
        self.outcome_shown.emit(out)

    def _show_init(self, out: InitOutcome) -> None:
        self._set_busy(False)
        self._outcome = out
        if out.ok and self._engine is not None:
            ttl = self._engine.settings.otp.ttl_for(out.use_case)
            now = self._engine.clock.now()
            site = self.current_site
            self.code_page.prepare(msg.mask_phone(out.phone),
                                   (site.logo_text or site.name) if site else "this site")
            self._operator(msg.delivery_note(out) + "<br>" + msg.validity(ttl, now)
                           + self._log_link())
            self._go(self.code_page)
            return
        if out.reason in (Reason.INVALID_PHONE_NUMBER, Reason.USERNAME_TAKEN):
            page = self.pages[self.use_case]
            key = "mobile" if out.reason is Reason.INVALID_PHONE_NUMBER else "username"
            if key in page.fields:  # the user can fix it on the same page
                page.fields[key].set_error(msg.end_user_text(out.reason))
                self._operator(msg.operator_text(out.reason, out.detail) + self._log_link())
                return
        self.end_page.show_result(False, "Something went wrong", msg.end_user_text(out.reason))
        note = msg.operator_text(out.reason, out.detail)
        if out.delivery is not None:
            note += f"<br>Handler <b>{out.handler}</b> returned <b>{out.delivery.value}</b>: " \
                f"{out.delivery.meaning}."
        self._operator(note + self._log_link())
        self._go(self.end_page)

    def _log_link(self) -> str:
        return "<br><a href='log'>Show this flow in the log</a>"

    def _show_in_log(self) -> None:
        if self._outcome is not None:
            self.show_flow.emit(self._outcome.flow_id)

    # -- code entry ------------------------------------------------------------------------

    def fill_code(self, code: str) -> bool:
        """Type ``code`` into the code page (the phone's "fill code"); False if not on it."""
        if self.stack.currentWidget() is not self.code_page:
            return False
        self.code_page.code.setText(code)
        self.code_page.code.setFocus()
        return True

    def _on_verify(self) -> None:
        if self._outcome is None:
            return
        code = self.code_page.code.text().strip()
        if not code:
            self.code_page.fields["code"].set_error("Enter the code we sent you.")
            return
        engine, flow_id = self._engine, self._outcome.flow_id
        if engine is None:
            return
        self.code_page.clear_errors()
        self._set_busy(True)
        self._tasks.run(lambda: engine.verify(flow_id, code), self._on_verified,
                        self._on_start_error, title="Verifying the code")

    def _on_verified(self, res: VerifyOutcome) -> None:
        self._show_verified(res)
        self.outcome_shown.emit(res)

    def _show_verified(self, res: VerifyOutcome) -> None:
        self._set_busy(False)
        if res.success:
            title, text = msg.SUCCESS_TITLE[self.use_case]
            self.end_page.show_result(True, title, text)
            fb, fa = res.flags_before, res.flags_after

            def flag(name: str) -> str:
                b, a = getattr(fb, name), getattr(fa, name)
                return f"{name} {str(b).lower()} → <b>{str(a).lower()}</b>"

            self._operator(f"Verify <b>SUCCESS</b> · {flag('user_verified')}, "
                           f"{flag('admin_verified')}" + self._log_link())
            self._go(self.end_page)
            return
        text = msg.end_user_text(res.reason)
        if res.reason is Reason.INVALID_CODE and res.attempts_left:
            text += " " + msg.attempts_left(res.attempts_left)
        if res.reason in (Reason.INVALID_CODE, Reason.EXPIRED, Reason.ATTEMPTS_EXCEEDED,
                          Reason.ALREADY_USED):
            self.code_page.fields["code"].set_error(text)
            self._operator(msg.operator_text(res.reason, "") + self._log_link())
            return
        self.end_page.show_result(False, "Verification failed", text)
        self._operator(msg.operator_text(res.reason, "") + self._log_link())
        self._go(self.end_page)

    def _on_resend(self) -> None:
        engine = self._engine
        if self._outcome is None or engine is None:
            return
        self._set_busy(True)
        flow_id = self._outcome.flow_id
        self._tasks.run(lambda: engine.resend(flow_id), self._on_init, self._on_start_error,
                        title="Resending the code")
