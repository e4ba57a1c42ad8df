"""What users see: products with prices per category, pages, search terms, merchants.

Prices are log-normal around a median per category and fixed for the world
(drawn from the world's seed). Each category's products are sorted by price,
so a price-sensitive user is simply one who picks from the cheap end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from clarion.events import CATEGORIES

__all__ = [
    "MERCHANTS",
    "PAGES",
    "PRODUCTS_PER_CATEGORY",
    "SEARCH_TERMS",
    "Catalog",
    "product_number",
]

PRODUCTS_PER_CATEGORY: Final = 2_000
MEDIAN_PRICE: Final = dict(
    zip(CATEGORIES, (180.0, 45.0, 60.0, 25.0, 55.0, 15.0, 12.0, 30.0), strict=True)
)
PRICE_SIGMA: Final = 0.7

GENERIC_PAGES: Final = ("home", "deals", "account", "orders", "help")
PAGES: Final[tuple[str, ...]] = GENERIC_PAGES + tuple(f"category/{c}" for c in CATEGORIES)
GENERIC_PAGE_WEIGHTS: Final = np.array([0.55, 0.2, 0.1, 0.1, 0.05])

SEARCH_TERMS: Final[dict[str, tuple[str, ...]]] = {
    "electronics": ("wireless headphones", "usb c charger", "4k tv", "laptop"),
    "fashion": ("running shoes", "summer dress", "denim jacket", "sneakers"),
    "home": ("desk lamp", "bed sheets", "coffee maker", "storage box"),
    "beauty": ("face serum", "sunscreen", "shampoo", "lipstick"),
    "sports": ("yoga mat", "dumbbells", "bike helmet", "tennis racket"),
    "books": ("thriller novel", "cookbook", "kids books", "biography"),
    "grocery": ("coffee beans", "olive oil", "protein bars", "green tea"),
    "toys": ("lego", "puzzle", "board game", "plush toy"),
}
QUERIES: Final[tuple[str, ...]] = tuple(q for c in CATEGORIES for q in SEARCH_TERMS[c])

MERCHANTS: Final[tuple[str, ...]] = (
    "Corner Grocery", "City Transit", "Fuel Stop", "Coffee House", "Pharmacy Plus",
    "Book Nook", "Streamflix", "Cloud Storage Co", "Electro Mart", "Fashion Avenue",
    "Home Depot Direct", "Sports Arena", "Pizza Palace", "Sushi Bar", "Gym Club",
    "Airline Tickets", "Hotel Stay", "Ride Share", "Mobile Carrier", "Utility Power",
)  # fmt: skip


def product_number(category: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """The number behind a product id (``p`` + six digits): category and price rank."""
    return np.asarray(category.astype(np.int64) * 100_000 + rank)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Product prices in cents, ``(len(CATEGORIES), PRODUCTS_PER_CATEGORY)``, ascending per row."""

    price_cents: np.ndarray

    @classmethod
    def for_seed(cls, seed: int) -> Catalog:
        """The world's catalogue."""
        rng = np.random.default_rng([seed, 2])
        medians = np.array([MEDIAN_PRICE[c] for c in CATEGORIES])[:, None]
        prices = medians * np.exp(
            PRICE_SIGMA * rng.standard_normal((len(CATEGORIES), PRODUCTS_PER_CATEGORY))
        )
        cents = np.floor(prices) * 100 + 99  # x.99 pricing, at least 0.99
        return cls(price_cents=np.sort(cents.astype(np.int64), axis=1))

    def pick(
        self, rng: np.random.Generator, *, category: np.ndarray, price_sensitivity: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Choose a product per row; price-sensitive users lean to the cheap end.

        Returns:
            The price rank within the category and the price in cents.
        """
        skew = np.exp(2.0 * (price_sensitivity - 0.5))  # > 1 favours cheap products
        rank = (PRODUCTS_PER_CATEGORY * rng.random(len(category)) ** skew).astype(np.int64)
        rank = np.minimum(rank, PRODUCTS_PER_CATEGORY - 1)
        return rank, self.price_cents[category, rank]
