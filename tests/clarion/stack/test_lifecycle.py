"""The lifecycle (start, reuse, stale pidfiles, failures, stop) on a small real service.

``ToyService`` is another implementation of :class:`Service`: a Python process that listens on
a loopback port, or crashes, or never answers, or ignores SIGTERM. No Kafka, Cassandra or Redis.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest

from clarion.settings import Settings, load_settings
from clarion.stack._lifecycle import ensure_running, inspect, stop
from clarion.stack._pidfile import PidRecord, read_pidfile, write_pidfile
from clarion.stack._ports import Endpoint
from clarion.stack._process import is_running
from clarion.stack._service import LaunchSpec, Service
from clarion.stack.exceptions import PortInUseError, ServiceExitedError, ServiceNotReadyError

Mode = Literal["serve", "crash", "mute", "stubborn"]

SERVER = """
import pathlib, signal, socket, sys, time
mode, port, log = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
log.parent.mkdir(parents=True, exist_ok=True)
with log.open("a") as f:
    f.write(f"starting in mode {mode}\\n")
if mode == "crash":
    print("fatal: bad config", file=sys.stderr)
    sys.exit(3)
if mode == "mute":
    time.sleep(600)
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen()
while True:
    server.accept()[0].close()
"""


class ToyService(Service):
    name = "redis"
    start_timeout = 10.0
    stop_timeout = 2.0

    def __init__(self, settings: Settings, *, mode: Mode, port: int) -> None:
        super().__init__(settings)
        self.mode, self.port = mode, port

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint("127.0.0.1", self.port)

    def ports(self) -> dict[str, Endpoint]:
        return {"client": self.endpoint}

    def prepare(self) -> LaunchSpec:
        script = self.paths.root / "toy_server.py"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(SERVER)
        argv = (sys.executable, str(script), self.mode, str(self.port), str(self.paths.log_file))
        return LaunchSpec(argv=argv, marker=str(script))

    def probe(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1):
            pass

    def provision(self) -> list[str]:
        return ["toy thing"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def toy(tmp_path: Path) -> Iterator[Callable[[Mode], ToyService]]:
    """Build toy services in a private state dir; whatever is left running is stopped after."""
    settings = load_settings(environ={}, state_dir=tmp_path)
    made: list[ToyService] = []

    def make(mode: Mode) -> ToyService:
        made.append(ToyService(settings, mode=mode, port=free_port()))
        return made[-1]

    yield make
    for service in made:
        stop(service)


def test_start_then_reuse_then_stop(toy: Callable[[Mode], ToyService]) -> None:
    service = toy("serve")
    first = ensure_running(service)
    assert (first.action, first.state, first.created) == ("started", "running", ("toy thing",))
    assert first.pid is not None and is_running(first.pid)
    assert read_pidfile(service.paths.pidfile) is not None

    second = ensure_running(service)
    assert (second.action, second.pid) == ("reused", first.pid)
    assert inspect(service).state == "running"

    stopped = stop(service)
    assert (stopped.action, stopped.pid) == ("stopped", first.pid)
    assert not is_running(first.pid)
    assert not service.paths.pidfile.exists()
    assert inspect(service).state == "stopped"


def test_a_stale_pidfile_is_replaced(toy: Callable[[Mode], ToyService]) -> None:
    service = toy("serve")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(gone.stdout)
    write_pidfile(
        service.paths.pidfile, PidRecord(service="redis", pid=dead_pid, create_time=1.0, marker="x")
    )
    assert inspect(service).note == "stale pidfile: its process is gone"

    report = ensure_running(service)
    assert report.action == "started" and report.pid != dead_pid
    assert f"stale pidfile (pid {dead_pid}" in report.note


def test_a_crash_during_start_shows_the_logs(toy: Callable[[Mode], ToyService]) -> None:
    service = toy("crash")
    with pytest.raises(ServiceExitedError) as err:
        ensure_running(service)
    message = str(err.value)
    assert message.startswith("redis: the process (pid ")
    assert "exited with code 3 while starting" in message
    assert "starting in mode crash" in message  # the service log
    assert "fatal: bad config" in message  # its console output
    assert str(service.paths.log_file) in message
    assert not service.paths.pidfile.exists()


def test_a_service_that_never_answers_times_out_and_is_stopped(
    toy: Callable[[Mode], ToyService],
) -> None:
    service = toy("mute")
    with pytest.raises(ServiceNotReadyError, match=r"redis: not ready after 2 s") as err:
        ensure_running(service, timeout=1.5)
    assert "--timeout" in str(err.value)
    assert not service.paths.pidfile.exists()
    assert inspect(service).state == "stopped"


def test_a_taken_port_is_reported_before_starting(toy: Callable[[Mode], ToyService]) -> None:
    service = toy("serve")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", service.port))
        holder.listen()
        with pytest.raises(PortInUseError, match=f"redis: port {service.port} \\(client\\)"):
            ensure_running(service)
    assert not service.paths.pidfile.exists()


def test_stop_kills_what_ignores_sigterm(toy: Callable[[Mode], ToyService]) -> None:
    service = toy("stubborn")
    pid = ensure_running(service).pid
    assert pid is not None
    report = stop(service)
    assert report.action == "killed"
    assert not is_running(pid)


def test_stop_without_a_pidfile_does_nothing(toy: Callable[[Mode], ToyService]) -> None:
    report = stop(toy("serve"))
    assert (report.action, report.state, report.pid) == ("none", "stopped", None)
