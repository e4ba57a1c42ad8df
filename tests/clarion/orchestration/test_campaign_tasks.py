"""Planning a campaign run: which gold day it waits for, its run id, conf overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clarion.orchestration.campaign_tasks import attribution_closes_at, plan_run, run_id_of
from marketing.campaigns import Campaign
from tests.marketing.campaigns.conftest import VALID

# VALID's schedule is in Europe/Paris: 23:30 UTC on 30 Nov is already 1 Dec there.
SEND = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
RUN = "scheduled__2026-11-30T23:30:00+00:00"


@pytest.fixture
def campaign() -> Campaign:
    return Campaign.model_validate(VALID)


def test_the_run_waits_for_the_gold_day_before_the_local_send_day(campaign: Campaign) -> None:
    assert plan_run(campaign, dag_run_id=RUN, send_time=SEND, gold_days=[]) is None
    assert plan_run(campaign, dag_run_id=RUN, send_time=SEND, gold_days=["2026-11-29"]) is None
    plan = plan_run(campaign, dag_run_id=RUN, send_time=SEND, gold_days=["2026-11-30"])
    assert plan == {
        "run_id": "scheduled__2026-11-30T23_30_00_00_00",
        "as_of": "2026-11-30",
        "sent_at": "2026-11-30T23:30:00+00:00",
    }


def test_conf_pins_the_day_and_the_send_time(campaign: Campaign) -> None:
    conf = {"as_of": "2026-11-02", "sent_at": "2026-11-03T10:00:00"}
    plan = plan_run(campaign, dag_run_id="manual__x", send_time=SEND, gold_days=[], conf=conf)
    assert plan == {
        "run_id": "manual__x",
        "as_of": "2026-11-02",
        "sent_at": "2026-11-03T10:00:00+00:00",
    }
    assert attribution_closes_at(campaign, plan) == datetime(2026, 11, 10, 10, tzinfo=UTC)


def test_run_ids_are_path_safe_and_stable() -> None:
    assert run_id_of(RUN) == run_id_of(RUN)
    assert "/" not in run_id_of("manual__2026/11/30 x'y") and "'" not in run_id_of("a'b")
    assert timedelta(days=7) == Campaign.model_validate(VALID).attribution.window
