"""Same spec and seed, same bytes; the chunk size changes nothing; other seeds differ."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from clarion.world import WorldSpec
from tests.clarion.world._world import build_world

SPEC = WorldSpec(users=2_300, days=5, start_date=date(2026, 6, 1), seed=11, chunk_users=1_000)


def test_same_seed_same_tables_whatever_the_chunk_size() -> None:
    first = build_world(SPEC)
    again = build_world(SPEC)
    rechunked = build_world(replace(SPEC, chunk_users=5_000))
    for a, b, c in zip(first, again, rechunked, strict=True):
        assert a.equals(b)
        assert a.equals(c)


def test_another_seed_gives_another_world() -> None:
    users, traits, events = build_world(SPEC)
    other_users, other_traits, other_events = build_world(replace(SPEC, seed=12))
    assert users.column("user_id").equals(other_users.column("user_id"))
    assert not traits.column("purchase_propensity").equals(
        other_traits.column("purchase_propensity")
    )
    assert set(events.column("value").to_pylist()).isdisjoint(
        other_events.column("value").to_pylist()
    )


def test_a_later_window_has_the_same_people_and_new_events() -> None:
    _, traits, events = build_world(SPEC)
    _, later_traits, later_events = build_world(replace(SPEC, start_date=date(2026, 6, 6)))
    for column in ("purchase_propensity", "activity_level", "top_category"):
        assert traits.column(column).equals(later_traits.column(column))
    ids = set(events.column("value").to_pylist())
    assert ids.isdisjoint(later_events.column("value").to_pylist())
