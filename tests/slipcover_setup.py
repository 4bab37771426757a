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
- The lines that only load annotations (a multi-line signature's continuation lines), which
  SlipCover leaves out of the code lines, are found by ``annotation_only_lines``: the same answer
  as SlipCover 1.1's ``_get_annotation_only_lines``, which walked ``dis.get_instructions`` and
  took a third of instrumenting (~0.6 CPU-s of each process's ~1.8 at import).
  ``tests/test_slipcover_setup.py`` checks they agree.
"""

from __future__ import annotations

import dis
import functools
import os
import sys
import types
from typing import Any

# SlipCover's: a line whose instructions all are among these only loads an annotation
_ANNOTATION_ONLY_OPS = frozenset({"LOAD_NAME", "LOAD_GLOBAL", "LOAD_ATTR", "BINARY_SUBSCR"})


def _opcode_table() -> list[tuple[str, int]]:
    """For each opcode byte: the name ``dis`` gives it and how many inline cache units follow."""
    all_opname: list[str] = getattr(dis, "_all_opname", dis.opname)
    deopt: Any = getattr(dis, "_deoptop", lambda op: op)
    caches: list[int] = getattr(dis, "_inline_cache_entries", [0] * 256)
    return [(all_opname[op], caches[deopt(op)]) for op in range(256)]


_OPCODES = _opcode_table()


def annotation_only_lines(co: types.CodeType) -> frozenset[int]:
    """The lines of ``co`` whose instructions only load annotations (as ``dis`` reads them: one
    instruction per opcode, its inline caches skipped, its line from ``co_positions``)."""
    code = co.co_code
    positions = list(co.co_positions())
    ops_by_line: dict[int, set[str]] = {}
    skip = 0
    for unit in range(len(code) // 2):
        if skip:
            skip -= 1
            continue
        name, skip = _OPCODES[code[2 * unit]]
        line = positions[unit][0] if unit < len(positions) else None
        if line:
            ops_by_line.setdefault(line, set()).add(name)
    return frozenset(line for line, ops in ops_by_line.items() if ops <= _ANNOTATION_ONLY_OPS)


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
    if sys.version_info[:2] == (3, 11):  # the opcode layout it was checked against
        import slipcover.slipcover

        slipcover.slipcover._get_annotation_only_lines = annotation_only_lines
