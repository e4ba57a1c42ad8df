"""infra/docker-compose.yml and infra/Dockerfile agree with Clarion's settings and CLI.

No Docker engine runs here (docs/adr/0003), so the file is checked as data: the
services, pinned images, healthchecks, start order, CLARION_* variables and the
command lines given to the Clarion image.
"""

from __future__ import annotations

import re
import typing
from typing import Any

import pytest

from clarion.settings import load_settings
from serving.delivery.cli import ChannelName
from tests.infra.contract import INFRA, load_documents, parse_clarion_args, settings_field

COMPOSE = INFRA / "docker-compose.yml"
DOCKERFILE = INFRA / "Dockerfile"
STACK_IMAGES = {"kafka": "apache/kafka:4.1.1", "cassandra": "cassandra:5.0.6"}
CONSUMERS = (
    "dispatcher",
    "speed-layer",
    *(f"delivery-{c.replace('_', '-')}" for c in typing.get_args(ChannelName)),
)
CLARION_SERVICES = (*CONSUMERS, "api", "airflow")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    (compose,) = load_documents(COMPOSE)
    return compose["services"]


def _substitute(value: object) -> str:
    """Compose's ``${VAR:-default}`` with nothing set in the environment."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


def test_every_service_is_there_with_pinned_stack_images(services: dict[str, Any]) -> None:
    assert set(services) == {*STACK_IMAGES, "redis", *CLARION_SERVICES}
    for name, image in STACK_IMAGES.items():
        assert services[name]["image"] == image
    assert re.fullmatch(r"redis:7(\.\d+)*", services["redis"]["image"])


def test_clarion_services_share_one_image_built_from_the_dockerfile(
    services: dict[str, Any],
) -> None:
    for name in CLARION_SERVICES:
        service = services[name]
        assert service["image"] == services["api"]["image"], name
        build = service["build"]
        assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE


@pytest.mark.parametrize("name", [n for n in CLARION_SERVICES if n != "airflow"])
def test_commands_parse_as_clarion_command_lines(services: dict[str, Any], name: str) -> None:
    params = parse_clarion_args([str(a) for a in services[name]["command"]])
    if name in CONSUMERS:
        port = re.search(r"127\.0\.0\.1:(\d+)/metrics", str(services[name]["healthcheck"]["test"]))
        assert port and params["metrics_port"] == int(port.group(1)), name


def test_each_delivery_channel_has_a_worker(services: dict[str, Any]) -> None:
    channels = {
        parse_clarion_args([str(a) for a in services[n]["command"]])["channel"]
        for n in CONSUMERS
        if n.startswith("delivery-")
    }
    assert channels == set(typing.get_args(ChannelName))


@pytest.mark.parametrize("name", CLARION_SERVICES)
def test_environment_is_valid_clarion_settings(services: dict[str, Any], name: str) -> None:
    env = {k: _substitute(v) for k, v in services[name]["environment"].items()}
    for key in env:
        if key.startswith("CLARION_"):
            settings_field(key)
    settings = load_settings(environ=env)
    assert settings.kafka.bootstrap_servers == ("kafka:9092",)
    assert settings.cassandra.contact_points == ("cassandra",)
    assert settings.redis.url == "redis://redis:6379/0"


def test_every_service_has_a_healthcheck_and_waits_for_healthy_dependencies(
    services: dict[str, Any],
) -> None:
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services and dependency != name, (name, dependency)
            assert condition == {"condition": "service_healthy"}, (name, dependency)
    # Delivery workers and the API start after the dispatcher has created topics and tables.
    for name in (*CONSUMERS[2:], "api"):
        assert "dispatcher" in services[name]["depends_on"], name


def test_airflow_mounts_the_repository_dags(services: dict[str, Any]) -> None:
    airflow = services["airflow"]
    mounts = dict(volume.split(":")[:2] for volume in airflow["volumes"])
    assert (COMPOSE.parent / mounts["../dags"]).name == "dags"
    assert airflow["environment"]["AIRFLOW__CORE__DAGS_FOLDER"] == mounts["../dags"]


def test_dockerfile_pins_python_311_java_17_and_the_constraints() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"python:3\.11-slim", text)
    assert "openjdk-17-jre-headless" in text
    assert "pip install -c infra/constraints.txt ." in text
    root = INFRA.parent
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, flags=re.MULTILINE):
        sources = [s for s in line.split()[:-1] if not s.startswith("--")]
        for source in sources:
            assert (root / source).exists(), f"Dockerfile copies a missing {source}"
