"""Clarion's local Airflow home: one folder under the state dir, one SQLite database.

:func:`prepare_airflow_home` is idempotent and cheap on a second call. It writes
``airflow.cfg`` from Clarion's settings (keeping the secrets it generated the
first time) and runs ``airflow db migrate`` only when the stamp left by the last
migration names another Airflow version or database. The migration runs in a
subprocess, so the calling process may import Airflow afterwards, with
:meth:`AirflowHome.environ` set, and see the migrated database.

From a shell: ``eval "$(python -m clarion.orchestration env)"``.
"""

from __future__ import annotations

import base64
import configparser
import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from clarion.orchestration.exceptions import OrchestrationError
from clarion.settings import Settings, project_root

__all__ = ["AirflowHome", "airflow_home", "prepare_airflow_home"]

_STAMP = ".clarion-migrated"
# Generated once per home and kept across rewrites of airflow.cfg.
_SECRETS = (("core", "fernet_key"), ("api_auth", "jwt_secret"))


@dataclass(frozen=True)
class AirflowHome:
    """The paths and options of one Airflow home.

    Attributes:
        path: ``AIRFLOW_HOME``.
        dags_folder: the repository's ``dags/``.
    """

    path: Path
    dags_folder: Path

    @property
    def database(self) -> Path:
        return self.path / "airflow.db"

    @property
    def config_file(self) -> Path:
        return self.path / "airflow.cfg"

    def options(self) -> dict[tuple[str, str], str]:
        """The Airflow options Clarion sets, by (section, key); the rest keep Airflow's defaults."""
        return {
            ("core", "dags_folder"): str(self.dags_folder),
            ("core", "load_examples"): "False",
            ("database", "sql_alchemy_conn"): f"sqlite:///{self.database}",
        }

    def environ(self) -> dict[str, str]:
        """Environment for a process running Airflow: ``AIRFLOW_HOME`` plus the options.

        The options are also exported (``AIRFLOW__CORE__DAGS_FOLDER`` ...) because
        environment variables outrank any other ``airflow.cfg`` a shell may point at.
        """
        env = {"AIRFLOW_HOME": str(self.path)}
        for (section, key), value in self.options().items():
            env[f"AIRFLOW__{section.upper()}__{key.upper()}"] = value
        return env


def airflow_home(settings: Settings) -> AirflowHome:
    """The home for these settings: ``<state_dir>/airflow``, DAGs from the repository."""
    return AirflowHome(path=settings.state_dir / "airflow", dags_folder=project_root() / "dags")


def prepare_airflow_home(settings: Settings) -> AirflowHome:
    """Make the Airflow home ready to use: folder, ``airflow.cfg``, migrated database.

    Safe to call from several processes at once (a file lock serialises them).

    Args:
        settings: Clarion settings; ``state_dir`` decides where the home is.

    Returns:
        The prepared home.

    Raises:
        OrchestrationError: ``airflow db migrate`` failed; the message names its log.
    """
    home = airflow_home(settings)
    home.path.mkdir(parents=True, exist_ok=True)
    with _locked(home.path / ".prepare.lock"):
        _write_config(home)
        stamp = home.path / _STAMP
        wanted = f"apache-airflow-core {version('apache-airflow-core')}\n{home.database}\n"
        if home.database.is_file() and stamp.is_file() and stamp.read_text() == wanted:
            return home
        _migrate(home, log=settings.state_dir / "logs" / "airflow-db-migrate.log")
        stamp.write_text(wanted)
    return home


def _write_config(home: AirflowHome) -> None:
    """Write airflow.cfg from the options; the secrets of an earlier file are kept."""
    old = configparser.ConfigParser(interpolation=None)
    if home.config_file.is_file():
        old.read(home.config_file)
    sections: dict[str, dict[str, str]] = {}
    for (section, key), value in home.options().items():
        sections.setdefault(section, {})[key] = value
    for section, key in _SECRETS:
        sections.setdefault(section, {})[key] = old.get(section, key, fallback="") or _secret(key)
    lines = [
        "# Written by clarion.orchestration from Clarion's settings: change those, not this file.",
        "# Options not set here take Airflow's defaults.",
    ]
    for section, values in sections.items():
        lines += ["", f"[{section}]", *(f"{key} = {value}" for key, value in values.items())]
    text = "\n".join(lines) + "\n"
    if not home.config_file.is_file() or home.config_file.read_text() != text:
        home.config_file.write_text(text)
        home.config_file.chmod(0o600)  # it holds the Fernet key


def _secret(key: str) -> str:
    if key == "fernet_key":  # the format cryptography's Fernet.generate_key() returns
        return base64.urlsafe_b64encode(os.urandom(32)).decode()
    return base64.b64encode(os.urandom(16)).decode()


def _migrate(home: AirflowHome, *, log: Path) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "airflow", "db", "migrate"]
    with log.open("w") as out:
        result = subprocess.run(
            cmd, env={**os.environ, **home.environ()}, stdout=out, stderr=subprocess.STDOUT,
            check=False,
        )  # fmt: skip
    if result.returncode != 0:
        raise OrchestrationError(
            f"`airflow db migrate` failed (exit {result.returncode}) for {home.database}; "
            f"see {log}. Delete {home.path} to start from an empty Airflow database."
        )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
