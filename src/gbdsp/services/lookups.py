"""Read-mostly reference data kept in memory by long-running processes (the gateway)."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from gbdsp.domain.products import CplKey, CplStatus
from gbdsp.store.store import Store


class CplStatusLookup(Protocol):
    """What handlers ask of the CPL: the gateway's versioned cache (gateway/caches.py), or
    a `CplLookup` for the demo and the simulator."""

    def status(self, key: CplKey) -> CplStatus | None: ...


class CplLookup:
    """CPL status by key, reloaded at most every `ttl` seconds.

    The CPL is small (thousands of rows) and changes by import, rarely; looking each device's
    entry up per request was most of an 8.2's cost. A change shows within `ttl`.
    """

    def __init__(self, store: Store, ttl: float = 30.0) -> None:
        self._store = store
        self._ttl = ttl
        self._loaded_at = float("-inf")
        self._statuses: dict[CplKey, CplStatus] = {}
        self._lock = threading.Lock()

    def status(self, key: CplKey) -> CplStatus | None:
        if time.monotonic() - self._loaded_at > self._ttl:
            self._reload()
        return self._statuses.get(key)

    def _reload(self) -> None:
        with self._lock:
            if time.monotonic() - self._loaded_at <= self._ttl:
                return  # another thread just did it
            with self._store.read() as tx:
                self._statuses = {e.key: e.status for e in tx.cpl.all()}
            self._loaded_at = time.monotonic()
