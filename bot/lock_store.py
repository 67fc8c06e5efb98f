"""The lock store, chosen by the environment: Rasa's Redis lock store when REDIS_URL is set, its in-memory one
otherwise (the embedded default: one Rasa process).

The lock makes the messages of one conversation wait for each other. Rasa takes more than one Sanic worker
(SANIC_WORKERS) only with a lock store other than the in-memory one; the workers are separate processes, so
the lock must live in Redis then - with the in-memory store each worker would hold its own, and two
messages of one conversation could be handled at once and overwrite each other's state. This store refuses
to start in that case instead."""
from __future__ import annotations

import os
from typing import Any, Optional, Text
from urllib.parse import urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore


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
