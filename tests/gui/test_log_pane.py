"""The live log: model contracts, filtering, bounded rows, lazy older rows, the inspector."""

from __future__ import annotations

from typing import Any

from otp_bench.domain.vocabulary import UseCase
from otp_bench.gui.log import log_pane
from otp_bench.gui.log.log_filter import LogFilterProxy
from otp_bench.gui.log.log_model import ROW_ROLE, LogTableModel
from tests.gui.helpers import click


def _login(engine: Any, site: str = "Acme Customers", user: str = "ana@example.com") -> Any:
    out = engine.start(UseCase.PASSWORDLESS_LOGIN, site, user)
    if out.ok:
        engine.verify(out.flow_id, engine.store.inbox(out.phone)[-1].otp)
    return out


def test_models_pass_the_qt_model_tester(qtmodeltester: Any, bench_engine: Any) -> None:
    _login(bench_engine)
    model = LogTableModel()
    model.add_records(bench_engine.store.events())
    model.flush()
    assert model.rowCount() > 5
    qtmodeltester.check(model)
    proxy = LogFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter_text("verify")
    qtmodeltester.check(proxy)


def test_rows_are_capped_and_batched(qtbot: Any, bench_engine: Any) -> None:
    _login(bench_engine)
    records = bench_engine.store.events()
    model = LogTableModel(cap=5)
    with qtbot.waitSignal(model.rowsInserted, timeout=2000):  # the batching tick inserts
        model.add_records(records)
        assert model.rowCount() == 0
    assert model.rowCount() == 5
    assert model.row(4).id == records[-1].id  # the newest rows are kept


def test_live_rows_and_filter_box(qtbot: Any, window: Any) -> None:
    w = window
    _login(w.engine)
    _login(w.engine, "Initech Support")
    qtbot.waitUntil(lambda: any(r.result == "PROVIDER_ERROR" for r in w.log.model.rows))
    total = w.log.model.rowCount()
    qtbot.keyClicks(w.log.filter, "returned PROVIDER_ERROR")
    qtbot.waitUntil(lambda: w.log.shown_model.rowCount() == 1, timeout=3000)
    assert w.log.shown_model is w.log.proxy
    row = w.log.proxy.index(0, 0).data(ROW_ROLE)
    assert row.result == "PROVIDER_ERROR" and row.site == "Initech Support"
    assert w.log.count.text() == f"1 of {total:,}"
    w.log.filter.clear()  # no filter: the view reads the model directly again
    qtbot.waitUntil(lambda: w.log.shown_model is w.log.model, timeout=3000)
    assert w.log.count.text() == f"{total:,} rows"


def test_older_rows_load_lazily(qtbot: Any, window: Any, monkeypatch: Any) -> None:
    w = window
    for _ in range(3):
        _login(w.engine)
    last = w.engine.store.events(newest_first=True, limit=1)[0].id
    qtbot.waitUntil(lambda: w.log.model.newest_id == last)  # live batches delivered
    monkeypatch.setattr(log_pane, "INITIAL_ROWS", 5)
    monkeypatch.setattr(log_pane, "OLDER_PAGE", 5)
    w.log.set_engine(w.engine)
    qtbot.waitUntil(lambda: w.log.model.rowCount() == 5)
    newest = w.log.model.row(4).id
    with qtbot.waitSignal(w.log.older_loaded, timeout=5000):
        click(qtbot, w.log.older)
    assert w.log.model.rowCount() == 10
    assert w.log.model.row(9).id == newest
    assert w.log.model.row(0).id < w.log.model.row(5).id


def test_inspector_shows_the_chain_with_the_otp_masked(qtbot: Any, window: Any) -> None:
    w = window
    out = _login(w.engine)
    code = w.engine.store.inbox(out.phone)[-1].otp
    last = w.engine.store.events(newest_first=True, limit=1)[0].id
    qtbot.waitUntil(lambda: w.log.model.newest_id == last)
    with qtbot.waitSignal(w.log.inspector.shown, timeout=5000):
        w.show_flow_in_log(out.flow_id)
    html = w.log.inspector.browser.toPlainText()
    for part in ("sendOneTimePassword inputs", "phoneNumber", "+1 4155552671", "SUCCESS",
                 "admin_verified", "INIT", "DELIVER", "VERIFY"):
        assert part in html, part
    assert code not in html


def test_filter_proxy_follows_appends_prepends_and_the_cap(qtbot: Any, qtmodeltester: Any,
                                                           bench_engine: Any) -> None:
    for _ in range(3):
        _login(bench_engine)
    _login(bench_engine, "Initech Support")
    records = bench_engine.store.events()
    model = LogTableModel(cap=12)
    proxy = LogFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter_text("verify")
    qtmodeltester.check(proxy)  # the tester stays attached and checks every change below

    def expected() -> list[int]:
        return [r.id for r in model.rows if "verify" in r.hay]

    def shown() -> list[int]:
        return [proxy.index(i, 0).data(ROW_ROLE).id for i in range(proxy.rowCount())]

    model.add_records(records[-8:])
    model.flush()
    assert shown() == expected() and shown()
    model.prepend_older(list(reversed(records[-12:-8])))  # older rows on top
    assert shown() == expected()
    model.add_records(records[-30:-20])  # past the cap: the oldest rows go
    model.flush()
    assert model.rowCount() == 12
    assert shown() == expected()
    proxy.set_filter_text("")
    assert proxy.rowCount() == 12
