"""spark_conf: the Spark options a Clarion session starts with (unit tier, no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clarion.settings import Settings, load_settings
from spark_jobs import SparkJobError, spark_conf
from spark_jobs.session import DELTA_CATALOG, DELTA_EXTENSION

JARS = ["/jars/delta-spark.jar", "/jars/delta-storage.jar"]


def _settings(tmp_path: Path, **spark: object) -> Settings:
    return load_settings(environ={}, state_dir=tmp_path, spark=spark)


def test_defaults_enable_delta_from_local_jars(tmp_path: Path) -> None:
    opts = spark_conf(_settings(tmp_path), jars=JARS)
    assert opts["spark.master"] == "local[*]"
    assert opts["spark.jars"] == ",".join(JARS)
    assert opts["spark.sql.extensions"] == DELTA_EXTENSION
    assert opts["spark.sql.catalog.spark_catalog"] == DELTA_CATALOG
    assert "spark.jars.packages" not in opts  # never an Ivy download
    assert opts["spark.sql.session.timeZone"] == "UTC"
    assert opts["spark.ui.enabled"] == "false"
    assert all(isinstance(v, str) for v in opts.values())


def test_settings_size_the_session(tmp_path: Path) -> None:
    opts = spark_conf(
        _settings(tmp_path, shuffle_partitions=3, driver_memory="1g", executor_memory="512m"),
        jars=JARS,
        app_name="nightly",
    )
    assert opts["spark.app.name"] == "nightly"
    assert opts["spark.sql.shuffle.partitions"] == "3"
    assert opts["spark.databricks.delta.snapshotPartitions"] == "3"
    assert (opts["spark.driver.memory"], opts["spark.executor.memory"]) == ("1g", "512m")
    big = spark_conf(_settings(tmp_path, shuffle_partitions=400), jars=JARS)
    assert big["spark.databricks.delta.snapshotPartitions"] == "50"


def test_nothing_is_written_outside_the_state_dir(tmp_path: Path) -> None:
    opts = spark_conf(_settings(tmp_path), jars=JARS)
    assert opts["spark.sql.warehouse.dir"].startswith(str(tmp_path))
    assert f"databaseName={tmp_path}" in opts["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert f"-Dderby.system.home={tmp_path}" in opts["spark.driver.extraJavaOptions"]


def test_the_same_code_targets_a_standalone_master(tmp_path: Path) -> None:
    opts = spark_conf(_settings(tmp_path), jars=JARS, master="spark://10.0.0.5:7077")
    assert opts["spark.master"] == "spark://10.0.0.5:7077"
    assert opts["spark.jars"] == ",".join(JARS)  # shipped to executors by the driver


def test_settings_conf_wins_over_the_callers_conf(tmp_path: Path) -> None:
    settings = _settings(tmp_path, conf={"spark.ui.enabled": "true", "spark.foo": "ops"})
    opts = spark_conf(settings, jars=JARS, conf={"spark.foo": "caller", "spark.bar": "caller"})
    assert opts["spark.ui.enabled"] == "true"
    assert (opts["spark.foo"], opts["spark.bar"]) == ("ops", "caller")


def test_extra_jars_and_jvm_flags_are_added_not_substituted(tmp_path: Path) -> None:
    settings = _settings(tmp_path, conf={"spark.jars": "/ops/hadoop-aws.jar"})
    opts = spark_conf(
        settings,
        jars=JARS,
        conf={"spark.jars": "/job/extra.jar", "spark.driver.extraJavaOptions": "-Xss4m"},
    )
    assert opts["spark.jars"].split(",") == [*JARS, "/job/extra.jar", "/ops/hadoop-aws.jar"]
    assert (
        opts["spark.driver.extraJavaOptions"]
        == f"-Dderby.system.home={tmp_path}/spark/derby -Xss4m"
    )


def test_an_option_outside_spark_namespace_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SparkJobError, match=r"'sql\.shuffle\.partitions'"):
        spark_conf(_settings(tmp_path), jars=JARS, conf={"sql.shuffle.partitions": "4"})
