"""Verification of sealed OFD documents (spec eseal.md §10.4, steps O1-O8).

Paths are followed from ``OFD.xml``, never assumed. Each ``ofd:Signature`` gets its own report:
the package-level checks of that signature (``signature-file``, ``references``,
``references-present``, ``coverage``, ``seal-file``, ``signed-value``, ``property-info``,
``signature-method``, ``stamp-page``, ``display``) followed by the SES or SignedData checks.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from trustkit import x509
from trustkit.exceptions import MalformedInput
from trustkit.seal._certcheck import Trust
from trustkit.seal._der import aware, parse_text_time
from trustkit.seal._ofd_checks import consistency_checks, seal_file_check
from trustkit.seal._ofd_package import OfdPackage, PackageError
from trustkit.seal._ofd_xml import (
    OfdSignatureEntry,
    SignatureXml,
    children,
    first,
    parse_xml,
    read_signature_list,
    read_signature_xml,
    text_of,
)
from trustkit.seal._parse_sig import load_seal_signature
from trustkit.seal._report import CheckStatus, DocumentReport, SealCheck, SignatureReport
from trustkit.seal._signer_match import digest_by_name
from trustkit.seal._verify_cms import verify_signed_data
from trustkit.seal._verify_sig import signature_checks, signature_facts

__all__ = ["verify_ofd"]

_PASS, _FAIL, _WARN = CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.WARNING


def verify_ofd(
    data: bytes,
    *,
    trust: x509.TrustAnchors | None = None,
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime | None = None,
    subject: str = "OFD document",
) -> DocumentReport:
    """Verify every signature of an OFD package at ``at`` (default now).

    Raises MalformedInput only when ``data`` is not a ZIP at all; an unsafe or broken package
    is a FAILED ``ofd.package_invalid`` check.
    """
    moment = aware(at) if at is not None else datetime.now(UTC)
    try:
        package = OfdPackage(bytes(data))
    except PackageError as exc:
        return _document(subject, [SealCheck("package", _FAIL, "ofd.package_invalid", str(exc))])
    try:
        lists = _signature_lists(package)
    except MalformedInput as exc:
        return _document(subject, [SealCheck("package", _FAIL, "ofd.package_invalid", str(exc))])
    checks = [SealCheck("package", _PASS, detail=f"{len(package.names)} files")]
    entries = [(loc, e) for loc, items in lists for e in items]
    if not entries:
        checks.append(SealCheck("signatures", _FAIL, "ofd.not_signed", "no signature list"))
        return _document(subject, checks)
    checks.append(SealCheck("signatures", _PASS, detail=f"{len(entries)} signature(s)"))
    trust_ = Trust.of(trust, intermediates, crls)
    pages = _page_ids(package)
    reports = []
    all_lists = frozenset(loc for loc, _ in lists)
    for index, (list_loc, entry) in enumerate(entries):
        later = [e for _, e in entries[index + 1 :]]
        context = _Context(package, trust_, moment, pages, list_loc, later, all_lists)
        reports.append(_verify_entry(context, entry))
    return DocumentReport(subject, tuple(checks), tuple(reports))


def _document(subject: str, checks: list[SealCheck]) -> DocumentReport:
    return DocumentReport(subject, tuple(checks), ())


def _signature_lists(package: OfdPackage) -> list[tuple[str, list[OfdSignatureEntry]]]:
    """Every DocBody's signature list: (member name, entries). O1."""
    if "OFD.xml" not in package:
        raise MalformedInput("package has no OFD.xml")
    root = parse_xml(package.read("OFD.xml"), "OFD.xml")
    out = []
    for body in children(root, "DocBody"):
        loc = text_of(first(body, "Signatures"))
        if not loc:
            continue
        member = package.resolve(loc)
        if member is None:
            raise MalformedInput(f"signature list {loc!r} is not in the package")
        out.append((member, read_signature_list(parse_xml(package.read(member), member))))
    return out


def _page_ids(package: OfdPackage) -> frozenset[str]:
    """Page IDs of every document (StampAnnot.PageRef points at these)."""
    ids: set[str] = set()
    try:
        root = parse_xml(package.read("OFD.xml"), "OFD.xml")
        for body in children(root, "DocBody"):
            member = package.resolve(text_of(first(body, "DocRoot")))
            if member is None:
                continue
            doc = parse_xml(package.read(member), member)
            for pages in children(doc, "Pages"):
                ids.update(str(p.get("ID", "")).strip() for p in children(pages, "Page"))
    except MalformedInput:
        pass
    return frozenset(ids)


class _Context:
    def __init__(
        self,
        package: OfdPackage,
        trust: Trust,
        moment: datetime,
        pages: frozenset[str],
        list_loc: str,
        later: list[OfdSignatureEntry],
        all_lists: frozenset[str],
    ) -> None:
        self.package, self.trust, self.moment, self.pages = package, trust, moment, pages
        self.list_loc, self.later = list_loc, later
        self.all_lists = all_lists  # every signature list OFD.xml names


def _verify_entry(ctx: _Context, entry: OfdSignatureEntry) -> SignatureReport:
    subject = f"Signature {entry.id}"
    member = ctx.package.resolve(entry.base_loc, ctx.list_loc)
    if member is None:
        check = SealCheck("signature-file", _FAIL, "ofd.signature_file_missing", entry.base_loc)
        return SignatureReport(subject, "ofd_signature", (check,))
    try:
        signature_xml = ctx.package.read(member)
        info = read_signature_xml(parse_xml(signature_xml, member))
    except PackageError as exc:
        check = SealCheck("signature-file", _FAIL, "ofd.package_invalid", str(exc))
        return SignatureReport(subject, "ofd_signature", (check,))
    except MalformedInput as exc:
        check = SealCheck("signature-file", _FAIL, "ofd.signature_xml_invalid", str(exc))
        return SignatureReport(subject, "ofd_signature", (check,))
    checks = [SealCheck("signature-file", _PASS, detail=member)]
    checks += _reference_checks(ctx, info, member)
    checks.append(_coverage_check(ctx, info, member))
    inner, facts = _signed_value(ctx, entry, info, member, signature_xml, checks)
    checks += inner
    facts.update(_xml_facts(entry, info, member))
    return SignatureReport(subject, "ofd_signature", tuple(checks), facts)


def _signed_value(
    ctx: _Context,
    entry: OfdSignatureEntry,
    info: SignatureXml,
    member: str,
    signature_xml: bytes,
    checks: list[SealCheck],
) -> tuple[list[SealCheck], dict[str, Any]]:
    """O5-O8 and the nested SES or SignedData checks (O6)."""
    value_member = ctx.package.resolve(info.signed_value, member) if info.signed_value else None
    if value_member is None:
        return [SealCheck("signed-value", _FAIL, "ofd.signed_value_missing", info.signed_value)], {}
    try:
        value = ctx.package.read(value_member)
    except PackageError as exc:
        return [SealCheck("signed-value", _FAIL, "ofd.package_invalid", str(exc))], {}
    out = [SealCheck("signed-value", _PASS, detail=f"{value_member}, {len(value)} bytes")]
    if entry.type.lower() == "sign":
        report = verify_signed_data(
            value,
            data=signature_xml,
            trust=ctx.trust.anchors,
            intermediates=ctx.trust.intermediates,
            crls=ctx.trust.crls,
            at=ctx.moment,
        )
        out += consistency_checks(info, None, member, ctx.pages)
        return out + list(report.checks), dict(report.facts)
    try:
        parsed = load_seal_signature(value)
    except MalformedInput as exc:
        return [*out, SealCheck("format", _FAIL, "sig.malformed", str(exc))], {}
    out.append(seal_file_check(ctx.package, info, member, parsed))
    out += consistency_checks(info, parsed, member, ctx.pages)
    out += signature_checks(parsed, signature_xml, ctx.trust, ctx.moment)
    return out, signature_facts(parsed)


def _reference_checks(ctx: _Context, info: SignatureXml, member: str) -> list[SealCheck]:
    """O3: every Reference exists and its CheckValue is the digest of the stored bytes."""
    method = info.check_method or "SM3"
    missing, bad, good = [], [], 0
    for ref in info.references:
        target = ctx.package.resolve(ref.file_ref, member)
        if target is None:
            missing.append(ref.file_ref)
            continue
        try:
            data = ctx.package.read(target)
        except PackageError:
            missing.append(ref.file_ref)
            continue
        expected = digest_by_name(method, data)
        if expected is None or expected != _b64(ref.check_value):
            bad.append(ref.file_ref)
        else:
            good += 1
    total = len(info.references)
    checks = [_references_present(missing, total)]
    if digest_by_name(method, b"") is None:
        plain = sum(
            1 for r in info.references if _plain_sm3_matches(ctx, r.file_ref, r.check_value, member)
        )
        detail = f"CheckMethod {method!r}; {plain}/{total} match plain SM3"
        checks.append(SealCheck("references", _FAIL, "ofd.check_method_unsupported", detail))
    elif total == 0:
        checks.append(SealCheck("references", _FAIL, "ofd.reference_missing", "no References"))
    elif bad:
        detail = f"{good}/{total} match; differ: {', '.join(bad)}"
        checks.append(SealCheck("references", _FAIL, "ofd.reference_digest_mismatch", detail))
    else:
        checks.append(SealCheck("references", _PASS, detail=f"{good}/{total} match ({method})"))
    return checks


def _references_present(missing: list[str], total: int) -> SealCheck:
    if missing:
        detail = f"{len(missing)}/{total} missing: {', '.join(missing)}"
        return SealCheck("references-present", _FAIL, "ofd.reference_missing", detail)
    return SealCheck("references-present", _PASS, detail=f"{total} file(s)")


def _plain_sm3_matches(ctx: _Context, ref: str, value: str, member: str) -> bool:
    target = ctx.package.resolve(ref, member)
    if target is None:
        return False
    try:
        return digest_by_name("SM3", ctx.package.read(target)) == _b64(value)
    except PackageError:
        return False


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _coverage_check(ctx: _Context, info: SignatureXml, member: str) -> SealCheck:
    """O4: package files that no Reference of this signature protects."""
    covered = {ctx.package.resolve(r.file_ref, member) for r in info.references}
    own = {member, ctx.list_loc}
    if info.signed_value:
        own.add(ctx.package.resolve(info.signed_value, member) or "")
    later_dirs = {_dir(ctx.package.resolve(e.base_loc, ctx.list_loc)) for e in ctx.later}
    unprotected = [
        name
        for name in ctx.package.names
        if name not in covered
        and name not in own
        and name not in ctx.all_lists  # the lists later signatures append to, not look-alikes
        and _dir(name) not in later_dirs
    ]
    if unprotected:
        detail = ", ".join(unprotected)
        return SealCheck("coverage", _WARN, "ofd.unprotected_file", detail)
    return SealCheck("coverage", _PASS, detail="every package file is referenced")


def _dir(name: str | None) -> str | None:
    return None if name is None else name.rsplit("/", 1)[0]


def _xml_facts(entry: OfdSignatureEntry, info: SignatureXml, member: str) -> dict[str, Any]:
    parsed = parse_text_time(info.signature_datetime) if info.signature_datetime else None
    return {
        "ofd": {
            "id": entry.id,
            "type": entry.type,
            "signature_xml": member,
            "provider": info.provider,
            "signature_method": info.signature_method,
            "signature_datetime": info.signature_datetime,
            "signature_datetime_parsed": parsed.isoformat() if parsed else None,
            "check_method": info.check_method,
            "references": len(info.references),
            "stamp_annots": [
                {"id": s.id, "page_ref": s.page_ref, "boundary": list(s.boundary)}
                for s in info.stamp_annots
            ],
        }
    }
