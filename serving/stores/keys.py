"""Redis key layout of the batch view (a contract: the speed layer and the dispatcher read it).

Per-user keys carry the user's hash tag ``{<user_id>}`` so they are Redis Cluster-safe
(``<prefix>:bv:<version>:{<user>}`` lands in the same slot as every other key of that user).

>>> keys = BatchViewKeys("clarion")
>>> keys.current()
'clarion:bv:current'
>>> keys.user("2026-11-27.r1", "u42")
'clarion:bv:2026-11-27.r1:{u42}'
"""

from __future__ import annotations

from dataclasses import dataclass

from serving.stores.exceptions import StoreError

__all__ = ["BatchViewKeys"]

_GLOB = set("*?[]\\")


def _tag(user_id: str) -> str:
    if not user_id or "{" in user_id or "}" in user_id:
        raise StoreError(f"user id {user_id!r} cannot be a Redis hash tag: empty or has braces")
    return "{" + user_id + "}"


@dataclass(frozen=True, slots=True)
class BatchViewKeys:
    """Keys under one prefix (``RedisSettings.key_prefix``; tests use a unique one each)."""

    prefix: str = "clarion"

    def __post_init__(self) -> None:
        if not self.prefix or _GLOB & set(self.prefix) or "{" in self.prefix:
            raise StoreError(f"key prefix {self.prefix!r} must be non-empty, without glob chars")

    def current(self) -> str:
        """A string: the version readers use now."""
        return f"{self.prefix}:bv:current"

    def user(self, version: str, user_id: str) -> str:
        """A hash: one user's batch view in one version, field -> text."""
        return f"{self.prefix}:bv:{version}:{_tag(user_id)}"

    def progress(self, version: str) -> str:
        """A hash: the publish checkpoint of one version (expires with the version)."""
        return f"{self.prefix}:bv:{version}:progress"

    def user_pattern(self, version: str) -> str:
        """SCAN pattern of every user hash of one version."""
        return f"{self.prefix}:bv:{version}:{{*}}"

    def version_pattern(self, version: str) -> str:
        """SCAN pattern of every key of one version (user hashes and progress)."""
        return f"{self.prefix}:bv:{version}:*"
