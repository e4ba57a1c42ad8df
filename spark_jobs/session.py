"""The batch layer's one SparkSession factory: Spark and Delta Lake wired from settings.

The Delta jars come from Maven as local files (``clarion.stack.jars``) and are
given to Spark with ``spark.jars``, never downloaded by Ivy: the driver puts them
on its own classpath and serves them to every executor, so the same code runs
on ``local[*]`` and on a ``spark://`` standalone master (or YARN, Kubernetes).

Options are layered, later wins: Clarion's defaults, then the caller's
``conf``, then ``settings.spark.conf`` (the operator has the last word). List
options (``spark.jars``, the ``extraJavaOptions``) are appended to rather than
replaced, so an extra jar never drops Delta and a JVM flag never drops Derby's home.

pyspark is imported inside :func:`build_spark_session` only, so DAG files can
import this module without paying for (or needing) a JVM.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from clarion.settings import Settings
from spark_jobs.exceptions import SparkJobError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "DELTA_CATALOG",
    "DELTA_EXTENSION",
    "build_spark_session",
    "spark_conf",
    "spark_state_dir",
]

DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
# Options whose values are lists: a later layer appends to them (with this separator).
_APPENDED = {
    "spark.jars": ",",
    "spark.driver.extraJavaOptions": " ",
    "spark.executor.extraJavaOptions": " ",
}
# Delta replays its transaction log in this many tasks (Delta's own default, 50, is
# the ceiling). On a small local session 50 tiny tasks per table read cost seconds.
_MAX_SNAPSHOT_PARTITIONS = 50


def spark_state_dir(settings: Settings) -> Path:
    """Where the driver keeps its warehouse and Derby files: ``<state_dir>/spark``."""
    return settings.state_dir / "spark"


def spark_conf(
    settings: Settings,
    *,
    jars: Sequence[str | os.PathLike[str]],
    app_name: str | None = None,
    master: str | None = None,
    conf: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Assemble the Spark options of a Clarion session; pure, no Spark needed.

    Args:
        settings: Clarion settings; ``settings.spark`` gives master, memory and
            partitions, ``settings.spark.conf`` is applied last.
        jars: the Delta jars (and any others) to ship with ``spark.jars``.
        app_name: overrides ``settings.spark.app_name``.
        master: overrides ``settings.spark.master``, e.g. ``spark://10.0.0.5:7077``.
        conf: extra ``spark.*`` options from the caller, e.g.
            ``{"spark.ui.enabled": "true"}`` to turn the UI on.

    Returns:
        Option name to value, every value a string.

    Raises:
        SparkJobError: an extra option's name does not start with ``spark.``.

    >>> from clarion.settings import load_settings
    >>> opts = spark_conf(load_settings(environ={}), jars=["/jars/delta.jar"])
    >>> opts["spark.master"], opts["spark.sql.session.timeZone"], opts["spark.jars"]
    ('local[*]', 'UTC', '/jars/delta.jar')
    """
    state = spark_state_dir(settings)
    partitions = settings.spark.shuffle_partitions
    options = {
        "spark.master": master or settings.spark.master,
        "spark.app.name": app_name or settings.spark.app_name,
        "spark.jars": ",".join(os.path.abspath(jar) for jar in jars),
        "spark.sql.extensions": DELTA_EXTENSION,
        "spark.sql.catalog.spark_catalog": DELTA_CATALOG,
        "spark.sql.shuffle.partitions": str(partitions),
        "spark.databricks.delta.snapshotPartitions": str(min(partitions, _MAX_SNAPSHOT_PARTITIONS)),
        "spark.driver.memory": settings.spark.driver_memory,
        "spark.executor.memory": settings.spark.executor_memory,
        "spark.sql.session.timeZone": "UTC",
        # Delta's protocol stores timestamps as microseconds; Spark's INT96 default
        # is a legacy encoding other engines (delta-rs, Trino) read with caveats.
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        # Nothing lands in the working directory: warehouse, metastore and Derby's
        # log live under the state dir (a cluster profile may point these elsewhere).
        "spark.sql.warehouse.dir": str(state / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={state / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={state / 'derby'}",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }
    for layer in (conf or {}, settings.spark.conf):
        for key, value in layer.items():
            if not key.startswith("spark."):
                raise SparkJobError(
                    f"Spark option {key!r} does not start with 'spark.'; "
                    "check CLARION_SPARK__CONF or the conf passed to build_spark_session"
                )
            if key in _APPENDED and options.get(key):
                options[key] = _APPENDED[key].join(filter(None, (options[key], str(value))))
            else:
                options[key] = str(value)
    return options


def build_spark_session(
    settings: Settings,
    *,
    app_name: str | None = None,
    master: str | None = None,
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """Start (or join) the process's SparkSession with Delta Lake enabled.

    Resolves the Delta jars with Maven on first use, then builds the session
    from :func:`spark_conf`. A process holds one SparkContext: asking for a
    different master while one runs is an error, not a silently reused session.

    Args:
        settings: Clarion settings (see :func:`spark_conf`).
        app_name: overrides ``settings.spark.app_name``.
        master: overrides ``settings.spark.master``.
        conf: extra ``spark.*`` options; ``settings.spark.conf`` still wins.

    Returns:
        The active SparkSession.

    Raises:
        SparkJobError: another SparkContext with a different master is running.
        StackError: the Delta jars cannot be resolved (Maven missing or failing).
    """
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    from clarion.stack.jars import resolve_jars

    options = spark_conf(
        settings,
        jars=resolve_jars(settings, "delta"),
        app_name=app_name,
        master=master,
        conf=conf,
    )
    running = SparkContext._active_spark_context
    if running is not None and running.master != options["spark.master"]:
        raise SparkJobError(
            f"a SparkContext on {running.master!r} is already running in this process; "
            f"stop it before building a session on {options['spark.master']!r}"
        )
    state = spark_state_dir(settings)
    (state / "warehouse").mkdir(parents=True, exist_ok=True)
    (state / "derby").mkdir(parents=True, exist_ok=True)
    if options["spark.master"].startswith("local"):
        # pyspark starts Python workers with PYSPARK_PYTHON, else whatever `python3` is
        # on PATH; locally that must be this interpreter (same version, same packages).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder
    for key, value in options.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
