"""Playing a scenario in the app: the site pane is typed into and clicked, the phone and the flags
react, a caption narrates each beat; play, pause, step, restart, at a chosen pace.

The script is a generator that yields what it waits for — ``Beat`` (a caption boundary: where
pause and step stop), ``Delay`` (the pace), ``Signal`` waits (the site pane's outcome, the
phone's refresh) and ``Task`` (engine work on a worker: applying the workspace, moving the
clock). The player resumes it from timers and signals, so the GUI thread never blocks, and every
wait has a deadline. The scenario plays in a throwaway workspace; the one that was open comes
back when demo mode closes.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from otp_bench.gui.demo import narration as say

if TYPE_CHECKING:
    from otp_bench.gui.main_window import MainWindow

PACES = {"Slow": 2600, "Normal": 1500, "Fast": 600}  # ms between beats
DEADLINE_MS = 30_000  # no single wait may take longer (a provider hang is shorter: 2 s timeout)


@dataclass
class Beat:
    caption: str


@dataclass
class Delay:
    ms: int


@dataclass
class Wait:
    signal: Any
    what: str


@dataclass
class Task:
    fn: Callable[[], Any]
    title: str


Script = Generator[Beat | Delay | Wait | Task, Any, None]


class DemoPlayer(QObject):
    """Signals: caption(text); state_changed("playing"|"paused"|"finished"|"failed"|"idle")."""

    caption = Signal(str)
    state_changed = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.pace_ms = PACES["Normal"]
        self.scenario: Any = None
        self.state = "idle"
        self.beats = 0  # captions shown so far in this run
        self._gen: Script | None = None
        self._paused = True
        self._stepping = False
        self._generation = 0  # a restart orphans the callbacks of the previous run
        self._providers: Any = None
        self._tmps: list[tempfile.TemporaryDirectory[str]] = []
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._on_deadline)
        self._waiting: tuple[Any, Any] | None = None

    # -- controls ------------------------------------------------------------------------------

    def load(self, path: str | Path) -> None:
        """Parse ``path`` (a scenario file); raises ``ScenarioError`` with file and line."""
        from otp_bench.scenario.loader import load_scenario

        self.scenario = load_scenario(path)
        self.restart(play=False)

    def play(self) -> None:
        if self._gen is None:
            self.restart(play=True)
            return
        self._paused, self._stepping = False, False
        self._set_state("playing")
        if self._waiting is None and not self._deadline.isActive():
            self._resume()

    def pause(self) -> None:
        self._paused = True
        self._set_state("paused")

    def step(self) -> None:
        """Play up to the next caption, then pause."""
        if self._gen is None:
            self.restart(play=False)
        self._paused, self._stepping = False, True
        self._set_state("playing")
        if self._waiting is None and not self._deadline.isActive():
            self._resume()

    def restart(self, *, play: bool = True) -> None:
        self._stop_run()
        if self.scenario is None:
            return
        self._gen = self._script(self._generation)
        self.beats = 0
        self._paused = not play
        self._set_state("playing" if play else "paused")
        self._resume()  # runs up to the first wait: the workspace opens

    def stop(self) -> None:
        """End the demo run (the demo workspace closes with the next workspace opened)."""
        self._stop_run()
        self._set_state("idle")

    def shutdown(self) -> None:
        """App exit: stop the run and its mock provider now (the worker pool is going)."""
        self._generation += 1
        self._disconnect()
        self._deadline.stop()
        self._gen = None
        providers, self._providers = self._providers, None
        if providers is not None:
            providers.close()

    def set_pace(self, name: str) -> None:
        self.pace_ms = PACES[name]

    # -- the driver ----------------------------------------------------------------------------

    def _stop_run(self) -> None:
        self._generation += 1
        self._disconnect()
        self._deadline.stop()
        if self._gen is not None:
            self._gen.close()
            self._gen = None
        self._close_providers()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)

    def _resume(self, value: Any = None) -> None:
        gen = self._gen
        if gen is None:
            return
        self._disconnect()
        self._deadline.stop()
        try:
            cmd = gen.send(value)
        except StopIteration:
            self._gen = None
            self._close_providers()
            self._set_state("finished")
            return
        except Exception as exc:  # a step the app can't play: say so, stop cleanly
            self._fail(f"The demo stopped: {exc}")
            return
        gen_id = self._generation
        if isinstance(cmd, Beat):
            self.beats += 1
            self.caption.emit(cmd.caption)
            if self._stepping:
                self._stepping, self._paused = False, True
                self._set_state("paused")
            self._later(self.pace_ms, gen_id)
        elif isinstance(cmd, Delay):
            self._later(cmd.ms, gen_id)
        elif isinstance(cmd, Wait):
            self._wait(cmd, gen_id)
        else:
            title = cmd.title
            self.w.tasks.run(cmd.fn, functools.partial(self._if_current, gen_id),
                             lambda e: self._fail(f"{title} failed: {e}"), title=title)
            self._deadline.start(DEADLINE_MS)

    def _later(self, ms: int, gen_id: int) -> None:
        def go() -> None:
            if gen_id != self._generation:
                return
            if self._paused:  # resumed by play()/step()
                self._deadline.stop()
                return
            self._resume()

        self._deadline.start(DEADLINE_MS)
        QTimer.singleShot(ms, go)

    def _wait(self, cmd: Wait, gen_id: int) -> None:
        def fired(*args: Any) -> None:
            self._if_current(gen_id, args[0] if args else None)

        cmd.signal.connect(fired)
        self._waiting = (cmd.signal, fired)
        self._deadline.start(DEADLINE_MS)
        self._wait_what = cmd.what

    def _if_current(self, gen_id: int, value: Any) -> None:
        if gen_id == self._generation:
            self._resume(value)

    def _disconnect(self) -> None:
        if self._waiting is not None:
            signal, slot = self._waiting
            self._waiting = None
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)

    def _on_deadline(self) -> None:
        if self._paused and self._waiting is None:
            return
        self._fail(f"The demo stopped: nothing happened within {DEADLINE_MS // 1000} s "
                   f"({getattr(self, '_wait_what', 'a step')}).")

    def _fail(self, text: str) -> None:
        self._stop_run()
        self.caption.emit(text)
        self._set_state("failed")

    def _close_providers(self) -> None:
        providers, self._providers = self._providers, None
        if providers is not None:
            self.w.tasks.run(providers.close, title="Stopping the demo's mock provider")

    # -- the script ----------------------------------------------------------------------------

    def _script(self, gen_id: int) -> Script:
        sc = self.scenario
        w = self.w
        # each run its own folder, kept until the player goes (an earlier run's workspace may
        # still be opening on a worker); its SQLite file may be open when it goes: no error
        tmp = tempfile.TemporaryDirectory(prefix="otp-bench-demo-", ignore_cleanup_errors=True)
        self._tmps.append(tmp)
        url = f"sqlite:///{Path(tmp.name) / 'demo.db'}"
        w.open_url(url, throwaway=True)
        while w.engine is None or w.engine.workspace.url != url:  # not an earlier run's workspace
            yield Wait(w.engine_ready, "opening the demo workspace")
        engine = w.engine

        def apply() -> Any:
            from otp_bench.workspace_files.apply import apply_workspace
            from otp_bench.workspace_files.providers import ScenarioProviders

            providers = ScenarioProviders(engine)
            apply_workspace(engine, sc, providers)
            return providers

        self._providers = yield Task(apply, "Setting up the demo workspace")
        w.refresh_workspace()
        w.tabs.setCurrentIndex(0)
        yield Beat(f"▶ {sc.name}" + (f" — {sc.description.strip()}" if getattr(
            sc, "description", "") else ""))
        flows = [s for s in sc.steps if hasattr(s, "flow")]
        n = 0
        for step in sc.steps:
            if not hasattr(step, "flow"):
                yield Task(functools.partial(engine.advance_clock, step.seconds),
                           "Moving the clock")
                yield Beat(say.clock_caption(step.seconds))
                continue
            n += 1
            yield from self._flow(step, n, len(flows))
        yield Beat("■ The demo is over. Restart to play it again, or pick another scenario.")

    def _flow(self, step: Any, n: int, total: int) -> Script:
        w = self.w
        sp = w.site_pane
        who = step.user or (step.new_user or {}).get("username", "a new user")
        uc = step.flow
        sp.site.setCurrentIndex(sp.site.findText(step.site))
        i = sp.flow.findData(uc)
        if i < 0:
            yield Beat(f"Step {n}/{total}: {uc.value} has no page in the mock site; "
                       "it runs in the scenario runner only.")
            return
        sp.flow.setCurrentIndex(i)
        sp.restart()
        yield Beat(say.step_title(n, total, who, uc.value, step.site))
        page = sp.pages[uc]
        if step.new_user:
            for key, value in step.new_user.items():
                if key in page.fields and hasattr(page.fields[key].editor, "setText"):
                    yield from self._type(page.fields[key].editor, str(value))
        else:
            yield from self._type(page.username, str(step.user))
        if getattr(page, "password", None) is not None and not page.password.text():
            yield from self._type(page.password, "demo-password")
        if step.mobile and getattr(page, "mobile", None) is not None:
            yield from self._type(page.mobile, step.mobile)
        page.button.click()
        out = yield Wait(sp.outcome_shown, "the site's answer")
        yield Beat(say.init_caption(out))
        for _ in range(step.resend):
            if isinstance(out, BaseException) or not out.ok:
                break
            sp.code_page.resend.click()
            out = yield Wait(sp.outcome_shown, "the resend")
            yield Beat("Resend code: " + say.init_caption(out).removeprefix("Send code: "))
        if isinstance(out, BaseException) or not out.ok or not step.verify:
            return
        if step.wait and w.engine is not None:
            yield Task(functools.partial(w.engine.advance_clock, step.wait), "Moving the clock")
            yield Beat(say.wait_caption(step.wait))
        for typed in step.codes:
            code = yield from self._code_for(typed, out)
            sp.code_page.code.clear()
            yield from self._type(sp.code_page.code, code)
            sp.code_page.button.click()
            res = yield Wait(sp.outcome_shown, "the verification")
            yield Beat(say.verify_caption(res, typed))

    def _code_for(self, typed: str, out: Any) -> Generator[Any, Any, str]:
        """The code to type: the newest one sent to the flow's phone (read on a worker, as the
        phone pane does), a wrong one, or the digits the scenario gives."""
        if typed not in ("from_phone", "wrong"):
            return typed
        engine, phone = self.w.engine, out.phone

        def newest() -> str:
            return (engine.newest_code(phone) if engine is not None else None) or ""

        code = yield Task(newest, "Reading the phone")
        if typed == "wrong":
            return "000000" if code != "000000" else "111111"
        return str(code)

    def _type(self, field: Any, text: str) -> Generator[Any, Any, None]:
        """Type ``text`` into ``field`` a few characters at a time, at the chosen pace."""
        field.setFocus()
        field.clear()
        chunk = max(1, len(text) // 8)
        per = max(15, self.pace_ms // 40)
        for i in range(0, len(text), chunk):
            field.insert(text[i:i + chunk])
            yield Delay(per)
