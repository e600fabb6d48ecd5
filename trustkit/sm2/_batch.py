"""Bulk SM2 verification: one call into native code per batch, per-item verdicts.

``verify_many`` never raises because one item is bad: a malformed signature, key or message is
just ``False``. ``verify_many_strict`` raises on the first failure and names its index and reason.
With an ``executor`` (a local process pool, or a Dask cluster's ``client.get_executor()``) the
batch is cut into chunks that carry bytes only; every worker process keeps its own key cache.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from typing import Any, TypeAlias

from trustkit import _sm2
from trustkit.exceptions import InvalidSignature
from trustkit.sm2._cache import VerifierCache, default_cache
from trustkit.sm2._curve import DEFAULT_UID
from trustkit.sm2._keys import SM2PublicKey, _check_uid

__all__ = [
    "BatchVerificationError",
    "verify_many",
    "verify_many_digest",
    "verify_many_strict",
]

#: A public key as an object, SPKI DER, or an encoded point (04‖X‖Y).
KeyLike: TypeAlias = SM2PublicKey | bytes
Item: TypeAlias = tuple[KeyLike, bytes, bytes]

#: Build a table for a key not yet cached once it has this many items in one batch
#: (a table costs about as much as 30 verifications without one).
TABLE_THRESHOLD = 32
DEFAULT_CHUNK = 4096

_VALID, _INVALID, _MALFORMED, _UNUSABLE = 1, 0, 2, 3
_REASONS = {_INVALID: "bad-signature", _MALFORMED: "malformed-signature", _UNUSABLE: "bad-item"}


class BatchVerificationError(InvalidSignature):
    """Raised by ``verify_many_strict``: item ``index`` failed for ``reason``."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"batch item {index} failed verification: {reason}")
        self.index = index
        self.reason = reason


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def _point_of(key: object) -> bytes | None:
    """64-byte X‖Y of a key given as an object, SPKI DER or an encoded point; None if invalid."""
    if isinstance(key, SM2PublicKey):
        return key._core.point()
    if not isinstance(key, bytes | bytearray | memoryview):
        return None
    data = bytes(key)
    try:
        if data[:1] in (b"\x02", b"\x03", b"\x04", b"\x06", b"\x07"):
            return SM2PublicKey.from_encoded_point(data)._core.point()
        from trustkit.sm2._serialization import load_der_public_key

        return load_der_public_key(data)._core.point()
    except Exception:  # any unusable key is just a failed item
        return None


def _resolve_keys(
    seq: Sequence[Any], cache: VerifierCache, uid: bytes | None
) -> dict[int, tuple[_sm2.PublicCore, bytes | None]]:
    """Map id(key) of every well-shaped item to (native core, Z_A or None).

    Keys with many items in the batch, or already cached, get the cache's precomputed table;
    invalid keys are left out, so their items come back as unusable.
    """
    shaped = [item[0] for item in seq if type(item) is tuple and len(item) == 3]
    per_id = Counter(map(id, shaped))
    key_by_id = {id(key): key for key in shaped}
    point_by_id = {i: _point_of(key) for i, key in key_by_id.items()}
    per_point: Counter[bytes] = Counter()
    for i, point in point_by_id.items():
        if point is not None:
            per_point[point] += per_id[i]
    resolved = {point: _core_for(point, n, cache, uid) for point, n in per_point.items()}
    return {i: resolved[p] for i, p in point_by_id.items() if p is not None}


def _core_for(
    point: bytes, count: int, cache: VerifierCache, uid: bytes | None
) -> tuple[_sm2.PublicCore, bytes | None]:
    core = cache.lookup(point)
    if core is None and count >= TABLE_THRESHOLD:
        core = cache.get(point)
    if core is None:
        core = _sm2.PublicCore(point)
        return core, core.za(uid) if uid is not None else None
    return core, cache.z_a(point, uid) if uid is not None else None


def _as_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return None


def _retry_buffers(seq: Sequence[Any], codes: bytes, keymap: dict[int, Any], threads: int) -> bytes:
    """Second pass for items whose signature or message came as bytearray/memoryview."""
    redo: list[tuple[int, tuple[Any, bytes, bytes]]] = []
    for index, code in enumerate(codes):
        if code != _UNUSABLE:
            continue
        item = seq[index]
        if type(item) is tuple and len(item) == 3 and id(item[0]) in keymap:
            sig, msg = _as_bytes(item[1]), _as_bytes(item[2])
            if sig is not None and msg is not None:
                redo.append((index, (item[0], sig, msg)))
    if not redo:
        return codes
    again = _sm2.verify_items([item for _, item in redo], keymap, threads=threads)
    fixed = bytearray(codes)
    for (index, _), code in zip(redo, again, strict=True):
        fixed[index] = code
    return bytes(fixed)


def _verify_codes(
    items: Sequence[Any],
    *,
    uid: bytes | None,
    workers: int | None,
    cache: VerifierCache | None,
) -> bytes:
    seq = items if isinstance(items, list | tuple) else list(items)
    keymap = _resolve_keys(seq, cache if cache is not None else default_cache(), uid)
    threads = max(1, workers if workers is not None else _cpu_count())
    codes = _sm2.verify_items(seq, keymap, threads=threads)
    return _retry_buffers(seq, codes, keymap, threads)


def _spki(key: object) -> bytes | None:
    if isinstance(key, SM2PublicKey):
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        from trustkit.sm2._serialization import public_key_to_bytes

        return public_key_to_bytes(
            key.public_bytes_raw(), Encoding.DER, PublicFormat.SubjectPublicKeyInfo
        )
    return _as_bytes(key)


def _verify_chunk(rows: list[tuple[bytes | None, bytes, bytes]], uid: bytes | None) -> bytes:
    """Worker-side entry point: bytes in, per-item codes out, using this process's cache."""
    return _verify_codes(rows, uid=uid, workers=1, cache=None)


_UNUSABLE_ROW: tuple[None, bytes, bytes] = (None, b"", b"")


def _row(item: Any, spki_of: dict[int, bytes | None]) -> tuple[bytes | None, bytes, bytes]:
    """An item as bytes for another process; anything unusable stays unusable (never b"").

    ``spki_of`` memoises the SPKI DER per key object: a batch reuses a few issuer keys, and
    encoding one costs more than verifying a signature.
    """
    try:
        key, sig, msg = item
    except (TypeError, ValueError):
        return _UNUSABLE_ROW
    if id(key) not in spki_of:
        spki_of[id(key)] = _spki(key)
    spki, sig_b, msg_b = spki_of[id(key)], _as_bytes(sig), _as_bytes(msg)
    if spki is None or sig_b is None or msg_b is None:
        return _UNUSABLE_ROW
    return spki, sig_b, msg_b


def _codes_on_executor(
    items: Sequence[Any], executor: Executor, uid: bytes | None, chunk_size: int
) -> bytes:
    spki_of: dict[int, bytes | None] = {}  # the items keep their keys alive, so ids are stable
    rows = [_row(item, spki_of) for item in items]
    futures = [
        executor.submit(_verify_chunk, rows[i : i + chunk_size], uid)
        for i in range(0, len(rows), chunk_size)
    ]
    return b"".join(f.result() for f in futures)


def _run(
    items: Iterable[Any],
    uid: bytes | None,
    workers: int | None,
    cache: VerifierCache | None,
    executor: Executor | None,
    chunk_size: int,
) -> bytes:
    seq = items if isinstance(items, Sequence) else list(items)
    if executor is not None:
        return _codes_on_executor(seq, executor, uid, max(1, chunk_size))
    return _verify_codes(seq, uid=uid, workers=workers, cache=cache)


def verify_many(
    items: Iterable[Item],
    *,
    uid: bytes = DEFAULT_UID,
    workers: int | None = None,
    cache: VerifierCache | None = None,
    executor: Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[bool]:
    """Verify ``(public_key, der_signature, message)`` items; one verdict per item.

    Keys may be ``SM2PublicKey`` objects, SPKI DER or encoded points. The native loop runs
    without the GIL over ``workers`` threads (default: all cores), or on ``executor``.
    """
    codes = _run(items, _check_uid(uid), workers, cache, executor, chunk_size)
    return [c == _VALID for c in codes]


def verify_many_digest(
    items: Iterable[Item],
    *,
    workers: int | None = None,
    cache: VerifierCache | None = None,
    executor: Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[bool]:
    """Like ``verify_many`` with precomputed 32-byte digests e = SM3(Z_A ‖ M) as messages."""
    codes = _run(items, None, workers, cache, executor, chunk_size)
    return [c == _VALID for c in codes]


def verify_many_strict(
    items: Iterable[Item],
    *,
    uid: bytes = DEFAULT_UID,
    workers: int | None = None,
    cache: VerifierCache | None = None,
    executor: Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> None:
    """Verify every item; raise ``BatchVerificationError`` naming the first failure."""
    codes = _run(items, _check_uid(uid), workers, cache, executor, chunk_size)
    for index, code in enumerate(codes):
        if code != _VALID:
            raise BatchVerificationError(index, _REASONS.get(code, "bad-item"))
