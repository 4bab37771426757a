"""How SlipCover measures the suites (``make test-core``, ``make test-gui``), where its pytest
plugin has no setting for it. Loaded with ``-p`` (Makefile), so before pytest's entry-point
plugins: SlipCover's worker plugin builds its instance as it is imported.

- Every xdist worker takes each line's probe out as soon as it has run, as the controller does
  (``immediate = true`` in ``[tool.slipcover]``; SlipCover 1.1's worker plugin doesn't pass it on).
  Otherwise probes are taken out in batches by whichever thread crosses a count, walking every
  thread's frames with ``sys._current_frames()``; on Python 3.11 that can deadlock a process with
  many threads (python/cpython#106883: a garbage collection inside it waits on a lock another
  thread holds). A core-suite worker hung so, for good, in tests/apex/test_export_roundtrip.py
  (Apex runs, callouts and the in-process mock on ~30 threads).
- No process compiles the modules it never imported, on its way out, to list them as unrun
  (~3 s for each worker and again for the controller, which imports almost nothing):
  ``scripts/coverage-floors`` counts a module that no suite imported.
"""

from __future__ import annotations

import functools
import os
from typing import Any

if os.environ.get("SLIPCOVER_ENABLED"):
    import slipcover

    _init = slipcover.Slipcover.__init__

    @functools.wraps(_init)
    def _immediate(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["immediate"] = True
        _init(self, *args, **kwargs)

    if "PYTEST_XDIST_WORKER" in os.environ:
        slipcover.Slipcover.__init__ = _immediate  # type: ignore[method-assign]
    slipcover.Slipcover._add_unseen_source_files = (  # type: ignore[method-assign]
        lambda self, source: None)
