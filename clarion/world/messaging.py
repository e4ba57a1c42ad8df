"""Notifications the outside world already sends: delivered, opened, clicked.

Only channels a user consented to (and has a contact point for) receive
notifications, in daytime local hours. Whether one is opened depends on the
user's hidden engagement for that channel (much lower once a user has churned;
dormant users never open); clicks follow opens. A click often brings the user back for
a session, so notifications have a real effect on behaviour.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from clarion.events import CHANNELS
from clarion.world.columns import KIND, EventColumns
from clarion.world.population import CONSENT_CHANNELS, Population
from clarion.world.rhythm import Clock, window_times_ms

__all__ = ["Clicks", "notifications"]

DAILY_RATE: Final = np.array([0.12, 0.15, 0.02, 0.07])  # per CONSENT_CHANNELS
OPEN_DELAY_MS: Final = np.array([90, 6, 3, 45]) * 60_000
CHURNED_OPEN_FACTOR: Final = 0.1  # dormant users never open
CLICK_RATE: Final = (0.15, 0.45)  # base + slope * engagement, per open
RETURN_SHARE: Final = 0.7  # clicks that start a session
_CHANNEL_INDEX: Final = np.array([CHANNELS.index(c) for c in CONSENT_CHANNELS])

Clicks = tuple[np.ndarray, np.ndarray]
"""Sessions caused by clicks: user index in the population and UTC start (ms)."""


def notifications(
    rng: np.random.Generator, *, pop: Population, clock: Clock
) -> tuple[EventColumns, Clicks]:
    """Notification events of every user, and the sessions their clicks start."""
    days = clock.local_days
    who_parts, day_parts, channel_parts = [], [], []
    for c in range(len(CONSENT_CHANNELS)):
        counts = rng.poisson(DAILY_RATE[c], (len(pop), days)) * pop.consent[:, c : c + 1]
        flat = np.repeat(np.arange(len(pop) * days), counts.ravel())
        who_parts.append(flat // days)
        day_parts.append(flat % days)
        channel_parts.append(np.full(len(flat), c))
    who, local_day, channel = (np.concatenate(p) for p in (who_parts, day_parts, channel_parts))
    n = len(who)

    local_ms = window_times_ms(rng, first_hour=9, last_hour=20, size=n)
    sent = clock.to_utc_ms(place=pop.place[who], local_day=local_day, local_ms=local_ms)
    engagement = pop.engagement[who, channel]
    churned = local_day - 1 >= pop.churn_day[who]
    reach = np.where(pop.dormant[who], 0.0, np.where(churned, CHURNED_OPEN_FACTOR, 1.0))
    opened = rng.random(n) < engagement * reach
    open_ms = sent + rng.exponential(1.0, n) * OPEN_DELAY_MS[channel]
    clicked = opened & (rng.random(n) < CLICK_RATE[0] + CLICK_RATE[1] * engagement)
    click_ms = open_ms + 3_000 + rng.exponential(20_000, n)
    ref = rng.integers(1, 2**63 - 1, size=n, dtype=np.int64).astype(np.uint64)
    item = _CHANNEL_INDEX[channel]

    events = EventColumns.concat(
        [
            EventColumns.of(
                user=pop.user[who[mask]],
                ts_ms=ts[mask].astype(np.int64),
                kind=KIND[kind],
                item=item[mask],
                ref=ref[mask],
            )
            for kind, mask, ts in (
                ("notification_delivered", np.ones(n, dtype=bool), sent),
                ("notification_opened", opened, open_ms),
                ("notification_clicked", clicked, click_ms),
            )
        ]
    )
    returns = clicked & (rng.random(n) < RETURN_SHARE)
    session_ms = click_ms[returns] + rng.integers(2_000, 60_000, int(returns.sum()))
    return events, (who[returns], session_ms.astype(np.int64))
