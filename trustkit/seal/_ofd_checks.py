"""OFD checks around a signature value: the separate seal file (O5), consistency between
``Signature.xml`` and the signature (O7), and the visible stamp (O8)."""

from __future__ import annotations

from typing import Final

from trustkit import oids
from trustkit.seal._model import SealSignature
from trustkit.seal._ofd_package import OfdPackage, PackageError
from trustkit.seal._ofd_xml import SignatureXml
from trustkit.seal._report import CheckStatus, SealCheck

__all__ = ["consistency_checks", "seal_file_check"]

_PASS, _FAIL, _WARN = CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.WARNING
_SM2_METHODS: Final = frozenset(
    {oids.SM2_WITH_SM3, oids.SM2_SIGNATURE, oids.SM2_CURVE, "SM3withSM2"}
)
_MM_TOLERANCE: Final = 1.0


def seal_file_check(
    package: OfdPackage, info: SignatureXml, member: str, sig: SealSignature
) -> SealCheck:
    """O5: a separate ``Seal.esl`` must equal the embedded SESeal byte for byte."""
    if info.seal_loc is None:
        return SealCheck("seal-file", CheckStatus.SKIPPED, "not_applicable", "no Seal/BaseLoc")
    target = package.resolve(info.seal_loc, member)
    if target is None:
        return SealCheck("seal-file", _FAIL, "ofd.seal_file_mismatch", f"{info.seal_loc} missing")
    try:
        data = package.read(target)
    except PackageError as exc:
        return SealCheck("seal-file", _FAIL, "ofd.seal_file_mismatch", str(exc))
    if data != sig.seal_der:
        return SealCheck("seal-file", _FAIL, "ofd.seal_file_mismatch", f"{target} differs")
    return SealCheck("seal-file", _PASS, detail=f"{target} equals the embedded seal")


def consistency_checks(
    info: SignatureXml, sig: SealSignature | None, member: str, pages: frozenset[str]
) -> list[SealCheck]:
    """O7 and O8 (warnings only)."""
    checks = []
    if sig is not None:
        checks.append(_property_info_check(sig, member))
    checks.append(_method_check(info, sig))
    checks.append(_page_check(info, pages))
    if sig is not None:
        checks.append(_display_check(info, sig))
    return checks


def _property_info_check(sig: SealSignature, member: str) -> SealCheck:
    named = sig.property_info.strip().replace("\\", "/").lstrip("/")
    if named == member:
        return SealCheck("property-info", _PASS, detail=sig.property_info)
    detail = f"propertyInfo {sig.property_info!r}, signature file /{member}"
    return SealCheck("property-info", _WARN, "ofd.property_info_mismatch", detail)


def _method_check(info: SignatureXml, sig: SealSignature | None) -> SealCheck:
    method = info.signature_method
    if not method:
        return SealCheck("signature-method", _PASS, detail="SignatureMethod absent")
    expected = sig.signature_algorithm if sig is not None else oids.SM2_WITH_SM3
    same = method == expected or (method in _SM2_METHODS and expected in _SM2_METHODS)
    if same:
        return SealCheck("signature-method", _PASS, detail=method)
    detail = f"SignatureMethod {method}, signature algorithm {expected}"
    return SealCheck("signature-method", _WARN, "ofd.signature_method_mismatch", detail)


def _page_check(info: SignatureXml, pages: frozenset[str]) -> SealCheck:
    unresolved = [s.page_ref for s in info.stamp_annots if s.page_ref not in pages]
    if unresolved:
        detail = f"PageRef {', '.join(unresolved)} not among the page IDs"
        return SealCheck("stamp-page", _WARN, "ofd.stamp_page_unresolved", detail)
    refs = ", ".join(s.page_ref for s in info.stamp_annots) or "none"
    return SealCheck("stamp-page", _PASS, detail=f"StampAnnot page(s): {refs}")


def _display_check(info: SignatureXml, sig: SealSignature) -> SealCheck:
    """The drawn stamp has the picture's size in millimetres."""
    picture = sig.seal.picture
    wrong = [
        s.id
        for s in info.stamp_annots
        if len(s.boundary) == 4
        and (
            abs(s.boundary[2] - picture.width_mm) > _MM_TOLERANCE
            or abs(s.boundary[3] - picture.height_mm) > _MM_TOLERANCE
        )
    ]
    size = f"picture {picture.width_mm}x{picture.height_mm} mm"
    if wrong:
        detail = f"StampAnnot {', '.join(wrong)} not drawn at {size}"
        return SealCheck("display", _WARN, "ofd.display_mismatch", detail)
    return SealCheck("display", _PASS, detail=size)
