"""Time the daily batch run stage by stage on a synthetic world, and score inside Spark vs XGBoost.

Generates a world into a fresh state dir: ``bronze.users``, ``truth.user_traits``,
and raw events, all days but the last straight into ``bronze.events`` and the
last day through Kafka (``--kafka-days``), as production would see it. The early
days are cleaned once ("backfill", not part of a daily run). Then the daily run
for the world's last day is timed stage by stage, exactly the steps of the
``clarion_daily_batch`` DAG (``spark_jobs/daily.py``): ingest (Kafka ->
``bronze.events``), clean (the day and the two before it, for late events),
users (SCD2), features, training (T = last day - 7, registry, promotion),
scoring, segments and quality (Great Expectations).

It prints the model's holdout metrics, the Spearman correlation of the scores
with the hidden ``purchase_propensity``, and the scoring throughput inside Spark
(mapInPandas, the day's snapshot cached, written to the ``noop`` sink) as a ratio
to XGBoost's own ``inplace_predict`` on the same rows in this one process (the
baseline), both measured in this run.

    .venv/bin/python bench/bench_batch.py --users 100000 --days 30
    .venv/bin/python bench/bench_batch.py --users 1000000 --days 21 --driver-memory 12g \
        --partitions 32 --state-dir /work/bench_runs/batch1m
    # again on the same prepared world (skips the ~35 min generate + backfill at 1M):
    .venv/bin/python bench/bench_batch.py ... --state-dir /work/bench_runs/batch1m --reuse-world

Needs the local stack (Kafka) unless ``--kafka-days 0``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from clarion.settings import load_settings
from clarion.world import WorldSpec, write_world
from clarion.world.cli import SinkChoice, build_sinks


def _stage(label: str, seconds: float, detail: str = "") -> None:
    print(f"{label:<12} {seconds:9.1f} s  {detail}", flush=True)


def _timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--state-dir", type=Path, default=None, help="default: a temp dir")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--kafka-days", type=int, default=1, help="last days sent via Kafka")
    parser.add_argument(
        "--reuse-world",
        action="store_true",
        help="--state-dir already holds this world, generated and backfilled by an earlier "
        "run: skip both, drop what that run ingested from Kafka (bronze rows with an offset; "
        "generated rows have none) "
        "and send the Kafka days again to a fresh topic",
    )
    args = parser.parse_args()

    import numpy as np
    import xgboost as xgb

    from spark_jobs import (
        clean_events,
        features,
        ingest,
        quality,
        scoring,
        segments,
        training,
        users,
    )
    from spark_jobs._evaluation import spearman
    from spark_jobs.daily import LATE_DAYS
    from spark_jobs.model_registry import current_model
    from spark_jobs.session import build_spark_session

    state = args.state_dir or Path(tempfile.mkdtemp(prefix="clarion-bench-batch-"))
    settings = load_settings(
        state_dir=state,
        spark={
            "master": args.master,
            "shuffle_partitions": args.partitions,
            "driver_memory": args.driver_memory,
        },
    )
    topic = f"bench.events.{state.name}" + (f".{int(time.time())}" if args.reuse_world else "")
    settings = settings.model_copy(
        update={"kafka": settings.kafka.model_copy(update={"events_topic": topic})}
    )
    early_days = args.days - args.kafka_days
    spec = WorldSpec(users=args.users, days=args.days, start_date=date(2026, 9, 1), seed=args.seed)
    as_of = spec.end_date - timedelta(days=1)
    print(f"world: {spec.users:,} users x {spec.days} days, as_of {as_of}, state {state}")
    early = WorldSpec(users=args.users, days=early_days, start_date=spec.start_date, seed=args.seed)
    if not args.reuse_world:
        sinks = build_sinks(settings, sink=SinkChoice.delta, overwrite=True)
        summary, secs = _timed(
            write_world, early, event_sinks=sinks[0], users_sink=sinks[1], traits_sink=sinks[2]
        )
        _stage("generate", secs, f"{summary.events:,} raw events to Delta ({early_days} days)")
    if args.kafka_days:
        late = WorldSpec(
            users=args.users, days=args.kafka_days, start_date=early.end_date, seed=args.seed
        )
        sinks = build_sinks(settings, sink=SinkChoice.kafka, overwrite=False)
        summary, secs = _timed(write_world, late, event_sinks=sinks[0])
        _stage("produce", secs, f"{summary.events:,} raw events to Kafka ({args.kafka_days} days)")

    spark = build_spark_session(settings, app_name="bench-batch")
    spark.sparkContext.setLogLevel("ERROR")
    if args.reuse_world:
        from delta.tables import DeltaTable

        bronze = DeltaTable.forPath(spark, settings.table_uri(ingest.BRONZE_TABLE))
        _, secs = _timed(bronze.delete, "offset IS NOT NULL")
        _stage("reuse", secs, "dropped the earlier run's Kafka rows from bronze.events")
    else:
        counts, secs = _timed(clean_events.run, spark, settings)
        _stage("backfill", secs, f"clean all early days: {counts.silver:,} silver (not daily)")

    print(f"--- the daily run for {as_of} (the DAG's steps) ---")
    daily_started = time.perf_counter()
    result, secs = _timed(ingest.run, spark, settings)
    _stage("ingest", secs, f"{result.rows:,} events from Kafka")
    days = [as_of - timedelta(days=n) for n in range(LATE_DAYS, -1, -1)]
    cleaned, secs = _timed(lambda: [clean_events.run(spark, settings, as_of=d) for d in days])
    _stage("clean", secs, f"{sum(c.silver for c in cleaned):,} silver rows in {len(days)} days")
    rows, secs = _timed(users.run, spark, settings, as_of=as_of)
    _stage("users", secs, f"{rows:,} current users")
    rows, secs = _timed(features.run, spark, settings, as_of=as_of)
    _stage("features", secs, f"{rows:,} users")
    trained, secs = _timed(training.run, spark, settings, as_of=as_of)
    record = trained.record
    _stage("training", secs, f"{record.train_rows:,} train rows, {record.status}")
    rows, secs = _timed(scoring.run, spark, settings, as_of=as_of)
    _stage("scoring", secs, f"{rows:,} scores")
    rows, secs = _timed(segments.run, spark, settings, as_of=as_of)
    _stage("segments", secs, f"{rows:,} memberships")
    checked, secs = _timed(quality.run, spark, settings, as_of=as_of)
    _stage("quality", secs, f"{len(checked.failures)} failed expectations")
    _stage("daily total", time.perf_counter() - daily_started)

    deciles = json.loads(record.calibration)
    calibration = [(d["predicted"], d["observed"]) for d in deciles]
    print(
        f"holdout: AUC {record.auc:.4f}, log loss {record.logloss:.4f}, "
        f"rows {record.holdout_rows:,}"
    )
    print(
        "calibration (predicted, observed) by decile:",
        [(round(p, 3), round(o, 3)) for p, o in calibration],
    )
    scores = spark.read.format("delta").load(settings.table_uri("gold.user_scores"))
    truth = spark.read.format("delta").load(settings.table_uri("truth.user_traits"))
    joined = (
        scores.join(truth.select("user_id", "purchase_propensity"), "user_id").toArrow().to_pandas()
    )
    rho = spearman(joined["score"].to_numpy(), joined["purchase_propensity"].to_numpy())
    print(f"Spearman(score, hidden purchase_propensity) = {rho:.4f} over {len(joined):,} users")

    # Scoring throughput: Spark (mapInPandas) vs one in-process inplace_predict, same rows.
    model = current_model(spark, settings, as_of=as_of)
    snapshot = (
        spark.read.format("delta")
        .load(settings.table_uri(features.FEATURES_TABLE))
        .filter(f"as_of = DATE'{as_of.isoformat()}'")
        .select("user_id", "as_of", *model.features)
        .cache()
    )
    n = snapshot.count()
    raw = Path(model.artifact_path).read_bytes()
    scored = scoring.score_users(
        snapshot, model=raw, feature_names=model.features, model_version=model.model_version
    )
    _, spark_secs = _timed(scored.write.format("noop").mode("overwrite").save)
    matrix = snapshot.toArrow().to_pandas()[model.features].astype("float32").to_numpy()
    booster = xgb.Booster(params={"nthread": 2})
    booster.load_model(bytearray(raw))
    _, base_secs = _timed(booster.inplace_predict, matrix)
    assert np.isfinite(matrix).any()
    spark_rate, base_rate = n / spark_secs, n / base_secs
    print(
        f"scoring throughput: Spark mapInPandas {spark_rate:,.0f} rows/s ({spark_secs:.2f} s), "
        f"inplace_predict in one process {base_rate:,.0f} rows/s ({base_secs:.2f} s), "
        f"ratio {spark_rate / base_rate:.3f}"
    )
    spark.stop()


if __name__ == "__main__":
    main()
