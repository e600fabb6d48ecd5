"""A defensive reader for OFD packages (ZIP, GB/T 33190 §7).

Before anything is read, the central directory is checked: member count, declared sizes,
compression ratio (zip bombs), encryption, compression method, and names (no absolute paths,
no ``..``, no backslashes or NUL, no duplicates). Reads stop at the declared size, so a member
that lies about its size cannot inflate past the limits either.
"""

from __future__ import annotations

import io
import posixpath
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import Final

from trustkit.exceptions import MalformedInput

__all__ = ["OfdPackage", "PackageError", "ZipLimits"]

_CHUNK: Final = 1 << 16
_METHODS: Final = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
# What zipfile and zlib raise on corrupt members (RuntimeError: encrypted, NotImplementedError:
# unknown method).
_READ_ERRORS: Final = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    ValueError,
    EOFError,
    OSError,
    RuntimeError,
)


class PackageError(MalformedInput):
    """The ZIP is readable but unsafe or inconsistent (reported as ``ofd.package_invalid``)."""


@dataclass(frozen=True)
class ZipLimits:
    """Limits on an OFD package; the defaults fit real e-invoices and licences with margin."""

    max_package: int = 256 << 20
    max_members: int = 10_000
    max_member: int = 64 << 20
    max_total: int = 512 << 20
    max_ratio: int = 200  # uncompressed / compressed, checked above ``ratio_floor``
    ratio_floor: int = 1 << 20


def _check_no_prefix(data: bytes, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse bytes before the first entry. ``zipfile`` silently skips such a prefix, so a
    forged ZIP (or another document) could sit in front of the one that gets verified, and a
    reader walking the local headers from the start would see the forgery first."""
    if not data.startswith(b"PK\x03\x04"):
        raise PackageError("the package does not start with a ZIP entry (data was prepended)")
    if infos and min(info.header_offset for info in infos) != 0:
        raise PackageError("the first ZIP entry does not start at offset 0 (data was prepended)")


class OfdPackage:
    """The members of an OFD ZIP, read lazily with limits. Paths are ZIP member names."""

    def __init__(self, data: bytes, limits: ZipLimits | None = None) -> None:
        self._limits = limits or ZipLimits()
        if len(data) > self._limits.max_package:
            raise MalformedInput(
                f"package is {len(data)} bytes; the limit is {self._limits.max_package}"
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            ValueError,
            EOFError,
            struct.error,
        ) as exc:
            raise MalformedInput(f"not a ZIP/OFD package: {exc}") from exc
        _check_no_prefix(data, infos)
        self._infos = _checked(infos, self._limits)
        self._cache: dict[str, bytes] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """File members (directories left out), in package order."""
        return tuple(self._infos)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def read(self, name: str) -> bytes:
        """A member's bytes; PackageError if it is missing, corrupt or larger than declared."""
        if name in self._cache:
            return self._cache[name]
        info = self._infos.get(name)
        if info is None:
            raise PackageError(f"package has no member {name!r}")
        data = _read_limited(self._zip, info)
        self._cache[name] = data
        return data

    def resolve(self, path: str, base: str = "") -> str | None:
        """The member an OFD path names: absolute from the root, else relative to ``base``
        (a member name whose directory is the base), falling back to the root. None when
        nothing matches or when a relative path matches both ways (ambiguous)."""
        cleaned = path.strip().replace("\\", "/")
        if not cleaned or "\x00" in cleaned:
            return None
        candidates = [cleaned.lstrip("/")]
        if not cleaned.startswith("/") and base:
            candidates.insert(0, posixpath.join(posixpath.dirname(base), cleaned))
        found = []
        for candidate in candidates:
            normal = posixpath.normpath(candidate)
            if normal.startswith("../") or normal in ("..", "."):
                continue
            if normal in self._infos:
                found.append(normal)
        if len(set(found)) > 1:
            # both readings exist: a digest could match one copy while a viewer shows the other,
            # so the path names nothing trustworthy (callers report it as missing: FAILED)
            return None
        return found[0] if found else None


def _checked(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> dict[str, zipfile.ZipInfo]:
    if len(infos) > limits.max_members:
        raise PackageError(f"package has {len(infos)} members; the limit is {limits.max_members}")
    files: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        _check_name(name)
        # names equal after case folding or Unicode normalisation overwrite each other when
        # the package is unpacked on many filesystems: one of them could shadow a signed file
        key = unicodedata.normalize("NFC", name.rstrip("/")).casefold()
        if key in seen:
            raise PackageError(f"package repeats the member name {name!r} (up to case)")
        seen.add(key)
        if info.is_dir():
            continue
        _check_member(info, limits)
        total += info.file_size
        if total > limits.max_total:
            raise PackageError(f"package expands beyond {limits.max_total} bytes")
        files[name] = info
    return files


def _check_name(name: str) -> None:
    parts = name.rstrip("/").split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or (len(name) > 1 and name[1] == ":")
        or any(p in ("..", ".", "") for p in parts)
    ):
        raise PackageError(f"unsafe member name {name!r} (absolute, '..', or malformed)")


def _check_member(info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    if info.flag_bits & 0x1:
        raise PackageError(f"member {info.filename!r} is encrypted")
    if info.compress_type not in _METHODS:
        raise PackageError(f"member {info.filename!r} uses compression method {info.compress_type}")
    if info.file_size > limits.max_member:
        raise PackageError(f"member {info.filename!r} is {info.file_size} bytes uncompressed")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
        raise PackageError(f"member {info.filename!r} expands {ratio:.0f}:1 (zip bomb?)")


def _read_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    out = bytearray()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                out += chunk
                if len(out) > info.file_size:
                    raise PackageError(f"member {info.filename!r} is larger than declared")
    except _READ_ERRORS as exc:
        raise PackageError(f"member {info.filename!r} cannot be read: {exc}") from exc
    return bytes(out)
