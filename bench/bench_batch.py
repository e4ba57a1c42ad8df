"""Time the daily batch run stage by stage on a synthetic world, and score inside Spark vs XGBoost.

Generates a world (``bronze.users``, ``truth.user_traits``, raw ``bronze.events``)
into a fresh state dir, then times the daily run for the world's last day:
clean (bronze -> silver), features (``gold.user_features``), training (T = last
day - 7, registry, promotion) and scoring (``gold.user_scores``). It prints the
model's holdout metrics, the Spearman correlation of the scores with the hidden
``purchase_propensity``, and the scoring throughput inside Spark (mapInPandas,
the day's snapshot cached, written to the ``noop`` sink) as a ratio to XGBoost's
own ``inplace_predict`` on the same rows in this one process (the baseline).

    .venv/bin/python bench/bench_batch.py --users 100000 --days 45
    .venv/bin/python bench/bench_batch.py --users 1000000 --days 45 --driver-memory 8g
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
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="state dir already holds this world's silver.events: skip generate and clean",
    )
    args = parser.parse_args()

    import numpy as np
    import xgboost as xgb

    from spark_jobs import clean_events, features, scoring, training
    from spark_jobs._evaluation import spearman
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
    spec = WorldSpec(users=args.users, days=args.days, start_date=date(2026, 9, 1), seed=args.seed)
    as_of = spec.end_date - timedelta(days=1)
    print(f"world: {spec.users:,} users x {spec.days} days, as_of {as_of}, state {state}")
    if not args.reuse:
        event_sinks, users_sink, traits_sink = build_sinks(
            settings, sink=SinkChoice.delta, overwrite=True
        )
        summary, secs = _timed(
            write_world,
            spec,
            event_sinks=event_sinks,
            users_sink=users_sink,
            traits_sink=traits_sink,
        )
        _stage("generate", secs, f"{summary.events:,} raw events (not part of the daily run)")

    spark = build_spark_session(settings, app_name="bench-batch")
    spark.sparkContext.setLogLevel("ERROR")
    if not args.reuse:
        counts, secs = _timed(clean_events.run, spark, settings)
        _stage("clean", secs, f"{counts.silver:,} silver, {counts.quarantine:,} quarantined")
    rows, secs = _timed(features.run, spark, settings, as_of=as_of)
    _stage("features", secs, f"{rows:,} users")
    result, secs = _timed(training.run, spark, settings, as_of=as_of)
    record = result.record
    _stage("training", secs, f"{record.train_rows:,} train rows, {record.status}")
    rows, secs = _timed(scoring.run, spark, settings, as_of=as_of)
    _stage("scoring", secs, f"{rows:,} scores")

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
    model = current_model(spark, settings)
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
