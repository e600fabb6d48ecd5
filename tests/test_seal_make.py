"""Seal making and seal signatures, checked by an independent reading of the spec (§3-§5).

The DER is walked with asn1crypto's low-level parser only (tests/seal_support.py); the SM2
signatures are verified with gmalglib (raw r‖s) and OpenSSL's EVP (DER, explicit SM2 ID); SM3
digests come from the pure-Python reference.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest
from oracles import reference
from seal_support import (
    GIF,
    JPEG,
    SIGNING_TIME,
    T0,
    TSA_POLICY,
    Pki,
    assert_strict_der,
    bit_string_value,
    der_oid,
    der_to_raw,
    make_pki,
    png,
    public_point,
    tlv,
    tlv_children,
)

from trustkit import oids, sm2, x509
from trustkit.exceptions import CertificateError, InvalidSignature, MalformedInput
from trustkit.seal import (
    LocalTimestampAuthority,
    Seal,
    SealExtension,
    SealPicture,
    load,
    load_seal,
    make_seal,
    read_timestamp,
    sign_data,
    sign_data_hash,
)

CREATED = T0 + timedelta(days=10)
SM2_WITH_SM3_DER = der_oid(oids.SM2_WITH_SM3)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def new_seal(pki: Pki, **kwargs: object) -> Seal:
    options: dict[str, object] = {
        "name": "trustkit 测试专用章",
        "picture": SealPicture.from_image(png(), 40, 40),
        "signer_certs": [pki.signer.cert],
        "es_id": "11010800000001",
        "created_at": CREATED,
        "valid_to": CREATED + timedelta(days=365),
    }
    options.update(kwargs)
    return make_seal(pki.maker.key, pki.maker.cert, **options)  # type: ignore[arg-type]


def sm2_verified(
    gmalglib: ModuleType, openssl: ModuleType, cert_der: bytes, sig: bytes, msg: bytes
) -> bool:
    """Both oracles must agree; returns their verdict."""
    by_gmalglib = gmalglib.verify(public_point(cert_der), msg, der_to_raw(sig))
    spki = x509.load_der_certificate(cert_der).public_key().public_bytes(*_spki_format())
    by_openssl = openssl.verify(openssl.load_public_der(spki), sig, msg)
    assert by_gmalglib == by_openssl
    return bool(by_gmalglib)


def _spki_format() -> tuple[object, object]:
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo


# --- the seal ------------------------------------------------------------------------------------


def test_v4_seal_structure_from_the_spec(pki: Pki) -> None:
    made = new_seal(pki)
    assert_strict_der(made.der)
    info, cert, alg, _signed_value = tlv_children(made.der)  # v4: exactly four elements
    header, es_id, prop, picture = tlv_children(info.raw)  # no extDatas
    assert [t.contents for t in tlv_children(header.raw)] == [b"ES", b"\x04", b"trustkit"]
    assert [t.tag for t in tlv_children(header.raw)] == [22, 2, 22]
    assert (es_id.tag, es_id.contents) == (22, b"11010800000001")
    fields = tlv_children(prop.raw)
    assert [f.tag for f in fields] == [2, 12, 2, 16, 24, 24, 24]
    assert fields[1].contents.decode() == "trustkit 测试专用章"
    assert fields[2].contents == b"\x01"  # certListType 1: certificates
    assert [(c.tag, c.contents) for c in tlv_children(fields[3].raw)] == [(4, pki.signer.cert.der)]
    assert [f.contents for f in fields[4:]] == [
        b"20250111000000Z",
        b"20250111000000Z",
        b"20260111000000Z",
    ]
    kind, data, width, height = tlv_children(picture.raw)
    assert (kind.contents, data.contents, width.contents, height.contents) == (
        b"PNG",
        png(),
        b"(",
        b"(",
    )
    assert cert.contents == pki.maker.cert.der
    assert alg.raw == SM2_WITH_SM3_DER


def test_v4_maker_signature_independently(
    pki: Pki, gmalglib: ModuleType, openssl: ModuleType
) -> None:
    made = new_seal(pki)
    info, cert, _alg, signed_value = tlv_children(made.der)
    sig = bit_string_value(signed_value)
    assert sm2_verified(gmalglib, openssl, cert.contents, sig, info.raw)
    v1_preimage = tlv(
        b"\x30"
        + bytes([0x82])
        + (len(info.raw + cert.raw + _alg.raw)).to_bytes(2, "big")
        + info.raw
        + cert.raw
        + _alg.raw
    )
    assert not sm2_verified(gmalglib, openssl, cert.contents, sig, v1_preimage.raw)


def test_v5_on_request_and_round_trip(pki: Pki) -> None:
    made = new_seal(pki, version=5, vid="trustkit-v5")
    assert made.generation == 5 and made.header_version == 5
    header = tlv_children(tlv_children(tlv_children(made.der)[0].raw)[0].raw)
    assert header[1].contents == b"\x05"
    again = load_seal(made.der)
    assert again == made
    assert (again.name, again.es_id, again.vid) == (
        "trustkit 测试专用章",
        "11010800000001",
        "trustkit-v5",
    )


def test_v5_seal_timestamp_is_explicit_0_over_signed_value(pki: Pki) -> None:
    tsa = LocalTimestampAuthority(
        pki.tsa.key, pki.tsa.cert, policy=TSA_POLICY, clock=lambda: CREATED
    )
    made = new_seal(pki, version=5, timestamper=tsa)
    parts = tlv_children(made.der)
    assert len(parts) == 5
    stamp = parts[4]
    assert (stamp.cls, stamp.constructed, stamp.tag) == (2, True, 0)  # A0 wrapper
    token = bit_string_value(tlv(stamp.contents))
    info = read_timestamp(token)
    assert info.hashed_message == reference.sm3(bit_string_value(parts[3]))
    assert info.gen_time == CREATED


def test_extensions_are_strict_der(pki: Pki) -> None:
    exts = [
        SealExtension("1.2.3.4", False, b"\x0c\x02ok"),
        SealExtension("1.2.3.5", True, b"\x05\x00"),
    ]
    made = new_seal(pki, extensions=exts)
    assert_strict_der(made.der)
    info = tlv_children(made.der)[0]
    ext_datas = tlv_children(info.raw)[4]
    assert ext_datas.tag == 16 and ext_datas.cls == 0  # untagged, as in real v4 seals
    first, second = tlv_children(ext_datas.raw)
    assert len(tlv_children(first.raw)) == 2  # critical FALSE omitted
    assert [t.tag for t in tlv_children(second.raw)] == [6, 1, 4]
    assert made.extensions == tuple(exts)


def test_cert_digest_list(pki: Pki) -> None:
    made = new_seal(pki, cert_digests=True, signer_certs=[pki.signer.cert, pki.other.cert])
    prop = tlv_children(tlv_children(made.der)[0].raw)[2]
    fields = tlv_children(prop.raw)
    assert fields[2].contents == b"\x02"
    digests = [tlv_children(d.raw) for d in tlv_children(fields[3].raw)]
    assert [(d[0].tag, d[0].contents, d[1].contents) for d in digests] == [
        (19, b"SM3", reference.sm3(pki.signer.cert.der)),
        (19, b"SM3", reference.sm3(pki.other.cert.der)),
    ]
    assert made.certificates == () and len(made.cert_digests) == 2


@pytest.mark.parametrize(("image", "kind"), [(png(), "PNG"), (GIF, "GIF"), (JPEG, "JPG")])
def test_picture_types(pki: Pki, image: bytes, kind: str) -> None:
    made = new_seal(pki, picture=SealPicture.from_image(image, 42, 30))
    assert (made.picture.type, made.picture.width_mm, made.picture.height_mm) == (kind, 42, 30)
    assert made.picture.data == image


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"version": 1}, MalformedInput),
        ({"name": "  "}, MalformedInput),
        ({"signer_certs": []}, MalformedInput),
        ({"es_id": "编号"}, MalformedInput),
        ({"valid_from": CREATED, "valid_to": CREATED}, MalformedInput),
        ({"created_at": datetime(2025, 2, 1)}, MalformedInput),  # naive
        (  # the maker certificate has expired by then
            {"created_at": T0 + timedelta(days=5000), "valid_to": T0 + timedelta(days=5100)},
            CertificateError,
        ),
        ({"timestamper": object()}, MalformedInput),  # v4 has no seal time stamp
    ],
)
def test_make_seal_rejects(pki: Pki, kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        new_seal(pki, **kwargs)


def test_make_seal_rejects_a_foreign_maker_key(pki: Pki) -> None:
    with pytest.raises(CertificateError, match="does not match"):
        make_seal(
            pki.signer.key,
            pki.maker.cert,
            name="x",
            picture=SealPicture.from_image(png(), 10, 10),
            signer_certs=[pki.signer.cert],
        )


def test_picture_rejects_non_images_and_sizes() -> None:
    with pytest.raises(MalformedInput, match="PNG, GIF or JPEG"):
        SealPicture.from_image(b"<svg/>", 10, 10)
    with pytest.raises(MalformedInput, match="width"):
        SealPicture.from_image(png(), 0, 10)


# --- the seal signature ---------------------------------------------------------------------------


def test_v4_signature_structure_and_signatures(
    pki: Pki, gmalglib: ModuleType, openssl: ModuleType
) -> None:
    made = new_seal(pki)
    document = b"<ofd:Signature>...</ofd:Signature>"
    sig = sign_data(
        made,
        pki.signer.key,
        pki.signer.cert,
        document,
        property_info="/Doc_0/Signs/Sign_0/Signature.xml",
        at=SIGNING_TIME,
    )
    assert_strict_der(sig.der)
    tbs, cert, alg, signature = tlv_children(sig.der)  # no time stamp: four elements
    version, eseal, time_info, data_hash, prop = tlv_children(tbs.raw)  # no extDatas
    assert version.contents == b"\x04"
    assert eseal.raw == made.der
    assert (time_info.tag, time_info.contents) == (24, b"20250601120000Z")
    assert bit_string_value(data_hash) == reference.sm3(document)
    assert (prop.tag, prop.contents) == (22, b"/Doc_0/Signs/Sign_0/Signature.xml")
    assert cert.contents == pki.signer.cert.der and alg.raw == SM2_WITH_SM3_DER
    assert sm2_verified(gmalglib, openssl, cert.contents, bit_string_value(signature), tbs.raw)


def test_signature_extensions_explicit_0(pki: Pki) -> None:
    made = new_seal(pki)
    ext = SealExtension("1.3.6.1.5.5.7.1.4", True, b"\x04\x00")
    sig = sign_data_hash(
        made,
        pki.signer.key,
        pki.signer.cert,
        bytes(range(32)),
        property_info="p",
        at=SIGNING_TIME,
        extensions=[ext],
    )
    tbs = tlv_children(sig.der)[0]
    wrapped = tlv_children(tbs.raw)[5]
    assert (wrapped.cls, wrapped.constructed, wrapped.tag) == (2, True, 0)
    assert sig.extensions == (ext,)
    assert_strict_der(sig.der)


def test_signature_timestamp_over_the_signature_value(pki: Pki) -> None:
    tsa = LocalTimestampAuthority(
        pki.tsa.key, pki.tsa.cert, policy=TSA_POLICY, clock=lambda: SIGNING_TIME
    )
    sig = sign_data(
        new_seal(pki),
        pki.signer.key,
        pki.signer.cert,
        b"doc",
        property_info="doc",
        at=SIGNING_TIME,
        timestamper=tsa,
    )
    parts = tlv_children(sig.der)
    assert len(parts) == 5 and (parts[4].cls, parts[4].tag) == (2, 0)
    token = bit_string_value(tlv(parts[4].contents))
    assert read_timestamp(token).hashed_message == reference.sm3(bit_string_value(parts[3]))
    assert sig.timestamp == token


def test_v5_signature_follows_the_seal(pki: Pki) -> None:
    sig = sign_data(
        new_seal(pki, version=5),
        pki.signer.key,
        pki.signer.cert,
        b"x",
        property_info="x",
        at=SIGNING_TIME,
    )
    assert sig.generation == 5 and tlv_children(tlv_children(sig.der)[0].raw)[0].contents == b"\x05"


def test_signing_with_a_digest_list(pki: Pki) -> None:
    made = new_seal(pki, cert_digests=True)
    sig = sign_data(made, pki.signer.key, pki.signer.cert, b"x", property_info="x", at=SIGNING_TIME)
    assert sig.seal.cert_list_type == 2


def test_load_tells_seal_from_signature(pki: Pki) -> None:
    made = new_seal(pki)
    sig = sign_data(made, pki.signer.key, pki.signer.cert, b"x", property_info="x", at=SIGNING_TIME)
    assert isinstance(load(made.der), Seal)
    assert load(sig.der) == sig


def test_signing_preconditions(pki: Pki) -> None:
    made = new_seal(pki)

    def attempt(
        key: sm2.SM2PrivateKey, cert: x509.Certificate, at: datetime, seal: object = made
    ) -> None:
        sign_data(seal, key, cert, b"x", property_info="x", at=at)  # type: ignore[arg-type]

    with pytest.raises(CertificateError, match="certList"):
        attempt(pki.other.key, pki.other.cert, SIGNING_TIME)
    with pytest.raises(CertificateError, match="does not match"):
        attempt(pki.other.key, pki.signer.cert, SIGNING_TIME)
    with pytest.raises(CertificateError, match="seal is not valid"):
        attempt(pki.signer.key, pki.signer.cert, CREATED + timedelta(days=400))
    with pytest.raises(CertificateError, match="signer certificate is not valid"):
        attempt(pki.signer.key, pki.signer.cert, T0 - timedelta(days=3))
    tampered = bytearray(made.der)
    index = tampered.index("trustkit 测试".encode())
    tampered[index] ^= 0x01
    with pytest.raises(InvalidSignature):
        attempt(pki.signer.key, pki.signer.cert, SIGNING_TIME, bytes(tampered))
    with pytest.raises(MalformedInput, match="v1"):
        from seal_support import fixture

        attempt(pki.signer.key, pki.signer.cert, SIGNING_TIME, fixture("UserV1.esl"))
    with pytest.raises(MalformedInput, match="32-byte"):
        sign_data_hash(
            made, pki.signer.key, pki.signer.cert, b"short", property_info="x", at=SIGNING_TIME
        )
    with pytest.raises(MalformedInput, match="timezone"):
        attempt(pki.signer.key, pki.signer.cert, datetime(2025, 6, 1))


def test_created_seal_times_are_whole_seconds(pki: Pki) -> None:
    made = new_seal(pki, created_at=CREATED + timedelta(microseconds=123456))
    assert made.create_date == CREATED
    assert made.create_date.tzinfo is UTC or made.create_date.utcoffset() == timedelta(0)
