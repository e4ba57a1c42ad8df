"""Driver run in its own process by test_standalone.py (one SparkContext per process).

Usage: python _standalone_driver.py <spark://master> <table path>. Builds the
session with the production factory, waits for an executor, writes and reads a
Delta table there, records where the Python tasks ran, and prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time

from clarion.settings import load_settings
from spark_jobs.session import build_spark_session
from tests.fixtures.spark import SHORT_LIVED_JVM


def main(master: str, path: str) -> None:
    settings = load_settings(
        spark={"shuffle_partitions": 2, "driver_memory": "1g", "executor_memory": "512m"}
    )
    spark = build_spark_session(
        settings,
        master=master,
        app_name="clarion-standalone-test",
        conf={
            "spark.driver.extraJavaOptions": SHORT_LIVED_JVM,
            "spark.executor.extraJavaOptions": SHORT_LIVED_JVM,
        },
    )
    try:
        sc = spark.sparkContext
        deadline = time.monotonic() + 60
        # getExecutorInfos lists the driver too; wait for a real executor.
        while len(sc.statusTracker().getExecutorInfos()) < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("no executor registered within 60 s")
            time.sleep(0.5)

        df = spark.range(0, 1000, numPartitions=2).selectExpr(
            "id", "cast(id * 1.5 as double) as score", "cast(id % 3 as string) as part"
        )
        df.write.format("delta").partitionBy("part").save(path)
        back = spark.read.format("delta").load(path)
        total = back.selectExpr("count(*) as n", "sum(id) as s").first()
        # Python tasks report the working directory they ran in: the executor's.
        cwds = sc.parallelize(range(2), 2).map(lambda _: os.getcwd()).distinct().collect()
        result = {
            "app_id": sc.applicationId,
            "rows": total.n,
            "id_sum": total.s,
            "executor_cwds": cwds,
            "driver_cwd": os.getcwd(),
        }
    finally:
        spark.stop()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
