"""OFD verification (spec §10.4, O1-O8) on packages built here, and hostile packages.

Every hostile input must give a clear MalformedInput or a FAILED check with a reason; nothing
else may escape.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import timedelta

import pytest
from seal_support import (
    CONTENT_XML,
    SIGNING_TIME,
    T0,
    Pki,
    base_files,
    make_pki,
    png,
    replace_member,
    sealed_ofd,
    signature_xml,
    signatures_xml,
    zip_bytes,
)

from trustkit.exceptions import MalformedInput
from trustkit.report import Status
from trustkit.seal import (
    CheckStatus,
    DocumentReport,
    OfdPackage,
    PackageError,
    SealPicture,
    SignatureReport,
    ZipLimits,
    make_seal,
    ofd_seal_pictures,
    sign_data,
    sign_signed_data,
    verify_ofd,
)

LATER = SIGNING_TIME + timedelta(days=1)
SIGNATURE_XML = "/Doc_0/Signs/Sign_0/Signature.xml"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def esl(pki: Pki) -> bytes:
    made = make_seal(
        pki.maker.key,
        pki.maker.cert,
        name="OFD 测试章",
        picture=SealPicture.from_image(png(), 40, 40),
        signer_certs=[pki.signer.cert],
        created_at=T0 + timedelta(days=10),
    )
    return made.der


def seal_value(pki: Pki, esl: bytes, prop: str = SIGNATURE_XML) -> object:
    def make(xml: bytes) -> bytes:
        return sign_data(
            esl, pki.signer.key, pki.signer.cert, xml, property_info=prop, at=SIGNING_TIME
        ).der

    return make


def only(report: DocumentReport) -> SignatureReport:
    assert len(report.signatures) == 1
    return report.signatures[0]


def test_sealed_ofd_passes_with_trust(pki: Pki, esl: bytes) -> None:
    package = sealed_ofd(seal_value(pki, esl))
    report = verify_ofd(package, trust=pki.anchors, at=LATER)
    assert report.status is Status.PASSED, report.to_text()
    sig = only(report)
    assert sig.check("references").detail == "3/3 match (1.2.156.10197.1.401)"
    assert sig.check("property-info").status is CheckStatus.PASSED
    assert verify_ofd(package, at=LATER).status is Status.INDETERMINATE
    assert list(ofd_seal_pictures(package)) == ["1"]


def test_changed_page_breaks_its_reference(pki: Pki, esl: bytes) -> None:
    package = replace_member(
        sealed_ofd(seal_value(pki, esl)), "Doc_0/Pages/Page_0/Content.xml", CONTENT_XML + b" "
    )
    sig = only(verify_ofd(package, trust=pki.anchors, at=LATER))
    assert sig.check("references").reason == "ofd.reference_digest_mismatch"
    assert "Doc_0/Pages/Page_0/Content.xml" in sig.check("references").detail
    assert sig.check("data-hash").status is CheckStatus.PASSED


def test_changed_signature_xml_breaks_the_data_hash(pki: Pki, esl: bytes) -> None:
    package = sealed_ofd(seal_value(pki, esl))
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        xml = archive.read("Doc_0/Signs/Sign_0/Signature.xml")
    changed = replace_member(
        package, "Doc_0/Signs/Sign_0/Signature.xml", xml.replace(b"20250601", b"20250602")
    )
    sig = only(verify_ofd(changed, trust=pki.anchors, at=LATER))
    assert sig.check("data-hash").reason == "sig.data_hash_mismatch"
    assert sig.check("references").status is CheckStatus.PASSED


def test_missing_reference_and_unprotected_file(pki: Pki, esl: bytes) -> None:
    package = sealed_ofd(seal_value(pki, esl))
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    del members["Doc_0/Document.xml"]
    members["Doc_0/Res/extra.png"] = png()
    sig = only(verify_ofd(zip_bytes(members), trust=pki.anchors, at=LATER))
    assert sig.check("references-present").reason == "ofd.reference_missing"
    assert sig.check("coverage").reason == "ofd.unprotected_file"
    assert sig.check("coverage").status is CheckStatus.WARNING
    assert "Doc_0/Res/extra.png" in sig.check("coverage").detail


def test_sign_type_signed_data(pki: Pki) -> None:
    def cms(xml: bytes) -> bytes:
        return sign_signed_data(xml, pki.signer.key, pki.signer.cert, at=SIGNING_TIME)

    report = verify_ofd(sealed_ofd(cms, sig_type="Sign"), trust=pki.anchors, at=LATER)
    assert report.status is Status.PASSED, report.to_text()
    assert only(report).facts["variant"] == "signed_attributes"


def test_seal_file(pki: Pki, esl: bytes) -> None:
    loc = "/Doc_0/Signs/Sign_0/Seal.esl"
    package = sealed_ofd(seal_value(pki, esl), seal_loc=loc)
    same = replace_member(package, loc[1:], esl)
    assert (
        only(verify_ofd(same, trust=pki.anchors, at=LATER)).check("seal-file").status
        is CheckStatus.PASSED
    )
    other = replace_member(package, loc[1:], esl[:-1] + bytes([esl[-1] ^ 1]))
    assert (
        only(verify_ofd(other, trust=pki.anchors, at=LATER)).check("seal-file").reason
        == "ofd.seal_file_mismatch"
    )
    missing = only(verify_ofd(package, trust=pki.anchors, at=LATER))
    assert missing.check("seal-file").reason == "ofd.seal_file_mismatch"


def test_consistency_warnings(pki: Pki, esl: bytes) -> None:
    package = sealed_ofd(
        seal_value(pki, esl, prop="/elsewhere.xml"), page_ref="77", boundary="0 0 10 10"
    )
    sig = only(verify_ofd(package, trust=pki.anchors, at=LATER))
    assert sig.check("property-info").reason == "ofd.property_info_mismatch"
    assert sig.check("stamp-page").reason == "ofd.stamp_page_unresolved"
    assert sig.check("display").reason == "ofd.display_mismatch"
    assert sig.status is Status.PASSED  # warnings only


def test_unsupported_check_method(pki: Pki, esl: bytes) -> None:
    package = sealed_ofd(seal_value(pki, esl), check_method="MD5")
    assert (
        only(verify_ofd(package, trust=pki.anchors, at=LATER)).check("references").reason
        == "ofd.check_method_unsupported"
    )


def test_missing_parts(pki: Pki, esl: bytes) -> None:
    package = sealed_ofd(seal_value(pki, esl))
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    no_value = {k: v for k, v in members.items() if not k.endswith("SignedValue.dat")}
    assert (
        only(verify_ofd(zip_bytes(no_value), at=LATER)).check("signed-value").reason
        == "ofd.signed_value_missing"
    )
    no_xml = {k: v for k, v in members.items() if not k.endswith("Sign_0/Signature.xml")}
    assert (
        only(verify_ofd(zip_bytes(no_xml), at=LATER)).check("signature-file").reason
        == "ofd.signature_file_missing"
    )
    bad_value = dict(members, **{"Doc_0/Signs/Sign_0/SignedValue.dat": b"\x30\x03\x02\x01\x01"})
    assert (
        only(verify_ofd(zip_bytes(bad_value), at=LATER)).check("format").reason == "sig.malformed"
    )
    unsigned = base_files()
    report = verify_ofd(
        zip_bytes(
            unsigned
            | {
                "OFD.xml": unsigned["OFD.xml"].replace(
                    b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>", b""
                )
            }
        )
    )
    assert [c.reason for c in report.checks] == ["ok", "ofd.not_signed"]
    assert report.status is Status.FAILED
    no_ofd_xml = verify_ofd(zip_bytes({"a.xml": b"<a/>"}))
    assert no_ofd_xml.checks[0].reason == "ofd.package_invalid"


# --- hostile packages ------------------------------------------------------------------------


def test_not_a_zip_raises() -> None:
    with pytest.raises(MalformedInput, match="not a ZIP"):
        verify_ofd(b"%PDF-1.7 not an OFD")


def _package_invalid(data: bytes) -> str:
    report = verify_ofd(data)
    assert report.status is Status.FAILED
    assert report.checks[0].reason == "ofd.package_invalid", report.to_text()
    return report.checks[0].detail


def test_zip_bomb() -> None:
    bomb = zip_bytes({"OFD.xml": b"<a/>", "Doc_0/big.bin": bytes(8 << 20)})
    assert "zip bomb" in _package_invalid(bomb)


@pytest.mark.parametrize(
    "name", ["../evil.xml", "Doc_0/../../evil.xml", "/etc/passwd", "C:/x.xml", "a\\b.xml"]
)
def test_unsafe_member_names(name: str) -> None:
    data = zip_bytes([("OFD.xml", b"<a/>"), (name, b"x")])
    assert "unsafe member name" in _package_invalid(data)


def test_duplicate_member_names() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = zip_bytes([("OFD.xml", b"<a/>"), ("OFD.xml", b"<b/>")])
    assert "repeats" in _package_invalid(data)


def test_encrypted_member() -> None:
    data = bytearray(zip_bytes({"OFD.xml": b"<a/>"}))
    central = bytes(data).index(b"PK\x01\x02")
    data[6] |= 0x1  # local header flags
    data[central + 8] |= 0x1  # central directory flags
    assert "encrypted" in _package_invalid(bytes(data))


def test_limits_are_parameters() -> None:
    data = zip_bytes({"OFD.xml": b"<a/>" * 100, "b": b"x"})
    with pytest.raises(PackageError, match="uncompressed"):
        OfdPackage(data, ZipLimits(max_member=50))
    with pytest.raises(PackageError, match="members"):
        OfdPackage(data, ZipLimits(max_members=1))
    with pytest.raises(PackageError, match="expands beyond"):
        OfdPackage(data, ZipLimits(max_total=100))


XXE = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>'
)


@pytest.mark.parametrize("xml", [XXE, LAUGHS, b"<a><unclosed></a>", XXE.decode().encode("utf-16")])
def test_hostile_ofd_xml(xml: bytes) -> None:
    detail = _package_invalid(zip_bytes({"OFD.xml": xml}))
    assert "DTD" in detail or "XML" in detail


def test_hostile_signature_xml(pki: Pki, esl: bytes) -> None:
    package = sealed_ofd(seal_value(pki, esl))
    for xml in (XXE, LAUGHS):
        changed = replace_member(package, "Doc_0/Signs/Sign_0/Signature.xml", xml)
        sig = only(verify_ofd(changed, at=LATER))
        assert sig.check("signature-file").reason == "ofd.signature_xml_invalid"


def test_base_loc_cannot_escape_the_package(pki: Pki, esl: bytes) -> None:
    package = sealed_ofd(seal_value(pki, esl))
    escaping = signatures_xml().replace(
        b"/Doc_0/Signs/Sign_0/Signature.xml", b"../../../etc/passwd"
    )
    changed = replace_member(package, "Doc_0/Signs/Signatures.xml", escaping)
    sig = only(verify_ofd(changed, at=LATER))
    assert sig.check("signature-file").reason == "ofd.signature_file_missing"


def test_package_paths() -> None:
    package = OfdPackage(
        zip_bytes(
            {"OFD.xml": b"<a/>", "Doc_0/Signs/Sign_0/Signature.xml": b"<b/>", "Doc_0/x.xml": b""}
        )
    )
    assert package.resolve("/Doc_0/x.xml") == "Doc_0/x.xml"
    assert (
        package.resolve("Sign_0/Signature.xml", "Doc_0/Signs/Signatures.xml")
        == "Doc_0/Signs/Sign_0/Signature.xml"
    )
    assert package.resolve("../x.xml", "Doc_0/Signs/Signatures.xml") == "Doc_0/x.xml"
    assert package.resolve("\\Doc_0\\x.xml") == "Doc_0/x.xml"
    assert package.resolve("../../OFD.xml", "Doc_0/a.xml") is None
    with pytest.raises(PackageError):
        package.read("missing.xml")


def test_signature_xml_helper_matches_files() -> None:
    files = base_files()
    assert signature_xml(files).count(b"<ofd:Reference ") == len(files)


@pytest.mark.parametrize("prefix", ["forged-zip", "pdf-header"])
def test_regression_bytes_prepended_to_a_sealed_ofd_fail(pki: Pki, esl: bytes, prefix: str) -> None:
    """zipfile skips a prefix silently: a forged ZIP in front of a sealed OFD had PASSED."""
    package = sealed_ofd(seal_value(pki, esl))
    if prefix == "forged-zip":
        forged = CONTENT_XML.replace(
            b'<ofd:Layer ID="2"/>', b'<ofd:Layer ID="2">FORGED</ofd:Layer>'
        )
        extra = zip_bytes({"OFD.xml": b"<a/>", "Doc_0/Pages/Page_0/Content.xml": forged})
    else:
        extra = b"%PDF-1.7\n% a polyglot\n"
    report = verify_ofd(extra + package, trust=pki.anchors, at=LATER)
    assert report.status is Status.FAILED
    assert "data was prepended" in _package_invalid(extra + package)
    assert verify_ofd(package, trust=pki.anchors, at=LATER).status is Status.PASSED


def test_member_names_equal_up_to_case_are_refused() -> None:
    data = zip_bytes([("OFD.xml", b"<a/>"), ("Doc_0/Page.xml", b"x"), ("doc_0/page.xml", b"y")])
    assert "up to case" in _package_invalid(data)
    nfd = "Doc_0/e\u0301.xml"  # e + combining acute: NFC-equal to the precomposed name below
    data = zip_bytes([("OFD.xml", b"<a/>"), (nfd, b"x"), ("Doc_0/\u00e9.xml", b"y")])
    assert "up to case" in _package_invalid(data)


def test_ambiguous_relative_path_resolves_to_nothing() -> None:
    from trustkit.seal import OfdPackage

    data = zip_bytes(
        {"OFD.xml": b"<a/>", "Doc_0/Signs/Sign_0/Page.xml": b"copy", "Page.xml": b"shown"}
    )
    package = OfdPackage(data)
    assert package.resolve("Page.xml", "Doc_0/Signs/Sign_0/Signature.xml") is None
    assert package.resolve("/Page.xml", "Doc_0/Signs/Sign_0/Signature.xml") == "Page.xml"


def test_a_look_alike_signature_list_is_not_exempt_from_coverage(pki: Pki, esl: bytes) -> None:
    """Only the signature lists OFD.xml names are exempt, not any file named *Signatures.xml."""
    package = replace_member(
        sealed_ofd(seal_value(pki, esl)), "Doc_0/Res/FakeSignatures.xml", b"<unprotected/>"
    )
    sig = only(verify_ofd(package, trust=pki.anchors, at=LATER))
    assert sig.check("coverage").reason == "ofd.unprotected_file"
    assert "Doc_0/Res/FakeSignatures.xml" in sig.check("coverage").detail
