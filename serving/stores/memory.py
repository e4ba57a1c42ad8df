"""The in-memory batch-view store: a real implementation for unit tests and demos."""

from __future__ import annotations

import json
from collections import defaultdict

from serving.stores.base import SEGMENTS, BatchRecord, BatchViewStore, RunRecord, ViewChunk
from serving.stores.codec import encode_json_list

__all__ = ["InMemoryBatchViewStore"]


class InMemoryBatchViewStore(BatchViewStore):
    """Versions of ``user -> field -> text``, a current pointer, a run log. Not thread-safe."""

    name = "memory"

    def __init__(self) -> None:
        self.versions: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
        self.current: str | None = None
        self.expired: set[str] = set()
        self.runs: dict[str, RunRecord] = {}

    def update(self) -> None:
        return None

    def online_write_batch(self, *, version: str, chunk: ViewChunk) -> None:
        users = self.versions[version]
        for user_id, fields in chunk.fields.items():
            row = users.setdefault(user_id, {})
            row.update(fields)
            if chunk.kind == "features":
                row.setdefault(SEGMENTS, "[]")
        for user_id, memberships in chunk.segments.items():
            row = users.setdefault(user_id, {})
            merged = set(json.loads(row.get(SEGMENTS, "[]"))) | set(memberships)
            row[SEGMENTS] = encode_json_list(merged)

    def count_users(self, *, version: str) -> int | None:
        return len(self.versions.get(version, {}))

    def current_version(self) -> str | None:
        return self.current

    def activate(self, *, version: str, previous: str | None) -> None:
        self.current = version
        if previous and previous != version:
            self.expired.add(previous)

    def online_read(self, user_id: str) -> BatchRecord | None:
        if self.current is None:
            return None
        fields = self.versions.get(self.current, {}).get(user_id, {})
        return BatchRecord(version=self.current, fields=dict(fields))

    def record_run(self, run: RunRecord) -> None:
        self.runs[run.version] = run

    def teardown(self) -> None:
        self.versions.clear()
        self.current = None
        self.runs.clear()
