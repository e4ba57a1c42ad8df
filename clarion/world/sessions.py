"""Shopping sessions: app_open, logins, browsing, wishlists, carts and purchases.

Sessions arrive per user and local day as a Poisson process whose rate is the
user's heavy-tailed activity level times the weekly cycle, at local times drawn
from the daily cycle. Inside a session the hidden purchase propensity drives
how many products are viewed, how many go to the cart and how many carts are
bought; category affinity picks the categories and price sensitivity the price
range. Carts not bought are the natural cart abandonments.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from clarion.events import CATEGORIES
from clarion.world.catalog import (
    GENERIC_PAGE_WEIGHTS,
    GENERIC_PAGES,
    SEARCH_TERMS,
    Catalog,
    product_number,
)
from clarion.world.columns import KIND, EventColumns
from clarion.world.population import Population
from clarion.world.rhythm import Clock, daily_times_ms

__all__ = ["pick_categories", "session_starts", "shopping_sessions"]

PAGE_VIEWS_EXTRA: Final = 0.4  # page views per session: 1 + Poisson(this)
CATEGORY_PAGE_SHARE: Final = 0.35
SEARCHES: Final = (0.2, 0.6)  # Poisson mean: base + slope * propensity
PRODUCT_VIEWS: Final = (0.5, 3.0)
CART_RATE: Final = (0.04, 0.45)  # per product view
BUY_RATE: Final = (0.15, 0.6)  # per cart item
WISHLIST_RATE: Final = (0.03, 0.06)  # base + slope * (1 - price sensitivity)
LOGIN_SHARE: Final = 0.2
LOGIN_RETRY_SHARE: Final = 0.04
MEAN_GAP_MS: Final = 30_000
CHECKOUT_MS: Final = 60_000
_TERMS_PER_CATEGORY: Final = len(next(iter(SEARCH_TERMS.values())))


def pick_categories(rng: np.random.Generator, affinity: np.ndarray) -> np.ndarray:
    """One category per row of an ``(m, categories)`` affinity matrix."""
    cum = np.cumsum(affinity, axis=1)
    cat = (rng.random(len(affinity))[:, None] > cum).sum(axis=1)
    return np.asarray(np.minimum(cat, len(CATEGORIES) - 1))


def session_starts(
    rng: np.random.Generator, *, pop: Population, clock: Clock
) -> tuple[np.ndarray, np.ndarray]:
    """Regular session arrivals.

    Returns:
        The user's index in ``pop`` and the UTC start (ms) of every session.
    """
    days = clock.local_days
    window_day = np.arange(days)[None, :] - 1
    alive = window_day < pop.churn_day[:, None]
    rate = pop.activity[:, None] * clock.weekday_weights()[None, :] * alive
    counts = rng.poisson(rate)
    flat = np.repeat(np.arange(len(pop) * days), counts.ravel())
    who, local_day = flat // days, flat % days
    local_ms = daily_times_ms(rng, shift_ms=pop.chronotype_ms[who])
    return who, clock.to_utc_ms(place=pop.place[who], local_day=local_day, local_ms=local_ms)


def _rate(pair: tuple[float, float], x: np.ndarray) -> np.ndarray:
    return pair[0] + pair[1] * x


def shopping_sessions(
    rng: np.random.Generator,
    *,
    pop: Population,
    who: np.ndarray,
    start_ms: np.ndarray,
    catalog: Catalog,
) -> EventColumns:
    """The events of sessions started by users ``who`` (indices into ``pop``) at ``start_ms``."""
    s = len(who)
    prop = pop.propensity[who]
    sess = np.arange(s)
    parts: list[tuple[np.ndarray, int, EventColumns]] = []

    def add(rows: np.ndarray, stage: int, **cols: np.ndarray | int) -> None:
        empty = np.zeros(len(rows), np.int64)
        parts.append((rows, stage, EventColumns.of(user=empty, ts_ms=empty, **cols)))  # type: ignore[arg-type]

    add(sess, 0, kind=KIND["app_open"])
    login = rng.random(s) < LOGIN_SHARE
    retry = login & (rng.random(s) < LOGIN_RETRY_SHARE)
    add(sess[retry], 1, kind=KIND["login_failure"])
    add(sess[login], 2, kind=KIND["login_success"])

    pages = np.repeat(sess, 1 + rng.poisson(PAGE_VIEWS_EXTRA, s))
    page = rng.choice(len(GENERIC_PAGES), size=len(pages), p=GENERIC_PAGE_WEIGHTS)
    on_category = rng.random(len(pages)) < CATEGORY_PAGE_SHARE
    page_cat = pick_categories(rng, pop.affinity[who[pages]])
    add(
        pages,
        3,
        kind=KIND["page_view"],
        item=np.where(on_category, len(GENERIC_PAGES) + page_cat, page),
    )

    searches = np.repeat(sess, rng.poisson(_rate(SEARCHES, prop)))
    term = pick_categories(rng, pop.affinity[who[searches]]) * _TERMS_PER_CATEGORY
    add(
        searches,
        3,
        kind=KIND["search"],
        item=term + rng.integers(0, _TERMS_PER_CATEGORY, len(searches)),
    )

    views = np.repeat(sess, rng.poisson(_rate(PRODUCT_VIEWS, prop)))
    viewer = who[views]
    cat = pick_categories(rng, pop.affinity[viewer])
    rank, price = catalog.pick(rng, category=cat, price_sensitivity=pop.price_sensitivity[viewer])
    product = product_number(cat, rank)
    add(views, 3, kind=KIND["product_view"], category=cat, item=product, cents=price)

    wish = rng.random(len(views)) < _rate(WISHLIST_RATE, 1.0 - pop.price_sensitivity[viewer])
    add(views[wish], 4, kind=KIND["wishlist"], category=cat[wish], item=product[wish])
    cart = rng.random(len(views)) < _rate(CART_RATE, pop.propensity[viewer])
    add(
        views[cart],
        4,
        kind=KIND["add_to_cart"],
        category=cat[cart],
        item=product[cart],
        cents=price[cart],
    )
    buy = cart & (rng.random(len(views)) < _rate(BUY_RATE, pop.propensity[viewer]))
    quantity = 1 + (rng.random(len(views)) < 0.12) + (rng.random(len(views)) < 0.03)
    order_ref = rng.integers(1, 2**63 - 1, size=len(views), dtype=np.int64).astype(np.uint64)
    add(
        views[buy],
        5,
        kind=KIND["purchase"],
        category=cat[buy],
        item=product[buy],
        cents=(price * quantity)[buy],
        ref=order_ref[buy],
    )
    return _timed(rng, parts=parts, pop=pop, who=who, start_ms=start_ms)


def _timed(
    rng: np.random.Generator,
    *,
    parts: list[tuple[np.ndarray, int, EventColumns]],
    pop: Population,
    who: np.ndarray,
    start_ms: np.ndarray,
) -> EventColumns:
    """Order each session's events by stage (random within a stage) and space them in time."""
    cols = EventColumns.concat([p[2] for p in parts])
    sess = np.concatenate([p[0] for p in parts])
    stage = np.concatenate([np.full(len(p[0]), p[1], np.int8) for p in parts])
    order = np.lexsort((rng.random(len(sess)), stage, sess))
    cols, sess, stage = cols.take(order), sess[order], stage[order]

    gap = 1_000 + rng.exponential(MEAN_GAP_MS, len(sess)).astype(np.int64)
    gap += np.where(stage == 5, CHECKOUT_MS, 0)
    first = np.ones(len(sess), dtype=bool)
    first[1:] = sess[1:] != sess[:-1]
    gap[first] = 0
    elapsed = np.cumsum(gap)
    elapsed -= np.maximum.accumulate(np.where(first, elapsed, 0))
    return EventColumns(
        user=pop.user[who[sess]],
        ts_ms=start_ms[sess] + elapsed,
        kind=cols.kind,
        category=cols.category,
        item=cols.item,
        cents=cols.cents,
        ref=cols.ref,
    )
