"""What every local service provides to the lifecycle: its ports, how to launch it, how to know it
answers, and what to create once it does. ``kafka``, ``cassandra`` and ``redis`` implement it."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from clarion.settings import Settings
from clarion.stack._ports import Endpoint
from clarion.stack.jars import Component, resolve_jars

__all__ = ["SERVICE_NAMES", "LaunchSpec", "Service", "ServiceName", "ServicePaths"]

ServiceName = Literal["cassandra", "kafka", "redis"]
# Start order: the slowest first, so it gets Maven and the CPU first.
SERVICE_NAMES: tuple[ServiceName, ...] = ("cassandra", "kafka", "redis")

# Two Maven runs sharing ~/.m2 can trip over each other: resolve one component at a time.
_MAVEN_LOCK = threading.Lock()


@dataclass(frozen=True)
class ServicePaths:
    """Where one service keeps its config, data and logs: ``<state_dir>/services/<name>/``."""

    name: str
    root: Path
    pidfile: Path

    @classmethod
    def of(cls, state_dir: Path, name: str) -> ServicePaths:
        return cls(name, state_dir / "services" / name, state_dir / "run" / f"{name}.pid")

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def log_file(self) -> Path:
        """The service's own log."""
        return self.logs / f"{self.name}.log"

    @property
    def console_file(self) -> Path:
        """The process's stdout and stderr (JVM errors, crashes before logging starts)."""
        return self.logs / f"{self.name}.out"


@dataclass(frozen=True)
class LaunchSpec:
    """How to start a service. ``marker`` appears in ``argv`` and identifies the process later."""

    argv: tuple[str, ...]
    marker: str


class Service(ABC):
    """One local service bound to the settings it serves."""

    name: ClassVar[ServiceName]
    start_timeout: ClassVar[float]  # seconds from launch to a first answer
    stop_timeout: ClassVar[float]  # seconds between SIGTERM and SIGKILL

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = ServicePaths.of(settings.state_dir, self.name)

    @property
    @abstractmethod
    def endpoint(self) -> Endpoint:
        """The address clients use."""

    @abstractmethod
    def ports(self) -> dict[str, Endpoint]:
        """Every address the service binds, by role (``client``, ``controller``, ...)."""

    @abstractmethod
    def prepare(self) -> LaunchSpec:
        """Resolve binaries, render configs, initialise storage; return how to launch."""

    @abstractmethod
    def probe(self) -> None:
        """Return when the service really answers a client; raise otherwise."""

    def provision(self) -> list[str]:
        """Create what Clarion needs in the service, idempotently; say what was created."""
        return []

    def jars(self, component: Component) -> Path:
        """The folder of ``component``'s jars, resolving them with Maven on first use."""
        with _MAVEN_LOCK:
            jars = resolve_jars(self.settings, component)
        return jars[0].parent
