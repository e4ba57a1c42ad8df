"""Finding a Java runtime for the JVM services, and building their command lines.

>>> java_major('openjdk version "17.0.15" 2025-04-15')
17
>>> java_major('java version "1.8.0_392"')
8
>>> parse_jvm_options("# heap\\n-Xmx1G\\n\\n  -ea  # asserts\\n")
['-Xmx1G', '-ea']
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from clarion.stack.exceptions import JavaNotFoundError

__all__ = ["classpath", "find_java", "java_major", "java_problem", "parse_jvm_options"]

INSTALL_HINT = (
    "install a Java 17 runtime (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless; "
    "or run bin/bootstrap) and make sure `java` is on the PATH"
)

_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def java_major(version_output: str) -> int | None:
    """The major version in ``java -version`` output (``1.8`` counts as 8)."""
    match = _VERSION.search(version_output)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def java_problem(service: str, major: int | None, *, supported: tuple[int, ...]) -> str | None:
    """Why this Java cannot run ``service``, or None when it can.

    >>> java_problem("kafka", 17, supported=(17, 21)) is None
    True
    >>> java_problem("cassandra", 21, supported=(11, 17)).split(";")[0]
    'cassandra: needs Java 11 or 17, found Java 21'
    """
    if major in supported:
        return None
    found = "a Java whose version could not be read" if major is None else f"Java {major}"
    wanted = " or ".join(str(v) for v in supported)
    return f"{service}: needs Java {wanted}, found {found}; {INSTALL_HINT}"


def find_java(service: str, *, supported: tuple[int, ...]) -> str:
    """The path of a ``java`` that can run ``service``.

    Raises:
        JavaNotFoundError: none on the PATH, or the wrong version; says what to install.
    """
    java = shutil.which("java")
    if java is None:
        raise JavaNotFoundError(f"{service}: no `java` on the PATH; {INSTALL_HINT}")
    result = subprocess.run(
        [java, "-version"], capture_output=True, text=True, timeout=30, check=False
    )
    problem = java_problem(service, java_major(result.stderr + result.stdout), supported=supported)
    if problem:
        raise JavaNotFoundError(problem)
    return java


def parse_jvm_options(text: str) -> list[str]:
    """One option per line; ``#`` starts a comment, blank lines are skipped."""
    options = []
    for line in text.splitlines():
        option = line.split("#", 1)[0].strip()
        if option:
            options.append(option)
    return options


def classpath(jar_dir: Path) -> str:
    """Every jar of a folder, as the JVM's own wildcard (no shell needed)."""
    return str(jar_dir / "*")
