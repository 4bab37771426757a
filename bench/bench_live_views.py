"""GUI-thread time a workspace edit costs the views: one-row refresh vs re-reading everything.

A workspace of N users (default 1000), 20 sites and 3 providers is open in the real main window
(offscreen). For each of 200 user edits (another first name; every 10th a rename that moves the
row) the figure is the time ``LiveViews.apply`` spends on the GUI thread for the edit's change set
(tree row, flags row, an editor's notice); for comparison, ``MainWindow.refresh_workspace`` — what
every edit cost the views before they refreshed only what changed. Medians and p95, in ms.
Timings are noisy on a loaded machine: compare the two columns of one run.
Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_live_views.py [N]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from otp_bench.domain.changes import Action, Change, ChangeSet, What
from otp_bench.domain.model import ProviderKind, Settings
from otp_bench.engine.engine import Engine
from otp_bench.gui import theme
from otp_bench.gui.main_window import MainWindow
from otp_bench.store.store import Store


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:7.3f} ms  p95 {p95 * 1000:7.3f} ms"


def main(n_users: int) -> None:
    app = QApplication.instance() or QApplication([])
    tmp = tempfile.mkdtemp(prefix="otp-bench-live-")
    theme.apply(app, "light")  # type: ignore[arg-type]
    engine = Engine(Store(f"sqlite:///{Path(tmp) / 'w.db'}", throwaway=True))
    engine.save_settings(Settings(custom_otp_enabled=True))
    providers = [engine.new_provider(f"Provider {i}", kind=ProviderKind.SCRIPTED)
                 for i in range(3)]
    sites = [engine.new_site(f"Site {i:02d}", handler=providers[i % 3].name) for i in range(20)]
    users = [engine.new_user(f"user{i:05d}@example.com", sites=frozenset({sites[i % 20].id}))
             for i in range(n_users)]
    w = MainWindow(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
    w.show()
    w.set_engine(engine)
    w.tasks.shutdown(wait=True)  # no background work competing with the measurement
    app.processEvents()

    full: list[float] = []
    for _ in range(20):
        t = time.perf_counter()
        w.refresh_workspace()
        full.append(time.perf_counter() - t)

    w.bridge.detach()  # each edit's change set is applied by the timed call only
    one: list[float] = []
    moved: list[float] = []
    for i in range(200):
        user = engine.user_by_id(users[(i * 37) % n_users].id)
        assert user is not None
        if i % 10 == 9:  # a rename that sorts elsewhere: the row moves
            user = engine.save_user(replace(user, username=f"z{i:03d}{user.username}"))
        else:
            user = engine.save_user(replace(user, first_name=f"First {i}"))
        change = ChangeSet((Change(What.USER, Action.SAVED, user.id, user.username),))
        t = time.perf_counter()
        w.live.apply(change)
        (moved if i % 10 == 9 else one).append(time.perf_counter() - t)
    print(f"workspace: {n_users} users, {len(sites)} sites, {len(providers)} providers "
          "(GUI-thread time per edit)")
    print(f"  re-read everything (before)      {_ms(full)}  ({len(full)} runs)")
    print(f"  one-row refresh, same place      {_ms(one)}  ({len(one)} edits)")
    print(f"  one-row refresh, renamed (move)  {_ms(moved)}  ({len(moved)} edits)")
    w.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
