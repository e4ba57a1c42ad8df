"""Properties of decide() over generated inputs, on the in-memory stores."""

from __future__ import annotations

import heapq
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.events import CHANNELS
from serving.dispatch import (
    PRIORITIES,
    Decision,
    DispatchPolicy,
    FrequencyCap,
    Intent,
    LoadSignal,
    QuietHours,
    decide,
    memory_stores,
)
from serving.dispatch.checks import within_quiet_hours

from .builders import CALM, T0, intent, recipient

USERS = ("u1", "u2", "u3")
ZONES = ("America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe", "UTC")

caps_st = st.lists(
    st.builds(
        FrequencyCap,
        window=st.integers(30, 72 * 60).map(lambda m: timedelta(minutes=m)),
        limit=st.integers(0, 4),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda c: c.window,
)

# (minutes since the previous intent, user, priority)
traffic_st = st.lists(
    st.tuples(
        st.integers(0, 600),
        st.sampled_from(USERS),
        st.sampled_from(("marketing", "triggered", "transactional", "risk_alert")),
    ),
    min_size=1,
    max_size=40,
)


def _counted_before(log: list[tuple[datetime, str]], at: datetime, window: timedelta) -> int:
    return sum(1 for stamp, _ in log if at - window < stamp <= at)


@settings(max_examples=150, deadline=None)
@given(caps=caps_st, traffic=traffic_st, with_risk=st.booleans())
def test_caps_hold_in_every_rolling_window_and_capping_is_exact(
    caps: list[FrequencyCap], traffic: list[tuple[int, str, str]], with_risk: bool
) -> None:
    policy = DispatchPolicy(caps=tuple(caps), quiet_hours=None)
    stores = memory_stores()
    counted: dict[str, list[tuple[datetime, str]]] = {u: [] for u in USERS}
    now = T0
    for n, (gap, user, priority) in enumerate(traffic):
        if priority == "risk_alert" and not with_risk:
            priority = "marketing"
        now += timedelta(minutes=gap)
        i = intent(
            intent_id=f"i{n}",
            idempotency_key=f"k{n}",
            user_id=user,
            priority=priority,
            created_at=now,
        )
        d = decide(i, recipient(user_id=user), now=now, policy=policy, stores=stores, load=CALM)
        log = counted[user]
        over = [c for c in caps if _counted_before(log, now, c.window) >= c.limit]
        if priority in ("marketing", "triggered"):
            # capped exactly when an independent recount finds a full window
            assert d.reason == ("frequency_capped" if over else "sent"), (n, d.inputs)
        else:
            assert d.reason == "sent"
        if d.reason == "sent" and priority != "transactional":
            log.append((now, priority))
    if not with_risk:
        # no window anywhere holds more counted sends than its limit
        for log in counted.values():
            for start, _ in log:
                for cap in caps:
                    inside = sum(1 for s, _ in log if start <= s < start + cap.window)
                    assert inside <= cap.limit


@st.composite
def recipients(draw: st.DrawFn, user_id: str = "u1") -> object:
    consent = draw(st.dictionaries(st.sampled_from(CHANNELS), st.booleans()))
    contacts = draw(st.dictionaries(st.sampled_from(CHANNELS), st.sampled_from(["", " ", "x"])))
    return recipient(
        user_id=user_id,
        consent=consent,
        contacts=contacts,
        opted_out=draw(st.booleans()),
        timezone=draw(st.sampled_from(ZONES)),
    )


@settings(max_examples=200, deadline=None)
@given(
    r=recipients(),
    channels=st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=5, unique=True),
    priority=st.sampled_from(PRIORITIES),
    minutes=st.integers(0, 7 * 24 * 60),
    load=st.builds(LoadSignal, queue_depth=st.integers(0, 2 * 10**6)),
)
def test_consent_is_never_bypassed_and_every_decision_round_trips(
    r: object, channels: list[str], priority: str, minutes: int, load: LoadSignal
) -> None:
    now = T0 + timedelta(minutes=minutes)
    i = intent(channels=tuple(channels), priority=priority, created_at=now)
    d = decide(i, r, now=now, policy=DispatchPolicy(), stores=memory_stores(), load=load)  # type: ignore[arg-type]
    usable = [c for c in channels if r.consents_to(c) and r.reachable_on(c)]  # type: ignore[attr-defined]
    if r.opted_out:  # type: ignore[attr-defined]
        assert (d.outcome, d.reason) == ("suppress", "opted_out")
    elif not usable:
        assert d.outcome == "suppress" and d.reason in ("no_consent", "unreachable")
    else:
        assert d.channel == usable[0]
    if d.outcome == "send":
        assert d.channel in usable
    assert Decision.from_json(d.to_json()) == d


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    priority=st.sampled_from(PRIORITIES),
    at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1)),
    start=st.times(),
    end=st.times(),
)
def test_quiet_hours_defer_into_allowed_local_time_strictly_later(
    zone: str, priority: str, at: datetime, start: object, end: object
) -> None:
    if start == end:
        return
    quiet = QuietHours(start=start, end=end)  # type: ignore[arg-type]
    now = at.replace(tzinfo=UTC)
    policy = DispatchPolicy(quiet_hours=quiet, ttl={"marketing": "30d", "triggered": "30d"})
    i = intent(priority=priority, created_at=now)
    d = decide(
        i, recipient(timezone=zone), now=now, policy=policy, stores=memory_stores(), load=CALM
    )
    quiet_now = within_quiet_hours(now, zone=ZoneInfo(zone), window=quiet)
    if priority in ("transactional", "risk_alert") or not quiet_now:
        assert d.reason == "sent"
        return
    assert d.reason == "quiet_hours" and d.deliver_at is not None
    assert d.deliver_at > now
    assert not within_quiet_hours(d.deliver_at, zone=ZoneInfo(zone), window=quiet)


@settings(max_examples=100, deadline=None)
@given(
    submissions=st.lists(
        st.tuples(st.integers(0, 48 * 60), st.integers(0, 5)), min_size=1, max_size=25
    ),
    zone=st.sampled_from(ZONES),
)
def test_every_key_is_sent_exactly_once_through_deferrals_and_replays(
    submissions: list[tuple[int, int]], zone: str
) -> None:
    """A little scheduler re-submits each deferred intent at its deliver_at; replays of the
    same key arrive at random times. Nothing here may suppress, so each key goes out once."""
    policy = DispatchPolicy(
        caps=(),
        rate_limits={"push": {"per_second": 1, "burst": 2}},
        ttl={"marketing": "30d"},
    )
    stores = memory_stores()
    r = recipient(timezone=zone)
    queue: list[tuple[datetime, int, Intent]] = []
    for n, (minute, key) in enumerate(submissions):
        at = T0 + timedelta(minutes=minute)
        i = intent(intent_id=f"i{n}", idempotency_key=f"k{key}", created_at=at)
        heapq.heappush(queue, (at, n, i))
    sent: Counter[str] = Counter()
    steps = 0
    while queue:
        steps += 1
        assert steps < 10_000, "the scheduler never drains"
        at, n, i = heapq.heappop(queue)
        d = decide(i, r, now=at, policy=policy, stores=stores, load=CALM)
        if d.outcome == "defer":
            assert d.deliver_at is not None and d.deliver_at > at
            heapq.heappush(queue, (d.deliver_at, n, i))
        elif d.outcome == "send":
            sent[i.idempotency_key] += 1
        else:
            assert d.reason == "duplicate"
    assert sent == Counter({f"k{key}": 1 for _, key in submissions})
