"""The event schemas the speed layer accepts, by ``schema_version``.

Version 1 is :mod:`clarion.events`. A new version is added here next to the old
one, so producers can migrate while both are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from clarion.events import EVENT_TYPES, REQUIRED_PROPERTIES

__all__ = ["SCHEMAS", "EventSchema"]


@dataclass(frozen=True, slots=True)
class EventSchema:
    """What one schema version requires: the known types and each type's properties."""

    version: int
    required_properties: Mapping[str, Mapping[str, tuple[type, ...]]]

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self.required_properties)


SCHEMAS: Final[Mapping[int, EventSchema]] = MappingProxyType(
    {
        1: EventSchema(
            version=1,
            required_properties=MappingProxyType(
                {t: MappingProxyType(dict(REQUIRED_PROPERTIES[t])) for t in EVENT_TYPES}
            ),
        ),
    }
)
