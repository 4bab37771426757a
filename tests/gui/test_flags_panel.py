"""The flags panel: model contract, live highlight of changed flags, per-user history."""

from __future__ import annotations

from typing import Any

from otp_bench.domain.vocabulary import UseCase
from otp_bench.gui.flags_panel import FlagsModel


def test_flags_model_passes_the_model_tester(qtmodeltester: Any, bench_engine: Any) -> None:
    model = FlagsModel()
    model.set_users(bench_engine.store.users())
    qtmodeltester.check(model)


def test_flag_change_is_highlighted_and_history_listed(qtbot: Any, window: Any) -> None:
    w = window
    ben = w.engine.store.user_by_username("ben@example.com")  # user_verified false
    row = next(r for r in range(w.flags.model.rowCount())
               if w.flags.model.index(r, 0).data() == ben.username)
    with qtbot.waitSignal(w.flags.history_shown, timeout=5000):
        w.flags.table.selectRow(row)
    out = w.engine.start(UseCase.VERIFICATION_METHOD_REGISTRATION, "Globex Partners",
                         ben.username)  # default provider: user_verified becomes true
    code = w.engine.store.inbox(out.phone)[-1].otp
    w.engine.verify(out.flow_id, code)

    def statuses() -> list[str]:
        return [w.flags.history.item(r, 2).text() for r in range(w.flags.history.rowCount())]

    qtbot.waitUntil(lambda: "Succeeded" in statuses(), timeout=5000)
    assert w.flags.model.is_highlighted(ben.id, "user_verified")
    assert not w.flags.model.is_highlighted(ben.id, "admin_verified")
    cell = w.flags.model.index(row, FlagsModel.COL_USER_VERIFIED).data()
    assert cell == "false → ✓ true"
    assert "User challenged, waiting for response" in statuses()
