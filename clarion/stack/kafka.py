"""Kafka for the local stack: one KRaft node (broker and controller, no ZooKeeper) from the
``kafka_2.13`` jars, its storage formatted on first start.

The controller listens on the broker's port + 1 (29093 next to 29092 by default).
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path
from typing import Any

from clarion.events import CHANNELS
from clarion.settings import Settings
from clarion.stack._java import classpath, find_java, parse_jvm_options
from clarion.stack._kafka_client import coordinator_ready, ensure_topics, round_trip
from clarion.stack._ports import Endpoint, parse_host_port, require_loopback
from clarion.stack._service import LaunchSpec, Service
from clarion.stack._templates import infra_file, render_file
from clarion.stack.exceptions import ServiceExitedError
from clarion.stack.jars import jar_dir

__all__ = [
    "BROKER_MAIN",
    "CONSOLE_CONSUMER_MAIN",
    "KafkaService",
    "bootstrap_server",
    "new_cluster_id",
    "required_topics",
    "server_values",
    "tool_argv",
]

BROKER_MAIN = "kafka.Kafka"
STORAGE_TOOL_MAIN = "kafka.tools.StorageTool"
CONSOLE_CONSUMER_MAIN = "org.apache.kafka.tools.consumer.ConsoleConsumer"
JAVA_VERSIONS = (17, 21, 23, 25)
PROBE_TOPIC = "clarion.stack.probe"


def bootstrap_server(settings: Settings) -> Endpoint:
    """The first bootstrap server: the address the local broker listens on."""
    return parse_host_port(settings.kafka.bootstrap_servers[0], service="kafka")


def required_topics(settings: Settings) -> dict[str, int]:
    """Clarion's topics and their partition counts, from the settings.

    >>> from clarion.settings import load_settings
    >>> sorted(required_topics(load_settings(environ={})))[:3]
    ['delivery.receipts', 'events', 'events.dlq']
    """
    k = settings.kafka
    names = [k.events_topic, k.dlq_topic, k.intents_topic, k.receipts_topic]
    names += [f"{k.outbound_topic_prefix}{channel}" for channel in CHANNELS]
    return dict.fromkeys(names, k.partitions)


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64, no padding, not starting with '-'."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def server_values(*, endpoint: Endpoint, data_dir: Path, partitions: int) -> dict[str, Any]:
    """The placeholders of ``infra/kafka/server.properties``."""
    return {
        "host": endpoint.host,
        "broker_port": endpoint.port,
        "controller_port": endpoint.port + 1,
        "data_dir": data_dir,
        "partitions": partitions,
    }


def tool_argv(settings: Settings, main_class: str, *args: str, java: str = "java") -> list[str]:
    """The command line of one of Kafka's own tools (e.g. :data:`CONSOLE_CONSUMER_MAIN`), run
    from the stack's jars, logging warnings to stderr."""
    log_config = infra_file("kafka", "tools-log4j2.properties")
    return [
        java,
        "-Xmx512m",
        f"-Dlog4j2.configurationFile={log_config}",
        "-cp",
        classpath(jar_dir(settings, "kafka")),
        main_class,
        *args,
    ]


class KafkaService(Service):
    name = "kafka"
    start_timeout = 90.0
    stop_timeout = 45.0

    @property
    def endpoint(self) -> Endpoint:
        return require_loopback(bootstrap_server(self.settings), service=self.name)

    def ports(self) -> dict[str, Endpoint]:
        broker = self.endpoint
        return {"broker": broker, "controller": Endpoint(broker.host, broker.port + 1)}

    def prepare(self) -> LaunchSpec:
        java = find_java(self.name, supported=JAVA_VERSIONS)
        jars = self.jars("kafka")
        root, data = self.paths.root, self.paths.data
        values = server_values(
            endpoint=self.endpoint, data_dir=data, partitions=self.settings.kafka.partitions
        )
        server = render_file("kafka", "server.properties", values, root / "server.properties")
        log_config = render_file(
            "kafka",
            "log4j2.properties",
            {"log_file": self.paths.log_file},
            root / "log4j2.properties",
        )
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        if not (data / "meta.properties").is_file():
            self._format_storage(java, server)
        jvm = parse_jvm_options(infra_file("kafka", "jvm.options").read_text())
        argv = (
            java,
            *jvm,
            f"-Dlog4j2.configurationFile={log_config}",
            f"-Dkafka.logs.dir={self.paths.logs}",
            f"-XX:ErrorFile={self.paths.logs}/hs_err_%p.log",
            f"-XX:HeapDumpPath={root}",
            "-cp",
            classpath(jars),
            BROKER_MAIN,
            str(server),
        )
        return LaunchSpec(argv=argv, marker=str(server))

    def _format_storage(self, java: str, server: Path) -> None:
        """Format the KRaft log dir once, as ``kafka-storage.sh format`` does."""
        cmd = tool_argv(
            self.settings,
            STORAGE_TOOL_MAIN,
            "format",
            "--cluster-id",
            new_cluster_id(),
            "--config",
            str(server),
            java=java,
        )
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise ServiceExitedError(
                f"kafka: formatting the KRaft storage in {self.paths.data} failed "
                f"(exit {result.returncode}):\n{(result.stdout + result.stderr).strip()[-3000:]}\n"
                f"Remove {self.paths.data} and run `clarion stack up` again."
            )

    def probe(self) -> None:
        """A record written and read back, and a group coordinator (consumers can join)."""
        round_trip(str(self.endpoint), PROBE_TOPIC)
        coordinator_ready(str(self.endpoint))

    def provision(self) -> list[str]:
        created = ensure_topics(
            str(self.endpoint),
            required_topics(self.settings),
            replication_factor=self.settings.kafka.replication_factor,
        )
        return [f"topic {name}" for name in created]
