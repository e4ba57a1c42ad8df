"""Recipient facts for a batch: preferences in one pipelined read, merged views in parallel."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor

from serving.dispatch.runtime.planner import Facts
from serving.preferences import PreferenceStore, recipient_facts
from serving.view.merged import MergedView, MergedViewReader

__all__ = ["FactsReader"]


class FactsReader:
    """``read_many(user_ids)``: one :class:`Facts` per distinct user."""

    def __init__(
        self, *, preferences: PreferenceStore, views: MergedViewReader | None = None
    ) -> None:
        self._preferences = preferences
        self._views = views

    def read_many(self, user_ids: Sequence[str], *, pool: Executor) -> dict[str, Facts]:
        users = list(dict.fromkeys(user_ids))
        prefs = self._preferences.get_many(users)
        views: dict[str, MergedView | None] = dict.fromkeys(users)
        if self._views is not None:
            views.update(zip(users, pool.map(self._views.read, users), strict=True))
        return {
            user: Facts(
                recipient=recipient_facts(user, preferences=prefs.get(user), view=views[user]),
                view=views[user],
            )
            for user in users
        }
