"""The Airflow home's config and migrate-once stamp (unit tier: Airflow is never run)."""

from __future__ import annotations

import configparser
from importlib.metadata import version
from pathlib import Path

import pytest

from clarion.orchestration import _airflow_home as airflow_home_module
from clarion.orchestration import airflow_home, prepare_airflow_home
from clarion.settings import Settings, load_settings, project_root


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(environ={}, state_dir=tmp_path)


@pytest.fixture
def migrations(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record migrations instead of running Airflow; the database file appears as it would."""
    calls: list[Path] = []

    def _migrate(home: airflow_home_module.AirflowHome, *, log: Path) -> None:
        calls.append(home.database)
        home.database.touch()

    monkeypatch.setattr(airflow_home_module, "_migrate", _migrate)
    return calls


def _cfg(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return parser


def test_the_home_lives_under_the_state_dir_and_reads_the_repo_dags(settings: Settings) -> None:
    home = airflow_home(settings)
    env = home.environ()
    assert env["AIRFLOW_HOME"] == str(settings.state_dir / "airflow")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(project_root() / "dags")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{home.database}"


def test_prepare_writes_the_config_and_migrates_once(
    settings: Settings, migrations: list[Path]
) -> None:
    home = prepare_airflow_home(settings)
    cfg = _cfg(home.config_file)
    assert cfg.get("core", "dags_folder") == str(home.dags_folder)
    assert cfg.getboolean("core", "load_examples") is False
    assert cfg.get("database", "sql_alchemy_conn") == f"sqlite:///{home.database}"
    assert cfg.get("core", "fernet_key") and cfg.get("api_auth", "jwt_secret")
    assert home.config_file.stat().st_mode & 0o077 == 0

    prepare_airflow_home(settings)
    assert migrations == [home.database]


def test_rewriting_the_config_keeps_its_secrets(settings: Settings, migrations: list[Path]) -> None:
    home = prepare_airflow_home(settings)
    before = _cfg(home.config_file)
    # Airflow's own full default config (or a hand edit) is replaced, its secrets kept.
    home.config_file.write_text(
        home.config_file.read_text().replace("load_examples = False", "load_examples = True")
    )
    prepare_airflow_home(settings)
    after = _cfg(home.config_file)
    assert after.getboolean("core", "load_examples") is False
    assert after.get("core", "fernet_key") == before.get("core", "fernet_key")
    assert after.get("api_auth", "jwt_secret") == before.get("api_auth", "jwt_secret")


def test_a_new_airflow_version_or_a_lost_database_migrates_again(
    settings: Settings, migrations: list[Path]
) -> None:
    home = prepare_airflow_home(settings)
    stamp = home.path / ".clarion-migrated"
    assert version("apache-airflow-core") in stamp.read_text()

    stamp.write_text("apache-airflow-core 3.0.0\n")
    prepare_airflow_home(settings)
    home.database.unlink()
    prepare_airflow_home(settings)
    assert len(migrations) == 3
