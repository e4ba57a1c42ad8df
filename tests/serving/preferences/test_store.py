"""The preference store contract, in memory and on the real Redis, and the codec round trip."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from serving.preferences import (
    InMemoryPreferenceStore,
    PreferenceError,
    Preferences,
    PreferenceStore,
    PreferencesUpdate,
    RedisPreferenceStore,
    preference_key,
)
from serving.preferences.codec import decode_fields, encode_preferences
from tests.fixtures.stack import unique_name

T0 = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> Iterator[PreferenceStore]:
    if request.param == "memory":
        yield InMemoryPreferenceStore()
        return
    client: redis.Redis = request.getfixturevalue("redis_client")
    prefix = unique_name("prefs")
    with RedisPreferenceStore(client, key_prefix=prefix) as built:
        yield built
    keys = list(client.scan_iter(match=f"{prefix}:*", count=10_000))
    if keys:
        client.delete(*keys)


def test_nothing_stored_reads_none(store: PreferenceStore) -> None:
    assert store.get("u1") is None
    assert store.get_many(["u1", "u2"]) == {}


def test_partial_updates_merge_and_keep_other_fields(store: PreferenceStore) -> None:
    store.update(
        "u1",
        PreferencesUpdate(
            consent={"email": True, "push": False},
            contacts={"email": "u1@example.com"},
            timezone="Europe/Paris",
            locale="fr-FR",
        ),
        at=T0,
    )
    after = store.update("u1", PreferencesUpdate(consent={"push": True}), at=T0)
    assert after.consent == {"email": True, "push": True}
    assert after.contacts == {"email": "u1@example.com"}
    assert (after.timezone, after.locale, after.opted_out) == ("Europe/Paris", "fr-FR", False)
    assert store.get("u1") == after


def test_contact_removed_by_null_and_caps_cleared_only_when_given(store: PreferenceStore) -> None:
    caps = [{"window": "24h", "limit": 1}]
    store.update(
        "u1", PreferencesUpdate.model_validate({"contacts": {"sms": "+1555"}, "cap_override": caps})
    )
    kept = store.update("u1", PreferencesUpdate(opted_out=True))
    assert kept.cap_override is not None and kept.cap_override[0].window == timedelta(days=1)
    cleared = store.update(
        "u1", PreferencesUpdate.model_validate({"contacts": {"sms": None}, "cap_override": None})
    )
    assert cleared.cap_override is None and cleared.contacts == {} and cleared.opted_out


def test_put_many_replaces_whole_records(store: PreferenceStore) -> None:
    store.update("u1", PreferencesUpdate(consent={"sms": True}))
    n = store.put_many(Preferences(user_id=f"u{i}", consent={"email": True}) for i in range(3))
    assert n == 3
    got = store.get_many(["u0", "u1", "u2", "u3"])
    assert sorted(got) == ["u0", "u1", "u2"]
    assert got["u1"].consent == {"email": True}
    store.delete("u1")
    assert store.get("u1") is None


def test_key_is_cluster_safe_and_refuses_braces() -> None:
    assert preference_key("p", "u9") == "p:prefs:{u9}"
    with pytest.raises(PreferenceError, match="hash tag"):
        preference_key("p", "u{9}")


@pytest.mark.redis
def test_corrupt_stored_hash_names_the_user(redis_client: redis.Redis) -> None:
    prefix = unique_name("prefs")
    redis_client.hset(preference_key(prefix, "u1"), mapping={"timezone": "Mars/Olympus"})
    try:
        with pytest.raises(PreferenceError, match="'u1'"):
            RedisPreferenceStore(redis_client, key_prefix=prefix).get("u1")
    finally:
        redis_client.delete(preference_key(prefix, "u1"))


channels = st.sampled_from(["email", "push", "sms", "in_app", "webhook"])


@given(
    consent=st.dictionaries(channels, st.booleans()),
    contacts=st.dictionaries(channels, st.text(min_size=1, max_size=20).filter(str.strip)),
    opted_out=st.booleans(),
    limit=st.none() | st.integers(0, 50),
)
def test_codec_round_trips(
    consent: dict[str, bool], contacts: dict[str, str], opted_out: bool, limit: int | None
) -> None:
    prefs = Preferences.model_validate(
        {
            "user_id": "u1",
            "consent": consent,
            "contacts": contacts,
            "opted_out": opted_out,
            "cap_override": None if limit is None else [{"window": "7d", "limit": limit}],
            "updated_at": T0,
        }
    )
    assert decode_fields("u1", encode_preferences(prefs)) == prefs
