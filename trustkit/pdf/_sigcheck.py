"""The signature container of one PDF signature, verified by ``trustkit.seal``.

The format comes from the bytes (``_sniff``); ``/SubFilter`` only yields a warning when it does
not fit. A SignedData is checked with ``verify_signed_data`` over the ByteRange bytes, and the
seal the signature dictionary carries under ``/TK.Seal`` with the seal checks at the signing
time plus the signer-in-``certList`` rule (GM/T 0031 §6.2.2 c). An ``SES_Signature`` is checked
with ``verify_seal_signature``; its ``propertyInfo`` should name the ByteRange.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Final

from trustkit.exceptions import MalformedInput, TrustkitError
from trustkit.pdf._container import property_info_for
from trustkit.pdf._memo import Memo
from trustkit.pdf._sniff import Sniffed, cms_signer_blob, sniff_contents
from trustkit.pdf._stamp import SEAL_KEY, SUBFILTER_CADES, SUBFILTER_CMS, SUBFILTER_SES
from trustkit.pdf._syntax import PdfString
from trustkit.seal import (
    CheckStatus,
    SealCheck,
    SealPicture,
    load_seal,
    load_seal_signature,
    verify_seal_signature,
    verify_signed_data,
)
from trustkit.seal._certcheck import Trust
from trustkit.seal._cms import parse_signed_data
from trustkit.seal._signer_match import signer_in_cert_list
from trustkit.seal._verify_seal import seal_checks, seal_facts

__all__ = ["Outcome", "container_checks"]

_PASS, _FAIL, _WARN, _SKIP = (
    CheckStatus.PASSED,
    CheckStatus.FAILED,
    CheckStatus.WARNING,
    CheckStatus.SKIPPED,
)
_SUBFILTERS: Final = {
    "cms": frozenset({SUBFILTER_CMS, SUBFILTER_CADES}),
    "cms_bare": frozenset({SUBFILTER_CMS, SUBFILTER_CADES}),
    "ses": frozenset({SUBFILTER_SES}),
}


@dataclass
class Outcome:
    checks: list[SealCheck] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    picture: SealPicture | None = None


def container_checks(
    sig: Mapping[str, object],
    signed: bytes,
    byte_range: Sequence[int],
    trust: Trust,
    moment: datetime,
    memo: Memo | None = None,
) -> Outcome:
    contents = sig.get("Contents")
    assert isinstance(contents, PdfString)
    sniffed = sniff_contents(contents.value)
    out = Outcome(facts={"format": sniffed.kind})
    if sniffed.reason != "ok":
        out.checks.append(SealCheck("pdf-contents-format", _FAIL, sniffed.reason, sniffed.detail))
        return out
    out.checks.append(SealCheck("pdf-contents-format", _PASS, detail=sniffed.detail))
    out.checks.append(_subfilter_check(sig.get("SubFilter"), sniffed.kind))
    if sniffed.kind == "ses":
        _ses(out, sniffed, signed, byte_range, trust, moment)
    else:
        _cms(out, sig, sniffed, signed, trust, moment, memo or Memo(0))
    return out


def _subfilter_check(subfilter: object, kind: str) -> SealCheck:
    name = "pdf-subfilter"
    declared = str(subfilter) if isinstance(subfilter, str) else None
    if declared in _SUBFILTERS[kind]:
        return SealCheck(name, _PASS, detail=f"/{declared} fits {kind}")
    detail = f"/SubFilter {declared!r} declared, but /Contents holds {kind}"
    return SealCheck(name, _WARN, "pdf.subfilter_mismatch", detail)


def _cms(
    out: Outcome,
    sig: Mapping[str, object],
    sniffed: Sniffed,
    signed: bytes,
    trust: Trust,
    moment: datetime,
    memo: Memo,
) -> None:
    report = verify_signed_data(
        sniffed.der,
        data=signed,
        trust=trust.anchors,
        intermediates=trust.intermediates,
        crls=trust.crls,
        at=moment,
    )
    out.checks += report.checks
    out.facts.update({f"cms_{k}": v for k, v in report.facts.items()})
    signing_time = _time(report.facts.get("signing_time")) or moment
    carried = sig.get(SEAL_KEY)
    if not isinstance(carried, PdfString):
        out.checks.append(SealCheck("seal", _SKIP, "pdf.no_seal", "a signature without a seal"))
        return
    der = carried.value
    try:
        seal = memo.get(("seal", der), lambda: load_seal(der))
    except MalformedInput as exc:
        out.checks.append(SealCheck("seal-format", _FAIL, "seal.malformed", str(exc)))
        return
    out.picture = seal.picture
    out.facts["seal"] = seal_facts(seal)
    out.checks += memo.get(
        ("seal-checks", der, signing_time),
        lambda: tuple(seal_checks(seal, trust, signing_time, signing=True)),
    )
    signer = cms_signer_blob(sniffed.der)
    listed = partial(_cms_signer_listed, sniffed.der, seal, trust)
    out.checks.append(memo.get(("listed", der, signer), listed) if signer else listed())


def _cms_signer_listed(der: bytes, seal: Any, trust: Trust) -> SealCheck:
    name = "signer-in-certlist"
    try:
        cert = parse_signed_data(der).signer_certificate(trust.intermediates)
    except TrustkitError as exc:
        return SealCheck(name, _FAIL, "cms.malformed", str(exc))
    if cert is None:
        return SealCheck(name, _FAIL, "cms.signer_cert_missing")
    reason = signer_in_cert_list(seal, cert.der)
    if reason == "ok":
        return SealCheck(name, _PASS, detail=cert.subject)
    return SealCheck(name, _FAIL, reason, cert.subject)


def _ses(
    out: Outcome,
    sniffed: Sniffed,
    signed: bytes,
    byte_range: Sequence[int],
    trust: Trust,
    moment: datetime,
) -> None:
    try:
        parsed = load_seal_signature(sniffed.der)
    except MalformedInput as exc:
        out.checks.append(SealCheck("format", _FAIL, "sig.malformed", str(exc)))
        return
    report = verify_seal_signature(
        parsed,
        data=signed,
        trust=trust.anchors,
        intermediates=trust.intermediates,
        crls=trust.crls,
        at=moment,
    )
    out.checks += report.checks
    out.facts.update(report.facts)
    out.picture = parsed.seal.picture
    expected = property_info_for(byte_range)
    if parsed.property_info == expected:
        out.checks.append(SealCheck("pdf-property-info", _PASS, detail=expected))
    else:
        status = _FAIL if parsed.generation == 5 else _WARN
        detail = (
            f"propertyInfo {parsed.property_info!r} does not name the ByteRange {list(byte_range)}"
        )
        out.checks.append(
            SealCheck("pdf-property-info", status, "pdf.property_info_mismatch", detail)
        )


def _time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None
