"""The process's long-lived objects set aside from Python's cyclic garbage collector.

Once an app has started (imports done, the workspace open, the window built), tens of thousands
of objects live as long as the process: modules, classes, Qt's wrappers, SQLAlchemy's and the
ORM's registries, the workspace's caches. Every full collection walked them all again: a
30–100 ms pause of every thread (the GUI's included) every few thousand flows, in the middle of
whatever step was running (bench/bench_engine.py's max), and about a third of the collector's
time. ``settle()`` freezes them (``gc.freeze``): they are never walked again, and what the app
makes from then on is collected as before.

Only a process's entry points call it, once started (the desktop app when a workspace is open,
``otp-bench headless`` when it serves): a library or a test that makes and drops many engines
must not, or their garbage would be kept forever. ``release()`` at shutdown lets it be freed.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Freeze every object alive now. No collection first: it would pause the calling thread
    (the GUI's) for as long as the full collections this avoids; garbage frozen with them is
    bounded by what one start-up made."""
    gc.freeze()


def release() -> None:
    """Hand the frozen objects back to the collector (an app shutting down its workspace)."""
    gc.unfreeze()
