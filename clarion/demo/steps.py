"""The demo's steps, each a call into the library or a DAG run, returning a short note."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from typing import Any

from clarion.demo.live import planted_events, produce
from clarion.demo.providers import LocalProviders
from clarion.demo.services import DELIVERY_CHANNELS, LiveServices
from clarion.exceptions import ClarionError
from clarion.settings import Settings, project_root

__all__ = ["Live", "campaign", "daily_batch", "publish", "stack", "world"]

PLANTED = 50  # users per trigger pattern


def stack(settings: Settings) -> str:
    from clarion.stack import up

    reports = up(settings)
    return "(" + ", ".join(f"{r.name} {r.action} at {r.address}" for r in reports) + ")"


def world(settings: Settings, *, users: int, days: int, seed: int, as_of: date) -> str:
    """History to Delta and cleaned into silver; the last day (``as_of``) to Kafka."""
    from clarion.world import WorldSpec, write_world
    from clarion.world.cli import SinkChoice, build_sinks
    from spark_jobs import clean_events
    from spark_jobs.session import build_spark_session

    _empty_topic(settings, settings.kafka.events_topic)
    start = as_of - timedelta(days=days - 1)
    early = WorldSpec(users=users, days=days - 1, start_date=start, seed=seed)
    sinks = build_sinks(settings, sink=SinkChoice.delta, overwrite=True)
    history = write_world(early, event_sinks=sinks[0], users_sink=sinks[1], traits_sink=sinks[2])
    last = WorldSpec(users=users, days=1, start_date=as_of, seed=seed)
    live = write_world(
        last, event_sinks=build_sinks(settings, sink=SinkChoice.kafka, overwrite=False)[0]
    )
    spark = build_spark_session(settings, app_name="clarion-demo-backfill")
    spark.sparkContext.setLogLevel("ERROR")
    try:
        cleaned = clean_events.run(spark, settings)
    finally:
        spark.stop()
    return (
        f"({history.events:,} events of {days - 1} days to Delta and cleaned into silver "
        f"({cleaned.quarantine:,} quarantined); {live.events:,} events of {as_of} to Kafka)"
    )


def _empty_topic(settings: Settings, topic: str) -> None:
    """Delete ``topic`` (the world's sink creates it again): a fresh lake, a fresh log."""
    import time

    from kafka import KafkaAdminClient

    from clarion.kafka_options import client_options

    admin = KafkaAdminClient(**client_options(settings.kafka))
    try:
        if topic in admin.list_topics():
            admin.delete_topics([topic])
            for _ in range(60):
                if topic not in admin.list_topics():
                    return
                time.sleep(0.5)
            raise ClarionError(f"Kafka did not delete topic {topic!r} within 30 s")
    finally:
        admin.close()


def _run_dag(settings: Settings, dag_file: str, dag_id: str, day: date, **conf: Any) -> Any:
    from clarion.orchestration import prepare_airflow_home
    from clarion.orchestration.dag_runs import run_dag_days

    home = prepare_airflow_home(settings)
    log = settings.state_dir / "logs" / f"demo-{dag_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    [outcome] = run_dag_days(
        home, project_root() / "dags" / dag_file, dag_id, [day.isoformat()],
        env=os.environ, conf=conf or None, log_file=log,
    )  # fmt: skip
    if not outcome.succeeded:
        failed = [t for t, state in outcome.tasks.items() if state != "success"]
        raise ClarionError(f"{dag_id} for {day}: tasks {failed} did not succeed; log: {log}")
    return outcome.results


def daily_batch(settings: Settings, *, as_of: date) -> dict[str, Any]:
    from clarion.demo.summary import model_row

    _run_dag(settings, "daily_batch.py", "clarion_daily_batch", as_of)
    row = model_row(settings, as_of.isoformat())
    if row is None:
        raise ClarionError(f"the daily batch for {as_of} registered no model")
    return row


def publish(settings: Settings, *, as_of: date) -> str:
    done = _run_dag(
        settings, "publish_batch_view.py", "clarion_publish_batch_view", as_of,
        as_of=as_of.isoformat(),
    )["publish"]  # fmt: skip
    return (
        f"(version {done['version']}: {done['users']:,} users; "
        f"preferences of {done['preferences']:,} users)"
    )


def campaign(settings: Settings, *, campaign_id: str, as_of: date) -> dict[str, Any]:
    """Run the campaign's DAG by hand; sent just over its attribution window ago, so it
    is measured in the same run (its intents are fresh: well inside their TTL)."""
    from marketing.campaigns.loader import default_campaigns_dir, load_campaign

    spec = load_campaign(default_campaigns_dir() / f"{campaign_id}.yaml")
    sent_at = datetime.now(UTC) - spec.attribution.window - timedelta(minutes=1)
    results = _run_dag(
        settings, f"campaign_{campaign_id}.py", f"campaign_{campaign_id}", as_of,
        as_of=as_of.isoformat(), sent_at=sent_at.isoformat(),
    )  # fmt: skip
    return {
        "run_id": results["wait_for_gold_day"]["run_id"],
        "intents": results["hand_off"]["intents"],
        "report": results["measure"]["report"],
    }


class Live:
    """The running services and the local providers they deliver to."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.providers = LocalProviders()
        self.services = LiveServices(
            settings, log_dir=settings.state_dir / "logs" / "demo", environ={}
        )

    def start(self) -> str:
        self.providers.start()
        self.services.environ = self.providers.environ()
        self.services.start()
        names = ", ".join(self.services.children)
        return f"({names}; SMTP :{self.providers.smtp_port}, push :{self.providers.push_port})"

    def _groups(self) -> dict[str, list[str]]:
        kafka = self.settings.kafka
        groups = {
            "clarion-speed-layer": [kafka.events_topic],
            self.settings.dispatcher.group_id: [kafka.intents_topic],
        }
        for channel in DELIVERY_CHANNELS:
            groups[f"delivery.{channel}"] = [f"{kafka.outbound_topic_prefix}{channel}"]
        return groups

    def replay(self, *, as_of: date) -> str:
        from deltalake import DeltaTable

        features = DeltaTable(self.settings.table_uri("gold.user_features")).to_pandas(
            columns=["user_id", "transaction_amount_mean_30d"], filters=[("as_of", "=", as_of)]
        )
        spenders = features[features["transaction_amount_mean_30d"] > 0].head(PLANTED)
        others = features[~features["user_id"].isin(spenders["user_id"])]["user_id"].tolist()
        events = planted_events(
            now=datetime.now(UTC),
            transaction_means=dict(
                zip(spenders["user_id"], spenders["transaction_amount_mean_30d"], strict=True)
            ),
            cart_users=others[:PLANTED],
            login_users=others[PLANTED : 2 * PLANTED],
        )
        sent = produce(self.settings, events)
        lags = self.services.wait_until_drained(
            {"clarion-speed-layer": [self.settings.kafka.events_topic]}, timeout=600
        )
        return (
            f"({sent} planted events for {3 * PLANTED} users; speed layer lag {sum(lags.values())})"
        )

    def drain(self) -> str:
        lags = self.services.wait_until_drained(self._groups(), timeout=900)
        return "(lag " + ", ".join(f"{g} {n:,}" for g, n in lags.items()) + ")"

    def stop(self) -> None:
        self.services.stop()
        self.providers.stop()
