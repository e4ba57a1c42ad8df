"""What every batch-view store does: the small abstract class behind Redis, Cassandra, memory.

The lifecycle follows Feast's online stores: :meth:`BatchViewStore.update` creates what the
store needs (idempotent), :meth:`~BatchViewStore.online_write_batch` writes one chunk of one
version, :meth:`~BatchViewStore.activate` switches readers to a version,
:meth:`~BatchViewStore.online_read` returns a user's current view, and
:meth:`~BatchViewStore.teardown` removes everything the store holds (tests, decommissioning).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

__all__ = ["BatchRecord", "BatchViewStore", "ChunkKind", "RunRecord", "ViewChunk"]

ChunkKind = Literal["features", "scores", "segments"]

# Fields every user hash may carry besides the features (the Redis contract).
SCORE, MODEL_VERSION, SEGMENTS, AS_OF = "score", "model_version", "segments", "as_of"


@dataclass(frozen=True, slots=True)
class ViewChunk:
    """One bounded slice of one input table, already encoded as text.

    ``fields``: user -> field -> text (``features`` and ``scores`` chunks).
    ``segments``: user -> memberships in this chunk (``segments`` chunks); a user's
    memberships may span chunks, so stores *merge* them (set union, idempotent).
    """

    kind: ChunkKind
    rows: int
    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    segments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What a publish run reports to a store that keeps a run log (Cassandra ``publish_runs``)."""

    version: str
    as_of: date
    status: Literal["running", "published", "failed"]
    rows: Mapping[str, int]
    delta_versions: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A user's hash in the version that was current when read (texts, not yet typed)."""

    version: str
    fields: Mapping[str, str]


class BatchViewStore(ABC):
    """A store of versioned per-user batch views."""

    name: str = "store"

    @abstractmethod
    def update(self) -> None:
        """Create tables or register scripts; idempotent; call before anything else."""

    @abstractmethod
    def online_write_batch(self, *, version: str, chunk: ViewChunk) -> None:
        """Write one chunk into ``version``. Idempotent: writing it twice changes nothing."""

    @abstractmethod
    def count_users(self, *, version: str) -> int | None:
        """Users held for ``version``, or ``None`` if this store cannot count cheaply."""

    @abstractmethod
    def current_version(self) -> str | None:
        """The version readers use now (``None``: never switched, or no pointer kept)."""

    @abstractmethod
    def activate(self, *, version: str, previous: str | None) -> None:
        """Switch readers to ``version`` atomically; let ``previous`` expire. Idempotent."""

    @abstractmethod
    def online_read(self, user_id: str) -> BatchRecord | None:
        """The user's view in the current version (``None``: no current version)."""

    def record_run(self, run: RunRecord) -> None:  # noqa: B027 - optional hook
        """Log a run's state (only stores with a run log implement it)."""

    @abstractmethod
    def teardown(self) -> None:
        """Remove everything this store holds."""
