"""A small world shared by the generator's unit tests (no services)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from clarion.world import WorldSpec
from tests.clarion.world._world import SmallWorld, build_world


@pytest.fixture(scope="session")
def small_world() -> SmallWorld:
    spec = WorldSpec(users=4_000, days=14, start_date=date(2026, 3, 2), seed=7, chunk_users=1_500)
    users, traits, events = build_world(spec)
    parsed = [json.loads(v) for v in events.column("value").to_pylist()]
    frame = pd.DataFrame(parsed)
    frame["ts_parsed"] = pd.to_datetime(frame["ts"], format="%Y-%m-%dT%H:%M:%S.%fZ", utc=True)
    frame["key"] = events.column("key").to_pylist()
    return SmallWorld(spec=spec, users=users, traits=traits, events=events, frame=frame)
