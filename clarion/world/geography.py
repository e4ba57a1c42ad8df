"""Where users live: country, IANA time zone, locale, phone prefix, and their UTC offsets.

Local rhythms are generated in each user's own time zone, so the generator
needs every zone's UTC offset on every local day of the window, daylight
saving time included. :func:`utc_offsets_ms` computes that small table once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np

__all__ = ["PLACES", "Place", "place_weights", "utc_offsets_ms"]


@dataclass(frozen=True, slots=True)
class Place:
    """One kind of user location."""

    country: str
    timezone: str
    locale: str
    phone_prefix: str
    weight: float


PLACES: Final[tuple[Place, ...]] = (
    Place("US", "America/New_York", "en-US", "+1", 10.0),
    Place("US", "America/Chicago", "en-US", "+1", 6.0),
    Place("US", "America/Denver", "en-US", "+1", 2.0),
    Place("US", "America/Los_Angeles", "en-US", "+1", 6.0),
    Place("US", "America/Los_Angeles", "es-US", "+1", 1.5),
    Place("CA", "America/Toronto", "en-CA", "+1", 2.5),
    Place("CA", "America/Toronto", "fr-CA", "+1", 1.0),
    Place("MX", "America/Mexico_City", "es-MX", "+52", 4.0),
    Place("BR", "America/Sao_Paulo", "pt-BR", "+55", 7.0),
    Place("AR", "America/Argentina/Buenos_Aires", "es-AR", "+54", 2.0),
    Place("GB", "Europe/London", "en-GB", "+44", 6.0),
    Place("IE", "Europe/Dublin", "en-IE", "+353", 0.8),
    Place("FR", "Europe/Paris", "fr-FR", "+33", 5.0),
    Place("DE", "Europe/Berlin", "de-DE", "+49", 6.0),
    Place("ES", "Europe/Madrid", "es-ES", "+34", 3.5),
    Place("IT", "Europe/Rome", "it-IT", "+39", 3.5),
    Place("NL", "Europe/Amsterdam", "nl-NL", "+31", 1.5),
    Place("PL", "Europe/Warsaw", "pl-PL", "+48", 2.0),
    Place("SE", "Europe/Stockholm", "sv-SE", "+46", 1.0),
    Place("TR", "Europe/Istanbul", "tr-TR", "+90", 3.0),
    Place("NG", "Africa/Lagos", "en-NG", "+234", 2.5),
    Place("ZA", "Africa/Johannesburg", "en-ZA", "+27", 1.5),
    Place("IN", "Asia/Kolkata", "en-IN", "+91", 8.0),
    Place("IN", "Asia/Kolkata", "hi-IN", "+91", 4.0),
    Place("ID", "Asia/Jakarta", "id-ID", "+62", 4.0),
    Place("SG", "Asia/Singapore", "en-SG", "+65", 0.8),
    Place("JP", "Asia/Tokyo", "ja-JP", "+81", 4.5),
    Place("KR", "Asia/Seoul", "ko-KR", "+82", 2.5),
    Place("AU", "Australia/Sydney", "en-AU", "+61", 2.5),
    Place("NZ", "Pacific/Auckland", "en-NZ", "+64", 0.6),
)


def place_weights() -> np.ndarray:
    """Probability of each place in :data:`PLACES`."""
    w = np.array([p.weight for p in PLACES], dtype=np.float64)
    return np.asarray(w / w.sum())


def utc_offsets_ms(*, first_day: date, days: int) -> np.ndarray:
    """UTC offset (ms) of every place on each local day, taken at local noon.

    Args:
        first_day: the first local calendar day.
        days: how many consecutive days.

    Returns:
        An ``int64`` array of shape ``(len(PLACES), days)``; local time = UTC + offset.
    """
    out = np.empty((len(PLACES), days), dtype=np.int64)
    cache: dict[str, np.ndarray] = {}
    for i, place in enumerate(PLACES):
        if place.timezone not in cache:
            zone = ZoneInfo(place.timezone)
            row = np.empty(days, dtype=np.int64)
            for d in range(days):
                noon = datetime.combine(first_day + timedelta(days=d), datetime.min.time())
                offset = noon.replace(hour=12, tzinfo=zone).utcoffset()
                row[d] = int(offset.total_seconds() * 1000) if offset is not None else 0
            cache[place.timezone] = row
        out[i] = cache[place.timezone]
    return out
