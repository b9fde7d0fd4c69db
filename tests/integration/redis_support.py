"""Real Redis for the tests (imported, not a conftest): PITLANE_TEST_REDIS_URL (default
redis://127.0.0.1:6379/2; set it empty to skip on purpose), a fresh key prefix per test so
parallel runs never share a channel or a key, and a way to kill a client's connections."""

from __future__ import annotations

import functools
import os
import uuid

import redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"


def redis_test_url() -> str:
    return os.environ.get("PITLANE_TEST_REDIS_URL", DEFAULT_REDIS_URL)


@functools.lru_cache(maxsize=1)
def redis_unavailable() -> str | None:
    """Why the Redis tests cannot run, or None when the server answers."""
    url = redis_test_url()
    if not url:
        return "PITLANE_TEST_REDIS_URL is empty: Redis tests disabled"
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
            client.ping()
    except redis.RedisError as exc:
        return f"Redis unreachable at {url}: {type(exc).__name__}: {exc}"
    return None


def unique_prefix() -> str:
    return f"pitlane-test-{uuid.uuid4().hex[:12]}:"


def kill_clients(name: str) -> int:
    """CLIENT KILL every connection named `name` (what a network cut does); how many."""
    with redis.Redis.from_url(redis_test_url(), decode_responses=True) as client:
        ids = [c["id"] for c in client.client_list() if c.get("name") == name]
        for client_id in ids:
            client.client_kill_filter(_id=client_id)
    return len(ids)
