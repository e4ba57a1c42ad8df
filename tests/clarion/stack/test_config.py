"""The shipped config templates render from the settings into what each service expects."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clarion.settings import load_settings
from clarion.stack._java import parse_jvm_options
from clarion.stack._ports import Endpoint
from clarion.stack._templates import infra_file, render, render_file
from clarion.stack.cassandra import config_values as cassandra_values
from clarion.stack.exceptions import StackError
from clarion.stack.kafka import server_values
from clarion.stack.redis import config_values as redis_values


def _properties(text: str) -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {k.strip(): v.strip() for k, v in pairs}


def test_render_fills_placeholders_and_leaves_dollar_braces_alone() -> None:
    text = "file={{ log_file }} level=${sys:level} port={{port}}"
    assert render(text, {"log_file": "/x.log", "port": 1}) == (
        "file=/x.log level=${sys:level} port=1"
    )


def test_render_names_every_missing_placeholder() -> None:
    with pytest.raises(StackError, match="broker_port, host"):
        render("{{ host }}:{{ broker_port }}", {})


def test_render_file_rewrites_only_on_change(tmp_path: Path) -> None:
    target = tmp_path / "redis.conf"
    values = redis_values(
        endpoint=Endpoint("127.0.0.1", 26379), data_dir=tmp_path, log_file=tmp_path / "r.log"
    )
    render_file("redis", "redis.conf", values, target)
    mtime = target.stat().st_mtime_ns
    render_file("redis", "redis.conf", values, target)
    assert target.stat().st_mtime_ns == mtime


def test_kafka_server_properties_is_one_kraft_node_on_loopback(tmp_path: Path) -> None:
    values = server_values(
        endpoint=Endpoint("127.0.0.1", 29092), data_dir=tmp_path / "data", partitions=6
    )
    props = _properties(render(infra_file("kafka", "server.properties").read_text(), values))
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:29093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:29092"
    assert props["log.dirs"] == str(tmp_path / "data")
    assert props["num.partitions"] == "6"
    assert props["offsets.topic.replication.factor"] == "1"
    assert not any("zookeeper" in key for key in props)


def test_kafka_logging_goes_to_the_service_log(tmp_path: Path) -> None:
    text = render(
        infra_file("kafka", "log4j2.properties").read_text(), {"log_file": tmp_path / "kafka.log"}
    )
    assert f"appender.file.fileName = {tmp_path / 'kafka.log'}" in text


def test_cassandra_yaml_is_one_small_node_on_loopback(tmp_path: Path) -> None:
    values = cassandra_values(endpoint=Endpoint("127.0.0.1", 29042), data_dir=tmp_path)
    conf = yaml.safe_load(render(infra_file("cassandra", "cassandra.yaml").read_text(), values))
    assert conf["native_transport_port"] == 29042
    assert conf["storage_port"] == 29070
    assert conf["listen_address"] == conf["rpc_address"] == "127.0.0.1"
    assert conf["seed_provider"][0]["parameters"][0]["seeds"] == "127.0.0.1:29070"
    assert conf["data_file_directories"] == [f"{tmp_path}/data"]
    assert conf["commitlog_directory"] == f"{tmp_path}/commitlog"
    assert conf["endpoint_snitch"] == "SimpleSnitch"  # datacenter1, as the settings expect
    assert conf["num_tokens"] == 1
    assert conf["concurrent_compactors"] == 1


def test_cassandra_jvm_options_carry_java17_module_flags_and_a_small_heap() -> None:
    options = parse_jvm_options(infra_file("cassandra", "jvm.options").read_text())
    assert "-Xmx1G" in options and "-Xms1G" in options
    assert "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED" in options
    assert "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED" in options
    assert "-XX:+AlwaysPreTouch" not in options
    assert all(o.startswith("-") for o in options)


def test_redis_conf_binds_its_own_port_and_dirs(tmp_path: Path) -> None:
    settings = load_settings(environ={})
    assert settings.redis.url == "redis://127.0.0.1:26379/0"
    values = redis_values(
        endpoint=Endpoint("127.0.0.1", 26379),
        data_dir=tmp_path / "data",
        log_file=tmp_path / "redis.log",
    )
    lines = render(infra_file("redis", "redis.conf").read_text(), values).splitlines()
    assert "bind 127.0.0.1" in lines
    assert "port 26379" in lines
    assert f"dir {tmp_path / 'data'}" in lines
    assert f"logfile {tmp_path / 'redis.log'}" in lines
    assert "daemonize no" in lines
    assert not any(line.startswith("port 6379") for line in lines)
