"""A publish run's checkpoint, and its flat text form in a :class:`CheckpointStore`.

One ``save`` writes the pass, the position of the next chunk and the row counts
together, so after a crash they agree: the rerun starts at the first chunk not
checkpointed and counts every row exactly once.

>>> p = PublishProgress.start(delta_versions={"features": 3}, started_at="t0")
>>> PublishProgress.from_fields(p.to_fields()) == p
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar, cast

from serving.publish.delta_source import Position
from serving.publish.exceptions import PublishError
from serving.stores import ChunkKind

__all__ = ["PASSES", "PassName", "PublishProgress", "Status"]

PASSES: tuple[ChunkKind, ...] = ("features", "scores", "segments")
PassName = Literal["features", "scores", "segments", "done"]
Status = Literal["running", "switching", "published"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PublishProgress:
    status: Status
    pass_name: PassName
    position: Position
    rows: Mapping[str, int]
    delta_versions: Mapping[str, int]
    started_at: str
    previous: Mapping[str, str] = field(default_factory=dict)  # store -> version ("" = none)
    finished_at: str = ""

    @classmethod
    def start(cls, *, delta_versions: Mapping[str, int], started_at: str) -> PublishProgress:
        return cls(
            status="running",
            pass_name="features",
            position=Position(),
            rows={kind: 0 for kind in PASSES},
            delta_versions=dict(delta_versions),
            started_at=started_at,
        )

    def after_chunk(self, kind: ChunkKind, *, position: Position, rows: int) -> PublishProgress:
        counts = {**self.rows, kind: self.rows.get(kind, 0) + rows}
        return replace(self, pass_name=kind, position=position.following(), rows=counts)

    def after_pass(self, kind: ChunkKind) -> PublishProgress:
        index = PASSES.index(kind) + 1
        following: PassName = PASSES[index] if index < len(PASSES) else "done"
        return replace(self, pass_name=following, position=Position())

    def to_fields(self) -> dict[str, str]:
        out = {
            "status": self.status,
            "pass": self.pass_name,
            "file": str(self.position.file),
            "batch": str(self.position.batch),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }
        out.update({f"rows.{k}": str(v) for k, v in self.rows.items()})
        out.update({f"delta.{k}": str(v) for k, v in self.delta_versions.items()})
        out.update({f"previous.{k}": v for k, v in self.previous.items()})
        return out

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> PublishProgress:
        try:
            return cls(
                status=cast(Status, fields["status"]),
                pass_name=cast(PassName, fields["pass"]),
                position=Position(int(fields["file"]), int(fields["batch"])),
                rows=_section(fields, "rows.", int),
                delta_versions=_section(fields, "delta.", int),
                previous=_section(fields, "previous.", str),
                started_at=fields["started_at"],
                finished_at=fields.get("finished_at", ""),
            )
        except (KeyError, ValueError) as exc:
            raise PublishError(
                f"the saved checkpoint is unreadable ({exc!r}): {dict(fields)}; publish under "
                "a new run id"
            ) from exc


def _section(fields: Mapping[str, str], prefix: str, parse: Callable[[str], T]) -> dict[str, T]:
    return {k[len(prefix) :]: parse(v) for k, v in fields.items() if k.startswith(prefix)}
