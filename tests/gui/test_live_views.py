"""Each view refreshes only what a change names: an edit of one user repaints that user's rows
and nothing else (no model reset), a delete elsewhere takes the row out, a rename keeps the
selection, an open editor says its record changed or went without touching the form, and the
phone re-reads only the numbers a delivery named. The tree's and the flags panel's models pass
Qt's model tester, which stays attached through every change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex

from otp_bench.domain.flags import Flags
from otp_bench.engine.engine import Engine
from otp_bench.gui.workspace_tree import OBJ_ROLE
from otp_bench.store.store import Store
from tests.gui.helpers import idle


@dataclass
class Repaints:
    """What a model told its views: (parent row or -1, first row, last row) per signal."""

    changed: list[tuple[int, int, int]] = field(default_factory=list)
    inserted: list[tuple[int, int, int]] = field(default_factory=list)
    removed: list[tuple[int, int, int]] = field(default_factory=list)
    resets: int = 0

    @staticmethod
    def of(model: QAbstractItemModel) -> Repaints:
        r = Repaints()

        def where(parent: QModelIndex, first: int, last: int) -> tuple[int, int, int]:
            return (parent.row() if parent.isValid() else -1, first, last)

        model.dataChanged.connect(lambda a, b, _roles=(): r.changed.append(
            where(a.parent(), a.row(), b.row())))
        model.rowsInserted.connect(lambda p, f, la: r.inserted.append(where(p, f, la)))
        model.rowsRemoved.connect(lambda p, f, la: r.removed.append(where(p, f, la)))
        model.modelReset.connect(lambda: setattr(r, "resets", r.resets + 1))
        model.layoutChanged.connect(lambda *_a: setattr(r, "resets", r.resets + 1))
        return r


@pytest.fixture
def elsewhere(window: Any) -> Iterator[Engine]:
    """Another engine on the window's workspace file: edits made there are another writer's."""
    other = Engine(Store(window.engine.store.url, throwaway=True))
    if other.store.engine.dialect.name == "postgresql":
        # a process doesn't hear its own NOTIFY (store.notify), and this "elsewhere" shares the
        # test's process: do on each commit what the Follower does for another process's
        other.store.commit_listeners.append(lambda _tx: window.engine.catch_up())
    yield other
    other.close()


def _users_group(w: Any) -> Any:
    return w.tree._groups["user"]


def _flags_row(w: Any, user_id: str) -> int | None:
    return w.flags.model.row_of(user_id)


def test_the_models_pass_the_model_tester_through_live_changes(
        qtbot: Any, qtmodeltester: Any, window: Any, elsewhere: Engine) -> None:
    w = window
    qtmodeltester.check(w.tree.tree.model())
    qtmodeltester.check(w.flags.model)
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        zoe = w.engine.new_user("zoe@example.com")  # inserted at the end of both lists
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        w.engine.save_user(replace(zoe, username="aaron@example.com"))  # moves to the top
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.delete_user(zoe.id)
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        w.engine.new_site("Zeta Shop")
    assert w.tree.find_item("user", "aaron@") is None and w.tree.find_item("site", "Zeta Shop")
    idle(qtbot, w)


def test_an_edit_of_one_user_repaints_only_that_users_rows(qtbot: Any, window: Any) -> None:
    w = window
    ben = w.engine.store.user_by_username("ben@example.com")
    tree, flags = Repaints.of(w.tree.tree.model()), Repaints.of(w.flags.model)
    users_row = w.tree.tree.indexOfTopLevelItem(_users_group(w))
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        w.engine.save_user(replace(ben, flags=Flags(True, True), first_name="Benjamin"))
    tree_row = w.tree.item_of(ben.id)
    assert tree_row is not None
    row = _users_group(w).indexOfChild(tree_row)
    assert tree.resets == 0 and flags.resets == 0
    assert tree.inserted == tree.removed == flags.inserted == flags.removed == []
    assert tree.changed and set(tree.changed) == {(users_row, row, row)}
    assert flags.changed and set(flags.changed) == {(-1, _flags_row(w, ben.id),
                                                     _flags_row(w, ben.id))}
    # what the operator sees: the new state, in that row
    shown = w.flags.model._users[_flags_row(w, ben.id)]
    assert shown.flags == Flags(True, True) and shown.first_name == "Benjamin"
    assert tree_row.data(0, OBJ_ROLE).first_name == "Benjamin"
    idle(qtbot, w)


def test_a_user_created_elsewhere_is_inserted_and_a_delete_elsewhere_removes_it(
        qtbot: Any, window: Any, elsewhere: Engine) -> None:
    w = window
    before = w.flags.model.rowCount()
    tree, flags = Repaints.of(w.tree.tree.model()), Repaints.of(w.flags.model)
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        zed = elsewhere.new_user("zed@example.com")
    assert w.tree.find_item("user", "zed@example.com") is not None
    assert w.flags.model.rowCount() == before + 1 and _flags_row(w, zed.id) == before
    assert _users_group(w).text(0) == f"Users ({before + 1})"
    assert flags.inserted == [(-1, before, before)]
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.delete_user(zed.id)
    assert w.tree.find_item("user", "zed@example.com") is None
    assert _flags_row(w, zed.id) is None and w.flags.model.rowCount() == before
    assert _users_group(w).text(0) == f"Users ({before})"
    assert flags.removed == [(-1, before, before)]
    assert len(tree.inserted) == len(tree.removed) == 1
    assert tree.resets == flags.resets == 0
    idle(qtbot, w)


def test_a_rename_keeps_the_selection_in_the_tree_and_the_flags_table(
        qtbot: Any, window: Any, elsewhere: Engine) -> None:
    w = window
    ana = w.engine.store.user_by_username("ana@example.com")
    item = w.tree.item_of(ana.id)
    w.tree.tree.setCurrentItem(item)
    with qtbot.waitSignal(w.flags.history_shown, timeout=5000):
        w.flags.table.selectRow(_flags_row(w, ana.id))
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.save_user(replace(ana, username="zoe.ana@example.com"))  # sorts last now
    current = w.tree.tree.currentItem()
    assert current is item and current.text(0).startswith("zoe.ana@example.com")
    assert _users_group(w).indexOfChild(item) == _users_group(w).childCount() - 1
    picked = w.flags.table.selectionModel().selectedRows()
    assert [i.row() for i in picked] == [_flags_row(w, ana.id)]
    assert w.flags.model.rowCount() - 1 == _flags_row(w, ana.id)
    assert w.flags.history_title.text().endswith("zoe.ana@example.com")
    idle(qtbot, w)


def test_a_site_renamed_elsewhere_stays_chosen_in_the_site_pane(
        qtbot: Any, window: Any, elsewhere: Engine) -> None:
    w = window
    globex = w.engine.site_named("Globex Partners")
    w.site_pane.site.setCurrentIndex(w.site_pane.site.findText("Globex Partners"))
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.save_site(replace(globex, name="Globex Group"))
    assert w.site_pane.current_site.id == globex.id
    assert w.site_pane.current_site.name == "Globex Group"
    assert w.tree.find_item("site", "Globex Group") is not None
    idle(qtbot, w)


def test_a_provider_rename_relabels_the_sites_it_serves(qtbot: Any, window: Any) -> None:
    w = window
    twilio = w.engine.find_provider("Twilio (mock)")
    tree = Repaints.of(w.tree.tree.model())
    serving = [s.name for s in w.engine.store.sites() if s.provider_id == twilio.id]
    assert serving
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        w.engine.save_provider(replace(twilio, name="Twilio EU"))
    for name in serving:
        assert w.tree.find_item("site", name).text(0).endswith("Twilio EU")
    assert w.tree.find_item("provider", "Twilio EU") is not None
    assert tree.resets == 0 and tree.inserted == tree.removed == []
    idle(qtbot, w)


def test_an_open_editor_says_its_record_changed_elsewhere_and_keeps_the_form(
        qtbot: Any, window: Any, elsewhere: Engine) -> None:
    w = window
    ana = w.engine.store.user_by_username("ana@example.com")
    w.open_editor("user", ana)
    editor = w.editor
    editor.first.setText("Anastasia")  # an unsaved edit
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.new_user("unrelated@example.com")
    assert editor.notice.isHidden(), "another record's change is no news to this editor"
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.save_user(replace(ana, last_name="Alvarez-Ruiz"))
    assert editor.notice.isVisible() and "Changed elsewhere" in editor.notice_text.text()
    assert editor.first.text() == "Anastasia", "the operator's unsaved edit stays"
    editor.reload_button.click()
    assert w.editor is not editor and w.editor.last.text() == "Alvarez-Ruiz"
    assert w.editor.notice.isHidden()
    reloaded = w.editor
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.delete_user(ana.id)
    assert "Deleted elsewhere" in reloaded.notice_text.text()
    assert not reloaded.delete_button.isEnabled()
    idle(qtbot, w)


def test_the_editors_own_save_is_no_news_to_it(qtbot: Any, window: Any) -> None:
    w = window
    ana = w.engine.store.user_by_username("ana@example.com")
    w.open_editor("user", ana)
    editor = w.editor
    editor.first.setText("Anastasia")
    with qtbot.waitSignal(editor.saved, timeout=5000):
        editor.save()
    assert editor.notice.isHidden()
    assert w.tree.item_of(ana.id).data(0, OBJ_ROLE).first_name == "Anastasia"
    idle(qtbot, w)


def test_the_phone_rereads_only_the_numbers_a_delivery_named(
        qtbot: Any, qtmodeltester: Any, window: Any, elsewhere: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    w = window
    qtmodeltester.check(w.phone.number.model())  # the number list: new numbers inserted in place
    store = w.engine.store
    with qtbot.waitSignal(w.phone.refreshed, timeout=5000):
        store.deliver("+14155552671", "Your code is 123456", sender="Acme", via="test",
                      otp="123456")
    w.phone.follow.setChecked(False)  # the operator stays on this number
    assert w.phone.number.currentText() == "+14155552671"
    reads: list[str | None] = []
    full: list[int] = []
    real_inbox, real_numbers = store.inbox, store.inbox_numbers
    monkeypatch.setattr(store, "inbox", lambda number=None, **kw: (
        reads.append(number), real_inbox(number, **kw))[1])
    monkeypatch.setattr(store, "inbox_numbers", lambda: (full.append(1), real_numbers())[1])
    with qtbot.waitSignal(w.phone.refreshed, timeout=5000):  # another number: listed, not read
        elsewhere.store.deliver("+14155552672", "Your code is 654321", sender="Acme",
                                via="test", otp="654321")
    assert "+14155552672" in [w.phone.number.itemText(i) for i in range(w.phone.number.count())]
    assert reads == [] and full == []
    assert w.phone.number.currentText() == "+14155552671"
    with qtbot.waitSignal(w.phone.refreshed, timeout=5000):  # the shown number: read again
        sent = elsewhere.store.deliver("+14155552671", "Your code is 111222", sender="Acme",
                                       via="test", otp="111222")
    assert reads == ["+14155552671"] and full == []
    assert w.phone.messages[-1].id == sent.id
    idle(qtbot, w)


def test_the_selected_users_history_follows_steps_that_change_no_flag(
        qtbot: Any, window: Any) -> None:
    from otp_bench.domain.vocabulary import UseCase

    w = window
    ben = w.engine.user_named("ben@example.com")
    with qtbot.waitSignal(w.flags.history_shown, timeout=5000):
        w.flags.table.selectRow(_flags_row(w, ben.id))
    before = w.flags.history.rowCount()
    with qtbot.waitSignal(w.flags.history_shown, timeout=5000):  # challenged: no flag moves
        out = w.engine.start(UseCase.VERIFICATION_METHOD_REGISTRATION, "Globex Partners",
                             ben.username)
    assert w.flags.history.rowCount() > before
    assert w.flags.history.item(0, 2).text() == "User challenged, waiting for response"
    shown = w.flags.history.rowCount()
    with qtbot.waitSignal(w.flags.history_shown, timeout=5000):  # a wrong code: still no flag
        w.engine.verify(out.flow_id, "000000")
    assert w.flags.history.rowCount() == shown + 1
    assert w.flags.history.item(0, 2).text() == "Failed: invalid code"
    assert not w.flags.model.is_highlighted(ben.id, "user_verified")
    idle(qtbot, w)


def test_an_open_editors_lists_follow_sites_and_providers_made_elsewhere(
        qtbot: Any, window: Any, elsewhere: Engine) -> None:
    from otp_bench.domain.model import ProviderKind

    w = window
    ana = w.engine.user_named("ana@example.com")
    member = next(iter(ana.sites))
    w.open_editor("user", ana)
    editor = w.editor
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        zeta = elsewhere.new_site("Zeta Shop")
    assert editor.sites[zeta.id].text() == "Zeta Shop" and not editor.sites[zeta.id].isChecked()
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.delete_site(member)
    assert member not in editor.sites
    for stale in (w.tree.item_of(ana.id).data(0, OBJ_ROLE), w.flags.model.user_at(
            _flags_row(w, ana.id))):
        assert member not in stale.sites, "the views' copies of its members follow"
    assert editor.notice.isHidden(), "a site going is no change to this user's record"
    editor.first.setText("Anastasia")
    with qtbot.waitSignal(editor.saved, timeout=5000):  # no unknown site id in what it saves
        editor.save()
    assert w.engine.user_by_id(ana.id).first_name == "Anastasia"

    site = w.engine.site_named("Acme Customers")
    w.open_editor("site", site)
    editor = w.editor
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        sms = elsewhere.new_provider("SMS later", kind=ProviderKind.SCRIPTED)
    assert editor.handler.findData(sms.id) > 0
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.save_provider(replace(sms, name="SMS now"))
    assert editor.handler.itemText(editor.handler.findData(sms.id)) == "SMS now"
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.delete_provider(sms.id)
    assert editor.handler.findData(sms.id) == -1
    idle(qtbot, w)


def test_a_user_a_registration_creates_arrives_highlighted(qtbot: Any, window: Any) -> None:
    from otp_bench.domain.model import NewUser
    from otp_bench.domain.vocabulary import UseCase

    w = window
    flags = Repaints.of(w.flags.model)
    out = w.engine.start(UseCase.PASSWORDLESS_REGISTRATION, "Globex Partners",
                         new_user=NewUser("yara@example.com", "+1 415 555 2699"))
    assert out.ok, out
    code = w.engine.newest_code(out.phone or "")
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        result = w.engine.verify(out.flow_id, code or "")
    assert result.success and result.user_id
    qtbot.waitUntil(lambda: _flags_row(w, result.user_id) is not None, timeout=5000)
    row = _flags_row(w, result.user_id)
    assert (-1, row, row) in flags.inserted and flags.resets == 0
    moved = [f for f in ("user_verified", "admin_verified")
             if w.flags.model.is_highlighted(result.user_id, f)]
    assert moved, "the flags the registration set are highlighted in the new row"
    idle(qtbot, w)
