"""The conversation lock with Redis (bot/rasa/lock_store.py) holds across processes: two processes that each read, change
and write back one shared value inside the lock, many times at once, lose none of each other's writes."""
from __future__ import annotations

import subprocess
import sys
import uuid

import redis

from scripts.launch import ROOT

REDIS_URL = "redis://127.0.0.1:6379/11"  # db 11 is left to this test
ROUNDS = 150

WORKER = """
import asyncio, os, sys
from bot.rasa.lock_store import LockStoreFromEnvironment
import redis
store, red, key = LockStoreFromEnvironment(), redis.Redis.from_url(os.environ["REDIS_URL"]), sys.argv[1]
async def one_turn():
    async with store.lock("conversation-" + key):
        value = int(red.get(key) or 0)
        await asyncio.sleep(0.001)  # a turn's work between reading the state and writing it back
        red.set(key, value + 1)
async def main():
    for _ in range({rounds}):
        await asyncio.gather(one_turn(), one_turn())
asyncio.run(main())
"""


def test_two_processes_never_hold_one_conversations_lock_at_once():
    key = f"lock-test-{uuid.uuid4().hex[:8]}"
    env = {"REDIS_URL": REDIS_URL, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER.format(rounds=ROUNDS), key], cwd=ROOT, env=env)
               for _ in range(2)]
    assert [worker.wait(timeout=300) for worker in workers] == [0, 0]
    red = redis.Redis.from_url(REDIS_URL)
    assert int(red.get(key)) == 2 * 2 * ROUNDS  # every read-change-write kept
    red.delete(key)


def test_turns_are_served_in_the_order_they_came_and_a_dead_holder_is_passed_over_after_its_lifetime():
    import asyncio
    import time

    from bot.rasa.lock_store import RedisTicketQueue

    red = redis.Redis.from_url(REDIS_URL)
    queue = RedisTicketQueue(red, f"lock-test-queue-{uuid.uuid4().hex[:8]}", lifetime=1)
    dead = queue.join()  # a turn whose process died while it held the lock: it never leaves
    served = []

    async def turn(name: str) -> None:
        ticket = queue.join()
        await queue.wait_for_turn(ticket)
        served.append((name, time.monotonic()))
        await asyncio.sleep(0.02)
        queue.leave(ticket)

    async def main() -> float:
        started = time.monotonic()
        tasks = []
        for name in ("first", "second", "third"):
            tasks.append(asyncio.ensure_future(turn(name)))
            await asyncio.sleep(0.01)  # joined in this order
        await asyncio.gather(*tasks)
        return started

    started = asyncio.run(main())
    assert [name for name, _ in served] == ["first", "second", "third"]
    assert served[0][1] - started >= 0.9  # waited for the dead turn's key to expire (1 s), not forever
    assert red.zrank(queue.key, str(dead)) is None
