"""The batch layer: Spark jobs over the Delta lakehouse.

Jobs get their SparkSession from :func:`build_spark_session`, the one place
that knows how Spark and Delta are wired (jars, catalog, memory, time zone).
Importing this package does not import pyspark, so DAG files may import it.
"""

from spark_jobs.exceptions import SparkJobError
from spark_jobs.session import build_spark_session, spark_conf

__all__ = ["SparkJobError", "build_spark_session", "spark_conf"]
