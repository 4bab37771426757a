"""``tests/slipcover_setup.py``'s annotation-only lines are SlipCover's own, found faster."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slipcover_setup import annotation_only_lines

slipcover = pytest.importorskip("slipcover.slipcover")

pytestmark = pytest.mark.skipif(sys.version_info[:2] != (3, 11),
                                reason="the replacement is used on Python 3.11 only")

SAMPLE = '''
import typing
from typing import Optional

def signature(
    a: typing.Mapping[str, int],
    b: Optional[list[str]] = None,
) -> typing.Iterator[
    int
]:
    return iter([len(a), *(b or [])])

class Fields:
    name: str
    size: typing.Optional[int] = 3

big = [{}]
def far_jumps(x):
    if x:
        return [{}]
    return None
'''.format(", ".join(str(i) for i in range(400)), ", ".join(f"x + {i}" for i in range(400)))

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["otp_bench/engine/engine.py", "otp_bench/domain/model.py", "otp_bench/apex/run.py",
           "otp_bench/headless/oauth.py", "otp_bench/store/store.py"]


def _code_objects(co: types.CodeType) -> Iterator[types.CodeType]:
    yield co
    for const in co.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def test_a_multi_line_signature_continuation_only_loads_annotations() -> None:
    module = compile(SAMPLE, "sample.py", "exec", dont_inherit=True)
    lines = set().union(*(annotation_only_lines(co) for co in _code_objects(module)))
    # the return annotation's two lines load names only; a's builds a tuple, b's holds a NOP
    # (compiled without this file's "from __future__ import annotations": evaluated eagerly)
    assert lines == {8, 9}


@pytest.mark.parametrize("source", ["sample", *MODULES])
def test_the_same_lines_as_slipcover_finds(source: str) -> None:
    text = SAMPLE if source == "sample" else (ROOT / source).read_text("utf-8")
    for co in _code_objects(compile(text, source, "exec", dont_inherit=True)):
        assert annotation_only_lines(co) == slipcover._get_annotation_only_lines(co), co.co_name
