"""The session factory on a real Spark standalone master: the cluster profile's code path.

A master and one worker are started from pyspark's own launcher (``spark-class``)
on loopback; the driver runs in a subprocess (a process holds one SparkContext,
and the shared test session is a local one). Work must run on the worker's
executor, which only succeeds if ``spark.jars`` shipped the Delta jars there.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from deltalake import DeltaTable as RsDeltaTable

from tests.fixtures.spark import SHORT_LIVED_JVM

pytestmark = pytest.mark.spark

DRIVER = Path(__file__).with_name("_standalone_driver.py")
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spark_home() -> str:
    import pyspark

    return os.path.dirname(pyspark.__file__)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SPARK_HOME=_spark_home(),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_DAEMON_MEMORY="384m",
        SPARK_DAEMON_JAVA_OPTS=SHORT_LIVED_JVM,
        SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false",
        PYSPARK_PYTHON=sys.executable,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        **extra,
    )
    return env


def _alive_workers(webui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{webui_port}/json/", timeout=2) as resp:
            return int(json.load(resp).get("aliveworkers", 0))
    except OSError:
        return 0


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def standalone_cluster(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A master and a one-core worker on loopback; yields (master URL, worker work dir)."""
    port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    work_dir = tmp_path / "worker"
    spark_class = os.path.join(_spark_home(), "bin", "spark-class")
    logs = tmp_path / "logs"
    logs.mkdir()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with (logs / "master.log").open("wb") as out:
            procs.append(subprocess.Popen(
                [spark_class, "org.apache.spark.deploy.master.Master",
                 "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(master_ui)],
                stdout=out, stderr=subprocess.STDOUT, env=_env(),
            ))  # fmt: skip
        with (logs / "worker.log").open("wb") as out:
            procs.append(subprocess.Popen(
                [spark_class, "org.apache.spark.deploy.worker.Worker", url,
                 "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                 "--webui-port", str(worker_ui), "--work-dir", str(work_dir)],
                stdout=out, stderr=subprocess.STDOUT, env=_env(),
            ))  # fmt: skip
        deadline = time.monotonic() + 60
        while _alive_workers(master_ui) < 1:
            for proc, name in zip(procs, ("master", "worker"), strict=True):
                if proc.poll() is not None:
                    pytest.fail(f"Spark {name} exited with {proc.returncode}; see {logs}")
            if time.monotonic() > deadline:
                pytest.fail(f"no worker registered with {url} within 60 s; see {logs}")
            time.sleep(0.5)
        yield url, work_dir
    finally:
        for proc in reversed(procs):  # worker first, then master; by PID, never by name
            _stop(proc)


def test_a_delta_job_runs_on_a_standalone_executor(
    standalone_cluster: tuple[str, Path], tmp_path: Path
) -> None:
    url, work_dir = standalone_cluster
    table = str(tmp_path / "lake" / "standalone")
    run = subprocess.run(
        [sys.executable, str(DRIVER), url, table],
        capture_output=True, text=True, timeout=240, env=_env(), cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])

    assert (result["rows"], result["id_sum"]) == (1000, sum(range(1000)))
    app_dir = work_dir / result["app_id"]
    # Python tasks ran in the executor's directory under the worker, not in the driver.
    assert result["executor_cwds"]
    assert all(Path(cwd).is_relative_to(app_dir) for cwd in result["executor_cwds"])
    # The executor fetched the Delta jars the driver served from spark.jars.
    fetched = {p.name for p in app_dir.rglob("*.jar")}
    assert any(name.startswith("delta-spark_") for name in fetched), fetched
    assert any(name.startswith("delta-storage-") for name in fetched), fetched
    # And another engine reads what the cluster wrote.
    assert len(RsDeltaTable(table).to_pandas()) == 1000
