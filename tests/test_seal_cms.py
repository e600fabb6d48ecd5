"""GB/T 35275 SignedData (spec §8): trustkit's variant A, and the field variants built by hand.

Variant B (digest as content, raw r‖s, the Shandong form) and its Base64 form are assembled
here from the spec with a DER builder and signed by gmalglib, so their acceptance is checked
against an independent producer.
"""

from __future__ import annotations

import base64
from types import ModuleType

import pytest
from oracles import reference
from seal_support import (
    SIGNING_TIME,
    Pki,
    der,
    der_int,
    der_octets,
    der_oid,
    der_seq,
    der_set,
    der_to_raw,
    explicit,
    make_pki,
    public_point,
    tlv_children,
)

from trustkit import oids
from trustkit.report import Status
from trustkit.seal import CheckStatus, sign_signed_data, verify_signed_data

DATA = b"<ofd:Signature>signed by GB/T 35275</ofd:Signature>"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def test_variant_a_passes_and_is_independently_valid(pki: Pki, gmalglib: ModuleType) -> None:
    signed = sign_signed_data(DATA, pki.signer.key, pki.signer.cert, at=SIGNING_TIME)
    report = verify_signed_data(signed, data=DATA, trust=pki.anchors, at=SIGNING_TIME)
    assert report.status is Status.PASSED, report.to_text()
    assert (report.facts["variant"], report.facts["signature_encoding"]) == (
        "signed_attributes",
        "der",
    )
    content_type, body = tlv_children(signed)
    assert content_type.raw == der_oid(oids.GM_CMS_SIGNED_DATA)
    fields = tlv_children(tlv_children(body.raw)[0].raw)
    signer = tlv_children(tlv_children(fields[-1].raw)[0].raw)
    attrs, signature = signer[3], signer[5]
    assert attrs.cls == 2 and attrs.tag == 0
    preimage = b"\x31" + attrs.raw[1:]
    assert gmalglib.verify(
        public_point(pki.signer.cert.der), preimage, der_to_raw(signature.contents)
    )
    digests = [tlv_children(a.raw) for a in tlv_children(attrs.raw)]
    found = {d[0].raw: tlv_children(d[1].raw)[0].contents for d in digests}
    assert found[der_oid(oids.PKCS9_MESSAGE_DIGEST)] == reference.sm3(DATA)


def _signer_info(pki: Pki, signature: bytes, algorithm: str, attrs: bytes = b"") -> bytes:
    cert_fields = tlv_children(tlv_children(pki.signer.cert.der)[0].raw)
    serial, issuer = cert_fields[1], cert_fields[3]
    return der_seq(
        der_int(1),
        der_seq(issuer.raw, serial.raw),
        der_seq(der_oid(oids.SM3)),
        attrs,
        der_seq(der_oid(algorithm)),
        der_octets(signature),
    )


def variant_b(
    pki: Pki, gmalglib: ModuleType, content: bytes, *, wrapped: bool = True, raw: bool = True
) -> bytes:
    rs = gmalglib.sign(pki.signer.key.private_bytes_raw(), content)
    value = rs if raw else _der_sig(rs)
    signed_data = der_seq(
        der_int(1),
        der_set(der_seq(der_oid(oids.SM3))),
        der_seq(der_oid(oids.GM_CMS_DATA), explicit(0, der_octets(content))),
        der(0xA0, pki.signer.cert.der),
        der_set(_signer_info(pki, value, oids.SM2_WITH_SM3)),
    )
    if not wrapped:
        return signed_data
    return der_seq(der_oid(oids.GM_CMS_SIGNED_DATA), explicit(0, signed_data))


def _der_sig(rs: bytes) -> bytes:
    return der_seq(der_int(int.from_bytes(rs[:32], "big")), der_int(int.from_bytes(rs[32:], "big")))


@pytest.mark.parametrize(
    ("wrapped", "raw", "encoding"),
    [(True, True, "raw_rs"), (False, True, "raw_rs"), (True, False, "der")],
)
def test_variant_b_digest_as_content(
    pki: Pki, gmalglib: ModuleType, wrapped: bool, raw: bool, encoding: str
) -> None:
    signed = variant_b(pki, gmalglib, reference.sm3(DATA), wrapped=wrapped, raw=raw)
    report = verify_signed_data(signed, data=DATA, trust=pki.anchors, at=SIGNING_TIME)
    assert report.status is Status.PASSED, report.to_text()
    assert report.facts["variant"] == "digest_content"
    assert report.facts["signature_encoding"] == encoding
    assert report.facts["wrapped"] is wrapped


def test_variant_b_base64(pki: Pki, gmalglib: ModuleType) -> None:
    signed = variant_b(pki, gmalglib, base64.b64encode(reference.sm3(DATA)))
    report = verify_signed_data(signed, data=DATA, trust=pki.anchors, at=SIGNING_TIME)
    assert report.facts["variant"] == "digest_content_base64"
    assert report.status is Status.PASSED


def test_content_digest_mismatch(pki: Pki, gmalglib: ModuleType) -> None:
    signed = variant_b(pki, gmalglib, reference.sm3(b"something else"))
    report = verify_signed_data(signed, data=DATA, trust=pki.anchors, at=SIGNING_TIME)
    assert report.check("content-digest").reason == "cms.content_digest_mismatch"
    assert report.check("signature").status is CheckStatus.PASSED
    a = sign_signed_data(DATA, pki.signer.key, pki.signer.cert, at=SIGNING_TIME)
    other = verify_signed_data(a, data=DATA + b"x", trust=pki.anchors, at=SIGNING_TIME)
    assert other.check("content-digest").reason == "cms.content_digest_mismatch"


def test_signature_invalid(pki: Pki) -> None:
    signed = bytearray(sign_signed_data(DATA, pki.signer.key, pki.signer.cert, at=SIGNING_TIME))
    signed[-5] ^= 0x01
    report = verify_signed_data(bytes(signed), data=DATA, trust=pki.anchors, at=SIGNING_TIME)
    assert report.check("signature").reason in ("cms.signature_invalid",)


def test_signer_certificate_missing(pki: Pki, gmalglib: ModuleType) -> None:
    rs = gmalglib.sign(pki.signer.key.private_bytes_raw(), reference.sm3(DATA))
    signed_data = der_seq(
        der_int(1),
        der_set(der_seq(der_oid(oids.SM3))),
        der_seq(der_oid(oids.GM_CMS_DATA), explicit(0, der_octets(reference.sm3(DATA)))),
        der_set(_signer_info(pki, rs, oids.SM2_WITH_SM3)),
    )
    report = verify_signed_data(signed_data, data=DATA, trust=pki.anchors, at=SIGNING_TIME)
    assert report.check("signer-certificate-present").reason == "cms.signer_cert_missing"
    found = verify_signed_data(
        signed_data, data=DATA, trust=pki.anchors, intermediates=[pki.signer.cert], at=SIGNING_TIME
    )
    assert found.check("signature").status is CheckStatus.PASSED


def test_untrusted_and_malformed(pki: Pki) -> None:
    signed = sign_signed_data(DATA, pki.signer.key, pki.signer.cert, at=SIGNING_TIME)
    assert verify_signed_data(signed, data=DATA, at=SIGNING_TIME).status is Status.INDETERMINATE
    assert verify_signed_data(b"\x30\x00").check("format").reason == "cms.malformed"
    assert verify_signed_data(b"garbage").check("format").reason == "cms.malformed"
    undecided = verify_signed_data(signed, trust=pki.anchors, at=SIGNING_TIME)
    assert undecided.check("content-digest").status is CheckStatus.INDETERMINATE
