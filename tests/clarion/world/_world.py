"""Helpers shared by the generator's tests: build a world in memory."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from clarion.world import WorldSpec, generate_chunks


@dataclass(frozen=True)
class SmallWorld:
    spec: WorldSpec
    users: pa.Table
    traits: pa.Table
    events: pa.Table
    frame: pd.DataFrame  # one row per event: parsed JSON plus raw columns


def build_world(spec: WorldSpec) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Users, hidden traits and raw events of a whole world, in memory."""
    chunks = list(generate_chunks(spec))
    return (
        pa.concat_tables([c.users for c in chunks]),
        pa.concat_tables([c.traits for c in chunks]),
        pa.concat_tables([c.events for c in chunks]),
    )
