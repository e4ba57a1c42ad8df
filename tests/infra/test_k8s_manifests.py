"""infra/k8s/ manifests agree with Clarion's settings and CLI, and with each other.

No cluster here: every manifest is loaded as data and checked for kinds, names,
the Clarion image, command lines that parse, CLARION_* names that reach a
settings field, probes on declared ports, autoscaling bounded by the partitions.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest

from clarion.settings import load_settings
from serving.delivery.cli import ChannelName
from tests.infra.contract import (
    INFRA,
    environment_names,
    load_documents,
    parse_clarion_args,
    settings_field,
)

K8S = INFRA / "k8s"
CONSUMERS = {
    "speed-layer",
    "dispatcher",
    *(f"delivery-{c.replace('_', '-')}" for c in typing.get_args(ChannelName)),
}
WORKLOADS = {*CONSUMERS, "api"}


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    (kustomization,) = load_documents(K8S / "kustomization.yaml")
    return [doc for name in kustomization["resources"] for doc in load_documents(K8S / name)]


def _by_kind(manifests: list[dict[str, Any]], *kinds: str) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] in kinds}


@pytest.fixture(scope="module")
def workloads(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return _by_kind(manifests, "Deployment", "StatefulSet")


def test_kustomization_lists_every_manifest_file() -> None:
    (kustomization,) = load_documents(K8S / "kustomization.yaml")
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)


def test_kinds_and_unique_names(manifests: list[dict[str, Any]]) -> None:
    kinds = {m["kind"] for m in manifests}
    assert {"Deployment", "StatefulSet", "ConfigMap", "Secret", "HorizontalPodAutoscaler"} <= kinds
    assert "PodDisruptionBudget" in kinds
    keys = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert len(keys) == len(set(keys))
    assert not any(m["kind"] in {"Kafka", "CassandraDatacenter"} for m in manifests)


def test_every_clarion_deployable_is_there(workloads: dict[str, dict[str, Any]]) -> None:
    assert set(workloads) == WORKLOADS
    # Transactional consumers keep a stable instance id (the pod name): StatefulSets.
    assert {n for n, w in workloads.items() if w["kind"] == "StatefulSet"} == {
        "speed-layer",
        "dispatcher",
    }


def test_endpoints_are_valid_cluster_settings(manifests: list[dict[str, Any]]) -> None:
    env = {**_by_kind(manifests, "ConfigMap")["clarion-endpoints"]["data"]}
    env.update(_by_kind(manifests, "Secret")["clarion-credentials"]["stringData"])
    for name in env:
        settings_field(name)
    settings = load_settings(environ=env)
    assert settings.profile == "cluster"
    assert settings.spark.master.startswith("k8s://")
    assert settings.redis.cluster_nodes and settings.redis.url is None


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_workload_container(
    manifests: list[dict[str, Any]], workloads: dict[str, dict[str, Any]], name: str
) -> None:
    spec = workloads[name]["spec"]
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    (container,) = spec["template"]["spec"]["containers"]
    assert container["image"].split(":")[0] == "clarion"
    params = parse_clarion_args(container["args"])
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] in ports, (name, probe)
    if name in CONSUMERS:
        assert params["metrics_port"] == ports["metrics"]
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    for env_name in environment_names(container.get("env", [])):
        if env_name.startswith("CLARION_"):
            settings_field(env_name)
    sources = {(kind, ref["name"]) for item in container["envFrom"] for kind, ref in item.items()}
    assert sources == {("configMapRef", "clarion-endpoints"), ("secretRef", "clarion-credentials")}
    known = {(m["kind"], m["metadata"]["name"]) for m in manifests}
    assert {("ConfigMap", "clarion-endpoints"), ("Secret", "clarion-credentials")} <= known


def test_each_delivery_channel_has_a_worker(workloads: dict[str, dict[str, Any]]) -> None:
    channels = {
        parse_clarion_args(w["spec"]["template"]["spec"]["containers"][0]["args"]).get("channel")
        for w in workloads.values()
    }
    assert set(typing.get_args(ChannelName)) <= channels


def test_autoscalers_target_consumers_up_to_the_partition_count(
    manifests: list[dict[str, Any]], workloads: dict[str, dict[str, Any]]
) -> None:
    partitions = int(
        _by_kind(manifests, "ConfigMap")["clarion-endpoints"]["data"]["CLARION_KAFKA__PARTITIONS"]
    )
    autoscalers = _by_kind(manifests, "HorizontalPodAutoscaler")
    assert autoscalers
    for hpa in autoscalers.values():
        target = hpa["spec"]["scaleTargetRef"]
        assert target["name"] in CONSUMERS and workloads[target["name"]]["kind"] == target["kind"]
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions


def test_every_workload_has_one_disruption_budget(
    manifests: list[dict[str, Any]], workloads: dict[str, dict[str, Any]]
) -> None:
    covered = []
    for pdb in _by_kind(manifests, "PodDisruptionBudget").values():
        selector = pdb["spec"]["selector"]["matchLabels"].items()
        covered += [
            n
            for n, w in workloads.items()
            if selector <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
    assert sorted(covered) == sorted(WORKLOADS)
