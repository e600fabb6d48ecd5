"""trustkit.x509: names, issuing, parsing, strict DER, CRLs and path validation (no oracles).

Interop with OpenSSL lives in test_x509_openssl.py; the real vendor certificates of the ofdrw
corpus in test_x509_vendor.py. Every test pins time with explicit datetimes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from asn1crypto import core, parser
from asn1crypto import x509 as a509

from trustkit import sm2, x509
from trustkit.exceptions import (
    CertificateError,
    InvalidKey,
    InvalidSignature,
    MalformedInput,
    UnsupportedAlgorithm,
)
from trustkit.report import Report, Status

T0 = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)
AT = T0 + timedelta(days=10)
SM2_WITH_SM3_ALG = bytes.fromhex("300a06082a811ccf55018375")  # SEQ{OID 1.2.156.10197.1.501}


def sm3_hex(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


@dataclass
class Chain:
    root_key: sm2.SM2PrivateKey
    inter_key: sm2.SM2PrivateKey
    leaf_key: sm2.SM2PrivateKey
    root: x509.Certificate
    inter: x509.Certificate
    leaf: x509.Certificate

    @property
    def trust(self) -> x509.TrustAnchors:
        return x509.TrustAnchors([self.root])


def make_chain(*, root_path_length: int | None = 1, inter_path_length: int | None = 0) -> Chain:
    rk, ik, lk = (sm2.generate_private_key() for _ in range(3))
    root = x509.issue_certificate(
        "CN=Test Root,O=trustkit,C=CN",
        rk.public_key(),
        rk,
        ca=True,
        path_length=root_path_length,
        days=3650,
        not_before=T0,
    )
    inter = x509.issue_certificate(
        "CN=测试中级CA,O=测试,C=CN",
        ik.public_key(),
        rk,
        root,
        ca=True,
        path_length=inter_path_length,
        days=1825,
        not_before=T0,
    )
    leaf = x509.issue_certificate(
        "CN=测试市市场监督管理局,O=测试,C=CN",
        lk.public_key(),
        ik,
        inter,
        days=365,
        not_before=T0,
        extended_key_usage=["serverAuth", "clientAuth"],
    )
    return Chain(rk, ik, lk, root, inter, leaf)


@pytest.fixture(scope="module")
def chain() -> Chain:
    return make_chain()


def reasons(report: Report) -> dict[str, set[str]]:
    """Reason codes per check name."""
    out: dict[str, set[str]] = {}
    for check in report.checks:
        out.setdefault(check.name, set()).add(check.reason)
    return out


def failed(report: Report) -> set[tuple[str, str]]:
    """(name, reason) of every check that did not pass."""
    return {(c.name, c.reason) for c in report.failed_checks}


def resign(
    cert: x509.Certificate,
    key: sm2.SM2PrivateKey,
    edit: Callable[[a509.TbsCertificate], None],
    *,
    outer_alg: bytes | None = None,
) -> bytes:
    """Re-issue ``cert`` after ``edit`` changed its tbs, with asn1crypto's own X.509 classes."""
    parsed = a509.Certificate.load(cert.der)
    tbs = parsed["tbs_certificate"]
    edit(tbs)
    tbs_der = tbs.dump()  # no force: elements the edit did not touch keep their bytes
    alg = outer_alg if outer_alg is not None else tbs["signature"].dump(force=True)
    return tlv(0x30, tbs_der + alg + core.OctetBitString(key.sign(tbs_der)).dump())


def children(der: bytes) -> list[tuple[int, bytes]]:
    """(first tag octet, full TLV) of each element inside a constructed DER value."""
    contents = parser.parse(der)[4]
    out, pos = [], 0
    while pos < len(contents):
        _cls, _method, _tag, header, body, _trailer = parser.parse(contents[pos:], strict=False)
        out.append((contents[pos], contents[pos : pos + len(header) + len(body)]))
        pos += len(header) + len(body)
    return out


def tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(body)) + body


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


# --------------------------------------------------------------------------- names


def test_name_parse_chinese_der_order_and_string_types() -> None:
    name = x509.Name.parse("CN=测试市市场监督管理局,O=测试,C=CN")
    assert str(name) == "CN=测试市市场监督管理局,O=测试,C=CN"
    # DER order is the reverse of the text: C, O, CN; C is PrintableString, the rest UTF8String.
    assert [rdn[0].keyword for rdn in name.rdns] == ["C", "O", "CN"]
    assert [rdn[0].value_der[0] for rdn in name.rdns] == [0x13, 0x0C, 0x0C]
    assert name.rdns[2][0].value_der[2:].decode("utf-8") == "测试市市场监督管理局"
    assert name.get("CN") == ["测试市市场监督管理局"]
    assert name.der == x509.Name(name.der).der


def test_name_escaping_and_multivalued_rdn_round_trip() -> None:
    text = r"CN=a\,b\+c+UID=u1,O=\#x\\y,OU=\ lead and trail\ ,emailAddress=a@b.cn"
    name = x509.Name.parse(text)
    assert str(name) == text
    cn_rdn = name.rdns[-1]
    assert sorted(a.text or "" for a in cn_rdn) == ["a,b+c", "u1"]
    assert name.get("O") == ["#x\\y"]
    assert name.get("OU") == [" lead and trail "]
    assert name.rdns[0][0].value_der[0] == 0x16  # emailAddress is IA5String
    assert x509.Name.parse(str(name)) == name


def test_name_comparison_is_normalised_and_hash_consistent() -> None:
    a = x509.Name.parse("CN=Test  Root,O=trustkit,C=CN")
    b = x509.Name.parse("cn=test root, o=TRUSTKIT ,c=cn")
    c = x509.Name.parse("CN=Test Root2,O=trustkit,C=CN")
    assert a.der != b.der
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert x509.Name.parse("O=x,CN=y") != x509.Name.parse("CN=y,O=x")  # RDN order matters


def _odd_name(value_der: bytes) -> bytes:
    """DER of C=CN, CN=<value_der>, with an arbitrary (possibly undecodable) value element."""
    country = tlv(0x30, core.ObjectIdentifier("2.5.4.6").dump() + core.PrintableString("CN").dump())
    common = tlv(0x30, core.ObjectIdentifier("2.5.4.3").dump() + value_der)
    return tlv(0x30, tlv(0x31, country) + tlv(0x31, common))


def test_name_with_undecodable_values_falls_back_to_raw_der() -> None:
    printable_gbk = _odd_name(tlv(0x13, "测试".encode("gbk")))  # PrintableString, GBK bytes
    octets = _odd_name(tlv(0x04, b"\x01\x02"))  # not a string type at all
    for der, tag in ((printable_gbk, "13"), (octets, "04")):
        name = x509.Name(der)
        assert not name.decodable
        assert name.der == der
        assert str(name).startswith(f"CN=#{tag}") and str(name).endswith(",C=CN")
        assert name == x509.Name(der) and hash(name) == hash(x509.Name(der))
    assert x509.Name(printable_gbk) != x509.Name(octets)
    assert x509.Name(printable_gbk) != x509.Name.parse("CN=测试,C=CN")


@pytest.mark.parametrize(
    "text",
    ["CN", "=x", "XX=1", "C=中国", "C=C&N", "CN=#0c0161", "CN=a\\", "CN=", "1..2=x"],
)
def test_name_parse_rejects_bad_text(text: str) -> None:
    with pytest.raises(MalformedInput):
        x509.Name.parse(text)


def test_name_rejects_non_name_der() -> None:
    with pytest.raises(MalformedInput):
        x509.Name(core.Integer(5).dump())


def test_name_with_dotted_oid_attribute() -> None:
    name = x509.Name.parse("1.2.156.1.2=value,CN=x")
    assert str(name) == "1.2.156.1.2=value,CN=x"
    assert name.rdns[1][0].oid == "1.2.156.1.2"


# --------------------------------------------------------------------------- issuing


def test_issued_chain_fields(chain: Chain) -> None:
    root, inter, leaf = chain.root, chain.inter, chain.leaf
    assert (root.version, inter.version, leaf.version) == (3, 3, 3)
    assert root.subject == root.issuer == "CN=Test Root,O=trustkit,C=CN"
    assert inter.issuer == root.subject and leaf.issuer == inter.subject
    assert leaf.subject == "CN=测试市市场监督管理局,O=测试,C=CN"
    assert leaf.issuer_name.der == inter.subject_name.der  # copied byte for byte
    assert leaf.not_before == T0 and leaf.not_after == T0 + timedelta(days=365)
    assert (root.is_ca, inter.is_ca, leaf.is_ca) == (True, True, False)
    assert (root.path_length, inter.path_length, leaf.path_length) == (1, 0, None)
    assert root.key_usage == inter.key_usage == {"keyCertSign", "cRLSign"}
    assert leaf.key_usage == {"digitalSignature", "nonRepudiation"}
    assert leaf.extended_key_usage == ("serverAuth", "clientAuth")
    assert root.extended_key_usage is None
    assert root.is_self_issued and not leaf.is_self_issued
    assert leaf.public_key() == chain.leaf_key.public_key()
    assert 0 < leaf.serial_number < 2**64


def test_extension_criticality_and_key_identifiers(chain: Chain) -> None:
    leaf, inter = chain.leaf, chain.inter
    flags = {e.name: e.critical for e in leaf.extensions}
    assert flags == {
        "basic_constraints": True,
        "key_usage": True,
        "extended_key_usage": False,
        "key_identifier": False,
        "authority_key_identifier": False,
    }
    # SKI = leftmost 160 bits of SM3 over the subjectPublicKey bits (documented choice).
    key_bits = chain.leaf_key.public_key().public_bytes_raw()
    assert leaf.public_key_bits == key_bits
    assert leaf.subject_key_identifier == hashlib.new("sm3", key_bits).digest()[:20]
    assert leaf.authority_key_identifier == inter.subject_key_identifier
    assert chain.root.authority_key_identifier == chain.root.subject_key_identifier
    bc = leaf.extension("basic_constraints")
    assert bc is not None and bc.value == b"\x30\x00"
    assert leaf.extension("2.5.29.15") == leaf.extension("key_usage")
    assert leaf.extension("subject_alt_name") is None


def test_signature_algorithm_has_no_parameters_and_signature_verifies(chain: Chain) -> None:
    leaf = chain.leaf
    assert leaf.der.count(SM2_WITH_SM3_ALG) == 2  # tbs.signature and signatureAlgorithm
    assert leaf.signature_algorithm == x509.SignatureAlgorithm("1.2.156.10197.1.501", None)
    assert leaf.tbs_der in leaf.der
    chain.inter_key.public_key().verify(leaf.signature, leaf.tbs_der)
    leaf.verify_issued_by(chain.inter)
    with pytest.raises(InvalidSignature):
        leaf.verify_signature(chain.root_key.public_key())
    with pytest.raises(CertificateError):
        leaf.verify_issued_by(chain.root)


def test_fingerprint_der_and_equality(chain: Chain) -> None:
    again = x509.load_der_certificate(chain.leaf.der)
    assert again == chain.leaf and hash(again) == hash(chain.leaf)
    assert again != chain.inter
    assert chain.leaf.fingerprint_sm3 == sm3_hex(chain.leaf.der)
    assert "测试市市场监督管理局" in repr(chain.leaf)


def test_self_signed_key_mismatch_and_issuer_key_mismatch(chain: Chain) -> None:
    other = sm2.generate_private_key()
    with pytest.raises(CertificateError):
        x509.issue_certificate("CN=x", other.public_key(), chain.root_key)
    with pytest.raises(CertificateError):
        x509.issue_certificate("CN=x", other.public_key(), other, chain.root)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"path_length": 0},
        {"ca": True, "path_length": -1},
        {"key_usage": {"signEverything"}},
        {"key_usage": set()},
        {"extended_key_usage": ["serverAuthentication"]},
        {"extended_key_usage": []},
        {"extended_key_usage": "serverAuth"},
        {"days": 0},
        {"serial": 0},
        {"serial": -5},
        {"serial": 2**159},
        {"not_before": datetime(2025, 1, 1)},
    ],
)
def test_issue_rejects_bad_arguments(kwargs: dict[str, object]) -> None:
    key = sm2.generate_private_key()
    with pytest.raises(MalformedInput):
        x509.issue_certificate("CN=x", key.public_key(), key, **kwargs)  # type: ignore[arg-type]


def test_explicit_serial_custom_key_usage_and_dotted_eku() -> None:
    key = sm2.generate_private_key()
    cert = x509.issue_certificate(
        "CN=x",
        key.public_key(),
        key,
        serial=2**159 - 1,
        key_usage={"digitalSignature", "keyAgreement", "contentCommitment"},
        extended_key_usage=["1.2.156.10197.6.1.2", "timeStamping"],
        not_before=T0,
    )
    assert cert.serial_number == 2**159 - 1
    assert cert.key_usage == {"digitalSignature", "keyAgreement", "nonRepudiation"}
    assert cert.extended_key_usage == ("1.2.156.10197.6.1.2", "timeStamping")


def test_random_serials_differ() -> None:
    key = sm2.generate_private_key()
    serials = {
        x509.issue_certificate("CN=x", key.public_key(), key).serial_number for _ in range(8)
    }
    assert len(serials) == 8 and all(2**62 <= s < 2**64 for s in serials)


def test_generalized_time_from_2050_and_whole_seconds() -> None:
    key = sm2.generate_private_key()
    start = datetime(2049, 12, 31, 12, 0, 0, 987654, tzinfo=UTC)
    cert = x509.issue_certificate("CN=x", key.public_key(), key, not_before=start, days=2)
    assert cert.not_before == start.replace(microsecond=0)
    assert cert.not_after == datetime(2050, 1, 2, 12, 0, 0, tzinfo=UTC)
    assert b"\x17\x0d491231120000Z" in cert.der  # UTCTime before 2050
    assert b"\x18\x0f20500102120000Z" in cert.der  # GeneralizedTime from 2050


def test_not_before_in_other_zone_is_converted_to_utc() -> None:
    key = sm2.generate_private_key()
    beijing = timezone(timedelta(hours=8))
    cert = x509.issue_certificate(
        "CN=x", key.public_key(), key, not_before=datetime(2025, 1, 1, 8, 0, tzinfo=beijing)
    )
    assert cert.not_before == datetime(2025, 1, 1, 0, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- PEM and strict DER


def test_pem_round_trip_and_bundles(chain: Chain) -> None:
    pem = chain.leaf.to_pem()
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----\n") and pem.endswith(
        b"-----END CERTIFICATE-----\n"
    )
    assert max(len(line) for line in pem.splitlines()) == 64
    assert x509.load_pem_certificate(pem) == chain.leaf
    assert x509.load_pem_certificate(pem.decode()) == chain.leaf
    bundle = b"leaf:\n" + pem + b"\nintermediate:\n" + chain.inter.to_pem() + b"trailing text"
    assert x509.load_pem_certificates(bundle) == [chain.leaf, chain.inter]
    with pytest.raises(MalformedInput, match="expected one"):
        x509.load_pem_certificate(bundle)
    text = "主题: " + chain.leaf.subject + "\n" + pem.decode()  # e.g. `openssl x509 -text` output
    assert x509.load_pem_certificates(text) == [chain.leaf]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: b"no pem here",
        lambda p: p.replace(b"-----END CERTIFICATE-----\n", b""),
        lambda p: p[:40] + b"!" + p[41:],
        lambda p: p.replace(
            b"-----BEGIN CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n",
        ),
        lambda p: p.replace(b"END CERTIFICATE", b"END X509 CRL"),
    ],
)
def test_bad_pem_is_malformed(chain: Chain, mutate: Callable[[bytes], bytes]) -> None:
    with pytest.raises(MalformedInput):
        x509.load_pem_certificate(mutate(chain.leaf.to_pem()))


def test_trailing_bytes_are_rejected(chain: Chain) -> None:
    for tail in (b"\x00", b"\x30\x00", chain.leaf.der):
        with pytest.raises(MalformedInput, match="trailing"):
            x509.load_der_certificate(chain.leaf.der + tail)


def test_truncated_der_is_rejected_at_every_length(chain: Chain) -> None:
    der = chain.leaf.der
    for cut in [*range(0, 12), *range(12, len(der), 37), len(der) - 1]:
        with pytest.raises(MalformedInput):
            x509.load_der_certificate(der[:cut])


def test_non_der_encodings_are_rejected(chain: Chain) -> None:
    der = chain.leaf.der
    assert der[0] == 0x30 and der[1] == 0x82
    body = der[4:]
    long_length = b"\x30\x83\x00" + der[2:4] + body  # length in more octets than needed
    indefinite = b"\x30\x80" + body + b"\x00\x00"
    for bad, pattern in ((long_length, "non-minimal length"), (indefinite, "indefinite")):
        with pytest.raises(MalformedInput, match=pattern):
            x509.load_der_certificate(bad)
    # BOOLEAN TRUE written as 0x01 (BER, not DER) inside basicConstraints' critical flag.
    ber_bool = der.replace(b"\x01\x01\xff", b"\x01\x01\x01", 1)
    assert ber_bool != der
    with pytest.raises(MalformedInput, match="BOOLEAN"):
        x509.load_der_certificate(ber_bool)


def test_size_limit_and_type_checks() -> None:
    huge = b"\x30\x84" + (1 << 20).to_bytes(4, "big") + bytes(1 << 20)
    with pytest.raises(MalformedInput, match="limit"):
        x509.load_der_certificate(huge)
    with pytest.raises(MalformedInput):
        x509.load_der_certificate(b"")
    with pytest.raises(MalformedInput):
        x509.load_der_certificate("3082")  # type: ignore[arg-type]


def test_well_framed_garbage_is_malformed_not_a_crash() -> None:
    for der in (b"\x30\x00", core.Integer(7).dump(), b"\x30\x03\x02\x01\x01"):
        with pytest.raises(MalformedInput):
            x509.load_der_certificate(der)


def test_signature_algorithm_with_null_parameters_is_accepted(chain: Chain) -> None:
    with_null = bytes.fromhex("300c06082a811ccf550183750500")

    def edit(tbs: a509.TbsCertificate) -> None:
        tbs["signature"] = a509.SignedDigestAlgorithm.load(with_null)

    der = resign(chain.leaf, chain.inter_key, edit, outer_alg=with_null)
    cert = x509.load_der_certificate(der)
    assert cert.signature_algorithm.parameters == b"\x05\x00"
    assert der.count(with_null) == 2
    cert.verify_issued_by(chain.inter)
    report = x509.validate_chain(cert, trust=chain.trust, intermediates=[chain.inter], at=AT)
    assert report.status is Status.PASSED


def test_inner_and_outer_signature_algorithms_must_agree(chain: Chain) -> None:
    with_null = bytes.fromhex("300c06082a811ccf550183750500")
    der = resign(chain.leaf, chain.inter_key, lambda tbs: None, outer_alg=with_null)
    with pytest.raises(MalformedInput, match="differs"):
        x509.load_der_certificate(der)


def test_other_signature_algorithm_is_unsupported_not_malformed(chain: Chain) -> None:
    sha256_ecdsa = bytes.fromhex("300a06082a8648ce3d040302")

    def edit(tbs: a509.TbsCertificate) -> None:
        tbs["signature"] = a509.SignedDigestAlgorithm.load(sha256_ecdsa)

    cert = x509.load_der_certificate(
        resign(chain.leaf, chain.inter_key, edit, outer_alg=sha256_ecdsa)
    )
    with pytest.raises(UnsupportedAlgorithm):
        cert.verify_issued_by(chain.inter)
    report = x509.validate_chain(cert, trust=chain.trust, intermediates=[chain.inter], at=AT)
    assert ("signature", "unsupported-algorithm") in failed(report)


# --------------------------------------------------------------------------- validation


def test_valid_chain_passes_with_every_check(chain: Chain) -> None:
    report = x509.validate_chain(chain.leaf, trust=chain.trust, intermediates=[chain.inter], at=AT)
    assert report.status is Status.PASSED, report.to_text()
    assert report.subject == chain.leaf.subject
    names = [c.name for c in report.checks]
    assert names.count("signature") == 2 and names.count("validity") == 3
    assert {"trust-anchor", "basic-constraints", "key-usage", "path-length"} <= set(names)
    assert "revocation" not in names  # no CRLs, not required
    assert report.facts["path"] == [chain.leaf.subject, chain.inter.subject, chain.root.subject]
    assert report.facts["anchor"] == chain.root.subject
    assert report.to_dict()["status"] == "PASSED"


def test_anchor_itself_and_pinned_intermediate(chain: Chain) -> None:
    assert x509.validate_chain(chain.root, trust=chain.trust, at=AT).passed
    # A trusted leaf that is not self-issued is not its own anchor (as in OpenSSL by default).
    pinned_leaf = x509.validate_chain(chain.leaf, trust=x509.TrustAnchors([chain.leaf]), at=AT)
    assert pinned_leaf.status is Status.INDETERMINATE
    assert failed(pinned_leaf) == {("path", "no-issuer-found"), ("trust-anchor", "no-trust-anchor")}
    pinned = x509.TrustAnchors([chain.inter])
    report = x509.validate_chain(chain.leaf, trust=pinned, at=AT)
    assert report.status is Status.PASSED and report.facts["anchor"] == chain.inter.subject


def test_tampered_tbs_byte_is_bad_signature(chain: Chain) -> None:
    der = bytearray(chain.leaf.der)
    serial = chain.leaf.serial_number.to_bytes(
        (chain.leaf.serial_number.bit_length() + 8) // 8, "big"
    )
    pos = bytes(der).index(serial) + len(serial) - 1
    der[pos] ^= 0x01
    tampered = x509.load_der_certificate(bytes(der))
    assert tampered.serial_number == chain.leaf.serial_number ^ 1
    with pytest.raises(InvalidSignature):
        tampered.verify_issued_by(chain.inter)
    report = x509.validate_chain(tampered, trust=chain.trust, intermediates=[chain.inter], at=AT)
    assert report.status is Status.FAILED
    assert failed(report) == {("signature", "bad-signature")}


def test_tampered_signature_value_is_bad_signature(chain: Chain) -> None:
    der = bytearray(chain.leaf.der)
    der[-3] ^= 0x40  # inside s
    report = x509.validate_chain(
        x509.load_der_certificate(bytes(der)), trust=chain.trust, intermediates=[chain.inter], at=AT
    )
    assert failed(report) == {("signature", "bad-signature")}


def test_expired_and_not_yet_valid(chain: Chain) -> None:
    later = T0 + timedelta(days=366)
    report = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], at=later
    )
    assert report.status is Status.FAILED
    assert failed(report) == {("validity", "expired")}
    earlier = T0 - timedelta(seconds=1)
    report = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], at=earlier
    )
    assert failed(report) == {("validity", "not-yet-valid")}
    # The boundaries themselves are inside the window.
    for edge in (T0, T0 + timedelta(days=365)):
        assert x509.validate_chain(
            chain.leaf, trust=chain.trust, intermediates=[chain.inter], at=edge
        ).passed


def test_naive_moment_is_rejected(chain: Chain) -> None:
    with pytest.raises(MalformedInput):
        x509.validate_chain(chain.leaf, trust=chain.trust, at=datetime(2025, 3, 10))


def test_leaf_used_as_issuer_is_not_a_ca(chain: Chain) -> None:
    victim_key = sm2.generate_private_key()
    victim = x509.issue_certificate(
        "CN=victim", victim_key.public_key(), chain.leaf_key, chain.leaf, not_before=T0
    )
    report = x509.validate_chain(
        victim, trust=chain.trust, intermediates=[chain.leaf, chain.inter], at=AT
    )
    assert report.status is Status.FAILED
    assert ("basic-constraints", "not-a-ca") in failed(report)
    assert ("key-usage", "bad-key-usage") in failed(report)  # leaf lacks keyCertSign too


def test_path_length_exceeded() -> None:
    c = make_chain(root_path_length=0, inter_path_length=None)
    report = x509.validate_chain(c.leaf, trust=c.trust, intermediates=[c.inter], at=AT)
    assert failed(report) == {("path-length", "path-length-exceeded")}
    # inter pathLen 0 with a sub-CA below it.
    d = make_chain(root_path_length=None, inter_path_length=0)
    sub_key = sm2.generate_private_key()
    sub = x509.issue_certificate(
        "CN=Sub CA", sub_key.public_key(), d.inter_key, d.inter, ca=True, not_before=T0
    )
    leaf_key = sm2.generate_private_key()
    leaf = x509.issue_certificate("CN=deep", leaf_key.public_key(), sub_key, sub, not_before=T0)
    report = x509.validate_chain(leaf, trust=d.trust, intermediates=[sub, d.inter], at=AT)
    assert failed(report) == {("path-length", "path-length-exceeded")}
    assert len(report.facts["path"]) == 4


def test_ca_without_key_cert_sign_is_bad_key_usage() -> None:
    rk, ik, lk = (sm2.generate_private_key() for _ in range(3))
    root = x509.issue_certificate("CN=R", rk.public_key(), rk, ca=True, not_before=T0)
    inter = x509.issue_certificate(
        "CN=I", ik.public_key(), rk, root, ca=True, key_usage={"cRLSign"}, not_before=T0
    )
    leaf = x509.issue_certificate("CN=L", lk.public_key(), ik, inter, not_before=T0)
    report = x509.validate_chain(
        leaf, trust=x509.TrustAnchors([root]), intermediates=[inter], at=AT
    )
    assert failed(report) == {("key-usage", "bad-key-usage")}


def test_wrong_anchor_is_indeterminate(chain: Chain) -> None:
    other = make_chain()
    report = x509.validate_chain(chain.leaf, trust=other.trust, intermediates=[chain.inter], at=AT)
    assert report.status is Status.INDETERMINATE
    assert failed(report) == {("path", "no-issuer-found"), ("trust-anchor", "no-trust-anchor")}
    assert report.facts["anchor"] is None


def test_untrusted_self_signed_root_is_indeterminate_with_checked_signatures(chain: Chain) -> None:
    other = make_chain()
    report = x509.validate_chain(
        chain.leaf, trust=other.trust, intermediates=[chain.inter, chain.root], at=AT
    )
    assert report.status is Status.INDETERMINATE
    assert failed(report) == {("trust-anchor", "no-trust-anchor")}
    assert [c.status for c in report.checks if c.name == "signature"] == [Status.PASSED] * 3


def test_same_name_other_key_anchor_is_not_used(chain: Chain) -> None:
    impostor_key = sm2.generate_private_key()
    impostor = x509.issue_certificate(
        chain.root.subject, impostor_key.public_key(), impostor_key, ca=True, not_before=T0
    )
    assert impostor.subject_name == chain.root.subject_name
    report = x509.validate_chain(
        chain.leaf, trust=x509.TrustAnchors([impostor]), intermediates=[chain.inter], at=AT
    )
    # The key identifiers differ, so the impostor is not even a candidate issuer.
    assert report.status is Status.INDETERMINATE
    assert ("path", "no-issuer-found") in failed(report)


def test_same_name_other_key_without_key_ids_fails_signature(chain: Chain) -> None:
    impostor_key = sm2.generate_private_key()
    impostor = x509.issue_certificate(
        chain.root.subject, impostor_key.public_key(), impostor_key, ca=True, not_before=T0
    )

    def drop_aki(tbs: a509.TbsCertificate) -> None:
        exts = [e for e in tbs["extensions"] if e["extn_id"].native != "authority_key_identifier"]
        tbs["extensions"] = a509.Extensions(exts)

    inter = x509.load_der_certificate(resign(chain.inter, chain.root_key, drop_aki))
    assert inter.authority_key_identifier is None
    report = x509.validate_chain(
        chain.leaf, trust=x509.TrustAnchors([impostor]), intermediates=[inter], at=AT
    )
    assert failed(report) == {("signature", "bad-signature")}
    good = x509.validate_chain(
        chain.leaf, trust=x509.TrustAnchors([impostor, chain.root]), intermediates=[inter], at=AT
    )
    assert good.passed and good.facts["anchor"] == chain.root.subject  # verifying issuer preferred


def test_unhandled_critical_extension_fails(chain: Chain) -> None:
    def add_private_critical(tbs: a509.TbsCertificate) -> None:
        exts = list(tbs["extensions"])
        exts.append(
            a509.Extension(
                {
                    "extn_id": "1.2.156.112600.7.2",
                    "critical": True,
                    "extn_value": core.Null().dump(),
                }
            )
        )
        tbs["extensions"] = a509.Extensions(exts)

    leaf = x509.load_der_certificate(resign(chain.leaf, chain.inter_key, add_private_critical))
    ext = leaf.extension("1.2.156.112600.7.2")
    assert ext is not None and ext.critical and ext.value == b"\x05\x00"
    report = x509.validate_chain(leaf, trust=chain.trust, intermediates=[chain.inter], at=AT)
    assert failed(report) == {("critical-extensions", "unhandled-critical-extension")}


def test_duplicate_extension_is_malformed(chain: Chain) -> None:
    def duplicate(tbs: a509.TbsCertificate) -> None:
        exts = list(tbs["extensions"])
        tbs["extensions"] = a509.Extensions([*exts, exts[0]])

    with pytest.raises(MalformedInput, match="repeats"):
        x509.load_der_certificate(resign(chain.leaf, chain.inter_key, duplicate))


def test_malformed_basic_constraints_is_malformed_input(chain: Chain) -> None:
    def break_bc(tbs: a509.TbsCertificate) -> None:
        exts = [e for e in tbs["extensions"] if e["extn_id"].native != "basic_constraints"]
        bad = tlv(0x30, tlv(0x06, bytes.fromhex("551d13")) + tlv(0x04, core.Null().dump()))
        tbs["extensions"] = a509.Extensions([*exts, a509.Extension.load(bad)])

    with pytest.raises(MalformedInput, match="basic_constraints"):
        x509.load_der_certificate(resign(chain.leaf, chain.inter_key, break_bc))


def test_name_matching_by_raw_der_for_undecodable_names() -> None:
    odd = x509.Name(_odd_name(tlv(0x13, "测试CA".encode("gbk"))))
    rk, lk = sm2.generate_private_key(), sm2.generate_private_key()
    root = x509.issue_certificate(odd, rk.public_key(), rk, ca=True, not_before=T0)
    leaf = x509.issue_certificate("CN=leaf", lk.public_key(), rk, root, not_before=T0)
    assert root.subject_name.der == odd.der and not root.subject_name.decodable
    assert leaf.issuer.startswith("CN=#13")
    report = x509.validate_chain(leaf, trust=x509.TrustAnchors([root]), at=AT)
    assert report.passed, report.to_text()


# --------------------------------------------------------------------------- CRLs


def test_crl_fields_and_round_trip(chain: Chain) -> None:
    revoked_at = T0 + timedelta(days=5)
    crl = x509.build_crl(
        chain.inter,
        chain.inter_key,
        [(chain.leaf.serial_number, revoked_at), (12345, T0)],
        this_update=T0 + timedelta(days=6),
        next_update=T0 + timedelta(days=13),
        crl_number=7,
    )
    assert crl.issuer == chain.inter.subject
    assert crl.this_update == T0 + timedelta(days=6)
    assert crl.next_update == T0 + timedelta(days=13)
    assert crl.crl_number == 7
    assert crl.authority_key_identifier == chain.inter.subject_key_identifier
    assert crl.revoked == (
        x509.RevokedEntry(chain.leaf.serial_number, revoked_at, None),
        x509.RevokedEntry(12345, T0, None),
    )
    assert crl.unhandled_critical_extensions == ()
    assert crl.der.count(SM2_WITH_SM3_ALG) == 2
    crl.verify_issued_by(chain.inter)
    with pytest.raises(InvalidSignature):
        crl.verify_signature(chain.root_key.public_key())
    with pytest.raises(CertificateError):
        crl.verify_issued_by(chain.root)
    assert x509.load_pem_crl(crl.to_pem()) == crl
    assert x509.load_der_crl(crl.der) == crl
    assert crl.is_revoked(chain.leaf.serial_number)
    assert not crl.is_revoked(chain.leaf.serial_number, revoked_at - timedelta(seconds=1))
    assert crl.is_revoked(chain.leaf.serial_number, revoked_at)
    assert not crl.is_revoked(999)
    assert crl.covers(T0 + timedelta(days=6)) and not crl.covers(T0 + timedelta(days=14))


def test_empty_crl_omits_revoked_list_and_default_number(chain: Chain) -> None:
    crl = x509.build_crl(
        chain.inter, chain.inter_key, [], this_update=T0, next_update=T0 + timedelta(days=1)
    )
    assert crl.revoked == ()
    assert crl.crl_number == int(T0.timestamp())
    # version, signature, issuer, thisUpdate, nextUpdate, [0] extensions: no revokedCertificates
    assert [tag for tag, _ in children(crl.tbs_der)] == [0x02, 0x30, 0x30, 0x17, 0x17, 0xA0]


def test_build_crl_argument_errors(chain: Chain) -> None:
    with pytest.raises(MalformedInput):
        x509.build_crl(chain.inter, chain.inter_key, [], this_update=T0, next_update=T0)
    with pytest.raises(MalformedInput):
        x509.build_crl(chain.inter, chain.inter_key, [(0, T0)], this_update=T0, next_update=AT)
    with pytest.raises(CertificateError):
        x509.build_crl(chain.inter, chain.root_key, [], this_update=T0, next_update=AT)


def test_crl_strict_der_and_tampering(chain: Chain) -> None:
    crl = x509.build_crl(
        chain.inter, chain.inter_key, [(5, T0)], this_update=T0, next_update=AT + timedelta(days=1)
    )
    with pytest.raises(MalformedInput, match="trailing"):
        x509.load_der_crl(crl.der + b"\x00")
    for cut in (1, 10, len(crl.der) // 2, len(crl.der) - 1):
        with pytest.raises(MalformedInput):
            x509.load_der_crl(crl.der[:cut])
    with pytest.raises(MalformedInput):
        x509.load_pem_crl(chain.leaf.to_pem())
    tampered = crl.der.replace(b"\x02\x01\x05", b"\x02\x01\x06", 1)
    assert x509.load_der_crl(tampered).revoked[0].serial_number == 6
    with pytest.raises(InvalidSignature):
        x509.load_der_crl(tampered).verify_issued_by(chain.inter)


def _crl(
    chain: Chain, revoked: list[tuple[int, datetime]], **kw: object
) -> x509.CertificateRevocationList:
    times = {"this_update": T0 + timedelta(days=9), "next_update": T0 + timedelta(days=16)}
    times.update(kw)  # type: ignore[arg-type]
    return x509.build_crl(chain.inter, chain.inter_key, revoked, **times)  # type: ignore[arg-type]


def test_revoked_leaf_fails(chain: Chain) -> None:
    crl = _crl(chain, [(chain.leaf.serial_number, T0 + timedelta(days=8))])
    report = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], crls=[crl], at=AT
    )
    assert report.status is Status.FAILED
    assert failed(report) == {("revocation", "revoked")}
    detail = next(c.detail for c in report.checks if c.reason == "revoked")
    assert f"{chain.leaf.serial_number:#x}" in detail


def test_revocation_after_the_moment_does_not_count(chain: Chain) -> None:
    crl = _crl(chain, [(chain.leaf.serial_number, AT + timedelta(hours=1))])
    report = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], crls=[crl], at=AT
    )
    assert report.passed
    assert reasons(report)["revocation"] == {"ok"}


def test_leaf_absent_from_crl_passes_revocation(chain: Chain) -> None:
    crl = _crl(chain, [(chain.leaf.serial_number + 1, T0)])
    report = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], crls=[crl], at=AT
    )
    assert report.passed and reasons(report)["revocation"] == {"ok"}


def test_missing_crl_only_matters_when_required(chain: Chain) -> None:
    crl = _crl(chain, [])  # covers the leaf, nothing from the root for the intermediate
    loose = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], crls=[crl], at=AT
    )
    assert loose.passed
    assert [c.reason for c in loose.checks if c.name == "revocation"] == ["ok"]
    strict = x509.validate_chain(
        chain.leaf,
        trust=chain.trust,
        intermediates=[chain.inter],
        crls=[crl],
        at=AT,
        require_revocation=True,
    )
    assert strict.status is Status.INDETERMINATE
    assert failed(strict) == {("revocation", "no-crl")}


def test_crl_signed_by_another_key_is_not_used(chain: Chain) -> None:
    forger = sm2.generate_private_key()
    fake_inter = x509.issue_certificate(
        chain.inter.subject, forger.public_key(), forger, ca=True, not_before=T0
    )
    forged = x509.build_crl(
        fake_inter,
        forger,
        [(chain.leaf.serial_number, T0)],
        this_update=T0 + timedelta(days=9),
        next_update=T0 + timedelta(days=16),
    )
    # The forged CRL's AKI names the forger's key: not even considered for this issuer.
    report = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], crls=[forged], at=AT
    )
    assert report.passed and "revocation" not in reasons(report)
    # The genuine issuer's CRL with a corrupted signature: considered, and rejected.
    crl = _crl(chain, [])
    bad_sig = bytearray(crl.der)
    bad_sig[-3] ^= 0x01
    report = x509.validate_chain(
        chain.leaf,
        trust=chain.trust,
        intermediates=[chain.inter],
        crls=[x509.load_der_crl(bytes(bad_sig))],
        at=AT,
    )
    assert report.status is Status.INDETERMINATE
    assert failed(report) == {("revocation", "crl-bad-signature")}


def test_stale_crl_is_indeterminate_but_still_proves_revocation(chain: Chain) -> None:
    stale = _crl(chain, [], this_update=T0, next_update=T0 + timedelta(days=1))
    report = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], crls=[stale], at=AT
    )
    assert failed(report) == {("revocation", "crl-not-current")}
    stale_revoking = _crl(
        chain,
        [(chain.leaf.serial_number, T0)],
        this_update=T0,
        next_update=T0 + timedelta(days=1),
    )
    report = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], crls=[stale_revoking], at=AT
    )
    assert failed(report) == {("revocation", "revoked")}


def test_revoked_intermediate_fails_via_root_crl(chain: Chain) -> None:
    crl = x509.build_crl(
        chain.root,
        chain.root_key,
        [(chain.inter.serial_number, T0 + timedelta(days=1))],
        this_update=T0 + timedelta(days=2),
        next_update=T0 + timedelta(days=30),
    )
    report = x509.validate_chain(
        chain.leaf, trust=chain.trust, intermediates=[chain.inter], crls=[crl], at=AT
    )
    assert failed(report) == {("revocation", "revoked")}
    assert chain.inter.subject in next(c.detail for c in report.checks if c.reason == "revoked")


def test_crl_issuer_without_crl_sign_is_not_authorised() -> None:
    rk, lk = sm2.generate_private_key(), sm2.generate_private_key()
    root = x509.issue_certificate(
        "CN=R", rk.public_key(), rk, ca=True, key_usage={"keyCertSign"}, not_before=T0
    )
    leaf = x509.issue_certificate("CN=L", lk.public_key(), rk, root, not_before=T0)
    crl = x509.build_crl(
        root, rk, [(leaf.serial_number, T0)], this_update=T0, next_update=AT + timedelta(days=1)
    )
    report = x509.validate_chain(leaf, trust=x509.TrustAnchors([root]), crls=[crl], at=AT)
    assert failed(report) == {("revocation", "crl-issuer-not-authorised")}


def test_trust_anchors_container(chain: Chain) -> None:
    anchors = x509.TrustAnchors([chain.root, chain.root, chain.inter])
    assert len(anchors) == 2 and chain.root in anchors and chain.leaf not in anchors
    assert list(anchors) == [chain.root, chain.inter]
    assert anchors.issuers_of(chain.leaf) == [chain.inter]
    with pytest.raises(TypeError):
        x509.TrustAnchors([chain.root.der])  # type: ignore[list-item]


def test_crl_issued_after_the_moment_is_evidence_about_it(chain: Chain) -> None:
    """Historical validation: a later CRL tells whether a certificate was revoked back then."""
    signing_time = AT
    later = AT + timedelta(days=10)
    revoked_after = x509.build_crl(
        chain.inter,
        chain.inter_key,
        [(chain.leaf.serial_number, AT + timedelta(days=2))],
        this_update=later,
        next_update=later + timedelta(days=7),
    )
    report = x509.validate_chain(
        chain.leaf,
        trust=chain.trust,
        intermediates=[chain.inter],
        crls=[revoked_after],
        at=signing_time,
    )
    assert report.status is Status.PASSED, report.to_text()
    assert [c.reason for c in report.checks if c.name == "revocation"] == ["ok"]
    revoked_before = x509.build_crl(
        chain.inter,
        chain.inter_key,
        [(chain.leaf.serial_number, AT - timedelta(days=1))],
        this_update=later,
        next_update=later + timedelta(days=7),
    )
    report = x509.validate_chain(
        chain.leaf,
        trust=chain.trust,
        intermediates=[chain.inter],
        crls=[revoked_before],
        at=signing_time,
    )
    assert report.status is Status.FAILED
    assert any(c.reason == "revoked" for c in report.checks)


def test_stale_crl_is_not_current(chain: Chain) -> None:
    stale = x509.build_crl(
        chain.inter,
        chain.inter_key,
        [],
        this_update=AT - timedelta(days=30),
        next_update=AT - timedelta(days=1),
    )
    report = x509.validate_chain(
        chain.leaf,
        trust=chain.trust,
        intermediates=[chain.inter],
        crls=[stale],
        at=AT,
        require_revocation=True,
    )
    assert report.status is Status.INDETERMINATE
    assert any(c.reason == "crl-not-current" for c in report.checks)


def test_regression_malformed_spki_oid_is_invalid_key_not_valueerror() -> None:
    """asn1crypto decodes the SPKI lazily; a bad OID inside it escaped as a bare ValueError."""
    key = sm2.generate_private_key()
    cert = x509.issue_certificate("CN=Odd SPKI,C=CN", key.public_key(), key)
    ec_key = bytes.fromhex("06072A8648CE3D0201")  # id-ecPublicKey, only in the SPKI
    assert cert.der.count(ec_key) == 1
    broken = x509.load_der_certificate(
        cert.der.replace(ec_key, bytes.fromhex("02072A8648CE3D0201"))  # retagged INTEGER
    )
    with pytest.raises(InvalidKey):
        broken.public_key()
    # and through a verifier: a report, never an exception
    from trustkit import seal

    report = seal.verify_seal_signature(b"\x30\x03\x02\x01\x00", data=b"x")
    assert report.status is Status.FAILED


def test_regression_pem_scan_is_linear() -> None:
    """A lazy regex rescanned to the end per unterminated BEGIN: 256 KiB took 12 s."""
    import time

    hostile = b"-----BEGIN CERTIFICATE-----\n" * ((4 << 20) // 28)  # 4 MiB
    start = time.perf_counter()
    with pytest.raises(MalformedInput, match="not terminated"):
        x509.load_pem_certificates(hostile)
    assert time.perf_counter() - start < 2.0
    key = sm2.generate_private_key()
    cert = x509.issue_certificate("CN=PEM,C=CN", key.public_key(), key)
    text = b"prefix\n" + cert.to_pem() + b"between\n" + cert.to_pem()
    assert [c.der for c in x509.load_pem_certificates(text)] == [cert.der, cert.der]
    with pytest.raises(MalformedInput, match="ends with END"):
        x509.load_pem_certificates(cert.to_pem().replace(b"END CERTIFICATE", b"END X509 CRL"))


def test_regression_large_certificates_are_not_kept_by_the_parse_cache() -> None:
    """512 cached 1 MiB certificates kept ~1.5 GiB alive; only small ones are shared now."""
    from trustkit.x509 import _certificate

    key = sm2.generate_private_key()
    big = x509.issue_certificate("CN=" + "x" * 40_000 + ",C=CN", key.public_key(), key)
    small = x509.issue_certificate("CN=Small,C=CN", key.public_key(), key)
    assert len(big.der) > 32_000
    before = _certificate._parse_small.cache_info().currsize
    assert x509.load_der_certificate(big.der) is not x509.load_der_certificate(big.der)
    assert _certificate._parse_small.cache_info().currsize == before
    assert x509.load_der_certificate(small.der) is x509.load_der_certificate(small.der)
