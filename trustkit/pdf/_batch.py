"""Batches of thousands: ``stamp_many`` and ``verify_many`` with worker processes.

One process per batch and a pool of workers (default: the number of cores), each holding its
own sealer or verifier, made once (spec §17.2 items 4-6). Workers are fed file paths and hold
one document at a time, so memory stays flat. Inputs are only read. Each output is written to a
temporary file in the destination directory, fsynced and renamed over the target, so a crash
leaves either nothing or the complete file; the manifest (``_manifest``) makes a restarted batch
skip finished documents. A document that cannot be stamped or read is reported and skipped.
Progress is shown with tqdm on stderr when asked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Final

from trustkit import sm2, x509
from trustkit.exceptions import TrustkitError
from trustkit.pdf._manifest import Manifest, Record, file_sm3
from trustkit.pdf._placement import Placement
from trustkit.pdf._stamp import PdfSealer, StampOptions
from trustkit.pdf._verify import PdfVerifier
from trustkit.report import Status, combine
from trustkit.seal import DocumentReport
from trustkit.sm3 import sm3

__all__ = ["MANIFEST_NAME", "StampBatch", "VerifyBatch", "VerifyItem", "stamp_many", "verify_many"]

MANIFEST_NAME: Final = "trustkit-manifest.jsonl"
_IN_FLIGHT: Final = 4  # documents queued per worker
_END: Final = object()

_WORKER: dict[str, Any] = {}


@dataclass(frozen=True)
class StampBatch:
    """What a stamping batch did; ``records`` are this run's plus the ones it skipped."""

    records: tuple[Record, ...]
    skipped: int  # finished in an earlier run

    @property
    def done(self) -> int:
        return sum(r.status == "done" for r in self.records)

    @property
    def failed(self) -> tuple[Record, ...]:
        return tuple(r for r in self.records if r.status != "done")

    @property
    def exit_code(self) -> int:
        """0 when every document is stamped, 2 when some could not be (bad input)."""
        return 2 if self.failed else 0

    def summary(self) -> str:
        return (
            f"{len(self.records)} document(s): {self.done} stamped ({self.skipped} already done), "
            f"{len(self.failed)} failed"
        )


def stamp_many(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    seal: bytes,
    key: sm2.SM2PrivateKey,
    cert: x509.Certificate,
    placement: Placement | None = None,
    options: StampOptions | None = None,
    at: datetime | None = None,
    workers: int | None = None,
    manifest: str | Path | None = None,
    progress: bool = False,
) -> StampBatch:
    """Stamp every input into ``out_dir`` (same file names); resumable through the manifest.

    ``at`` is the signing time written into every document (default: each document's own time).
    ``workers`` 0 or 1 runs in this process. Raises only for unusable parameters.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    PdfSealer(seal, key, cert, options)  # fail early on a bad seal, key or certificate
    book = Manifest(Path(manifest) if manifest else out / MANIFEST_NAME)
    jobs, records, skipped = _plan(inputs, out, book)
    config = (seal, key.private_bytes_raw(), cert.der, placement, options, at)
    try:
        for record in _run(jobs, _stamp_init, config, _stamp_one, workers, progress, "stamp"):
            book.append(record)
            records.append(record)
    finally:
        book.close()
    return StampBatch(tuple(records), skipped)


def _plan(
    inputs: Iterable[str | Path], out: Path, book: Manifest
) -> tuple[list[tuple[str, str, str]], list[Record], int]:
    jobs: list[tuple[str, str, str]] = []
    records: list[Record] = []
    targets: set[Path] = set()
    stale = _stale_temporaries(out)  # one directory scan, not one per input
    skipped = 0
    for item in inputs:
        source = Path(item)
        target = out / source.name
        try:
            digest = file_sm3(source)
        except OSError as exc:
            records.append(_failed(str(source), "", "batch.unreadable", exc.strerror or str(exc)))
            continue
        if target.resolve() == source.resolve() or target in targets:
            reason = (
                "the output would overwrite the input"
                if target.resolve() == source.resolve()
                else "two inputs share this file name"
            )
            records.append(_failed(str(source), digest, "batch.output_collision", reason))
            continue
        targets.add(target)
        for temp in stale.get(target.name, ()):
            temp.unlink(missing_ok=True)
        done = book.finished(source, digest)
        if done is not None:
            records.append(done)
            skipped += 1
            continue
        jobs.append((str(source), digest, str(target)))
    return jobs, records, skipped


def _stale_temporaries(out: Path) -> dict[str, list[Path]]:
    """Temporary files an interrupted run left in ``out`` (``.NAME.PID.tmp``), by target name."""
    found: dict[str, list[Path]] = {}
    if not out.is_dir():
        return found
    with os.scandir(out) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith(".") and name.endswith(".tmp") and name.count(".") >= 3:
                target_name, _pid = name[1:-4].rsplit(".", 1)
                found.setdefault(target_name, []).append(Path(entry.path))
    return found


def _failed(source: str, digest: str, reason: str, detail: str) -> Record:
    return Record(source, digest, "failed", reason=reason, detail=detail, time=_now())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _stamp_init(
    seal: bytes, raw_key: bytes, cert_der: bytes, placement: Any, options: Any, at: Any
) -> None:
    key = sm2.SM2PrivateKey.from_private_value(raw_key)
    cert = x509.load_der_certificate(cert_der)
    _WORKER["sealer"] = PdfSealer(seal, key, cert, options)
    _WORKER["placement"] = placement
    _WORKER["at"] = at


def _stamp_one(job: tuple[str, str, str]) -> Record:
    source, digest, target = job
    try:
        data = Path(source).read_bytes()
        if file_digest(data) != digest:
            return _failed(
                source, digest, "batch.input_changed", "the input changed during the batch"
            )
        sealer: PdfSealer = _WORKER["sealer"]
        stamped = sealer.stamp(data, _WORKER["placement"], at=_WORKER["at"])
        _write_atomically(Path(target), stamped)
    except TrustkitError as exc:
        return _failed(source, digest, getattr(exc, "reason", "stamp.failed"), str(exc))
    except OSError as exc:
        return _failed(source, digest, "batch.io_error", exc.strerror or str(exc))
    except Exception as exc:  # one bad document never stops the batch
        return _failed(source, digest, "stamp.internal_error", f"{type(exc).__name__}: {exc}")
    return Record(source, digest, "done", target, file_digest(stamped), time=_now())


def file_digest(data: bytes) -> str:
    return sm3(data).hex()


def _write_atomically(target: Path, data: bytes) -> None:
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


# -- verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyItem:
    path: str
    report: DocumentReport | None
    error: str = ""  # why the file could not be verified at all
    outcome: Status | None = None  # kept when the full report was dropped (keep_reports=False)

    @property
    def status(self) -> Status:
        if self.report is not None:
            return self.report.status
        return self.outcome if self.outcome is not None else Status.FAILED

    def compact(self) -> VerifyItem:
        """The same verdict without the full report (constant memory for long batches)."""
        return VerifyItem(self.path, None, self.error, self.status)

    def to_dict(self) -> dict[str, Any]:
        if self.report is not None:
            return {"path": self.path, **self.report.to_dict()}
        return {
            "path": self.path,
            "status": self.status.value,
            "error": self.error,
            "checks": [],
            "signatures": [],
        }


@dataclass(frozen=True)
class VerifyBatch:
    items: tuple[VerifyItem, ...] = field(default_factory=tuple)

    @property
    def status(self) -> Status:
        """FAILED if any document failed, INDETERMINATE if any is, else PASSED (none: FAILED)."""
        if not self.items:
            return Status.FAILED
        return combine(i.status for i in self.items)

    @property
    def exit_code(self) -> int:
        return self.status.exit_code

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for item in self.items:
            out[item.status.value] += 1
        return out

    def summary(self) -> str:
        counts = ", ".join(f"{n} {s.lower()}" for s, n in self.counts().items())
        return f"{len(self.items)} document(s): {counts}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "counts": self.counts(),
            "documents": [i.to_dict() for i in self.items],
        }


def verify_many(
    inputs: Iterable[str | Path],
    *,
    trust: x509.TrustAnchors | None = None,
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime | None = None,
    strict: bool = True,
    workers: int | None = None,
    progress: bool = False,
    on_item: Callable[[VerifyItem], None] | None = None,
    keep_reports: bool = True,
) -> VerifyBatch:
    """Verify many files; one unreadable file is a FAILED item, never an exception.

    ``on_item`` sees each full result as it arrives (in input order). With
    ``keep_reports=False`` the batch keeps only each document's verdict, so memory stays
    constant however many documents there are.
    """
    config = (
        tuple(c.der for c in trust or ()),
        tuple(c.der for c in intermediates),
        tuple(c.der for c in crls),
        at or datetime.now(UTC),
        strict,
    )
    jobs = [str(p) for p in inputs]
    items: list[VerifyItem] = []
    for item in _run(jobs, _verify_init, config, _verify_one, workers, progress, "verify"):
        if on_item is not None:
            on_item(item)
        items.append(item if keep_reports else item.compact())
    return VerifyBatch(tuple(items))


def _verify_init(
    anchors: tuple[bytes, ...],
    inter: tuple[bytes, ...],
    crls: tuple[bytes, ...],
    at: datetime,
    strict: bool,
) -> None:
    _WORKER["verifier"] = PdfVerifier(
        trust=x509.TrustAnchors([x509.load_der_certificate(d) for d in anchors]),
        intermediates=[x509.load_der_certificate(d) for d in inter],
        crls=[x509.load_der_crl(d) for d in crls],
        at=at,
        strict=strict,
    )


def _verify_one(path: str) -> VerifyItem:
    try:
        data = Path(path).read_bytes()
        verifier: PdfVerifier = _WORKER["verifier"]
        return VerifyItem(path, verifier.verify(data, subject=path))
    except TrustkitError as exc:
        return VerifyItem(path, None, f"{type(exc).__name__}: {exc}")
    except OSError as exc:
        return VerifyItem(path, None, exc.strerror or str(exc))
    except Exception as exc:  # one bad document never stops the batch
        return VerifyItem(path, None, f"internal error: {type(exc).__name__}: {exc}")


# -- the pool ------------------------------------------------------------------------------


def _run(
    jobs: Sequence[Any],
    init: Callable[..., None],
    config: tuple[Any, ...],
    work: Callable[[Any], Any],
    workers: int | None,
    progress: bool,
    label: str,
) -> Iterator[Any]:
    count = workers if workers is not None else (os.cpu_count() or 1)
    bar = _bar(len(jobs), progress, label)
    try:
        if count <= 1 or len(jobs) <= 1:
            init(*config)
            for job in jobs:
                result = work(job)
                bar.update(1)
                yield result
            return
        context = get_context("spawn" if os.name != "posix" else "fork")
        with ProcessPoolExecutor(
            count, mp_context=context, initializer=init, initargs=config
        ) as pool:
            yield from _bounded(pool, work, jobs, count * _IN_FLIGHT, bar)
    finally:
        bar.close()
        _WORKER.clear()


def _bounded(
    pool: ProcessPoolExecutor, work: Callable[[Any], Any], jobs: Sequence[Any], limit: int, bar: Any
) -> Iterator[Any]:
    """Results as they finish, with at most ``limit`` documents in flight."""
    queue = iter(jobs)
    pending: set[Future[Any]] = set()
    while True:
        while len(pending) < limit:
            job = next(queue, _END)
            if job is _END:
                break
            pending.add(pool.submit(work, job))
        if not pending:
            return
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            bar.update(1)
            yield future.result()


class _NoBar:
    def update(self, n: int) -> None:
        return None

    def close(self) -> None:
        return None


def _bar(total: int, progress: bool, label: str) -> Any:
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="doc", mininterval=0.2, leave=True)
