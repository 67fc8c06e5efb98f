"""The lock store, chosen by the environment: Rasa's Redis lock store when REDIS_URL is set, its in-memory one
otherwise (the embedded default: one Rasa process).

The lock makes the messages of one conversation wait for each other. Rasa takes more than one Sanic worker
(SANIC_WORKERS) only with a lock store other than the in-memory one; the workers are separate processes, so
the lock must live in Redis then - with the in-memory store each worker would hold its own, and two
messages of one conversation could be handled at once and overwrite each other's state. This store refuses
to start in that case instead.

Rasa's own Redis lock store keeps each conversation's tickets in one Redis value that every process reads, changes
and writes back (issuing a ticket, waiting, finishing): two processes doing so at once overwrite each other, a
waiting turn's ticket vanishes, and it fails with "Could not acquire lock" (the soak of the replicated layout lost
one or two turns in 6,000 that way, 2026-12-02). With Redis, the lock is therefore redis-py's own lock instead (one
key set only if absent, released only by its holder, atomic in Redis): one turn of a conversation at a time across
every process, and a lock whose holder died frees itself after its lifetime. Waiting turns take it in no guaranteed
order (one patient's messages arrive one after the other, except after the guard answered in a turn's place)."""
from __future__ import annotations

import asyncio
import logging
import os
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text
from urllib.parse import urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore

from redis.exceptions import LockError as RedisLockError

logger = logging.getLogger(__name__)
WAIT_SECONDS = 0.05  # between tries for a conversation's lock


class LockStoreFromEnvironment(LockStore):
    def __init__(self, endpoint_config: Any = None) -> None:
        url = os.environ.get("REDIS_URL", "").strip()
        workers = os.environ.get("SANIC_WORKERS", "1").strip() or "1"
        if url:
            self.store: LockStore = redis_lock_store(url)
        elif workers != "1":
            raise ValueError(f"SANIC_WORKERS={workers} needs REDIS_URL: the workers are separate processes and "
                             "must share the lock of each conversation (e.g. REDIS_URL=redis://localhost:6379/1)")
        else:
            self.store = InMemoryLockStore()

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[None, None]:
        if not isinstance(self.store, RedisLockStore):  # one process: Rasa's in-memory ticket lock is safe
            async with self.store.lock(conversation_id, lock_lifetime, wait_time_in_seconds) as held:
                yield held
            return
        lock = self.store.red.lock(f"{self.store.key_prefix}atomic:{conversation_id}", timeout=lock_lifetime)
        deadline = time.monotonic() + 2 * lock_lifetime  # a dead holder's lock expires after one lifetime
        while not lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(WAIT_SECONDS)
        try:
            yield None
        finally:
            try:
                lock.release()
            except RedisLockError:  # it outlived its lifetime, and another turn may hold it now: not ours to free
                logger.warning("a turn held its conversation's lock longer than its lifetime (%s s)", lock_lifetime)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self.store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.store.save_lock(lock)


def redis_lock_store(url: str) -> RedisLockStore:
    """redis://[:password@]host[:port][/db] or rediss:// (TLS); db 1 when none is given, as Rasa's default."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise ValueError("REDIS_URL must look like redis://host:6379/1 (or rediss:// for TLS)")
    database = parsed.path.strip("/")
    return RedisLockStore(host=parsed.hostname, port=parsed.port or 6379, db=int(database) if database else 1,
                          username=parsed.username or None, password=parsed.password or None,
                          use_ssl=parsed.scheme == "rediss")
