"""The settings object: defaults, environment parsing, and errors that name the variable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clarion.exceptions import SettingsError
from clarion.settings import env_name, load_settings

CLUSTER_ENV = {
    "CLARION_PROFILE": "cluster",
    "CLARION_SPARK__MASTER": "spark://spark-master.prod:7077",
    "CLARION_KAFKA__BOOTSTRAP_SERVERS": "k1.prod:9093,k2.prod:9093, k3.prod:9093",
    "CLARION_KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
    "CLARION_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
    "CLARION_KAFKA__SASL_USERNAME": "clarion",
    "CLARION_KAFKA__SASL_PASSWORD": "s3cret",
    "CLARION_CASSANDRA__CONTACT_POINTS": "c1.prod,c2.prod",
    "CLARION_CASSANDRA__LOCAL_DATACENTER": "eu-west-1",
    "CLARION_CASSANDRA__TLS__ENABLED": "true",
    "CLARION_REDIS__URL": "",
    "CLARION_REDIS__CLUSTER_NODES": "r1.prod:6379,r2.prod:6379",
    "CLARION_DELTA__ROOT": "s3a://clarion-lake/prod",
}


def test_local_profile_is_the_default_and_points_at_loopback() -> None:
    s = load_settings(environ={})
    assert s.profile == "local"
    assert s.kafka.bootstrap_servers == ("127.0.0.1:29092",)
    assert s.redis.url == "redis://127.0.0.1:26379/0"
    assert s.spark.master == "local[*]"
    assert s.table_uri("gold.user_features") == f"{s.state_dir}/lake/gold/user_features"


def test_cluster_profile_reads_every_endpoint() -> None:
    s = load_settings(environ=CLUSTER_ENV)
    assert s.kafka.bootstrap_servers == ("k1.prod:9093", "k2.prod:9093", "k3.prod:9093")
    assert s.kafka.sasl_password is not None
    assert s.kafka.sasl_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)
    assert s.cassandra.contact_points == ("c1.prod", "c2.prod")
    assert s.cassandra.tls.enabled is True
    assert s.redis.url is None and s.redis.cluster_nodes == ("r1.prod:6379", "r2.prod:6379")
    assert s.table_uri("bronze.events") == "s3a://clarion-lake/prod/bronze/events"


@pytest.mark.parametrize(
    "missing",
    [
        "CLARION_SPARK__MASTER",
        "CLARION_KAFKA__BOOTSTRAP_SERVERS",
        "CLARION_CASSANDRA__CONTACT_POINTS",
        "CLARION_DELTA__ROOT",
        "CLARION_REDIS__CLUSTER_NODES",
    ],
)
def test_cluster_profile_refuses_local_defaults_and_names_the_variable(missing: str) -> None:
    env = {k: v for k, v in CLUSTER_ENV.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        load_settings(environ=env)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CLARION_PROFILE", "staging"),
        ("CLARION_KAFKA__PARTITIONS", "zero"),
        ("CLARION_KAFKA__PARTITIONS", "0"),
        ("CLARION_CASSANDRA__PORT", "70000"),
        ("CLARION_SPARK__SHUFFLE_PARTITIONS", "-1"),
        ("CLARION_KAFKA__SECURITY_PROTOCOL", "TLS"),
    ],
)
def test_an_invalid_value_fails_with_the_variable_name(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(environ={variable: value})


def test_a_misspelt_variable_is_an_error_not_a_silent_default() -> None:
    with pytest.raises(SettingsError, match="CLARION_KAFKA__BOOTSTRAP_SERVER"):
        load_settings(environ={"CLARION_KAFKA__BOOTSTRAP_SERVER": "x:9092"})


def test_sasl_without_credentials_is_refused() -> None:
    with pytest.raises(SettingsError, match="sasl"):
        load_settings(environ={"CLARION_KAFKA__SECURITY_PROTOCOL": "SASL_SSL"})


def test_redis_takes_a_url_or_cluster_nodes_but_not_both() -> None:
    with pytest.raises(SettingsError, match="CLARION_REDIS"):
        load_settings(
            environ={
                "CLARION_REDIS__URL": "redis://a:6379",
                "CLARION_REDIS__CLUSTER_NODES": "r1:6379",
            }
        )
    assert load_settings(environ={"CLARION_REDIS__CLUSTER_NODES": "r1:6379"}).redis.url is None
    with pytest.raises(SettingsError, match="CLARION_REDIS__URL"):
        load_settings(environ={"CLARION_REDIS__URL": "http://a:6379"})


def test_settings_are_frozen() -> None:
    s = load_settings(environ={})
    with pytest.raises(ValueError, match="frozen"):
        s.profile = "cluster"  # type: ignore[misc]


def test_json_dict_values_are_decoded() -> None:
    s = load_settings(environ={"CLARION_SPARK__CONF": '{"spark.executor.cores": "4"}'})
    assert s.spark.conf == {"spark.executor.cores": "4"}


def test_overrides_win_over_the_environment() -> None:
    s = load_settings(environ={"CLARION_KAFKA__PARTITIONS": "3"}, kafka={"partitions": 12})
    assert s.kafka.partitions == 12


def test_table_names_must_have_a_layer() -> None:
    with pytest.raises(SettingsError, match=r"layer\.table"):
        load_settings(environ={}).table_uri("events")


@given(st.lists(st.from_regex(r"[a-z0-9][a-z0-9.-]{0,20}:[0-9]{2,5}", fullmatch=True), min_size=1))
def test_any_comma_list_of_brokers_round_trips(brokers: list[str]) -> None:
    s = load_settings(environ={"CLARION_KAFKA__BOOTSTRAP_SERVERS": " , ".join(brokers)})
    assert s.kafka.bootstrap_servers == tuple(brokers)


def test_env_name_skips_list_indices() -> None:
    assert env_name("kafka", "bootstrap_servers", 0) == "CLARION_KAFKA__BOOTSTRAP_SERVERS"


def test_the_process_environment_is_read_once_with_plain_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLARION_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:39092,127.0.0.1:39093")
    monkeypatch.setenv("CLARION_CASSANDRA__PORT", "39042")
    s = load_settings()
    assert s.kafka.bootstrap_servers == ("127.0.0.1:39092", "127.0.0.1:39093")
    assert s.cassandra.port == 39042
