"""The mock site's look: Salesforce Lightning Design System tokens, light only, in the site's
brand colour — so end-user pages read as an Experience Cloud site and are never darkened by the
app's dark mode (the operator view beside them keeps the app's theme).

Salesforce Sans isn't available offline; the font stack falls back to the system's sans-serif
(``FONT_FAMILIES``, a bench assumption).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont

# SLDS global tokens (lightning design system, v2): the values Experience Cloud's Build Your
# Own template uses on its login pages
TOKENS = {
    "page_bg": "#f3f3f3",  # color-background
    "card_bg": "#ffffff",  # color-background-alt
    "border": "#c9c9c9",  # color-border-input
    "text": "#181818",  # color-text-default
    "text_weak": "#444444",  # color-text-weak
    "text_placeholder": "#747474",
    "error": "#ea001e",  # color-text-error
    "footer": "#706e6b",
    "radius": "4px",  # border-radius-medium
}
FONT_FAMILIES = ["Salesforce Sans", "Segoe UI", "Helvetica Neue", "Arial", "Liberation Sans",
                 "DejaVu Sans", "sans-serif"]


def site_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setFamilies(FONT_FAMILIES)
    return font


def stylesheet(brand: str, scale: float = 1.0) -> str:
    """The site frame's stylesheet for a site whose brand colour is ``brand``."""
    t = TOKENS
    dark = QColor(brand).darker(125).name()

    def px(n: int) -> str:
        return f"{round(n * scale)}px"

    card = "QFrame#siteCard"
    return "".join([
        f"QWidget#siteCanvas {{ background: {t['page_bg']}; }}",
        f"QFrame#siteHeader {{ background: {brand}; }}",
        "QFrame#siteHeader QLabel { color: white; }",
        f"QLabel#siteLogo {{ font-size: {px(19)}; font-weight: 700; letter-spacing: 0.5px; }}",
        f"{card} {{ background: {t['card_bg']}; border: 1px solid {t['border']}; "
        f"border-radius: {t['radius']}; }}",
        f"{card} QWidget {{ background: transparent; color: {t['text']}; }}",
        f"{card} QLabel#pageTitle {{ font-size: {px(20)}; font-weight: 400; color: {t['text']}; }}",
        f"{card} QLabel[role=\"muted\"] {{ color: {t['text_weak']}; }}",
        f"{card} QLabel[role=\"section\"] {{ color: {t['text_weak']}; font-size: {px(12)}; "
        "font-weight: 400; letter-spacing: 0; }",
        f"{card} QLabel[role=\"error\"] {{ color: {t['error']}; }}",
        f"{card} QLineEdit {{ background: {t['card_bg']}; color: {t['text']}; "
        f"border: 1px solid {t['border']}; border-radius: {t['radius']}; padding: 0 12px; "
        f"selection-background-color: {brand}; }}",
        f"{card} QLineEdit:focus {{ border: 1px solid {brand}; }}",
        f"{card} QLineEdit[invalid=\"true\"] {{ border: 2px solid {t['error']}; }}",
        f"{card} QPushButton[brand=\"true\"] {{ background: {brand}; color: white; border: none; "
        f"border-radius: {t['radius']}; font-weight: 400; font-size: {px(14)}; }}",
        f"{card} QPushButton[brand=\"true\"]:hover {{ background: {dark}; }}",
        f"{card} QPushButton[brand=\"true\"]:disabled {{ background: #c9c9c9; color: #fff; }}",
        f"{card} QPushButton[link=\"true\"] {{ border: none; background: transparent; "
        f"color: {brand}; padding: 2px 0; }}",
        f"{card} QPushButton[link=\"true\"]:hover {{ color: {dark}; text-decoration: underline; }}",
        f"QLabel#siteFooter {{ color: {t['footer']}; font-size: {px(12)}; }}",
    ])
