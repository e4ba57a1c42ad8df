"""Cassandra for the local stack: one 5.0 node from the ``cassandra-all`` jars, on loopback.

Its gossip (storage) port is the CQL port + 28 (29070 next to 29042 by default); JMX stays off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import DCAwareRoundRobinPolicy

from clarion.settings import Settings
from clarion.stack._java import classpath, find_java, parse_jvm_options
from clarion.stack._ports import Endpoint, require_loopback
from clarion.stack._service import LaunchSpec, Service
from clarion.stack._templates import infra_file, render_file
from clarion.stack.exceptions import StackError

__all__ = ["CassandraService", "cluster", "config_values", "keyspace_cql"]

DAEMON_MAIN = "org.apache.cassandra.service.CassandraDaemon"
JAVA_VERSIONS = (11, 17)  # what Cassandra 5.0 supports
STORAGE_PORT_OFFSET = 28
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,47}")


def keyspace_cql(keyspace: str, replication: Mapping[str, int]) -> str:
    """``CREATE KEYSPACE IF NOT EXISTS`` with NetworkTopologyStrategy, a factor per datacenter.

    >>> keyspace_cql("clarion", {"datacenter1": 1})
    "CREATE KEYSPACE IF NOT EXISTS clarion WITH replication = \
{'class': 'NetworkTopologyStrategy', 'datacenter1': 1}"
    """
    if not _IDENTIFIER.fullmatch(keyspace):
        raise StackError(
            f"cassandra: {keyspace!r} is not a valid keyspace name "
            "(a letter, then up to 47 letters, digits or underscores)"
        )
    if not replication or any(
        not _IDENTIFIER.fullmatch(dc) or rf < 1 for dc, rf in replication.items()
    ):
        raise StackError(
            f"cassandra: replication must map datacenters to factors >= 1, "
            f"got {dict(replication)!r}"
        )
    factors = "".join(f", '{dc}': {rf}" for dc, rf in replication.items())
    return (
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
        f"{{'class': 'NetworkTopologyStrategy'{factors}}}"
    )


def config_values(*, endpoint: Endpoint, data_dir: Path) -> dict[str, Any]:
    """The placeholders of ``infra/cassandra/cassandra.yaml``."""
    return {
        "host": endpoint.host,
        "native_port": endpoint.port,
        "storage_port": endpoint.port + STORAGE_PORT_OFFSET,
        "data_dir": data_dir,
    }


def cluster(settings: Settings, **kwargs: Any) -> Cluster:
    """A driver ``Cluster`` for the configured contact points, local datacenter first."""
    c = settings.cassandra
    profile = ExecutionProfile(load_balancing_policy=DCAwareRoundRobinPolicy(c.local_datacenter))
    return Cluster(
        contact_points=list(c.contact_points),
        port=c.port,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        protocol_version=5,
        **kwargs,
    )


class CassandraService(Service):
    name = "cassandra"
    start_timeout = 180.0
    stop_timeout = 60.0

    @property
    def endpoint(self) -> Endpoint:
        c = self.settings.cassandra
        return require_loopback(Endpoint(c.contact_points[0], c.port), service=self.name)

    def ports(self) -> dict[str, Endpoint]:
        native = self.endpoint
        return {"CQL": native, "storage": Endpoint(native.host, native.port + STORAGE_PORT_OFFSET)}

    def prepare(self) -> LaunchSpec:
        java = find_java(self.name, supported=JAVA_VERSIONS)
        jars = self.jars("cassandra")
        root, data, logs = self.paths.root, self.paths.data, self.paths.logs
        for folder in (data, logs, root / "triggers"):
            folder.mkdir(parents=True, exist_ok=True)
        conf = render_file(
            "cassandra",
            "cassandra.yaml",
            config_values(endpoint=self.endpoint, data_dir=data),
            root / "cassandra.yaml",
        )
        logback = render_file(
            "cassandra", "logback.xml", {"log_file": self.paths.log_file}, root / "logback.xml"
        )
        jvm = parse_jvm_options(infra_file("cassandra", "jvm.options").read_text())
        # jamm measures object sizes for memtable accounting, as Cassandra's own scripts load it.
        jvm += [f"-javaagent:{jar}" for jar in sorted(jars.glob("jamm-*.jar"))[-1:]]
        argv = (
            java,
            *jvm,
            f"-XX:ErrorFile={logs}/hs_err_%p.log",
            f"-XX:HeapDumpPath={root}",
            f"-Dcassandra.config={conf.as_uri()}",
            f"-Dlogback.configurationFile={logback.as_uri()}",
            f"-Dcassandra.logdir={logs}",
            f"-Dcassandra.storagedir={data}",
            f"-Dcassandra.triggers_dir={root / 'triggers'}",
            "-Dcassandra-foreground=yes",
            "-cp",
            classpath(jars),
            DAEMON_MAIN,
        )
        return LaunchSpec(argv=argv, marker=conf.as_uri())

    def probe(self) -> None:
        with cluster(self.settings, connect_timeout=5, control_connection_timeout=5) as c:
            row = c.connect().execute("SELECT release_version FROM system.local").one()
            if row is None:
                raise StackError("cassandra: system.local returned no row")

    def provision(self) -> list[str]:
        c = self.settings.cassandra
        with cluster(self.settings) as cl:
            session = cl.connect()
            existed = c.keyspace in cl.metadata.keyspaces
            session.execute(keyspace_cql(c.keyspace, c.replication))
        return [] if existed else [f"keyspace {c.keyspace}"]
