"""The in-process parts of bench_gui.py, each run in its own subprocess (clean memory figures)."""

from __future__ import annotations

import gc
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_KEEP: list[Any] = []  # Qt objects that must outlive the part (destroyed after the app)


def run_part(part: str) -> dict[str, Any]:
    from otp_bench.gui.app import make_app

    app = make_app()  # the app's own QApplication set-up
    _KEEP.append(app)
    return stall(app) if part == "stall" else log(app)


# -- (b) GUI-thread stall under 20 slow flows ------------------------------------------------------


def stall(app: Any) -> dict[str, Any]:
    from otp_bench.domain.flags import Flags
    from otp_bench.domain.model import Settings
    from otp_bench.domain.vocabulary import UseCase
    from otp_bench.engine.engine import Engine
    from otp_bench.gui import theme
    from otp_bench.gui.main_window import MainWindow
    from otp_bench.store.store import Store

    tmp = tempfile.mkdtemp()
    theme.apply(app, "light")
    w = MainWindow(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
    w.show()
    engine = Engine(Store(f"sqlite:///{Path(tmp) / 'w.db'}", throwaway=True))
    engine.save_settings(Settings(custom_otp_enabled=True))
    provider, mock = _slow_provider(engine)
    site = engine.new_site("Slow Site", handler=provider, logo_text="Slow")
    users = [engine.new_user(f"u{i}@example.com", mobile=f"+1 415 555 {2600 + i}",
                             flags=Flags(False, True), sites=frozenset({site.id}))
             for i in range(20)]
    w.set_engine(engine)
    _spin(300)

    gaps: list[float] = []
    clock = QElapsedTimer()
    beat = QTimer()
    beat.setInterval(5)

    def tick() -> None:
        gaps.append(clock.restart())

    beat.timeout.connect(tick)
    results: list[Any] = []
    done = QEventLoop()
    started = time.perf_counter()
    clock.start()
    beat.start()
    for u in users:
        w.tasks.run(lambda u=u: engine.start(UseCase.PASSWORDLESS_LOGIN, site.name, u.username),
                    lambda out: (results.append(out), len(results) == 20 and done.quit()))
    done.exec()
    wall = time.perf_counter() - started
    _spin(500)  # the log, phone and flags catch up: still measured
    beat.stop()
    gaps = sorted(gaps[1:])
    ok = sum(1 for r in results if r.ok)
    w.shutdown()
    if mock is not None:
        mock.stop()
    return {"max_gap_ms": gaps[-1], "p99_gap_ms": gaps[int(len(gaps) * 0.99)], "wall_s": wall,
            "ok": ok, "provider": "loopback mock, latency fault 2 s" if mock else
            "scripted handler sleeping 2 s"}


def _slow_provider(engine: Any) -> tuple[str, Any]:
    try:
        from otp_bench.delivery.presets import get_preset, preset_http
        from otp_bench.mockprovider.loopback import LoopbackMock
    except ImportError:
        return _sleeping_provider(engine), None
    from otp_bench.domain.model import ProviderKind

    mock = LoopbackMock(engine.store)
    mock.start()
    mock.set_faults("slow", [{"latency": 2.0}])
    preset = get_preset("twilio")
    engine.new_provider("slow-twilio", kind=ProviderKind.HTTP,
                        http=preset_http("twilio", base_url=mock.url_for("slow")),
                        credentials=dict(preset.example_credentials))
    return "slow-twilio", mock


def _sleeping_provider(engine: Any) -> str:
    from otp_bench.domain.model import ProviderKind

    engine.new_provider("sleepy", kind=ProviderKind.SCRIPTED)
    original = engine.handler_for

    class Sleepy:
        def __init__(self, inner: Any) -> None:
            self.inner, self.name = inner, inner.name

        def send_one_time_password(self, *a: Any) -> Any:
            time.sleep(2.0)
            return self.inner.send_one_time_password(*a)

    engine.handler_for = lambda site: Sleepy(original(site))
    return "sleepy"


def _spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


# -- (c) the live log with 100k rows ------------------------------------------------------------


def log(app: Any) -> dict[str, Any]:
    from otp_bench.domain.events import EventRecord
    from otp_bench.gui.log.log_pane import LogPane
    from otp_bench.gui.tasks import TaskRunner

    n = 100_000
    tasks = TaskRunner()
    pane = LogPane(tasks)  # the app's own log pane: model, filter proxy, view, inspector
    pane.resize(1400, 400)
    pane.show()
    model = pane.model
    app.processEvents()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    sites = ("Acme Customers", "Globex Partners", "Initech Support")
    kinds = (("flow_started", "", "init"), ("otp_issued", "", "init"),
             ("handler_called", "", "deliver"), ("delivery", "SUCCESS", "deliver"),
             ("delivery", "PROVIDER_ERROR", "deliver"), ("verify", "SUCCESS", "verify"),
             ("init_refused", "flag_requirement_unmet", "init"))
    append = 0.0
    for chunk in range(0, n, 10_000):  # batches as the bridge delivers them
        records = [
            EventRecord(
                id=i + 1, at=base + timedelta(milliseconds=i), kind=kinds[i % 7][0],
                flow_id=f"flw_{i // 7:016x}", site=sites[i % 3], user=f"user{i % 500}@example.com",
                use_case="passwordless_login", step=kinds[i % 7][2], result=kinds[i % 7][1],
                latency_ms=float(i % 300) if kinds[i % 7][0] == "delivery" else None,
                summary=f"event {i} of flow {i // 7}", data={"n": i},
            )
            for i in range(chunk, chunk + 10_000)
        ]
        t0 = time.perf_counter()
        model.add_records(records)
        append += time.perf_counter() - t0
        del records
    t0 = time.perf_counter()
    model.flush()
    app.processEvents()
    append += time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    pane.set_filter("provider_error initech")
    matched = pane.shown_model.rowCount()
    app.processEvents()
    filt = time.perf_counter() - t0
    t0 = time.perf_counter()
    pane.set_filter("")
    pane.shown_model.rowCount()
    app.processEvents()
    unfilt = time.perf_counter() - t0
    tasks.shutdown()
    pane.close()
    _KEEP.extend((pane, tasks))
    return {"rows": model.rowCount(), "append_s": append, "filter_ms": filt * 1000,
            "matched": matched, "unfilter_ms": unfilt * 1000, "rss_mb": _rss_mb(),
            "peak_mb": _peak_mb()}
