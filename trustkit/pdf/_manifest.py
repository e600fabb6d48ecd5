"""The batch manifest: an append-only JSON-lines file, one record per finished document.

A record holds the input path and SM3, the output path and SM3, the status (``done`` or
``failed``), a reason code, a detail and the time (spec §17.2 item 9). Each record is flushed and
fsynced before the next document is counted as finished, so an interrupted batch loses at most
the documents in flight. On restart a document is skipped when its last record is ``done``, its
input hash is unchanged and its output still has the recorded hash; everything else is redone.
A torn last line (the process died while writing it) is ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from trustkit.sm3 import new as sm3_new

__all__ = ["Manifest", "Record", "file_sm3"]

_CHUNK = 1 << 20


def file_sm3(path: Path) -> str:
    """SM3 of a file, read in chunks, as hex."""
    hasher = sm3_new()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
    return str(hasher.hexdigest())


@dataclass(frozen=True)
class Record:
    input: str
    input_sm3: str
    status: str  # done | failed
    output: str | None = None
    output_sm3: str | None = None
    reason: str = "ok"
    detail: str = ""
    time: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


class Manifest:
    """Read the records of earlier runs, then append new ones durably."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, Record] = {}
        if path.exists():
            self._load()
        self._handle: IO[str] | None = None

    def _load(self) -> None:
        with self.path.open("r", encoding="utf-8") as handle:
            for line in handle:
                record = _parse(line)
                if record is not None:
                    self.records[record.input] = record

    def finished(self, input_path: Path, input_sm3: str) -> Record | None:
        """The earlier ``done`` record for this input, if its output is still intact."""
        record = self.records.get(str(input_path))
        if record is None or record.status != "done" or record.input_sm3 != input_sm3:
            return None
        if record.output is None or record.output_sm3 is None:
            return record
        output = Path(record.output)
        if not output.exists() or file_sm3(output) != record.output_sm3:
            return None
        return record

    def append(self, record: Record) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
            if self._handle.tell() and not _ends_with_newline(self.path):
                self._handle.write("\n")
        self._handle.write(record.to_json() + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.records[record.input] = record

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _parse(line: str) -> Record | None:
    try:
        data: Any = json.loads(line)
        return Record(**data) if isinstance(data, dict) else None
    except (ValueError, TypeError):
        return None


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
