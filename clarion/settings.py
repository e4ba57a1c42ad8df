"""Clarion's one settings object: the only module that reads environment variables.

Every deployable (CLI, Spark jobs, speed layer, dispatcher, DAGs) calls
:func:`load_settings` once and passes the frozen result down. Variables are
``CLARION_<SECTION>__<FIELD>``, for example ``CLARION_KAFKA__BOOTSTRAP_SERVERS``;
``CLARION_PROFILE`` selects ``local`` (the default: a single-node stack on
loopback started by ``clarion stack up``) or ``cluster`` (real endpoints, all of
which must then be given explicitly).

>>> s = load_settings(environ={})
>>> s.profile, s.kafka.bootstrap_servers
('local', ('127.0.0.1:29092',))
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from clarion.exceptions import SettingsError

__all__ = [
    "ApiSettings",
    "CassandraSettings",
    "DeliverySettings",
    "DeltaSettings",
    "DispatcherSettings",
    "KafkaSettings",
    "RedisSettings",
    "Settings",
    "SparkSettings",
    "load_settings",
    "project_root",
]

ENV_PREFIX = "CLARION_"
ENV_NESTED = "__"

Profile = Literal["local", "cluster"]


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


# A list given in the environment as "a,b,c".
CsvTuple = Annotated[tuple[str, ...], BeforeValidator(_split_csv)]


def project_root() -> Path:
    """The checkout Clarion runs from (the folder holding ``pyproject.toml``), else the cwd."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TlsSettings(_Section):
    """TLS for one client connection; ``enabled`` with no CA file uses the system trust store."""

    enabled: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    verify_hostname: bool = True


class KafkaSettings(_Section):
    bootstrap_servers: CsvTuple = ("127.0.0.1:29092",)
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    tls: TlsSettings = TlsSettings()
    events_topic: str = "events"
    dlq_topic: str = "events.dlq"
    intents_topic: str = "notify.intents"
    receipts_topic: str = "delivery.receipts"
    outbound_topic_prefix: str = "outbound."
    partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> KafkaSettings:
        if self.security_protocol.startswith("SASL") and not (
            self.sasl_mechanism and self.sasl_username and self.sasl_password
        ):
            raise ValueError(
                "security_protocol SASL_* needs sasl_mechanism, sasl_username and sasl_password"
            )
        return self


class CassandraSettings(_Section):
    contact_points: CsvTuple = ("127.0.0.1",)
    port: int = Field(default=29042, ge=1, le=65535)
    local_datacenter: str = "datacenter1"
    keyspace: str = "clarion"
    replication: dict[str, int] = {"datacenter1": 1}
    username: str | None = None
    password: SecretStr | None = None
    tls: TlsSettings = TlsSettings()


LOCAL_REDIS_URL = "redis://127.0.0.1:26379/0"


class RedisSettings(_Section):
    """Either one ``url`` (``redis://`` or ``rediss://``) or Redis Cluster ``cluster_nodes``."""

    url: str | None = None  # default, when no cluster_nodes either: redis://127.0.0.1:26379/0
    cluster_nodes: CsvTuple = ()
    username: str | None = None
    password: SecretStr | None = None
    tls: TlsSettings = TlsSettings()
    key_prefix: str = "clarion"

    @model_validator(mode="before")
    @classmethod
    def _local_default(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "url": data.get("url") or None}
            if not data["url"] and not data.get("cluster_nodes"):
                data["url"] = LOCAL_REDIS_URL
        return data

    @model_validator(mode="after")
    def _one_topology(self) -> RedisSettings:
        if bool(self.url) == bool(self.cluster_nodes):
            raise ValueError("give exactly one of url or cluster_nodes")
        return self

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, url: str | None) -> str | None:
        if url and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return url


class SparkSettings(_Section):
    master: str = "local[*]"
    app_name: str = "clarion"
    driver_memory: str = "4g"
    executor_memory: str = "2g"
    shuffle_partitions: int = Field(default=8, ge=1)
    # Extra ``spark.*`` options, e.g. object-store credentials providers on a cluster.
    conf: dict[str, str] = {}


class DeltaSettings(_Section):
    """Where the lakehouse lives: a local path or an object-store URI (s3a://, abfss://, gs://)."""

    root: str | None = None  # local profile: <state_dir>/lake


class DeliverySettings(_Section):
    """The delivery workers: provider endpoints, retries with backoff, the circuit breaker."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=2525, ge=1, le=65535)
    smtp_sender: str = "Clarion <notifications@clarion.local>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    push_endpoint: str = "http://127.0.0.1:28081/v1/send"
    push_api_key: SecretStr | None = None
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    backoff_base_seconds: float = Field(default=0.5, ge=0)
    backoff_max_seconds: float = Field(default=30.0, ge=0)
    backoff_multiplier: float = Field(default=2.0, ge=1)
    backoff_jitter: Literal["full", "equal", "none"] = "full"
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=30.0, gt=0)
    batch_size: int = Field(default=100, ge=1)
    status_table: str = Field(
        default="notification_status", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,47}$"
    )


class ApiSettings(_Section):
    """The HTTP API (``python -m serving.api.cli serve``)."""

    host: str = "127.0.0.1"
    port: int = Field(default=28000, ge=1, le=65535)


class DispatcherSettings(_Section):
    """The dispatcher runtime (``clarion dispatcher run``); see docs/adr/0009."""

    group_id: str = "dispatcher"
    dlq_topic: str = "notify.intents.dlq"
    policy_file: Path | None = None  # None: serving/dispatch/policy.example.yaml
    templates_dir: Path | None = None  # None: serving/templates/catalog
    batch_size: int = Field(default=500, ge=1, le=50_000)
    poll_timeout_seconds: float = Field(default=0.5, gt=0)
    transaction_timeout_seconds: float = Field(default=30.0, gt=0)
    # A key marked sent whose effects were never confirmed is redone after this long.
    effects_settle_seconds: float = Field(default=60.0, gt=0)
    # How long a claimed deferred intent stays invisible to other dispatchers.
    deferred_visibility_seconds: float = Field(default=60.0, gt=0)
    decide_threads: int = Field(default=8, ge=1, le=64)
    metrics_port: int | None = Field(default=None, ge=0, le=65535)


class Settings(BaseSettings):
    """All of Clarion's configuration, frozen. Build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED,
        frozen=True,
        extra="forbid",
        case_sensitive=False,
    )

    profile: Profile = "local"
    state_dir: Path = Field(default_factory=lambda: project_root() / ".clarion")
    kafka: KafkaSettings = KafkaSettings()
    cassandra: CassandraSettings = CassandraSettings()
    redis: RedisSettings = RedisSettings.model_validate({})
    spark: SparkSettings = SparkSettings()
    delta: DeltaSettings = DeltaSettings()
    delivery: DeliverySettings = DeliverySettings()
    api: ApiSettings = ApiSettings()
    dispatcher: DispatcherSettings = DispatcherSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings() is the one reader of the environment: it parses comma lists
        # and names the variable in every error. Values reach the model explicitly.
        return (init_settings,)

    @model_validator(mode="after")
    def _cluster_needs_endpoints(self) -> Settings:
        if self.profile != "cluster":
            return self
        missing = [
            env_name(section, field)
            for section, field in _CLUSTER_REQUIRED
            if field not in getattr(self, section).model_fields_set
        ]
        if not ({"url", "cluster_nodes"} & self.redis.model_fields_set) or (
            self.redis.url == LOCAL_REDIS_URL
        ):
            missing.append(f"{env_name('redis', 'url')} or {env_name('redis', 'cluster_nodes')}")
        if missing:
            raise ValueError("profile 'cluster' takes no local defaults; set " + ", ".join(missing))
        if self.spark.master.startswith("local"):
            raise ValueError(
                f"profile 'cluster' needs a real Spark master, not {self.spark.master!r}"
            )
        return self

    @property
    def lake_root(self) -> str:
        """Root URI of the Delta tables (``<state_dir>/lake`` locally)."""
        return self.delta.root or str(self.state_dir / "lake")

    def table_uri(self, name: str) -> str:
        """URI of a Delta table named ``layer.table``, e.g. ``bronze.events``."""
        layer, _, table = name.partition(".")
        if not layer or not table:
            raise SettingsError(f"table name must look like 'layer.table', got {name!r}")
        return f"{self.lake_root.rstrip('/')}/{layer}/{table}"


_CLUSTER_REQUIRED = (
    ("spark", "master"),
    ("kafka", "bootstrap_servers"),
    ("cassandra", "contact_points"),
    ("cassandra", "local_datacenter"),
    ("delta", "root"),
)


def env_name(*loc: object) -> str:
    """The environment variable behind a settings field, e.g. ``CLARION_KAFKA__PARTITIONS``."""
    parts = [str(p) for p in loc if not isinstance(p, int)]
    return ENV_PREFIX + ENV_NESTED.join(parts).upper()


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read and validate the settings; raise :class:`SettingsError` naming each bad variable.

    Args:
        environ: the variables to read (default: the process environment).
        overrides: field values that win over the environment (used by tests and the CLI).
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for key, raw in env.items():
        if not key.upper().startswith(ENV_PREFIX) or key.upper() == "CLARION_PYTHON":
            continue
        path = key[len(ENV_PREFIX) :].lower().split(ENV_NESTED)
        node = values
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise SettingsError(f"{key}: conflicts with another variable of the same section")
        node[path[-1]] = _parse_env_value(raw)
    _merge(values, overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = err["loc"]
            name = env_name(*loc) if loc else "CLARION_*"
            lines.append(f"  {name}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid Clarion settings:\n" + "\n".join(lines)) from None


def _parse_env_value(raw: str) -> Any:
    """JSON objects and arrays are decoded (for dict fields); everything else stays a string."""
    text = raw.strip()
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
