"""The workspace tree: org settings, sites, users and providers; picking one opens its editor."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
OBJ_ROLE = Qt.ItemDataRole.UserRole + 2


class WorkspaceTree(QWidget):
    """Signals: open_item(kind, obj) with kind in settings/site/user/provider (obj None = new)."""

    open_item = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setObjectName("workspaceTree")
        self.tree.setHeaderHidden(True)
        self.tree.setIndentation(14)
        self.tree.itemActivated.connect(self._on_item)
        self.tree.itemClicked.connect(self._on_item)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.add_buttons: dict[str, QPushButton] = {}
        for kind in ("site", "user", "provider"):
            b = QPushButton(f"+ {kind.title()}")
            b.setObjectName(f"add_{kind}")
            b.setToolTip(f"New {kind}")
            b.setProperty("compact", True)  # three fit a 230 px dock
            b.clicked.connect(lambda _c=False, k=kind: self.open_item.emit(k, None))
            bar.addWidget(b)
            self.add_buttons[kind] = b
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.addLayout(bar)
        lay.addWidget(self.tree, 1)

    def populate(self, settings: Any, sites: list[Any], users: list[Any],
                 providers: list[Any]) -> None:
        expanded = {self.tree.topLevelItem(i).text(0).split(" ")[0]
                    for i in range(self.tree.topLevelItemCount())
                    if self.tree.topLevelItem(i).isExpanded()}
        self.tree.clear()
        state = "on" if settings.custom_otp_enabled else "off"
        org = QTreeWidgetItem([f"Org settings  ·  custom OTP {state}"])
        org.setData(0, KIND_ROLE, "settings")
        self.tree.addTopLevelItem(org)
        names = {p.id: p.name for p in providers}
        groups = (
            ("Sites", "site", sites,
             lambda s: f"{s.name}  ·  {names.get(s.provider_id, 'default provider')}"),
            ("Users", "user", users, lambda u: f"{u.username}  ·  {u.license.value}"),
            ("Providers", "provider", providers,
             lambda p: f"{p.name}  ·  {p.kind.value}"
             + (f" {p.result.value}" if p.kind.value == "scripted" else "")),
        )
        for title, kind, items, text in groups:
            top = QTreeWidgetItem([f"{title} ({len(items)})"])
            top.setData(0, KIND_ROLE, "")
            f = top.font(0)
            f.setBold(True)
            top.setFont(0, f)
            self.tree.addTopLevelItem(top)
            for obj in items:
                child = QTreeWidgetItem([text(obj)])
                child.setData(0, KIND_ROLE, kind)
                child.setData(0, OBJ_ROLE, obj)
                top.addChild(child)
            top.setExpanded(not expanded or title in expanded)

    def _on_item(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        kind = item.data(0, KIND_ROLE)
        if kind:
            self.open_item.emit(kind, item.data(0, OBJ_ROLE))

    def find(self, kind: str, name: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                child = top.child(j)
                if child.data(0, KIND_ROLE) == kind and child.text(0).startswith(name):
                    return child
        return None

    def selected(self) -> tuple[str, Any] | None:
        item = self.tree.currentItem()
        if item is None or not item.data(0, KIND_ROLE):
            return None
        return item.data(0, KIND_ROLE), item.data(0, OBJ_ROLE)
