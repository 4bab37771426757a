"""Look and feel: Fusion style, a light or dark palette that follows the system, the stylesheet.

The stylesheet ships as ``resources/styles/base.qss`` with ``@token`` placeholders; the token
values for each scheme come from ``resources/styles/tokens.json`` (both read from the package with
``otp_bench.assets``; a missing one is ``MissingResource``, never a silently unstyled app).
``tokens()`` hands the same colours to code that paints (log rows, flag highlights, the mock site).
"""

from __future__ import annotations

import json
import re
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from otp_bench import assets

_current = "light"
_presenter = False  # larger text for demos (View ▸ Presenter mode)


@cache
def _all_tokens() -> dict[str, dict[str, str]]:
    tokens: dict[str, dict[str, str]] = json.loads(assets.read_text("styles", "tokens.json"))
    return tokens


def system_scheme() -> str:
    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def tokens(scheme: str | None = None) -> dict[str, str]:
    return _all_tokens().get(scheme or _current, {})


def color(name: str, fallback: str = "#808080") -> QColor:
    return QColor(tokens().get(name, fallback))


def apply(app: QApplication, scheme: str = "system", *, presenter: bool | None = None) -> str:
    """Style ``app``; ``scheme`` is "system", "light" or "dark"; ``presenter`` scales every text
    size up (None: keep the current choice). Returns the scheme applied."""
    from otp_bench.gui.layout import BASE_FONT_PX, font_px

    global _current, _presenter
    _current = system_scheme() if scheme == "system" else scheme
    if presenter is not None:
        _presenter = presenter
    app.setStyle("Fusion")
    font = app.font()
    font.setPixelSize(font_px(_presenter))
    app.setFont(font)
    scale = font_px(_presenter) / BASE_FONT_PX
    t = tokens()
    if t:
        app.setPalette(_palette(t))
        template = assets.read_text("styles", "base.qss")
        # longest names first so @accent_text isn't eaten by @accent
        values = {**t, "icons": assets.path("icons").as_posix()}
        names = sorted(values, key=len, reverse=True)
        pattern = re.compile("@(" + "|".join(map(re.escape, names)) + ")")
        qss = pattern.sub(lambda m: values[m.group(1)], template)
        if scale != 1:
            qss = re.sub(r"font-size:\s*(\d+)px",
                         lambda m: f"font-size: {round(int(m.group(1)) * scale)}px", qss)
        app.setStyleSheet(qss)
    return _current


def presenter() -> bool:
    return _presenter


def scaled(px: int) -> int:
    """A pixel text size from code (inline styles), scaled like the stylesheet's."""
    from otp_bench.gui.layout import BASE_FONT_PX, font_px

    return round(px * font_px(_presenter) / BASE_FONT_PX)


def current() -> str:
    return _current


def _palette(t: dict[str, str]) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    p.setColor(role.Window, QColor(t["bg"]))
    p.setColor(role.WindowText, QColor(t["text"]))
    p.setColor(role.Base, QColor(t["surface"]))
    p.setColor(role.AlternateBase, QColor(t["surface_alt"]))
    p.setColor(role.Text, QColor(t["text"]))
    p.setColor(role.Button, QColor(t["surface"]))
    p.setColor(role.ButtonText, QColor(t["text"]))
    p.setColor(role.Highlight, QColor(t["selection"]))
    p.setColor(role.HighlightedText, QColor(t["text"]))
    p.setColor(role.PlaceholderText, QColor(t["muted"]))
    p.setColor(role.ToolTipBase, QColor(t["surface"]))
    p.setColor(role.ToolTipText, QColor(t["text"]))
    p.setColor(role.Link, QColor(t["accent"]))
    p.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(t["muted"]))
    p.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(t["muted"]))
    return p
