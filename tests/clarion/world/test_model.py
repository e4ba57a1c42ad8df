"""WorldSpec: validation, blocks and chunks."""

from __future__ import annotations

from datetime import date

import pytest

from clarion.exceptions import ClarionError
from clarion.world import BLOCK_USERS, WorldSpec, WorldSpecError, default_start_date


def spec(**kw: object) -> WorldSpec:
    base: dict[str, object] = {"users": 10, "days": 3, "start_date": date(2026, 1, 1)}
    return WorldSpec(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("users", 0, "--users"),
        ("users", 10**9, "--users"),
        ("days", 0, "--days"),
        ("seed", -1, "--seed"),
        ("chunk_users", 0, "--chunk-users"),
    ],
)
def test_bad_values_raise_a_clarion_error_naming_the_option(
    field: str, value: int, needle: str
) -> None:
    with pytest.raises(WorldSpecError, match=needle) as info:
        spec(**{field: value})
    assert isinstance(info.value, ClarionError)


def test_blocks_cover_every_user_once_and_chunks_round_up_to_blocks() -> None:
    s = spec(users=2 * BLOCK_USERS + 7, chunk_users=BLOCK_USERS + 1)
    blocks = list(s.blocks())
    assert sum(b.size for b in blocks) == s.users
    assert [b.first_user for b in blocks] == [0, BLOCK_USERS, 2 * BLOCK_USERS]
    assert [len(c) for c in s.chunks()] == [2, 1]


def test_window_bounds() -> None:
    s = spec(days=2)
    assert s.end_date == date(2026, 1, 3)
    assert s.end_ms - s.start_ms == 2 * 86_400_000


def test_default_start_date_ends_the_window_today() -> None:
    assert default_start_date(30, today=date(2026, 3, 31)) == date(2026, 3, 1)
    assert WorldSpec(users=1, days=30).start_date == default_start_date(30)
