"""Replay protection: remember each ``jti`` or ticket until it expires; a second use is refused.

A store's one operation, ``add``, is atomic: it records the key and returns True, or returns
False when the key is already recorded and not yet expired. Keys are hashed before storage,
so a store never holds a token secret. Stores never evict live entries (that would re-open
replay); a full in-memory store refuses new keys instead.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from trustkit.exceptions import TrustkitError

__all__ = ["MemoryReplayStore", "ReplayStore", "ReplayStoreFull", "SQLiteReplayStore"]


class ReplayStoreFull(TrustkitError):
    """The replay store holds its maximum number of live entries."""


class ReplayStore(Protocol):
    def add(self, key: str, expires_at: float, *, now: float) -> bool:
        """Record ``key`` until ``expires_at``; False if it is already recorded and live."""
        ...


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class MemoryReplayStore:
    """A thread-safe in-process store (one process; lost on restart)."""

    def __init__(self, max_entries: int = 1_000_000) -> None:
        self._entries: dict[str, float] = {}
        self._lock = threading.Lock()
        self._max = max_entries
        self._next_purge = 0.0

    def add(self, key: str, expires_at: float, *, now: float) -> bool:
        digest = _digest(key)
        with self._lock:
            if now >= self._next_purge or len(self._entries) >= self._max:
                self._purge(now)
            seen = self._entries.get(digest)
            if seen is not None and seen > now:
                return False
            if len(self._entries) >= self._max:
                raise ReplayStoreFull(f"replay store holds {self._max} live entries")
            self._entries[digest] = expires_at
            return True

    def _purge(self, now: float) -> None:
        self._entries = {k: exp for k, exp in self._entries.items() if exp > now}
        self._next_purge = now + 60.0

    def __len__(self) -> int:
        return len(self._entries)


class SQLiteReplayStore:
    """A store in an SQLite file, shared by processes on one host; survives restarts."""

    def __init__(self, path: str | Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS replay (key TEXT PRIMARY KEY, expires REAL NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS replay_expires ON replay (expires)")

    def add(self, key: str, expires_at: float, *, now: float) -> bool:
        digest = _digest(key)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM replay WHERE key = ? AND expires <= ?", (digest, now))
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO replay (key, expires) VALUES (?, ?)",
                    (digest, expires_at),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return cursor.rowcount == 1

    def purge(self, now: float) -> int:
        """Drop expired entries; returns how many were removed."""
        with self._lock:
            return self._db.execute("DELETE FROM replay WHERE expires <= ?", (now,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
