"""Verification of seals and seal signatures made with a test PKI: one test per reason code.

Negative vectors that trustkit refuses to produce are assembled here with the SES schemas, or by
switching off the signing preconditions, then signed with the test keys.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from seal_support import SIGNING_TIME, T0, Pki, der_oid, leaf, make_pki, png

from trustkit import oids, sm2, x509
from trustkit.exceptions import MalformedInput
from trustkit.report import Status
from trustkit.seal import (
    CheckStatus,
    DocumentReport,
    Seal,
    SealPicture,
    SealSignature,
    _sign,
    load_seal,
    make_seal,
    sign_data,
    verify_seal,
    verify_seal_signature,
)
from trustkit.seal import _asn1_ses as asn1

CREATED = T0 + timedelta(days=10)
LATER = SIGNING_TIME + timedelta(days=30)
DOC = b"<ofd:Signature>the protected original</ofd:Signature>"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def new_seal(pki: Pki, maker: object = None, **kwargs: object) -> Seal:
    party = maker or pki.maker
    options: dict[str, object] = {
        "name": "验证测试章",
        "picture": SealPicture.from_image(png(), 40, 40),
        "signer_certs": [pki.signer.cert],
        "created_at": CREATED,
        "valid_to": CREATED + timedelta(days=365),
    }
    options.update(kwargs)
    return make_seal(party.key, party.cert, **options)  # type: ignore[arg-type, attr-defined]


def new_signature(pki: Pki, seal: Seal | None = None, **kwargs: object) -> SealSignature:
    options: dict[str, object] = {
        "property_info": "/Doc_0/Signs/Sign_0/Signature.xml",
        "at": SIGNING_TIME,
    }
    options.update(kwargs)
    return sign_data(seal or new_seal(pki), pki.signer.key, pki.signer.cert, DOC, **options)  # type: ignore[arg-type]


def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let sign_data produce signatures that break the GM/T 0031 preconditions."""
    monkeypatch.setattr(_sign, "_check_preconditions", lambda *args: None)


# --- passing ------------------------------------------------------------------------------------


def test_made_signature_passes_with_trust(pki: Pki) -> None:
    report = verify_seal_signature(new_signature(pki), data=DOC, trust=pki.anchors, at=LATER)
    assert report.status is Status.PASSED, report.to_text()
    assert report.check("timestamp").reason == "sig.time_not_attested"  # a warning only
    assert report.check("seal-validity-at-signing").status is CheckStatus.PASSED


def test_without_trust_anchors_it_is_indeterminate(pki: Pki) -> None:
    report = verify_seal_signature(new_signature(pki), data=DOC, at=LATER)
    assert report.status is Status.INDETERMINATE
    undecided = {c.reason for c in report.checks if c.status is CheckStatus.INDETERMINATE}
    assert undecided == {"sig.signer_cert_untrusted", "seal.maker_cert_untrusted"}


def test_seal_passes_inside_its_window_and_fails_outside(pki: Pki) -> None:
    seal = new_seal(pki)
    assert verify_seal(seal, trust=pki.anchors, at=SIGNING_TIME).status is Status.PASSED
    early = verify_seal(seal.der, trust=pki.anchors, at=CREATED - timedelta(days=1))
    assert early.check("seal-validity").reason == "seal.not_yet_valid"
    late = verify_seal(seal.der, trust=pki.anchors, at=CREATED + timedelta(days=400))
    assert late.check("seal-validity").reason == "seal.expired"


def test_cert_digest_list_passes(pki: Pki) -> None:
    sig = new_signature(pki, new_seal(pki, cert_digests=True))
    report = verify_seal_signature(sig, data=DOC, trust=pki.anchors, at=LATER)
    assert report.check("signer-in-certlist").status is CheckStatus.PASSED
    assert report.status is Status.PASSED


def test_report_json_shape(pki: Pki) -> None:
    report = verify_seal_signature(new_signature(pki), data=DOC, trust=pki.anchors, at=LATER)
    document = DocumentReport("file", (), (report,))
    data = json.loads(document.to_json())
    assert next(iter(data)) == "status" and data["status"] == "PASSED"
    assert data["signatures"][0]["status"] == "PASSED"
    first = data["signatures"][0]["checks"][0]
    assert {"name", "status", "reason"} <= set(first)
    assert document.to_text().startswith("PASSED: file")
    with pytest.raises(AttributeError):
        report.subject = "x"  # type: ignore[misc]


def test_empty_document_report_is_not_passed() -> None:
    assert DocumentReport("nothing", (), ()).status is Status.FAILED


# --- failures -------------------------------------------------------------------------------------


def test_data_hash_mismatch(pki: Pki) -> None:
    report = verify_seal_signature(new_signature(pki), data=DOC + b" ", trust=pki.anchors, at=LATER)
    assert report.check("data-hash").reason == "sig.data_hash_mismatch"
    assert report.status is Status.FAILED


def test_tampered_tbs(pki: Pki) -> None:
    der = bytearray(new_signature(pki).der)
    index = der.index(b"/Doc_0/Signs")
    der[index + 1] = ord("X")
    report = verify_seal_signature(bytes(der), data=DOC, trust=pki.anchors, at=LATER)
    assert report.check("signature").reason == "sig.signature_invalid"


def test_tampered_embedded_seal(pki: Pki) -> None:
    der = bytearray(new_signature(pki).der)
    index = der.index("验证测试章".encode())
    der[index + 2] ^= 0x01
    report = verify_seal_signature(bytes(der), data=DOC, trust=pki.anchors, at=LATER)
    assert report.check("seal-signature").reason == "seal.signature_invalid"
    assert report.check("signature").reason == "sig.signature_invalid"


def test_signer_not_in_cert_list(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    unchecked(monkeypatch)
    sig = sign_data(
        new_seal(pki), pki.other.key, pki.other.cert, DOC, property_info="x", at=SIGNING_TIME
    )
    report = verify_seal_signature(sig, data=DOC, trust=pki.anchors, at=LATER)
    assert report.check("signer-in-certlist").reason == "sig.signer_not_in_seal_certlist"
    assert report.check("signature").status is CheckStatus.PASSED


def test_signer_cert_not_valid_at_signing(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    unchecked(monkeypatch)
    short = leaf("CN=Short Lived", pki.root, days=30)
    seal = new_seal(pki, signer_certs=[short.cert])
    sig = sign_data(seal, short.key, short.cert, DOC, property_info="x", at=SIGNING_TIME)
    report = verify_seal_signature(sig, data=DOC, trust=pki.anchors, at=LATER)
    assert report.check("signer-certificate").reason == "sig.signer_cert_not_valid_at_signing"


def test_seal_not_valid_at_signing(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    unchecked(monkeypatch)
    seal = new_seal(pki, valid_to=CREATED + timedelta(days=20))
    report = verify_seal_signature(new_signature(pki, seal), data=DOC, trust=pki.anchors, at=LATER)
    assert report.check("seal-validity-at-signing").reason == "sig.seal_not_valid_at_signing_time"


def test_signer_revoked_before_and_after_signing(pki: Pki) -> None:
    sig = new_signature(pki)
    serial = pki.signer.cert.serial_number
    for when, reason, status in (
        (SIGNING_TIME - timedelta(days=1), "sig.signer_cert_revoked_before_signing", Status.FAILED),
        (SIGNING_TIME + timedelta(days=1), "sig.signer_cert_revoked_after_signing", Status.PASSED),
    ):
        crl = x509.build_crl(
            pki.root.cert,
            pki.root.key,
            [(serial, when)],
            this_update=LATER - timedelta(days=1),
            next_update=LATER + timedelta(days=30),
        )
        report = verify_seal_signature(sig, data=DOC, trust=pki.anchors, crls=[crl], at=LATER)
        assert reason in report.reasons, report.to_text()
        assert report.status is status


def test_maker_revoked_before_creation(pki: Pki) -> None:
    crl = x509.build_crl(
        pki.root.cert,
        pki.root.key,
        [(pki.maker.cert.serial_number, CREATED - timedelta(days=1))],
        this_update=CREATED,
        next_update=CREATED + timedelta(days=500),
    )
    report = verify_seal(new_seal(pki), trust=pki.anchors, crls=[crl], at=SIGNING_TIME)
    assert report.check("seal-maker-certificate").reason == "seal.maker_cert_revoked"


@pytest.mark.parametrize(("version", "status"), [(4, CheckStatus.FAILED), (5, CheckStatus.WARNING)])
def test_maker_cert_lapsing_after_creation(pki: Pki, version: int, status: CheckStatus) -> None:
    maker = leaf("CN=Brief Maker", pki.root, days=30)
    seal = new_seal(pki, maker=maker, version=version)
    report = verify_seal_signature(new_signature(pki, seal), data=DOC, trust=pki.anchors, at=LATER)
    at_use = report.check("seal-maker-certificate-at-use")
    assert at_use.status is status
    expected = (
        "seal.maker_cert_expired" if version == 4 else "seal.maker_cert_invalid_after_creation"
    )
    assert at_use.reason == expected
    assert report.check("seal-maker-certificate").status is CheckStatus.PASSED


def test_maker_without_signing_key_usage(pki: Pki) -> None:
    bad_key = sm2.generate_private_key()
    cert = x509.issue_certificate(
        "CN=CA-only maker",
        bad_key.public_key(),
        pki.root.key,
        pki.root.cert,
        not_before=T0,
        days=3650,
        key_usage={"keyEncipherment"},
    )
    seal_der = _resign_seal(new_seal(pki), bad_key, cert)
    report = verify_seal(seal_der, trust=pki.anchors, at=SIGNING_TIME)
    assert report.check("seal-maker-key-usage").reason == "seal.maker_cert_key_usage"
    assert report.check("seal-signature").status is CheckStatus.PASSED


def test_wrong_generation_preimage(pki: Pki) -> None:
    seal = new_seal(pki)
    value = asn1.SESSealV4.load(seal.der)
    signature = pki.maker.key.sign(seal.other_generation_bytes)
    rebuilt = _seal_bytes(value["eseal_info"], pki.maker.cert.der, signature)
    report = verify_seal(rebuilt, trust=pki.anchors, at=SIGNING_TIME)
    assert report.check("seal-signature").reason == "seal.preimage_wrong_generation"


def test_algorithm_unsupported(pki: Pki) -> None:
    der = new_seal(pki).der.replace(der_oid(oids.SM2_WITH_SM3), der_oid("1.2.156.10197.1.502"))
    report = verify_seal(der, trust=pki.anchors, at=SIGNING_TIME)
    assert report.check("seal-signature").reason == "seal.algorithm_unsupported"


def test_unknown_certlist_digest_algorithm(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    unchecked(monkeypatch)
    from trustkit.seal import _make

    monkeypatch.setattr(_make, "CERT_DIGEST_TYPE", "MD5")
    seal = new_seal(pki, cert_digests=True)
    report = verify_seal_signature(new_signature(pki, seal), data=DOC, trust=pki.anchors, at=LATER)
    assert report.check("signer-in-certlist").reason == "sig.certlist_digest_alg_unknown"


def test_signing_time_in_the_future_is_a_warning(pki: Pki) -> None:
    report = verify_seal_signature(
        new_signature(pki), data=DOC, trust=pki.anchors, at=SIGNING_TIME - timedelta(hours=1)
    )
    assert report.check("signing-time").reason == "sig.signing_time_in_future"


def test_untagged_optional_fields_are_accepted_with_a_warning(pki: Pki) -> None:
    """OfdSharp writes TBS_Sign.extDatas and timeStamp untagged (spec §4.1)."""
    seal = new_seal(pki)
    ext = asn1.ExtensionDatas([{"extn_id": "1.2.3.4", "extn_value": b"v"}])
    tbs = asn1.TBSSignV4(
        {
            "version": 4,
            "eseal": asn1.SESSealV4.load(seal.der),
            "time_info": _gt(SIGNING_TIME),
            "data_hash": _bits(_sm3(DOC)),
            "property_info": "x",
            "ext_datas": ext,
        }
    )
    signature = pki.signer.key.sign(tbs.dump())
    der = asn1.SESSignatureV4(
        {
            "to_sign": tbs,
            "cert": pki.signer.cert.der,
            "signature_alg_id": oids.SM2_WITH_SM3,
            "signature": _bits(signature),
            "timestamp": _bits(b"not a token"),
        }
    ).dump()
    report = verify_seal_signature(der, data=DOC, trust=pki.anchors, at=LATER)
    untagged = [c for c in report.checks if c.reason == "encoding.untagged_optional"]
    assert untagged and "TBS_Sign.extDatas" in untagged[0].detail
    assert report.check("signature").status is CheckStatus.PASSED
    assert report.check("timestamp").reason == "sig.timestamp_invalid"


def test_malformed_input(pki: Pki) -> None:
    with pytest.raises(MalformedInput):
        verify_seal(b"not DER at all")
    with pytest.raises(MalformedInput):
        verify_seal_signature(b"\x30\x05\x02")
    assert verify_seal(b"\x30\x03\x02\x01\x05").check("seal-format").reason == "seal.malformed"
    sig_as_seal = verify_seal(new_signature(pki).der)
    assert sig_as_seal.check("seal-format").reason == "seal.malformed"
    seal_as_sig = verify_seal_signature(new_seal(pki).der)
    assert seal_as_sig.check("format").reason == "sig.malformed"
    with pytest.raises(MalformedInput, match="elements"):
        load_seal(b"\x30\x03\x02\x01\x05")


# --- helpers ---------------------------------------------------------------------------------


def _gt(moment: object) -> object:
    from trustkit.seal._der import generalized_time

    return generalized_time(moment)  # type: ignore[arg-type]


def _bits(data: bytes) -> object:
    from asn1crypto import core

    return core.OctetBitString(data)


def _sm3(data: bytes) -> bytes:
    from trustkit.sm3 import sm3

    return sm3(data)


def _seal_bytes(info: object, cert_der: bytes, signature: bytes) -> bytes:
    value = asn1.SESSealV4(
        {
            "eseal_info": info,
            "cert": cert_der,
            "sign_alg_id": oids.SM2_WITH_SM3,
            "signed_value": _bits(signature),
        }
    )
    return bytes(value.dump())


def _resign_seal(seal: Seal, key: sm2.SM2PrivateKey, cert: x509.Certificate) -> bytes:
    info = asn1.SESSealV4.load(seal.der)["eseal_info"]
    return _seal_bytes(info, cert.der, key.sign(seal.seal_info_der))
