"""Account events outside shopping sessions: card transactions and login-failure bursts.

Transactions arrive at a per-user rate with amounts log-normal around the
user's usual amount; about one in a thousand is an anomaly of 6-15 times that
amount (what a risk-alert rule should catch). A few users suffer a burst of
three or more failed logins within a few minutes (a brute-force pattern).
"""

from __future__ import annotations

from typing import Final

import numpy as np

from clarion.world.catalog import MERCHANTS
from clarion.world.columns import KIND, EventColumns
from clarion.world.population import Population
from clarion.world.rhythm import Clock, daily_times_ms

__all__ = ["card_transactions", "login_failure_bursts"]

AMOUNT_SIGMA: Final = 0.45
ANOMALY_SHARE: Final = 0.001
ANOMALY_FACTOR: Final = (6.0, 15.0)
BURST_SHARE: Final = 0.002  # users with one burst of failed logins in the window
BURST_GAP_MS: Final = (10_000, 90_000)


def card_transactions(rng: np.random.Generator, *, pop: Population, clock: Clock) -> EventColumns:
    """Card transactions of every user over the clock's local days."""
    days = clock.local_days
    alive = (np.arange(days)[None, :] - 1) < pop.churn_day[:, None]
    counts = rng.poisson(pop.tx_rate[:, None] * alive)
    flat = np.repeat(np.arange(len(pop) * days), counts.ravel())
    who, local_day = flat // days, flat % days
    local_ms = daily_times_ms(rng, shift_ms=pop.chronotype_ms[who])
    ts = clock.to_utc_ms(place=pop.place[who], local_day=local_day, local_ms=local_ms)
    amount = pop.tx_median_cents[who] * np.exp(AMOUNT_SIGMA * rng.standard_normal(len(who)))
    anomaly = rng.random(len(who)) < ANOMALY_SHARE
    amount = np.where(anomaly, amount * rng.uniform(*ANOMALY_FACTOR, len(who)), amount)
    return EventColumns.of(
        user=pop.user[who],
        ts_ms=ts,
        kind=KIND["transaction"],
        item=rng.integers(0, len(MERCHANTS), len(who)),
        cents=np.maximum(np.round(amount), 1).astype(np.int64),
    )


def login_failure_bursts(
    rng: np.random.Generator, *, pop: Population, clock: Clock
) -> EventColumns:
    """Bursts of 3+ failed logins seconds apart, sometimes ending in a success."""
    who = np.nonzero(rng.random(len(pop)) < BURST_SHARE)[0]
    failures = 3 + rng.poisson(1.5, len(who))
    local_day = rng.integers(1, clock.local_days - 1, len(who))
    local_ms = daily_times_ms(rng, shift_ms=pop.chronotype_ms[who])
    start = clock.to_utc_ms(place=pop.place[who], local_day=local_day, local_ms=local_ms)
    succeeded = rng.random(len(who)) < 0.5

    attempts = failures + succeeded
    row_who = np.repeat(who, attempts)
    gap = rng.integers(*BURST_GAP_MS, len(row_who))
    first = np.zeros(len(row_who), dtype=bool)
    first[np.cumsum(attempts) - attempts] = True
    gap[first] = 0
    elapsed = np.cumsum(gap)
    elapsed -= np.maximum.accumulate(np.where(first, elapsed, 0))
    position = np.arange(len(row_who)) - np.repeat(np.cumsum(attempts) - attempts, attempts)
    is_success = position >= np.repeat(failures, attempts)
    kind = np.where(is_success, KIND["login_success"], KIND["login_failure"])
    return EventColumns.of(
        user=pop.user[row_who],
        ts_ms=np.repeat(start, attempts) + elapsed,
        kind=kind,
    )
