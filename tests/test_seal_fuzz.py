"""Mutated seals, signatures and OFD packages: a report or a TrustkitError, never anything else."""

from __future__ import annotations

import contextlib
import io
import zipfile
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seal_support import fixture, zip_bytes

from trustkit.exceptions import TrustkitError
from trustkit.seal import (
    DocumentReport,
    SignatureReport,
    load,
    verify_ofd,
    verify_seal,
    verify_seal_signature,
)

AT = datetime(2021, 1, 1, tzinfo=UTC)
SEAL = fixture("UserV4.esl")
SIGNATURE = fixture("SignedValueV4.dat")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        index = draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "flip" and out:
            out[index] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del out[index:]
        elif kind == "insert":
            out[index:index] = draw(st.binary(min_size=1, max_size=8))
        elif out:
            del out[index : index + draw(st.integers(1, 16))]
    return bytes(out)


def _header_heavy(data: bytes) -> st.SearchStrategy[bytes]:
    """Mutations concentrated on the first kilobyte, where the structure lives."""
    head, tail = data[:1024], data[1024:]
    return mutated(head).map(lambda h: h + tail)


@SETTINGS
@given(st.one_of(mutated(SEAL), _header_heavy(SEAL)))
def test_mutated_seal(data: bytes) -> None:
    try:
        report = verify_seal(data, at=AT)
    except TrustkitError:
        return
    assert isinstance(report, SignatureReport)
    report.to_text()


@SETTINGS
@given(st.one_of(mutated(SIGNATURE), _header_heavy(SIGNATURE)))
def test_mutated_signature(data: bytes) -> None:
    try:
        report = verify_seal_signature(data, data=b"x", at=AT)
    except TrustkitError:
        return
    assert isinstance(report, SignatureReport)
    with contextlib.suppress(TrustkitError):
        load(data)


def _members(name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(fixture(name))) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


ONE_OFD = _members("1.ofd")


@SETTINGS
@given(
    st.sampled_from(sorted(ONE_OFD)),
    st.data(),
)
def test_mutated_ofd_member(name: str, data: st.DataObject) -> None:
    members = dict(ONE_OFD)
    members[name] = data.draw(mutated(members[name]))
    report = verify_ofd(zip_bytes(members), at=AT)
    assert isinstance(report, DocumentReport)
    report.to_json()


@SETTINGS
@given(mutated(fixture("n.ofd")))
def test_mutated_ofd_bytes(data: bytes) -> None:
    try:
        report = verify_ofd(data, at=AT)
    except TrustkitError:
        return
    assert isinstance(report, DocumentReport)
