"""Salesforce record ids: the 15 → 18 checksum, prefixes, validation."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otp_bench.domain.ids import (
    SITE_PREFIX,
    USER_PREFIX,
    IdFactory,
    checksum,
    is_valid,
    new_id,
    to_18,
)

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("00D000000000062", "00D000000000062EAA"),  # the org id in Salesforce's own docs
        ("a0D30000001n7Pi", "a0D30000001n7PiEAI"),
        ("001000000000000", "001000000000000AAA"),
        ("ZZZZZZZZZZZZZZZ", "ZZZZZZZZZZZZZZZ555"),
    ],
)
def test_known_checksums(id15: str, id18: str) -> None:
    assert to_18(id15) == id18
    assert is_valid(id18) and is_valid(id15)


@given(st.text(alphabet=B62, min_size=15, max_size=15))
def test_round_trip(id15: str) -> None:
    id18 = to_18(id15)
    assert len(id18) == 18 and id18[:15] == id15
    assert to_18(id18) == id18  # idempotent
    assert is_valid(id18)
    assert id18[15:] == checksum(id15)


@given(st.text(alphabet=B62, min_size=15, max_size=15), st.integers(0, 14))
def test_a_case_change_breaks_the_checksum(id15: str, i: int) -> None:
    flipped = id15[:i] + id15[i].swapcase() + id15[i + 1 :]
    if flipped != id15:
        assert not is_valid(flipped + checksum(id15))


def test_invalid_ids() -> None:
    assert not is_valid("005")
    assert not is_valid("005" + "!" * 12)
    assert not is_valid("00D000000000062EAB")
    assert not is_valid("00D000000000062EAA", prefix=USER_PREFIX)
    with pytest.raises(ValueError, match="15-character"):
        checksum("abc")


def test_new_ids_carry_their_prefix_and_are_unique() -> None:
    users = {new_id(USER_PREFIX) for _ in range(500)}
    sites = {new_id(SITE_PREFIX) for _ in range(10)}
    assert len(users) == 500
    assert all(is_valid(u, USER_PREFIX) and len(u) == 18 for u in users)
    assert all(is_valid(s, SITE_PREFIX) for s in sites)


def test_a_factory_makes_ids_in_creation_order_even_within_one_millisecond() -> None:
    f = IdFactory(clock=lambda: 1_764_000_000.0)  # a clock standing still
    made = [f.new(USER_PREFIX) for _ in range(200)]
    assert all(is_valid(u, USER_PREFIX) for u in made)
    assert [u[:10] for u in made] == sorted(u[:10] for u in made)  # the time part only grows
    assert len(set(made)) == 200


def test_two_processes_on_one_workspace_never_repeat_each_others_ids() -> None:
    """Two factories started at the same instant (two processes launched together, or forked
    from one) still make different ids: the shared-workspace case the old pod scheme failed."""
    a = IdFactory(clock=lambda: 1_764_000_000.0)
    b = IdFactory(clock=lambda: 1_764_000_000.0)
    ids_a = {a.new(USER_PREFIX) for _ in range(2000)}
    ids_b = {b.new(USER_PREFIX) for _ in range(2000)}
    assert not ids_a & ids_b
