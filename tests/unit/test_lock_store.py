"""The lock store chosen by the environment (bot/rasa/lock_store.py)."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from bot.rasa.lock_store import WAIT_SECONDS, LockStoreFromEnvironment, redis_lock_store

LOCAL_REDIS = "redis://127.0.0.1:6379/15"  # runs on these machines; db 15 is left to the tests


def test_one_process_without_redis_uses_the_in_memory_lock(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "1")
    assert isinstance(LockStoreFromEnvironment().store, InMemoryLockStore)


def test_a_turn_that_finds_its_conversation_busy_tries_again_soon_and_goes_second(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "1")
    store, order, waits = LockStoreFromEnvironment(), [], []
    real_sleep = asyncio.sleep

    async def recorded_sleep(seconds, *args):
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("rasa.core.lock_store.asyncio.sleep", recorded_sleep)

    async def turn(name, release=None):
        async with store.lock("patient-1"):
            order.append(name)
            if release is not None:
                await release.wait()

    async def both():
        release = asyncio.Event()
        first = asyncio.ensure_future(turn("first", release))
        await real_sleep(0)
        second = asyncio.ensure_future(turn("second"))
        for _ in range(3):
            await real_sleep(0)
        release.set()
        await asyncio.gather(first, second)

    asyncio.run(both())
    assert order == ["first", "second"]
    assert waits and set(waits) == {WAIT_SECONDS}


def test_several_workers_without_redis_are_refused(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="needs REDIS_URL"):
        LockStoreFromEnvironment()


def test_the_redis_url_is_read_whole():
    store = redis_lock_store("rediss://user:secret@cache.example:6380/3")
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == ("cache.example", 6380, 3, "secret")
    assert redis_lock_store("redis://127.0.0.1").red.connection_pool.connection_kwargs["db"] == 1  # Rasa's default
    with pytest.raises(ValueError, match="redis://"):
        redis_lock_store("localhost:6379")


@pytest.mark.redis
def test_two_workers_share_the_lock_of_a_conversation(monkeypatch):
    monkeypatch.setenv("REDIS_URL", LOCAL_REDIS)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    worker_a, worker_b = LockStoreFromEnvironment(), LockStoreFromEnvironment()
    assert isinstance(worker_a.store, RedisLockStore)
    conversation = f"test-{uuid.uuid4().hex}"
    first = worker_a.issue_ticket(conversation)
    second = worker_b.issue_ticket(conversation)  # waits behind the first, though asked in another process
    assert second == first + 1
    assert worker_b.get_lock(conversation).is_locked(second)
    worker_a.finish_serving(conversation, first)
    assert not worker_b.get_lock(conversation).is_locked(second)
    worker_b.cleanup(conversation, second)  # nobody waits any more: the lock is deleted, for both
    assert worker_a.get_lock(conversation) is None
