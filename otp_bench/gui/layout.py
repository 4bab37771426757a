"""Layouts that hold from a 1280×720 projector up to 2560×1440, and a presenter setting.

- ``AdaptiveDocks`` watches the main window's size: below ``COMPACT`` the Phone and Flags docks
  share one tabbed column (each gets the full height instead of two squeezed halves); above it
  they split again, and every crossing re-applies the default dock sizes, so docks squeezed on a
  small screen recover when the window grows back.
- ``WheelGuard`` (installed on the application) keeps the mouse wheel from changing a combo box,
  spin box or slider the pointer merely passes over while a form scrolls: the wheel goes to the
  enclosing scroll area unless the widget has keyboard focus.
- ``presenter`` font sizes: larger text for demos, a View-menu setting kept in QSettings.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFrame,
    QScrollArea,
    QSlider,
    QTabWidget,
    QWidget,
)

MIN_SIZE = QSize(1280, 720)  # a projector; smaller screens get the scroll areas
COMPACT = QSize(1400, 860)  # below either: Phone and Flags become tabs of one column
BASE_FONT_PX = 13
PRESENTER_FONT_PX = 16


class AdaptiveDocks(QObject):
    """Tabify/split the right-hand docks as the window crosses ``COMPACT``; re-size on crossing."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.compact: bool | None = None
        self._pending = False
        window.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show) and not self._pending:
            self._pending = True  # once per burst of resizes (a drag sends many)
            QTimer.singleShot(0, self.update)
        return False

    def is_compact_size(self, size: QSize) -> bool:
        return size.width() < COMPACT.width() or size.height() < COMPACT.height()

    def update(self) -> None:
        self._pending = False
        compact = self.is_compact_size(self.window.size())
        if compact == self.compact:
            return
        self.compact = compact
        w = self.window
        phone, flags = w.docks["phone"], w.docks["flags"]
        if phone.isFloating() or flags.isFloating():
            return  # the user's own arrangement
        if compact:
            w.tabifyDockWidget(phone, flags)
            phone.raise_()
        elif w.tabifiedDockWidgets(phone):
            # splitting a tabified pair only adds another tab: take Flags out, then split
            visible = flags.toggleViewAction().isChecked()  # a hidden tab is still "shown"
            w.removeDockWidget(flags)
            w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, flags)
            w.splitDockWidget(phone, flags, Qt.Orientation.Vertical)
            flags.setVisible(visible)
        w.default_dock_sizes()


class WheelGuard(QObject):
    """Application-wide: an unfocused combo/spin box/slider passes the wheel to its scroll area."""

    GUARDED = (QComboBox, QAbstractSpinBox, QSlider)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(obj, self.GUARDED):
            return False
        widget: QWidget = obj
        if widget.hasFocus():
            return False
        if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a wheel never focuses it either
        parent = widget.parentWidget()
        while parent is not None and not isinstance(parent, QAbstractScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            QApplication.sendEvent(parent.viewport(), event)
        return True  # never changes the value


def install_wheel_guard(app: QApplication) -> WheelGuard:
    guard = app.findChild(WheelGuard)
    if guard is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
    return guard


def compact_combo(combo: QComboBox, chars: int) -> QComboBox:
    """Size ``combo`` to ``chars`` characters instead of its longest item (the popup still
    shows whole items), so a long choice can't widen a pane past a small window."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


def scrollable(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: below its minimum size it scrolls, never squashes."""
    area = QScrollArea()
    area.setObjectName(f"{widget.objectName() or 'pane'}Scroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


def font_px(presenter: bool) -> int:
    return PRESENTER_FONT_PX if presenter else BASE_FONT_PX
