"""The hot path's random values: never handed out twice, not shared with a forked child."""

from __future__ import annotations

import os
import secrets

import pytest

from otp_bench.domain import entropy


def test_tokens_have_the_standard_forms_and_never_repeat() -> None:
    assert len(entropy.token_bytes(16)) == 16
    assert len(entropy.token_hex(8)) == 16 and int(entropy.token_hex(8), 16) >= 0
    # the same text form as the standard library's
    assert len(entropy.token_urlsafe(15)) == len(secrets.token_urlsafe(15)) == 20
    drawn = [entropy.token_bytes(16) for _ in range(5000)]  # crosses many 4 KiB blocks
    assert len(set(drawn)) == len(drawn)
    assert len(entropy.token_bytes(4096)) == 4096  # a large draw straight from the OS


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_child_never_hands_out_its_parents_bytes() -> None:
    entropy.token_bytes(8)  # the parent has a block under way
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next bytes, to the parent
        try:
            os.write(write, entropy.token_bytes(64))
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 64)
    os.close(read)
    os.waitpid(pid, 0)
    parent = entropy.token_bytes(64)
    assert len(child) == 64 and child != parent
