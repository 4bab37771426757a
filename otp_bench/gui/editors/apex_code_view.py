"""A read-only view of Apex source: syntax highlighting, line numbers, and a marked line.

``ApexHighlighter`` colours keywords (Apex keywords are case-insensitive), string literals,
comments (block comments across lines), annotations and numbers with the theme's tokens.
``ApexCodeView`` adds a line-number gutter and ``mark_line(n, ok)``, which highlights the line the
last run ended on (green for a return, red for a throw) and scrolls to it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from otp_bench.gui import theme

KEYWORDS = (
    "abstract", "break", "catch", "class", "continue", "do", "else", "enum", "extends", "final",
    "finally", "for", "global", "if", "implements", "instanceof", "interface", "new", "null",
    "override", "private", "protected", "public", "return", "static", "super", "switch", "this",
    "throw", "transient", "try", "virtual", "void", "when", "while", "with", "without", "sharing",
    "inherited", "true", "false", "on", "select", "from", "where", "limit", "and", "or", "not",
    "in", "get", "set", "testmethod",
)
_KEYWORD = re.compile(r"\b(?:" + "|".join(KEYWORDS) + r")\b", re.IGNORECASE)
_TYPE = re.compile(r"\b[A-Z][A-Za-z0-9_]*\b")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?[lLdD]?\b")
_ANNOTATION = re.compile(r"@[A-Za-z_][A-Za-z0-9_]*")
_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'?")
_LINE_COMMENT = re.compile(r"//[^\n]*")


def _fmt(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(QColor(color))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    f.setFontItalic(italic)
    return f


class ApexHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        dark = theme.tokens().get("bg", "#ffffff").lower() < "#808080"
        self.keyword = _fmt("#c586c0" if dark else "#0b5cad", bold=True)
        self.type = _fmt("#4ec9b0" if dark else "#136f63")
        self.string = _fmt("#ce9178" if dark else "#a31515")
        self.comment = _fmt("#6a9955" if dark else "#5c6470", italic=True)
        self.number = _fmt("#b5cea8" if dark else "#7a3e9d")
        self.annotation = _fmt("#dcdcaa" if dark else "#8c4b02")

    def highlightBlock(self, text: str) -> None:
        for rx, f in ((_TYPE, self.type), (_KEYWORD, self.keyword), (_NUMBER, self.number),
                      (_ANNOTATION, self.annotation)):
            for m in rx.finditer(text):
                self.setFormat(m.start(), m.end() - m.start(), f)
        # strings and comments last: what they cover is neither keyword nor type
        taken: list[tuple[int, int]] = []
        for m in _STRING.finditer(text):
            self.setFormat(m.start(), m.end() - m.start(), self.string)
            taken.append((m.start(), m.end()))
        for m in _LINE_COMMENT.finditer(text):
            if not any(a <= m.start() < b for a, b in taken):
                self.setFormat(m.start(), len(text) - m.start(), self.comment)
                break
        self._block_comments(text, taken)

    def _block_comments(self, text: str, strings: list[tuple[int, int]]) -> None:
        self.setCurrentBlockState(0)
        start = 0 if self.previousBlockState() == 1 else -1
        if start < 0:
            start = _outside(text, "/*", 0, strings)
        while start >= 0:
            end = text.find("*/", start + (0 if self.previousBlockState() == 1 and start == 0
                                             else 2))
            if end < 0:
                self.setCurrentBlockState(1)
                self.setFormat(start, len(text) - start, self.comment)
                return
            self.setFormat(start, end + 2 - start, self.comment)
            start = _outside(text, "/*", end + 2, strings)


def _outside(text: str, what: str, frm: int, spans: list[tuple[int, int]]) -> int:
    i = text.find(what, frm)
    while i >= 0 and any(a <= i < b for a, b in spans):
        i = text.find(what, i + 1)
    return i


class _Gutter(QWidget):
    def __init__(self, view: ApexCodeView) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(self) -> QSize:
        return QSize(self.view.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.view.paint_gutter(event)


class ApexCodeView(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("apexCode")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.highlighter = ApexHighlighter(self.document())
        self.gutter = _Gutter(self)
        self.marked: int = 0
        self.blockCountChanged.connect(lambda _n: self._update_margin())
        self.updateRequest.connect(self._on_update)
        self._update_margin()

    def gutter_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_margin(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_update(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self.gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        p = QPainter(self.gutter)
        p.fillRect(event.rect(), QColor(theme.tokens().get("code_bg", "#f4f6f9")))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        muted = QColor(theme.tokens().get("muted", "#5c6470"))
        while block.isValid() and top <= event.rect().bottom():
            number = block.blockNumber() + 1
            if block.isVisible():
                p.setPen(QColor(theme.tokens().get("text", "#181818")) if number == self.marked
                         else muted)
                p.drawText(0, top, self.gutter.width() - 5, height,
                           Qt.AlignmentFlag.AlignRight, str(number))
            block = block.next()
            top += round(self.blockBoundingRect(block).height()) if block.isValid() else height
        p.end()

    def set_source(self, text: str) -> None:
        if text != self.toPlainText():
            self.setPlainText(text)
        self.mark_line(0)

    def mark_line(self, line: int, ok: bool = True) -> None:
        """Highlight ``line`` (1-based; 0 clears) and scroll to it."""
        self.marked = line
        selections: list[QTextEdit.ExtraSelection] = []
        block = self.document().findBlockByNumber(line - 1) if line > 0 else None
        if block is not None and block.isValid():
            sel = QTextEdit.ExtraSelection()
            key = "success_bg" if ok else "danger_bg"
            sel.format.setBackground(QColor(theme.tokens().get(key, "#fff1b8")))
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(block)
            sel.cursor = cursor
            selections.append(sel)
            self.setTextCursor(cursor)
            self.centerCursor()
        self.setExtraSelections(selections)
        self.gutter.update()
