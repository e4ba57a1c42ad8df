"""Progress of the demo: a rule per step, its time and a one-line result."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console

__all__ = ["StepReport"]


@dataclass
class StepReport:
    console: Console
    steps: list[tuple[str, float, str]] = field(default_factory=list)

    @contextmanager
    def step(self, title: str) -> Iterator[Callable[[str], None]]:
        self.console.rule(f"[bold]{title}")
        started = time.perf_counter()
        note: list[str] = [""]
        yield lambda text: note.__setitem__(0, text)
        seconds = time.perf_counter() - started
        self.steps.append((title, seconds, note[0]))
        self.console.print(f"[green]done[/] in {seconds:.1f}s {note[0]}")

    @property
    def total(self) -> float:
        return sum(seconds for _, seconds, _ in self.steps)
