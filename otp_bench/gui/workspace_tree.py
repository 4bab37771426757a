"""The workspace tree: org settings, sites, users and providers; picking one opens its editor.

Filled once when a workspace opens (``populate``). After that each change from the feed touches
only the row it names (``apply``): a saved record updates its row in place, or moves it to its
name's place after a rename (selection kept), a new one is inserted where its name sorts, a
deleted one is removed; group counts follow. A provider rename also relabels the sites using it.
The tree is never cleared, so what is expanded and selected stays as the operator left it.
"""

from __future__ import annotations

import bisect
import functools
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

from otp_bench.domain.changes import Change, What

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
OBJ_ROLE = Qt.ItemDataRole.UserRole + 2
ID_ROLE = Qt.ItemDataRole.UserRole + 3

# the three lists: group title, item kind, the change kind that names their records
GROUPS = (("Sites", "site", What.SITE), ("Users", "user", What.USER),
          ("Providers", "provider", What.PROVIDER))


def _sort_key(kind: str, obj: Any) -> tuple[str, str]:
    """The store's order: by name, ignoring case."""
    name = obj.username if kind == "user" else obj.name
    return name.lower(), obj.id


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
        self._provider_names: dict[str, str] = {}
        self._org: QTreeWidgetItem | None = None
        self._groups: dict[str, QTreeWidgetItem] = {}
        self._items: dict[str, QTreeWidgetItem] = {}  # by record id (ids are unique across kinds)
        # each group's children's sort keys, in row order: a place is found by bisection
        self._keys: dict[str, list[tuple[str, str]]] = {}

    # -- the whole workspace, once ------------------------------------------------------------

    def populate(self, settings: Any, sites: list[Any], users: list[Any],
                 providers: list[Any]) -> None:
        """Show a whole workspace (one just opened): the only time the tree is rebuilt."""
        expanded = {top.text(0).split(" ")[0] for top in self._tops() if top.isExpanded()}
        self.tree.clear()
        self._items, self._keys = {}, {}
        self._provider_names = {p.id: p.name for p in providers}
        self._org = QTreeWidgetItem([_org_text(settings)])
        self._org.setData(0, KIND_ROLE, "settings")
        self._org.setData(0, OBJ_ROLE, settings)
        self.tree.addTopLevelItem(self._org)
        self._groups = {}
        for (title, kind, _what), items in zip(GROUPS, (sites, users, providers), strict=True):
            top = QTreeWidgetItem([f"{title} ({len(items)})"])
            top.setData(0, KIND_ROLE, "")
            top.setData(0, ID_ROLE, title)
            f = top.font(0)
            f.setBold(True)
            top.setFont(0, f)
            self.tree.addTopLevelItem(top)
            self._groups[kind] = top
            ordered = sorted(items, key=functools.partial(_sort_key, kind))
            self._keys[kind] = [_sort_key(kind, o) for o in ordered]
            top.addChildren([self._item(kind, o) for o in ordered])
            top.setExpanded(not expanded or title in expanded)

    def _item(self, kind: str, obj: Any) -> QTreeWidgetItem:
        item = QTreeWidgetItem([self._text(kind, obj)])
        self._items[obj.id] = item
        item.setData(0, KIND_ROLE, kind)
        item.setData(0, ID_ROLE, obj.id)
        item.setData(0, OBJ_ROLE, obj)
        return item

    def _text(self, kind: str, obj: Any) -> str:
        if kind == "site":
            return f"{obj.name}  ·  {self._provider_names.get(obj.provider_id, 'default provider')}"
        if kind == "user":
            return f"{obj.username}  ·  {obj.license.value}"
        return f"{obj.name}  ·  {obj.kind.value}" + (
            f" {obj.result.value}" if obj.kind.value == "scripted" else "")

    # -- one change at a time -----------------------------------------------------------------

    def apply(self, change: Change, record: Any | None) -> None:
        """``change`` named a record; ``record`` is its state now (None: deleted)."""
        if not self._groups:
            return  # nothing shown yet: the workspace's first read brings it
        if change.what is What.SETTINGS and record is not None and self._org is not None:
            _set(self._org, _org_text(record), record)
            return
        kind = next((k for _t, k, w in GROUPS if w is change.what), None)
        if kind is None:
            return
        if kind == "provider":
            self._provider_renamed(change.entity_id, record)
        top = self._groups[kind]
        item = self._items.get(change.entity_id)
        keys = self._keys[kind]
        if record is None:
            if item is not None:
                del self._items[change.entity_id]
                at = top.indexOfChild(item)
                del keys[at]
                top.takeChild(at)
        elif item is None:
            key = _sort_key(kind, record)
            at = bisect.bisect(keys, key)
            keys.insert(at, key)
            top.insertChild(at, self._item(kind, record))
        else:
            self._update(top, item, kind, record)
        title = next(t for t, k, _w in GROUPS if k == kind)
        if top.text(0) != f"{title} ({top.childCount()})":
            top.setText(0, f"{title} ({top.childCount()})")

    def _update(self, top: QTreeWidgetItem, item: QTreeWidgetItem, kind: str, obj: Any) -> None:
        keys, key = self._keys[kind], _sort_key(kind, obj)
        at = top.indexOfChild(item)
        if keys[at] != key:  # renamed: its place may be elsewhere now
            del keys[at]
            to = bisect.bisect(keys, key)
            keys.insert(to, key)
            if to != at:  # past a neighbour: move the row, keeping the selection on it
                current = self.tree.currentItem() is item
                selected = item.isSelected()
                top.takeChild(at)
                top.insertChild(to, item)
                if current:
                    self.tree.setCurrentItem(item)
                item.setSelected(selected)
        _set(item, self._text(kind, obj), obj)

    def _provider_renamed(self, provider_id: str, provider: Any | None) -> None:
        if provider is None:
            self._provider_names.pop(provider_id, None)
            return
        if self._provider_names.get(provider_id) == provider.name:
            return
        self._provider_names[provider_id] = provider.name
        for child in _children(self._groups["site"]):  # the sites it serves show its new name
            site = child.data(0, OBJ_ROLE)
            if site.provider_id == provider_id:
                _set(child, self._text("site", site), site)

    def members_of(self, site_id: str) -> list[str]:
        """The ids of the users listed as members of the site ``site_id``."""
        users = self._groups.get("user")
        return [] if users is None else [
            child.data(0, ID_ROLE) for child in _children(users)
            if site_id in child.data(0, OBJ_ROLE).sites]

    def item_of(self, entity_id: str) -> QTreeWidgetItem | None:
        """The row showing the site, user or provider with this id."""
        return self._items.get(entity_id)

    # -- picking ------------------------------------------------------------------------------

    def _on_item(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        kind = item.data(0, KIND_ROLE)
        if kind:
            self.open_item.emit(kind, item.data(0, OBJ_ROLE) if kind != "settings" else None)

    def find_item(self, kind: str, name: str) -> QTreeWidgetItem | None:
        """The first row of ``kind`` whose label starts with ``name``."""
        for top in self._tops():
            for child in _children(top):
                if child.data(0, KIND_ROLE) == kind and child.text(0).startswith(name):
                    return child
        return None

    def _tops(self) -> list[QTreeWidgetItem]:
        tops = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [t for t in tops if t is not None]

    def counts(self) -> dict[str, int]:
        """How many sites, users and providers are listed."""
        return {kind: top.childCount() for kind, top in self._groups.items()}

    def selected(self) -> tuple[str, Any] | None:
        item = self.tree.currentItem()
        if item is None or not item.data(0, KIND_ROLE):
            return None
        return item.data(0, KIND_ROLE), item.data(0, OBJ_ROLE)


def _children(top: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    kids = (top.child(j) for j in range(top.childCount()))
    return [k for k in kids if k is not None]


def _org_text(settings: Any) -> str:
    return f"Org settings  ·  custom OTP {'on' if settings.custom_otp_enabled else 'off'}"


def _set(item: QTreeWidgetItem, text: str, obj: Any) -> None:
    """Relabel one row; Qt repaints it only for what really changed."""
    if item.text(0) != text:
        item.setText(0, text)
    if item.data(0, OBJ_ROLE) != obj:
        item.setData(0, OBJ_ROLE, obj)
