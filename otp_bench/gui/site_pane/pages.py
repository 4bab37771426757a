"""The pages of the mock Experience Cloud site, as plain widgets with named inputs.

Each start page has a primary button and emits ``submitted``; the controller (``site_pane``) reads
the fields. Object names are stable: tests type into them like a user would.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from otp_bench.domain.vocabulary import License, UseCase
from otp_bench.gui.widgets.forms import Field, label


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


class Page(QWidget):
    """A card with a title, a subtitle, fields and a primary action."""

    submitted = Signal()

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

    def add(self, key: str, title: str, editor: QWidget, hint: str = "") -> QWidget:
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


class PasswordlessLoginPage(Page):
    def __init__(self) -> None:
        super().__init__("Log in", "We'll text a verification code to the mobile number on "
                         "your account. No password needed.")
        self.username = self.add("username", "Username", _input("username", "name@example.com"))
        self.button = self.add_button(primary("Send code", "sendCode"))


class PasswordLoginPage(Page):
    """Username + password, then an SMS code (MFA). The bench never checks passwords."""

    def __init__(self) -> None:
        super().__init__("Log in", "Enter your username and password. We'll then ask for a "
                         "verification code.")
        self.username = self.add("username", "Username", _input("username", "name@example.com"))
        self.password = self.add("password", "Password", _input("password", "", password=True))
        note = label("Bench assumption: passwords aren't checked — any password continues to "
                     "the SMS verification step.", "muted")
        self.body.addWidget(note)
        self.button = self.add_button(primary("Log in", "logIn"))


class RegisterPage(Page):
    """Self-registration (with a password) or passwordless registration (without)."""

    def __init__(self, with_password: bool) -> None:
        super().__init__(
            "Create an account",
            "Sign up with your mobile number; we'll text you a code to confirm it."
            if not with_password else "Sign up; we'll text you a code to confirm your number.",
        )
        self.with_password = with_password
        self.first_name = self.add("first_name", "First name", _input("firstName"))
        self.last_name = self.add("last_name", "Last name", _input("lastName"))
        self.email = self.add("email", "Email", _input("email", "name@example.com"))
        self.username = self.add("username", "Username", _input("regUsername",
                                                                "defaults to the email"))
        self.mobile = self.add("mobile", "Mobile phone", _input("mobile", "+1 415 555 0100"),
                               "Include the country code.")
        self.password = (
            self.add("password", "Password", _input("regPassword", password=True))
            if with_password else None
        )
        self.license = QComboBox()
        self.license.setObjectName("license")
        for lic in License:
            self.license.addItem(lic.value, lic)
        self.add("license", "Licence (operator setting: the registration handler assigns it)",
                 self.license)
        self.button = self.add_button(primary("Sign up", "signUp"))
        self.email.textChanged.connect(self._sync_username)

    def _sync_username(self, text: str) -> None:
        if not self.username.isModified():
            self.username.setText(text)


class AddMobilePage(Page):
    """Verification method registration: a logged-in user adds their mobile number."""

    def __init__(self) -> None:
        super().__init__("Add a verification method",
                         "Register your mobile number to receive verification codes by text.")
        self.username = self.add("username", "Logged in as", _input("username",
                                                                    "name@example.com"))
        self.mobile = self.add("mobile", "Mobile phone", _input("mobile", "+1 415 555 0100"),
                               "Leave empty to register the number already on the account.")
        self.button = self.add_button(primary("Send code", "sendCode"))


class CodePage(Page):
    resend_clicked = Signal()

    def __init__(self) -> None:
        super().__init__("Check your phone", "")
        self.sent_to = label("", "muted")
        self.body.addWidget(self.sent_to)
        self.code = self.add("code", "Verification code", _input("code", "6-digit code"))
        self.code.setMaxLength(10)
        self.button = self.add_button(primary("Verify", "verify"))
        self.resend = QPushButton("Didn't get a code? Resend")
        self.resend.setObjectName("resend")
        self.resend.setProperty("flat", True)
        self.resend.clicked.connect(self.resend_clicked)
        self.body.addWidget(self.resend, 0, Qt.AlignmentFlag.AlignLeft)
        self.expires = label("", "muted")
        self.body.addWidget(self.expires)

    def prepare(self, phone_text: str, expires: str = "") -> None:
        self.clear_errors()
        self.code.clear()
        self.sent_to.setText(f"Enter the code we sent to {phone_text}.")
        self.expires.setText(expires)
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
        again = QPushButton("Start over")
        again.setObjectName("startOver")
        again.setProperty("flat", True)
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
    """The white card the pages sit on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
