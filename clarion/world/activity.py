"""All events of one block of users: sessions, notifications, transactions, login bursts.

Each block has its own random stream, seeded by the world's seed, the block
index and the window's first day, so a later window of the same world gets
fresh events for the same people. The result is clipped to the UTC window and
sorted by user, then time.
"""

from __future__ import annotations

import numpy as np

from clarion.world.accounts import card_transactions, login_failure_bursts
from clarion.world.catalog import Catalog
from clarion.world.columns import EventColumns
from clarion.world.messaging import notifications
from clarion.world.model import UserBlock, WorldSpec
from clarion.world.population import Population
from clarion.world.rhythm import Clock
from clarion.world.sessions import session_starts, shopping_sessions

__all__ = ["block_events"]

_STREAM = 1


def block_events(
    spec: WorldSpec, block: UserBlock, pop: Population, *, clock: Clock, catalog: Catalog
) -> EventColumns:
    """Every event of a block's users inside the spec's window, sorted by user and time."""
    rng = np.random.default_rng([spec.seed, _STREAM, block.index, spec.start_day])
    notes, (click_who, click_ms) = notifications(rng, pop=pop, clock=clock)
    who, start_ms = session_starts(rng, pop=pop, clock=clock)
    shopping = shopping_sessions(
        rng,
        pop=pop,
        who=np.concatenate([who, click_who]),
        start_ms=np.concatenate([start_ms, click_ms]),
        catalog=catalog,
    )
    events = EventColumns.concat(
        [
            shopping,
            notes,
            card_transactions(rng, pop=pop, clock=clock),
            login_failure_bursts(rng, pop=pop, clock=clock),
        ]
    )
    inside = (events.ts_ms >= spec.start_ms) & (events.ts_ms < spec.end_ms)
    events = events.take(np.nonzero(inside)[0])
    return events.take(np.lexsort((events.kind, events.ts_ms, events.user)))
