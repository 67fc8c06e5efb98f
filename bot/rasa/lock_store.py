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
one or two turns in 6,000 that way, 2026-12-02). With Redis the tickets are therefore kept with Redis's own atomic
commands: a turn takes a number (INCR) and joins the conversation's queue (a sorted set, by number); it is served
when it is first in the queue, and leaves the queue when done. Each turn keeps a key alive while it waits or is
served: when its process dies, the key expires after the lock's lifetime and the next turn goes on. First come,
first served, across every process: one patient's messages are handled in the order they were sent."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text
from urllib.parse import urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore

from bot.settings import settings

WAIT_SECONDS = 0.05  # between tries for a conversation's lock


class LockStoreFromEnvironment(LockStore):
    def __init__(self, endpoint_config: Any = None) -> None:
        url, workers = settings().redis_url.strip(), settings().sanic_workers
        if url:
            self.store: LockStore = redis_lock_store(url)
        elif workers != 1:
            raise ValueError(f"SANIC_WORKERS={workers} needs REDIS_URL: the workers are separate processes and "
                             "must share the lock of each conversation (e.g. REDIS_URL=redis://localhost:6379/1)")
        else:
            self.store = InMemoryLockStore()

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[None, None]:
        if not isinstance(self.store, RedisLockStore):  # one process: Rasa's in-memory ticket lock is safe
            # Rasa tries again after a whole second by default. The guard stores its own replies (the disclaimer of
            # a first turn) under the lock just after the reply is sent, so a patient's next message can find the
            # conversation busy for a few milliseconds - and waited a second (make bench: p95 1.1 s at 10
            # conversations against a p50 of 79 ms, with one worker; the Redis queue below tries every 50 ms)
            async with self.store.lock(conversation_id, lock_lifetime, min(wait_time_in_seconds, WAIT_SECONDS)) as held:
                yield held
            return
        queue = RedisTicketQueue(self.store.red, f"{self.store.key_prefix}queue:{conversation_id}", lock_lifetime)
        ticket = queue.join()
        try:
            await queue.wait_for_turn(ticket)
            yield None
        finally:
            queue.leave(ticket)

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


class RedisTicketQueue:
    """One conversation's turns, first come first served, with atomic Redis commands only (see the module's
    docstring). `alive:<ticket>` lives `lifetime` seconds and is renewed while its turn waits; a turn that holds the
    lock longer than that (or whose process died) is passed over."""

    def __init__(self, red: Any, key: str, lifetime: float) -> None:
        self.red, self.key, self.lifetime = red, key, max(1, int(lifetime))

    def _alive(self, ticket: int) -> str:
        return f"{self.key}:alive:{ticket}"

    def join(self) -> int:
        ticket = int(self.red.incr(f"{self.key}:issued"))
        self.red.set(self._alive(ticket), 1, ex=self.lifetime)
        self.red.zadd(self.key, {str(ticket): ticket})
        self.red.expire(self.key, 10 * self.lifetime)
        self.red.expire(f"{self.key}:issued", 10 * self.lifetime)
        return ticket

    async def wait_for_turn(self, ticket: int) -> None:
        while True:
            first = self.red.zrange(self.key, 0, 0)
            if not first:  # the queue expired under us (a wait of ten lifetimes): join it again
                self.red.zadd(self.key, {str(ticket): ticket})
                continue
            head = int(first[0])
            if head == ticket:
                self.red.set(self._alive(ticket), 1, ex=self.lifetime)  # served: a full lifetime from now
                return
            if not self.red.exists(self._alive(head)):  # its process died, or it outlived its lifetime
                self.red.zrem(self.key, str(head))
                continue
            self.red.set(self._alive(ticket), 1, ex=self.lifetime)
            await asyncio.sleep(WAIT_SECONDS)

    def leave(self, ticket: int) -> None:
        self.red.zrem(self.key, str(ticket))
        self.red.delete(self._alive(ticket))
