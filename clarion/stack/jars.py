"""Resolve the JVM jars a component needs from Maven Central with Maven.

Each component has a ``pom.xml`` under ``infra/maven/<component>/``; its
runtime dependencies are copied into ``<state_dir>/jars/<component>/``. A
stamp holding the pom's hash makes a second call return at once, and a changed
pom re-resolves into a clean folder.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from clarion.settings import Settings, project_root
from clarion.stack.exceptions import StackError

__all__ = ["Component", "jar_dir", "resolve_jars"]

Component = Literal["kafka", "cassandra", "delta"]


def jar_dir(settings: Settings, component: Component) -> Path:
    return settings.state_dir / "jars" / component


def _pom(component: Component) -> Path:
    return project_root() / "infra" / "maven" / component / "pom.xml"


def resolve_jars(settings: Settings, component: Component) -> list[Path]:
    """The jars of ``component``, resolving them with Maven on first use.

    Raises:
        StackError: Maven is missing or fails; the message points at its log.
    """
    pom = _pom(component)
    if not pom.is_file():
        raise StackError(f"{component}: no Maven descriptor at {pom}")
    target = jar_dir(settings, component)
    stamp = target / ".resolved"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text() == digest:
        return sorted(target.glob("*.jar"))
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError(
            f"{component}: Maven (mvn) is not installed; run bin/bootstrap or apt-get install maven"
        )
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    log = settings.state_dir / "logs" / f"maven-{component}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={target}",
        "-DincludeScope=runtime",
    ]
    with log.open("w") as out:
        result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise StackError(
            f"{component}: Maven could not resolve the jars (exit {result.returncode}); "
            f"see {log}. Check that Maven Central is reachable and the versions in {pom} exist."
        )
    jars = sorted(target.glob("*.jar"))
    if not jars:
        raise StackError(f"{component}: Maven resolved no jars from {pom}; see {log}")
    stamp.write_text(digest)
    return jars
