"""Longer fuzz run of the scenario loader over mutated shipped scenarios (P9).

Counts files, accepted, clean errors (ScenarioError with file:line), tracebacks (anything else)
and hangs (over 10 s), and the worst time and peak traced memory of one file.
Run: .venv/bin/python bench/fuzz_loader.py [N] [SEED]
"""

from __future__ import annotations

import random
import signal
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from otp_bench.scenario.loader import ScenarioError, load_scenario_text
from tests.hardening.yaml_mutations import random_case


class _Hang(Exception):
    pass


def _expire(*_: object) -> None:
    raise _Hang


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 9)
    counts: Counter[str] = Counter()
    worst_s = worst_mb = 0.0
    examples: dict[str, str] = {}
    signal.signal(signal.SIGALRM, _expire)
    for _ in range(n):
        src, text = random_case(rng)
        tracemalloc.start()
        started = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, 10)
        try:
            load_scenario_text(text, src.name)
            counts["accepted"] += 1
        except ScenarioError:
            counts["clean errors"] += 1
        except _Hang:
            counts["hangs"] += 1
            examples.setdefault("hang", text[:200])
        except Exception as exc:  # what the suite must never see
            counts["tracebacks"] += 1
            examples.setdefault(type(exc).__name__, text[:200])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            worst_s = max(worst_s, time.perf_counter() - started)
            worst_mb = max(worst_mb, tracemalloc.get_traced_memory()[1] / 1e6)
            tracemalloc.stop()
    print(f"files {n}: accepted {counts['accepted']}, clean errors {counts['clean errors']}, "
          f"tracebacks {counts['tracebacks']}, hangs {counts['hangs']}; worst file "
          f"{worst_s:.2f} s, peak traced memory {worst_mb:.1f} MB")
    for kind, text in examples.items():
        print(f"  {kind}: {text!r}")


if __name__ == "__main__":
    main()
