"""A bounded, thread-safe cache of issuer keys with precomputed verification tables.

Verifiers see few issuer keys and many signatures. A cached key holds its validated point, a
148 KiB fixed-base table (verification then needs no doublings) and Z_A per ID. The cache is an
LRU whose accounted size never exceeds ``max_bytes``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from trustkit import _sm2
from trustkit.exceptions import InvalidKey

__all__ = ["DEFAULT_CACHE_BYTES", "ENTRY_BYTES", "VerifierCache", "default_cache"]

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
#: Accounted size of one cached key: the table plus object overhead (measured, rounded up).
ENTRY_BYTES = _sm2.COMB_TABLE_BYTES + 1024
_ZA_PER_KEY = 8


class _Entry:
    __slots__ = ("core", "za")

    def __init__(self, core: _sm2.PublicCore) -> None:
        self.core = core
        self.za: dict[bytes, bytes] = {}


class VerifierCache:
    """LRU of ``point -> precomputed key``; safe to share between threads."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be non-negative")
        self._max_entries = max_bytes // ENTRY_BYTES
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    @property
    def max_bytes(self) -> int:
        return self._max_entries * ENTRY_BYTES

    @property
    def memory_bytes(self) -> int:
        """Accounted memory of the cached tables; never above ``max_bytes``."""
        return len(self._entries) * ENTRY_BYTES

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, point: object) -> bool:
        return point in self._entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def lookup(self, point: bytes) -> _sm2.PublicCore | None:
        """The cached core for a 64-byte X‖Y point, or None; refreshes its LRU position."""
        with self._lock:
            entry = self._entries.get(point)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(point)
            self.hits += 1
            return entry.core

    def get(self, point: bytes) -> _sm2.PublicCore:
        """The cached core for ``point``, building and inserting its table on a miss.

        The point is validated before any table is built (InvalidKey otherwise). When the cap
        allows no entry at all, an uncached core without a table is returned.
        """
        core = self.lookup(point)
        if core is not None:
            return core
        try:
            core = _sm2.PublicCore(point)
        except (ValueError, TypeError) as exc:
            raise InvalidKey(f"invalid SM2 public key: {exc}") from None
        if self._max_entries == 0:
            return core
        core.precompute()  # outside the lock; the build releases the GIL
        with self._lock:
            existing = self._entries.get(point)
            if existing is not None:
                return existing.core
            self._entries[point] = _Entry(core)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
                self.evictions += 1
        return core

    def z_a(self, point: bytes, uid: bytes) -> bytes:
        """Z_A for a cached (or uncached) point and ID, cached with the entry."""
        entry = self._entries.get(point)
        if entry is not None:
            za = entry.za.get(uid)
            if za is None:
                if len(entry.za) >= _ZA_PER_KEY:  # bounded: callers may pass arbitrary IDs
                    entry.za.clear()
                za = entry.za[uid] = entry.core.za(uid)
            return za
        return _sm2.PublicCore(point).za(uid)


_default: VerifierCache | None = None
_default_lock = threading.Lock()


def default_cache() -> VerifierCache:
    """The process-wide cache used when a caller passes none (each worker process has its own)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = VerifierCache()
    return _default
