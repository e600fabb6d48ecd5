"""Every expectation of ../shared/interop/ofdrw/README.md, file by file.

The README's outcomes were established with OpenSSL and gmalglib; the maker-signature
preimages are re-checked here with gmalglib as well, from the spec (§5), without trustkit's
parser. Files that must fail must fail with the documented reason, and never raise.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from types import ModuleType

import pytest
from seal_support import bit_string_value, der_to_raw, fixture, public_point, tlv_children

from trustkit import seal, x509
from trustkit.report import Status
from trustkit.seal import CheckStatus, SignatureReport
from trustkit.sm3 import sm3

PASSED, FAILED, WARNING = CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.WARNING
INDETERMINATE = CheckStatus.INDETERMINATE


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def only_signature(name: str, **kwargs: object) -> SignatureReport:
    report = seal.verify_ofd(fixture(name), **kwargs)  # type: ignore[arg-type]
    assert len(report.signatures) == 1
    return report.signatures[0]


def statuses(report: SignatureReport) -> dict[str, set[CheckStatus]]:
    out: dict[str, set[CheckStatus]] = {}
    for check in report.checks:
        out.setdefault(check.name, set()).add(check.status)
    return out


def reasons(report: SignatureReport) -> set[str]:
    return {c.reason for c in report.checks}


# --- 1.ofd: Zhejiang tax e-invoice ------------------------------------------------------------


@pytest.fixture(scope="module")
def zhejiang() -> SignatureReport:
    return only_signature("1.ofd")


def zhejiang_signature() -> seal.SealSignature:
    with zipfile.ZipFile(io.BytesIO(fixture("1.ofd"))) as archive:
        return seal.load_seal_signature(archive.read("Doc_0/Signs/Sign_0/SignedValue.dat"))


def test_1ofd_crypto_all_valid_and_only_trust_undecided(zhejiang: SignatureReport) -> None:
    for name in ("signature", "seal-signature", "data-hash", "references", "signer-in-certlist"):
        assert zhejiang.check(name).status is PASSED, name
    assert zhejiang.check("references").detail.startswith("13/13 match")
    assert zhejiang.check("signer-certificate").reason == "sig.signer_cert_untrusted"
    assert zhejiang.check("seal-maker-certificate").reason == "seal.maker_cert_untrusted"
    assert not [c for c in zhejiang.checks if c.status is FAILED]
    assert zhejiang.status is Status.INDETERMINATE  # chain not checkable offline


def test_1ofd_times_are_inside_every_window(zhejiang: SignatureReport) -> None:
    assert zhejiang.check("signing-time").detail == "claimed 2020-07-23T13:09:07+00:00"
    assert zhejiang.check("seal-validity-at-signing").status is PASSED
    assert zhejiang.check("seal-maker-certificate-at-use").status is PASSED
    assert zhejiang.check("timestamp").reason == "sig.time_not_attested"


def test_1ofd_local_midnight_createdate_is_only_a_warning(zhejiang: SignatureReport) -> None:
    flagged = [c for c in zhejiang.checks if c.reason == "seal.dates_inconsistent"]
    assert [c.status for c in flagged] == [WARNING]


def test_1ofd_non_der_extension_verified_as_received(zhejiang: SignatureReport) -> None:
    flagged = [c for c in zhejiang.checks if c.reason == "encoding.non_canonical_der"]
    assert flagged and all(c.status is WARNING for c in flagged)
    assert zhejiang.check("seal-signature").status is PASSED


def test_1ofd_fields() -> None:
    sig = zhejiang_signature()
    s = sig.seal
    assert (sig.generation, s.generation, s.vid, s.es_id, s.seal_type) == (
        4,
        4,
        "GOMAIN",
        "33010600000001",
        3,
    )
    assert s.name == "国家税务总局浙江省税务局"
    assert (s.cert_list_type, len(s.certificates)) == (1, 1)
    assert s.certificates[0] == sig.signer_cert_der
    assert (s.create_date, s.valid_start, s.valid_end) == (
        utc(2019, 10, 24),
        utc(2019, 10, 23, 16),
        utc(2023, 5, 28, 16),
    )
    assert (s.picture.type, s.picture.width_mm, s.picture.height_mm) == ("ofd", 30, 20)
    assert len(s.picture.data) == 2433 and s.picture.detected_format == "ofd"
    assert [(e.oid, e.critical) for e in s.extensions] == [("1.2.156.10197.6.7.2.2.1", False)]
    assert b"2.1" in s.extensions[0].value
    assert (sig.time_info, sig.time_info_form) == (utc(2020, 7, 23, 13, 9, 7), "generalized_time")
    assert sig.timestamp is None and sig.extensions == ()
    assert sig.property_info == "/Doc_0/Signs/Sign_0/Signature.xml"
    assert (len(s.signature), len(sig.signature)) == (70, 71)


def test_1ofd_certificates_and_the_04_key_regression() -> None:
    sig = zhejiang_signature()
    maker = sig.seal.maker_certificate()
    assert "CN=国家税务总局电子印章制作系统" in maker.subject
    assert "CN=税务电子证书管理中心(SM2)" in maker.issuer
    assert (maker.not_before, maker.not_after) == (utc(2019, 10, 16), utc(2022, 10, 16))
    assert maker.public_key().public_bytes_raw()[:4] == bytes.fromhex("0404ce49")
    assert "CN=浙江省税务监制章电子证书" in sig.signer_certificate().subject


def test_1ofd_signature_xml_facts(zhejiang: SignatureReport) -> None:
    ofd = zhejiang.facts["ofd"]
    assert ofd["provider"] == {
        "ProviderName": "gomain_eseal",
        "Version": "2.0",
        "Company": "gomain",
    }
    assert ofd["signature_method"] == "1.2.156.10197.1.501"
    assert ofd["signature_datetime"] == "20200723130907.763Z"
    assert ofd["signature_datetime_parsed"] == "2020-07-23T13:09:07.763000+00:00"
    assert ofd["check_method"] == "1.2.156.10197.1.401"
    assert ofd["stamp_annots"] == [
        {"id": "1", "page_ref": "1", "boundary": [90.0, 8.0, 30.0, 20.0]}
    ]
    assert ofd["type"] == "Seal" and ofd["id"] == "2"
    assert zhejiang.check("stamp-page").status is PASSED
    assert zhejiang.check("display").status is PASSED


def test_1ofd_datahash_is_sm3_of_signature_xml() -> None:
    with zipfile.ZipFile(io.BytesIO(fixture("1.ofd"))) as archive:
        xml = archive.read("Doc_0/Signs/Sign_0/Signature.xml")
    assert zhejiang_signature().data_hash == sm3(xml)
    assert sm3(xml).hex().startswith("8d6320bb")


def test_1ofd_picture_extraction() -> None:
    pictures = seal.ofd_seal_pictures(fixture("1.ofd"))
    assert list(pictures) == ["2"]
    assert pictures["2"].data.startswith(b"PK\x03\x04") and pictures["2"].suffix == ".ofd"


# --- v4signed.ofd: Chongqing test invoice seal -------------------------------------------------


def test_v4signed_all_pass_but_trust() -> None:
    report = only_signature("v4signed.ofd")
    assert not [c for c in report.checks if c.status is FAILED]
    assert report.status is Status.INDETERMINATE
    assert report.check("references").detail.startswith("13/13 match")
    assert report.check("data-hash").status is PASSED
    assert report.facts["ofd"]["signature_datetime"] == "20201010151120"
    assert report.facts["ofd"]["provider"]["Company"] == "BW"


def test_v4signed_signer_valid_hours_before_signing() -> None:
    with zipfile.ZipFile(io.BytesIO(fixture("v4signed.ofd"))) as archive:
        sig = seal.load_seal_signature(archive.read("Doc_0/Signs/Sign_0/SignedValue.dat"))
    cert = sig.signer_certificate()
    assert cert.not_before == utc(2020, 10, 10)
    assert sig.time_info == utc(2020, 10, 10, 7, 11, 20)
    assert (sig.time_info - cert.not_before).total_seconds() < 8 * 3600
    report = seal.verify_seal_signature(sig, at=utc(2021, 1, 1))
    assert (
        report.check("signer-certificate").reason == "sig.signer_cert_untrusted"
    )  # not "not valid"
    assert sig.seal.es_id == "50011200000399" and sig.seal.picture.type == "ofd"
    assert len(sig.seal.picture.data) == 2430
    assert "CN=税务测试CA2(SM2)" in sig.seal.maker_certificate().issuer


# --- n.ofd: dms360 v1, rewritten after signing --------------------------------------------------


@pytest.fixture(scope="module")
def dms360() -> SignatureReport:
    return only_signature("n.ofd")


def test_nofd_fails_cleanly_with_the_documented_reasons(dms360: SignatureReport) -> None:
    assert dms360.status is Status.FAILED
    assert dms360.check("seal-signature").status is PASSED  # (a) valid over the v1 preimage
    assert dms360.check("seal-signature").detail == "SM2 over SEQ{SES_SealInfo, cert, alg}"
    assert dms360.check("signature").reason == "sig.signature_invalid"  # (b)
    assert "dataHash used as the digest e" in dms360.check("signature").detail
    assert dms360.check("data-hash").reason == "sig.data_hash_mismatch"  # (c)
    assert dms360.check("signer-in-certlist").reason == "sig.signer_not_in_seal_certlist"  # (d)
    assert dms360.check("references").reason == "ofd.check_method_unsupported"  # (e)
    assert "0/6 match plain SM3" in dms360.check("references").detail


def test_nofd_times_hold(dms360: SignatureReport) -> None:
    assert dms360.check("signing-time").status is PASSED
    assert dms360.check("seal-validity-at-signing").status is PASSED
    assert dms360.check("seal-maker-certificate-at-use").status is PASSED
    assert dms360.check("signer-certificate").reason == "sig.signer_cert_untrusted"


def test_nofd_oddities_are_reported(dms360: SignatureReport) -> None:
    by_reason = {c.reason: c for c in dms360.checks}
    assert by_reason["seal.certlist_entry_invalid"].status is WARNING
    assert by_reason["seal.unknown_critical_extension"].status is WARNING
    assert "1.3.6.1.4.1.54706.1" in by_reason["seal.unknown_critical_extension"].detail
    assert dms360.check("seal-file").status is PASSED  # Seal.esl equals the embedded seal
    assert dms360.check("stamp-page").status is PASSED  # PageRef 1021 is a page ID
    assert dms360.facts["ofd"]["provider"]["Company"] == "dms360.cn"  # child elements
    assert dms360.facts["ofd"]["signature_xml"] == "Doc_0/Signs/Sign_0/Signature.xml"
    assert dms360.facts["time_info_form"] == "text"


def test_nofd_fields() -> None:
    with zipfile.ZipFile(io.BytesIO(fixture("n.ofd"))) as archive:
        sig = seal.load_seal_signature(archive.read("Doc_0/Signs/Sign_0/SignedValue.dat"))
        seal_file = archive.read("Doc_0/Signs/Sign_0/Seal.esl")
    assert sig.generation == 1 and sig.seal.generation == 1
    assert sig.seal_der == seal_file
    assert sig.time_info_text == "2020-01-25T07:31:56.377Z"
    assert sig.time_info == datetime(2020, 1, 25, 7, 31, 56, 377000, tzinfo=UTC)
    assert sig.seal.certificates == () and sig.seal.vid == "dms360.cn"
    assert (sig.seal.create_date, sig.seal.valid_end) == (
        utc(2019, 12, 18, 12, 53, 46),
        utc(2029, 12, 18, 12, 53, 46),
    )
    assert [(e.oid, e.critical, e.value) for e in sig.seal.extensions] == [
        ("1.3.6.1.4.1.54706.1", True, b"dms360.cn")
    ]
    assert sig.seal.maker_cert_der == sig.signer_cert_der  # same self-signed certificate
    assert (sig.seal.picture.width_mm, len(sig.seal.picture.data)) == (33, 29192)


def test_nofd_with_the_self_signed_cert_anchored() -> None:
    with zipfile.ZipFile(io.BytesIO(fixture("n.ofd"))) as archive:
        sig = seal.load_seal_signature(archive.read("Doc_0/Signs/Sign_0/SignedValue.dat"))
    anchors = x509.TrustAnchors([sig.signer_certificate()])
    report = only_signature("n.ofd", trust=anchors)
    assert report.check("signer-certificate").status is PASSED
    assert report.check("seal-maker-certificate").status is PASSED
    assert report.status is Status.FAILED


# --- standalone seals ----------------------------------------------------------------------------


def test_sesealdata_fails_signature_and_maker_cert() -> None:
    report = seal.verify_seal(fixture("SESealData.DER"), at=utc(2021, 1, 1))
    assert report.status is Status.FAILED
    assert report.check("seal-signature").reason == "seal.signature_invalid"
    assert report.check("seal-maker-certificate").reason == "seal.maker_cert_expired"
    unknown = [c for c in report.checks if c.reason == "seal.unknown_critical_extension"]
    assert unknown and "1.2.156.112600.7.2" in unknown[0].detail
    strict = seal.verify_seal(fixture("SESealData.DER"), at=utc(2021, 1, 1), strict_extensions=True)
    assert strict.check("seal-extensions").status is FAILED


def test_sesealdata_fields() -> None:
    s = seal.load_seal(fixture("SESealData.DER"))
    assert (s.generation, s.vid, s.es_id, s.seal_type) == (4, "Vid HebeiGede", "esID130600", 4)
    assert s.name == "测试单位名称 合同专用章"
    assert (s.picture.type, s.picture.width_mm, len(s.picture.data)) == ("GIF", 42, 5911)
    assert len(s.certificates) == 2 and s.certificates[0] == s.certificates[1] == s.maker_cert_der
    assert [(e.oid, e.critical) for e in s.extensions] == [
        ("1.2.156.112600.7.1", False),
        ("1.2.156.112600.7.2", True),
        ("1.2.156.112600.7.3", False),
    ]
    assert s.extensions[2].value == b"HeBeiBaoDingShiCeShiDanWeiMingCheng"
    assert "encoding.non_canonical_der" in {code for code, _ in s.notes}
    maker = s.maker_certificate()
    assert maker.not_after == utc(2019, 1, 2, 1, 32, 18) < s.create_date


@pytest.mark.parametrize(
    ("name", "generation", "esid", "created"),
    [
        ("UserV1.esl", 1, "40C8CDD24DEF43388B86E62CCE1D6832", utc(2020, 4, 22, 2, 18, 7)),
        ("UserV4.esl", 4, "51f044b76510434e9bc67a1185c2fba5", utc(2020, 4, 22, 2, 9)),
    ],
)
def test_ofdrw_seals_v1_v4_valid(name: str, generation: int, esid: str, created: datetime) -> None:
    s = seal.load_seal(fixture(name))
    assert (s.generation, s.es_id, s.create_date, s.vid) == (
        generation,
        esid,
        created,
        "OFDR&WTest",
    )
    assert (s.picture.type, s.picture.width_mm, s.picture.height_mm) == ("PNG", 40, 40)
    assert len(s.picture.data) == 15693 and s.extensions == ()
    assert [f"{c.serial_number:x}" for c in s.signer_certificates()] == ["1719d2dab60"]
    assert f"{s.maker_certificate().serial_number:x}" == "1719d2e201d"
    inside = seal.verify_seal(s, at=utc(2021, 1, 1))
    assert inside.status is Status.INDETERMINATE
    assert inside.check("seal-signature").status is PASSED
    assert inside.check("seal-maker-certificate").reason == "seal.maker_cert_untrusted"
    after = seal.verify_seal(s, at=utc(2022, 5, 1))  # the seal window ended 2022-04-22
    assert after.check("seal-validity").reason == "seal.expired"


def test_ofdrw_v5_seal_signature_valid_certificate_fails() -> None:
    s = seal.load_seal(fixture("UserV5.esl"))
    assert (s.generation, s.header_version, s.vid, s.timestamp) == (5, 5, "OFDR&WTestV5", None)
    assert s.es_id == "09aaf39291e049e4b3d716414590937e"
    report = seal.verify_seal(s, at=utc(2027, 1, 1))
    assert report.check("seal-signature").status is PASSED
    assert report.check("seal-maker-certificate").reason == "seal.maker_cert_expired"
    assert report.check("seal-maker-certificate-at-use").status is WARNING
    assert report.status is Status.FAILED


def test_signedvaluev4() -> None:
    sig = seal.load_seal_signature(fixture("SignedValueV4.dat"))
    assert (sig.generation, sig.version, sig.timestamp, sig.extensions) == (4, 4, None, ())
    assert sig.seal_der == fixture("UserV4.esl")
    assert sig.time_info == utc(2020, 10, 12, 11, 14, 3)
    assert sig.data_hash == bytes(32)
    report = seal.verify_seal_signature(sig, at=utc(2021, 1, 1))
    for name in ("signature", "seal-signature", "signer-in-certlist", "seal-validity-at-signing"):
        assert report.check(name).status is PASSED, name
    assert report.check("data-hash-value").reason == "sig.data_hash_all_zero"
    assert report.check("data-hash").status is INDETERMINATE
    paired = seal.verify_seal_signature(sig, data=b"<any document/>", at=utc(2021, 1, 1))
    assert paired.check("data-hash").reason == "sig.data_hash_mismatch"
    assert paired.status is Status.FAILED


# --- independent confirmation of the preimages (spec §5), with gmalglib ------------------------


@pytest.mark.parametrize(
    ("name", "v1_valid"),
    [("UserV1.esl", True), ("UserV4.esl", False), ("UserV5.esl", False), ("SESealData.DER", None)],
)
def test_maker_preimage_with_gmalglib(
    gmalglib: ModuleType, name: str, v1_valid: bool | None
) -> None:
    data = fixture(name)
    parts = tlv_children(data)
    info = parts[0]
    if len(parts) == 2:
        cert, alg, sig = tlv_children(parts[1].raw)
    else:
        cert, alg, sig = parts[1], parts[2], parts[3]
    v1_preimage = (
        b"\x30" + _der_length(len(info.raw + cert.raw + alg.raw)) + info.raw + cert.raw + alg.raw
    )
    pub = public_point(cert.contents)
    rs = der_to_raw(bit_string_value(sig))
    over_v1 = gmalglib.verify(pub, v1_preimage, rs)
    over_v4 = gmalglib.verify(pub, info.raw, rs)
    if v1_valid is None:
        assert not over_v1 and not over_v4
    else:
        assert (over_v1, over_v4) == (v1_valid, not v1_valid)
    trustkit_says = seal.verify_seal(data, at=utc(2021, 1, 1)).check("seal-signature").status
    assert (trustkit_says is PASSED) == (over_v1 or over_v4)


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    size = (n.bit_length() + 7) // 8
    return bytes([0x80 | size]) + n.to_bytes(size, "big")
