"""Demo mode: a shipped preset plays in the app — the site pane is typed into and clicked, the
phone gets the code, the captions narrate provider → handler → user — and pause, step and restart
work. Waits are on signals (the player's captions and states), never sleeps."""

from __future__ import annotations

from typing import Any

import pytest

from otp_bench.gui.demo.demo_bar import presets


def _captions(w: Any) -> list[str]:
    out: list[str] = []
    w.demo_bar.player.caption.connect(out.append)
    return out


def _preset(w: Any, word: str) -> None:
    bar = w.demo_bar
    bar.scenario.setCurrentIndex(next(i for i in range(bar.scenario.count())
                                      if word in bar.scenario.itemText(i).lower()))
    bar.load_current()


def test_presets_ship_in_story_order() -> None:
    titles = [t.lower() for t, _ in presets()]
    assert len(titles) == 7
    for word, title in zip(["happy", "slow", "down", "invalid", "verified", "resend", "expired"],
                           titles, strict=True):
        assert word in title


def test_the_happy_path_plays_with_captions(qtbot: Any, window: Any) -> None:
    w = window
    w.show_demo(True)
    player = w.demo_bar.player
    player.set_pace("Fast")
    caps = _captions(w)
    _preset(w, "happy")
    w.demo_bar.play_button.click()
    with qtbot.waitSignal(player.state_changed, timeout=60000,
                          check_params_cb=lambda s: s in ("finished", "failed")):
        pass
    assert player.state == "finished", caps
    text = "\n".join(caps)
    assert "the provider answers HTTP 201" in text
    assert "the handler returns SUCCESS" in text
    assert "Types the code from the phone → SUCCESS" in text
    assert w.site_pane.end_page.ok
    assert w.phone.messages  # the code landed on the phone
    w.show_demo(False)


@pytest.mark.parametrize(("word", "expected"), [
    ("invalid", "error 21211 in"),
    ("resend", "rate_limited"),
    ("expired", "→ expired → the user sees"),
])
def test_failure_presets_narrate_the_chain(qtbot: Any, window: Any, word: str,
                                           expected: str) -> None:
    w = window
    w.show_demo(True)
    player = w.demo_bar.player
    player.set_pace("Fast")
    caps = _captions(w)
    _preset(w, word)
    player.play()
    with qtbot.waitSignal(player.state_changed, timeout=60000,
                          check_params_cb=lambda s: s in ("finished", "failed")):
        pass
    assert player.state == "finished", caps
    assert expected in "\n".join(caps), caps
    w.show_demo(False)


def test_step_pause_and_restart(qtbot: Any, window: Any) -> None:
    w = window
    w.show_demo(True)
    player = w.demo_bar.player
    caps = _captions(w)
    _preset(w, "happy")  # loaded, paused before the first caption
    with qtbot.waitSignal(player.caption, timeout=20000):
        player.step()
    qtbot.waitUntil(lambda: player.state == "paused", timeout=5000)
    assert caps[-1].startswith("▶ Demo — happy path")
    with qtbot.waitSignal(player.caption, timeout=20000):
        player.step()
    assert caps[-1].startswith("Step 1/2 — ana@example.com logs in without a password")
    qtbot.waitUntil(lambda: player.state == "paused", timeout=5000)
    before = len(caps)
    with qtbot.waitSignal(player.caption, timeout=20000):
        w.demo_bar.restart_button.click()  # plays from the top again
    assert caps[before].startswith("▶ Demo — happy path")
    player.pause()
    w.show_demo(False)
    assert player.state == "idle"
