"""The pages of the mock Experience Cloud site, as plain widgets with named inputs.

Each start page has a primary button and emits ``submitted``; the controller (``site_pane``) reads
the fields. Object names are stable: tests type into them like a user would. The wording follows
Salesforce's stock Experience Cloud login, sign-up and identity verification pages ("Log In",
"Not a member? Sign Up", "Verify Your Identity", "Resend Code"; a bench assumption: the exact
strings vary by release and locale). End-user pages carry no bench notes: those (``bench_note``,
``operator_widgets``) go to the operator view beside the card.
"""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from otp_bench.domain.vocabulary import License, UseCase
from otp_bench.gui.widgets.forms import Field, label

W = TypeVar("W", bound=QWidget)


def _input(name: str, placeholder: str = "", password: bool = False) -> QLineEdit:
    e = QLineEdit()
    e.setObjectName(name)
    e.setPlaceholderText(placeholder)
    if password:
        e.setEchoMode(QLineEdit.EchoMode.Password)
    e.setMinimumHeight(34)
    return e


def primary(text: str, name: str) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setProperty("brand", True)
    b.setMinimumHeight(38)
    b.setCursor(Qt.CursorShape.PointingHandCursor)
    b.setDefault(True)
    return b


def link(text: str, name: str) -> QPushButton:
    """A text link in the site's brand colour (SLDS ``slds-text-link``)."""
    b = QPushButton(text)
    b.setObjectName(name)
    b.setProperty("link", True)
    b.setCursor(Qt.CursorShape.PointingHandCursor)
    return b


class Page(QWidget):
    """A card with a title, a subtitle, fields and a primary action."""

    submitted = Signal()
    bench_note = ""  # what the operator is told about this page (never shown to the end user)

    def __init__(self, title: str, subtitle: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(title, "title")
        self.title.setObjectName("pageTitle")
        self.subtitle = label(subtitle, "muted")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(28, 24, 28, 24)
        self.body.setSpacing(12)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.body.addWidget(self.title)
        if subtitle:
            self.body.addWidget(self.subtitle)
        self.fields: dict[str, Field] = {}

    def add(self, key: str, title: str, editor: W, hint: str = "") -> W:
        f = Field(title, editor, hint)
        self.fields[key] = f
        self.body.addWidget(f)
        if isinstance(editor, QLineEdit):
            editor.returnPressed.connect(self.submitted)
        return editor

    def add_button(self, button: QPushButton) -> QPushButton:
        self.body.addSpacing(4)
        self.body.addWidget(button)
        button.clicked.connect(self.submitted)
        return button

    def clear_errors(self) -> None:
        for f in self.fields.values():
            f.set_error(None)


    def operator_widgets(self) -> list[QWidget]:
        """Operator-only settings of this page, shown in the operator view."""
        return []

    def add_footer(self, text: str, action: str, name: str) -> None:
        """"Not a member? Sign Up": a line under the button."""
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.setSpacing(4)
        lay.addStretch(1)
        lay.addWidget(label(text, "muted", False))
        lay.addWidget(link(action, name))
        lay.addStretch(1)
        self.body.addWidget(row)


class PasswordlessLoginPage(Page):
    bench_note = ("Passwordless login: Salesforce texts a code to the mobile number on the "
                  "account; no password is asked.")

    def __init__(self) -> None:
        super().__init__("Log In", "Enter your username. We'll text you a verification code.")
        self.username = self.add("username", "Username", _input("username", "name@example.com"))
        self.button = self.add_button(primary("Continue", "sendCode"))
        self.add_footer("Not a member?", "Sign Up", "signUpLink")


class PasswordLoginPage(Page):
    """Username + password, then an SMS code (MFA). The bench never checks passwords."""

    bench_note = ("Bench assumption: passwords aren't checked — any password continues to the "
                  "SMS identity verification step (initVerificationMethod).")

    def __init__(self) -> None:
        super().__init__("Log In")
        self.username = self.add("username", "Username", _input("username", "name@example.com"))
        self.password = self.add("password", "Password", _input("password", "", password=True))
        self.button = self.add_button(primary("Log In", "logIn"))
        forgot = link("Forgot your password?", "forgotPassword")
        self.body.addWidget(forgot, 0, Qt.AlignmentFlag.AlignHCenter)
        self.add_footer("Not a member?", "Sign Up", "signUpLink")


class RegisterPage(Page):
    """Self-registration (with a password) or passwordless registration (without)."""

    def __init__(self, with_password: bool) -> None:
        super().__init__("Sign Up", "We'll text a verification code to your mobile phone.")
        self.with_password = with_password
        self.first_name = self.add("first_name", "First Name", _input("firstName"))
        self.last_name = self.add("last_name", "Last Name", _input("lastName"))
        self.email = self.add("email", "Email", _input("email", "name@example.com"))
        self.username = self.add("username", "Username", _input("regUsername",
                                                                "defaults to the email"))
        self.mobile = self.add("mobile", "Mobile Phone", _input("mobile", "+1 415 555 0100"),
                               "Include the country code.")
        self.password = (
            self.add("password", "Create Password", _input("regPassword", password=True))
            if with_password else None
        )
        # an operator setting (the registration handler assigns it): shown in the operator view
        self.license = QComboBox()
        self.license.setObjectName("license")
        for lic in License:
            self.license.addItem(lic.value, lic)
        self.button = self.add_button(primary("Sign Up", "signUp"))
        self.add_footer("Already have an account?", "Log In", "logInLink")
        self.email.textChanged.connect(self._sync_username)

    bench_note = ("Licence of the new user (the registration handler assigns it; internal "
                  "licences are refused):")

    def operator_widgets(self) -> list[QWidget]:
        return [self.license]

    def _sync_username(self, text: str) -> None:
        if not self.username.isModified():
            self.username.setText(text)


class AddMobilePage(Page):
    """Verification method registration: a logged-in user adds their mobile number."""

    def __init__(self) -> None:
        super().__init__("Register Your Mobile Phone",
                         "Get verification codes by text message when you log in.")
        self.username = self.add("username", "Logged in as", _input("username",
                                                                    "name@example.com"))
        self.mobile = self.add("mobile", "Mobile Phone", _input("mobile", "+1 415 555 0100"),
                               "Leave empty to use the number already on your account.")
        self.button = self.add_button(primary("Send Code", "sendCode"))


class CodePage(Page):
    resend_clicked = Signal()

    def __init__(self) -> None:
        super().__init__("Verify Your Identity", "")
        self.sent_to = label("", "")
        self.sent_to.setObjectName("sentTo")
        self.body.addWidget(self.sent_to)
        self.code = self.add("code", "Verification Code", _input("code", ""))
        self.code.setMaxLength(10)
        self.resend = link("Resend Code", "resend")  # under the field, as on Salesforce's page
        self.resend.clicked.connect(self.resend_clicked)
        self.body.addWidget(self.resend, 0, Qt.AlignmentFlag.AlignLeft)
        self.button = self.add_button(primary("Verify", "verify"))

    def prepare(self, phone_text: str, site: str = "this site") -> None:
        self.clear_errors()
        self.code.clear()
        self.sent_to.setText(f"To make sure your {site} account is secure, we have to verify "
                             f"your identity. Enter the verification code we sent to "
                             f"{phone_text}.")
        self.code.setFocus()


class EndPage(Page):
    restart = Signal()

    def __init__(self) -> None:
        super().__init__("", "")
        self.badge = QLabel()
        self.badge.setObjectName("endBadge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setFixedSize(44, 44)
        self.body.insertWidget(0, self.badge)
        self.message = label("", "")
        self.message.setObjectName("endMessage")
        self.body.addWidget(self.message)
        again = link("Back to Log In", "startOver")
        again.clicked.connect(self.restart)
        self.body.addWidget(again, 0, Qt.AlignmentFlag.AlignLeft)
        self.ok = False

    def show_result(self, ok: bool, title: str, message: str) -> None:
        self.ok = ok
        self.title.setText(title)
        self.message.setText(message)
        self.badge.setText("✓" if ok else "!")
        self.badge.setProperty("ok", ok)
        self.badge.setStyleSheet(
            "border-radius: 22px; font-size: 22px; font-weight: 700; color: white; background: "
            + ("#2e844a" if ok else "#ba0517") + ";"
        )


CARD_WIDTH = 400


class Card(QFrame):
    """The white card the pages sit on (SLDS card: 4 px radius, hairline border)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("siteCard")
        self.setProperty("role", "card")
        self.setFixedWidth(CARD_WIDTH)


BROWSER_FLOWS = (
    UseCase.PASSWORDLESS_LOGIN, UseCase.VERIFICATION, UseCase.SELF_REGISTRATION,
    UseCase.PASSWORDLESS_REGISTRATION, UseCase.VERIFICATION_METHOD_REGISTRATION,
)
PATHS = {
    UseCase.PASSWORDLESS_LOGIN: "s/login/passwordless", UseCase.VERIFICATION: "s/login",
    UseCase.SELF_REGISTRATION: "s/login/SelfRegister",
    UseCase.PASSWORDLESS_REGISTRATION: "s/login/SelfRegister?passwordless=1",
    UseCase.VERIFICATION_METHOD_REGISTRATION: "s/settings/verification-methods",
}
PAGE_TYPES: dict[UseCase, Any] = {
    UseCase.PASSWORDLESS_LOGIN: PasswordlessLoginPage,
    UseCase.VERIFICATION: PasswordLoginPage,
    UseCase.SELF_REGISTRATION: lambda: RegisterPage(with_password=True),
    UseCase.PASSWORDLESS_REGISTRATION: lambda: RegisterPage(with_password=False),
    UseCase.VERIFICATION_METHOD_REGISTRATION: AddMobilePage,
}
