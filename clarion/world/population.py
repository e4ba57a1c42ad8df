"""Users and their hidden traits, drawn per block of users with numpy.

The observable part (:func:`users_table`) is what a CRM would hold: locale,
time zone, contact points, consent. The hidden part (:func:`traits_table`) is
the ground truth that drives behaviour: activity level (heavy-tailed), purchase
propensity (correlated with activity), category affinities (Dirichlet), price
sensitivity, notification engagement per channel, dormancy and churn.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clarion.events import CATEGORIES
from clarion.world._text import Digits, Hex, fixed_ascii, mix64
from clarion.world.geography import PLACES, place_weights
from clarion.world.model import MS_PER_DAY, UserBlock, WorldSpec

__all__ = ["CONSENT_CHANNELS", "Population", "draw_population", "traits_table", "users_table"]

CONSENT_CHANNELS: Final = ("email", "push", "sms", "in_app")

# Calibration of the hidden traits (see docs in the module docstring).
DORMANT_SHARE: Final = 0.10
CHURN_SHARE: Final = 0.08
SESSIONS_PER_DAY: Final = 0.30  # mean of the activity level of active users
ACTIVITY_SIGMA: Final = 1.1  # log-normal spread: the heavy tail
PROPENSITY_ACTIVITY_CORR: Final = 0.65
CATEGORY_POPULARITY: Final = np.array([1.4, 1.6, 1.2, 1.0, 0.8, 0.7, 1.0, 0.6])
CONTACT_SHARE: Final = {"email": 0.93, "phone": 0.60, "app": 0.55}
CONSENT_SHARE: Final = {"email": 0.72, "push": 0.65, "sms": 0.35, "in_app": 0.85}
OPEN_BIAS: Final = np.array([-0.6, 0.0, 0.3, 0.5])  # email, push, sms, in_app (logit shift)
_EMAIL_DOMAINS: Final = ("example.com", "example.org", "example.net", "mail.example")
_STREAM: Final = 0


@dataclass(frozen=True, slots=True)
class Population:
    """One or more blocks of users, as columns."""

    user: np.ndarray  # int64 user number
    place: np.ndarray  # index into PLACES
    signup_day: np.ndarray  # days since epoch
    updated_ms: np.ndarray
    contact: np.ndarray  # (n, 3) bool: email, phone, app
    consent: np.ndarray  # (n, 4) bool, CONSENT_CHANNELS order
    activity: np.ndarray  # expected sessions per day (0 when dormant)
    propensity: np.ndarray  # hidden purchase propensity in [0, 1]
    price_sensitivity: np.ndarray  # [0, 1]; high = cheaper products
    engagement: np.ndarray  # (n, 4) chance to open a delivered notification per channel
    affinity: np.ndarray  # (n, len(CATEGORIES)) Dirichlet category affinity
    dormant: np.ndarray  # bool
    churn_day: np.ndarray  # window day index from which the user is gone (days = never)
    tx_rate: np.ndarray  # card transactions per day
    tx_median_cents: np.ndarray  # the user's usual transaction amount
    chronotype_ms: np.ndarray  # personal shift of the daily rhythm

    def __len__(self) -> int:
        return len(self.user)

    @classmethod
    def concat(cls, parts: list[Population]) -> Population:
        """Join blocks in order."""
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def draw_population(spec: WorldSpec, block: UserBlock) -> Population:
    """Draw the users of one block from the block's own random stream."""
    rng = np.random.default_rng([spec.seed, _STREAM, block.index])
    n = block.size
    user = np.arange(block.first_user, block.first_user + n, dtype=np.int64)
    place = rng.choice(len(PLACES), size=n, p=place_weights()).astype(np.int16)

    age = np.minimum(1 + rng.exponential(500.0, n).astype(np.int64), 3650)
    signup_day = spec.start_day - age
    updated_ms = (signup_day + rng.random(n) * age) * MS_PER_DAY
    updated_ms = np.minimum(updated_ms.astype(np.int64), spec.start_ms - 1)

    contact = rng.random((n, 3)) < np.array(list(CONTACT_SHARE.values()))
    email, phone, app = contact[:, 0], contact[:, 1], contact[:, 2]
    r = rng.random((n, 4))
    consent = np.stack(
        [
            email & (r[:, 0] < CONSENT_SHARE["email"]),
            app & (r[:, 1] < CONSENT_SHARE["push"]),
            phone & (r[:, 2] < CONSENT_SHARE["sms"]),
            r[:, 3] < CONSENT_SHARE["in_app"],
        ],
        axis=1,
    )

    z_act = rng.standard_normal(n)
    z_buy = PROPENSITY_ACTIVITY_CORR * z_act + np.sqrt(
        1 - PROPENSITY_ACTIVITY_CORR**2
    ) * rng.standard_normal(n)
    dormant = rng.random(n) < 2 * DORMANT_SHARE * _sigmoid(-1.5 * z_buy)  # mostly low buyers
    activity = SESSIONS_PER_DAY * np.exp(ACTIVITY_SIGMA * z_act - ACTIVITY_SIGMA**2 / 2)
    activity = np.where(dormant, 0.0, activity)
    propensity = _sigmoid(-2.3 + 1.5 * z_buy)
    churns = ~dormant & (rng.random(n) < CHURN_SHARE)
    churn_day = np.where(churns, rng.integers(1, max(2, spec.days), n), spec.days).astype(np.int64)

    z_eng = 0.3 * z_act + rng.standard_normal(n)
    engagement = _sigmoid(
        -1.6 + 0.9 * z_eng[:, None] + OPEN_BIAS + 0.5 * rng.standard_normal((n, 4))
    )
    affinity = rng.dirichlet(0.6 * CATEGORY_POPULARITY, size=n)
    price_sensitivity = rng.beta(2.0, 2.0, n)

    tx_rate = np.where(dormant, 0.0, 0.08 * np.exp(0.8 * rng.standard_normal(n) - 0.32))
    tx_median_cents = np.round(np.exp(np.log(3500) + 0.7 * rng.standard_normal(n)))
    chronotype_ms = (rng.normal(0.0, 50.0, n) * 60_000).astype(np.int64)
    return Population(
        user=user,
        place=place,
        signup_day=signup_day,
        updated_ms=updated_ms,
        contact=contact,
        consent=consent,
        activity=activity,
        propensity=propensity,
        price_sensitivity=price_sensitivity,
        engagement=engagement,
        affinity=affinity,
        dormant=dormant,
        churn_day=churn_day,
        tx_rate=tx_rate,
        tx_median_cents=tx_median_cents.astype(np.int64),
        chronotype_ms=chronotype_ms,
    )


def user_ids(user: np.ndarray) -> pa.StringArray:
    """``u`` plus the nine-digit zero-padded user number."""
    return fixed_ascii(len(user), ["u", Digits(user, 9)])


def _lookup(values: list[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(index))


def users_table(pop: Population, *, seed: int) -> pa.Table:
    """The observable users (``bronze.users``)."""
    n = len(pop)
    salt = mix64(pop.user.astype(np.uint64) ^ mix64(np.array([seed], dtype=np.uint64)))
    email = fixed_ascii(n, ["user", Digits(pop.user, 9), "@"])
    domains = _lookup(
        list(_EMAIL_DOMAINS), (salt % np.uint64(len(_EMAIL_DOMAINS))).astype(np.int64)
    )
    email = pc.binary_join_element_wise(email, domains, "")
    local_number = (salt >> np.uint64(8)) % np.uint64(10**9)
    phone = pc.binary_join_element_wise(
        _lookup([p.phone_prefix for p in PLACES], pop.place),
        fixed_ascii(n, ["5", Digits(local_number.astype(np.int64), 9)]),
        "",
    )
    token_parts = [Hex(mix64(salt), 16), Hex(mix64(salt ^ np.uint64(0xA5A5)), 16)]
    push_token = fixed_ascii(n, token_parts)
    return pa.table(
        {
            "user_id": user_ids(pop.user),
            "locale": _lookup([p.locale for p in PLACES], pop.place),
            "timezone": _lookup([p.timezone for p in PLACES], pop.place),
            "country": _lookup([p.country for p in PLACES], pop.place),
            "signup_date": pa.array(pop.signup_day.astype(np.int32), pa.int32()).cast(pa.date32()),
            "email": pc.if_else(pop.contact[:, 0], email, None),
            "phone": pc.if_else(pop.contact[:, 1], phone, None),
            "push_token": pc.if_else(pop.contact[:, 2], push_token, None),
            **{f"consent_{c}": pa.array(pop.consent[:, i]) for i, c in enumerate(CONSENT_CHANNELS)},
            "updated_at": pa.array(pop.updated_ms * 1000, pa.timestamp("us", tz="UTC")),
        }
    )


def traits_table(pop: Population, *, start_day: int, days: int) -> pa.Table:
    """The hidden ground truth (``truth.user_traits``); never an input to features or models."""
    churn = np.where(pop.churn_day < days, start_day + pop.churn_day, -1).astype(np.int32)
    affinity = pop.affinity.astype(np.float32)
    return pa.table(
        {
            "user_id": user_ids(pop.user),
            "purchase_propensity": pa.array(pop.propensity),
            "activity_level": pa.array(pop.activity),
            "price_sensitivity": pa.array(pop.price_sensitivity),
            "engagement_propensity": pa.array(pop.engagement.mean(axis=1)),
            **{
                f"engagement_{c}": pa.array(pop.engagement[:, i])
                for i, c in enumerate(CONSENT_CHANNELS)
            },
            "top_category": _lookup(list(CATEGORIES), pop.affinity.argmax(axis=1)),
            "category_affinity": pa.FixedSizeListArray.from_arrays(
                pa.array(affinity.ravel()), len(CATEGORIES)
            ).cast(pa.list_(pa.float32())),
            "dormant": pa.array(pop.dormant),
            "churn_date": pa.array(churn, pa.int32(), mask=churn < 0).cast(pa.date32()),
            "typical_transaction_amount": pa.array(pop.tx_median_cents / 100.0),
        }
    )
