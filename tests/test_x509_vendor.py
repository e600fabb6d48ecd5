"""Real SM2 certificates from the ofdrw e-seal corpus (../shared/interop/ofdrw, see its README).

The certificates sit inside DER SESeal / SES_Signature structures. This test finds them with
asn1crypto's generic parser only (a SEQUENCE whose tbs starts with version v3 and whose
signatureAlgorithm is SM2-with-SM3), so trustkit's loader is not used to locate its own input.
Expected values come from the corpus README and from OpenSSL.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import parser

from trustkit import x509
from trustkit.exceptions import InvalidSignature
from trustkit.report import Status

CORPUS = Path(__file__).parents[1] / ".." / "shared" / "interop" / "ofdrw"
OPENSSL = Path("/usr/bin/openssl")
SM2_WITH_SM3_PREFIX = bytes.fromhex("06082a811ccf55018375")
V3 = bytes.fromhex("a003020102")


def _require_corpus() -> Path:
    if (CORPUS / "README.md").is_file():
        return CORPUS
    if os.environ.get("CI") == "true":
        pytest.fail(f"interop corpus missing at {CORPUS}")
    pytest.skip(f"interop corpus missing at {CORPUS}")


def _blobs(base: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(base.iterdir()):
        if path.suffix == ".ofd":
            with zipfile.ZipFile(path) as package:
                for member in package.namelist():
                    if member.endswith((".dat", ".esl")):
                        yield f"{path.name}:{member}", package.read(member)
        elif path.suffix in (".DER", ".esl", ".dat"):
            yield path.name, path.read_bytes()


def _tlv_at(data: bytes, pos: int) -> bytes | None:
    try:
        _cls, _method, _tag, header, body, trailer = parser.parse(data[pos:], strict=False)
    except ValueError:
        return None
    return data[pos : pos + len(header) + len(body) + len(trailer)]


def _looks_like_sm2_certificate(chunk: bytes) -> bool:
    """SEQ{ SEQ{[0] v3, ...}, SEQ{OID sm2-with-sm3 [NULL]}, BIT STRING }, checked structurally."""
    try:
        contents = parser.parse(chunk, strict=True)[4]
        tbs = _tlv_at(contents, 0)
        if tbs is None or tbs[0] != 0x30:
            return False
        alg = _tlv_at(contents, len(tbs))
        tbs_body = parser.parse(tbs)[4]
    except ValueError:
        return False
    return tbs_body.startswith(V3) and alg is not None and alg[2:].startswith(SM2_WITH_SM3_PREFIX)


def _find_certificates(data: bytes) -> list[bytes]:
    found, pos = [], 0
    while pos < len(data) - 4:
        if data[pos] == 0x30 and data[pos + 1] in (0x81, 0x82):
            chunk = _tlv_at(data, pos)
            if chunk and _looks_like_sm2_certificate(chunk):
                found.append(chunk)
                pos += len(chunk)
                continue
        pos += 1
    return found


@pytest.fixture(scope="module")
def vendor_certs() -> dict[int, tuple[x509.Certificate, list[str]]]:
    """serial -> (certificate, files it was found in)."""
    base = _require_corpus()
    out: dict[int, tuple[x509.Certificate, list[str]]] = {}
    for name, data in _blobs(base):
        for der in _find_certificates(data):
            cert = x509.load_der_certificate(der)
            out.setdefault(cert.serial_number, (cert, []))[1].append(name)
    return out


# serial -> (subject, issuer, notBefore, notAfter, NULL parameters?) from the README / OpenSSL
EXPECTED = {
    0x1: (
        "CN=www.dms360.cn,OU=OrgUnit3,OU=OrgUnit2,OU=OrgUnit1,O=Org,C=CN",
        "CN=www.dms360.cn,OU=OrgUnit3,OU=OrgUnit2,OU=OrgUnit1,O=Org,C=CN",
        datetime(2019, 9, 26, 13, 2, 43, tzinfo=UTC),
        datetime(2029, 9, 26, 13, 2, 43, tzinfo=UTC),
        False,
    ),
    0x10300000016BF: (
        "CN=国家税务总局电子印章制作系统,OU=征管和科技发展处,C=CN",
        "CN=税务电子证书管理中心(SM2),OU=国家税务总局,C=CN",
        datetime(2019, 10, 16, tzinfo=UTC),
        datetime(2022, 10, 16, tzinfo=UTC),
        True,
    ),
    0x16030000001191: (
        "CN=浙江省税务监制章电子证书,OU=国家税务总局浙江省税务局,O=国家税务总局浙江省税务局,"
        "L=杭州市,ST=浙江省,C=CN",
        "CN=税务电子证书管理中心(SM2),OU=国家税务总局,C=CN",
        datetime(2019, 10, 24, tzinfo=UTC),
        datetime(2022, 10, 24, tzinfo=UTC),
        True,
    ),
    0x30000002FD5: (
        "CN=国家税务总局电子印章测试系统,OU=国家税务总局,C=CN",
        "CN=税务测试CA2(SM2),C=CN",
        datetime(2020, 2, 17, tzinfo=UTC),
        datetime(2025, 2, 17, tzinfo=UTC),
        True,
    ),
    0x300000112D1: (
        "CN=全国统一发票监制章国家税务总局重庆市税务局,OU=重庆市国家税务局,"
        "O=融易算电子发票服务平台,ST=重庆,C=CN",
        "CN=税务测试CA2(SM2),C=CN",
        datetime(2020, 10, 10, tzinfo=UTC),
        datetime(2030, 10, 10, tzinfo=UTC),
        True,
    ),
    0x1719D2DAB60: (
        "CN=Test Certificate,L=Hangzhou,ST=Zhejiang,O=OFD R&W,C=CN",
        "CN=OFD Reader and WriterROOT Certificate,L=Hangzhou,ST=Zhejiang,O=OFD R&W,C=CN",
        datetime(2020, 4, 21, 14, 39, 8, tzinfo=UTC),
        datetime(2022, 4, 21, 14, 39, 8, tzinfo=UTC),
        False,
    ),
    0x1719D2E201D: (
        "CN=Test Certificate,L=Hangzhou,ST=Zhejiang,O=OFD R&W,C=CN",
        "CN=OFD Reader and WriterROOT Certificate,L=Hangzhou,ST=Zhejiang,O=OFD R&W,C=CN",
        datetime(2020, 4, 21, 14, 39, 38, tzinfo=UTC),
        datetime(2022, 4, 21, 14, 39, 38, tzinfo=UTC),
        False,
    ),
    0x65A6EE38170A1468ABCC12464EF7D5C60EF6A589: (
        "emailAddress=2811391541@qq.com,O=河北戈德防伪科技有限公司,OU=研发部,CN=test111",
        "CN=Hebei Gede SM2CA,OU=研发部,O=河北戈德防伪科技有限公司,C=CN",
        datetime(2018, 1, 2, 1, 32, 18, tzinfo=UTC),
        datetime(2019, 1, 2, 1, 32, 18, tzinfo=UTC),
        True,
    ),
}


def test_every_vendor_certificate_parses_with_names_and_dates(
    vendor_certs: dict[int, tuple[x509.Certificate, list[str]]],
) -> None:
    assert set(vendor_certs) == set(EXPECTED)
    for serial, (subject, issuer, start, end, null_params) in EXPECTED.items():
        cert = vendor_certs[serial][0]
        assert (cert.subject, cert.issuer) == (subject, issuer), hex(serial)
        assert (cert.not_before, cert.not_after) == (start, end), hex(serial)
        expected_params = b"\x05\x00" if null_params else None
        assert cert.signature_algorithm.oid == "1.2.156.10197.1.501"
        assert cert.signature_algorithm.parameters == expected_params, hex(serial)
        assert cert.subject_name.decodable and cert.issuer_name.decodable
        pub = cert.public_key()
        assert pub.public_bytes_raw() == cert.public_key_bits
        assert x509.load_der_certificate(cert.der) == cert


def test_where_certificates_were_found(
    vendor_certs: dict[int, tuple[x509.Certificate, list[str]]],
) -> None:
    assert any(f.startswith("n.ofd:") for f in vendor_certs[0x1][1])
    assert any(f.startswith("1.ofd:") for f in vendor_certs[0x10300000016BF][1])
    assert {"UserV1.esl", "UserV4.esl", "UserV5.esl"} <= set(vendor_certs[0x1719D2E201D][1])
    assert "SESealData.DER" in vendor_certs[0x65A6EE38170A1468ABCC12464EF7D5C60EF6A589][1]


def test_tax_maker_key_with_x_starting_04(
    vendor_certs: dict[int, tuple[x509.Certificate, list[str]]],
) -> None:
    cert = vendor_certs[0x10300000016BF][0]
    assert cert.public_key_bits[:3] == bytes.fromhex("0404ce")
    assert cert.public_key().x.to_bytes(32, "big")[:2] == bytes.fromhex("04ce")
    assert cert.key_usage is not None and "digitalSignature" in cert.key_usage
    assert not cert.is_ca
    assert cert.authority_key_identifier == bytes.fromhex(
        "b8b09a6007ea05b7b0b7e7cb42763129971576b3"
    )


def test_dms360_self_signature_verifies_with_default_id(
    vendor_certs: dict[int, tuple[x509.Certificate, list[str]]],
) -> None:
    cert = vendor_certs[0x1][0]
    assert cert.is_self_issued and cert.is_ca
    cert.verify_issued_by(cert)
    # Its odd extensions (critical CRL distribution points, an undecodable subjectAltName) stay raw.
    crldp = cert.extension("crl_distribution_points")
    assert crldp is not None and crldp.critical
    assert cert.extension("subject_alt_name") is not None
    # A certificate from another issuer does not verify under this key.
    other = vendor_certs[0x1719D2E201D][0]
    with pytest.raises(InvalidSignature):
        other.verify_signature(cert.public_key())


def test_dms360_validates_as_explicit_anchor_only(
    vendor_certs: dict[int, tuple[x509.Certificate, list[str]]],
) -> None:
    cert = vendor_certs[0x1][0]
    signing_time = datetime(2020, 1, 25, 7, 31, 56, tzinfo=UTC)
    anchored = x509.validate_chain(cert, trust=x509.TrustAnchors([cert]), at=signing_time)
    assert anchored.status is Status.PASSED
    untrusted = x509.validate_chain(cert, trust=x509.TrustAnchors([]), at=signing_time)
    assert untrusted.status is Status.INDETERMINATE
    assert {(c.name, c.reason) for c in untrusted.failed_checks} == {
        ("trust-anchor", "no-trust-anchor")
    }
    assert [c.reason for c in untrusted.checks if c.name == "signature"] == ["ok"]
    late = x509.validate_chain(
        cert, trust=x509.TrustAnchors([cert]), at=datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert {(c.name, c.reason) for c in late.failed_checks} == {("validity", "expired")}


def test_hebei_maker_certificate_expired_before_seal_creation(
    vendor_certs: dict[int, tuple[x509.Certificate, list[str]]],
) -> None:
    cert = vendor_certs[0x65A6EE38170A1468ABCC12464EF7D5C60EF6A589][0]
    create_date = datetime(2020, 10, 13, 9, 45, 58, tzinfo=UTC)
    report = x509.validate_chain(cert, trust=x509.TrustAnchors([]), at=create_date)
    assert report.status is Status.FAILED
    assert ("validity", "expired") in {(c.name, c.reason) for c in report.failed_checks}
    assert ("path", "no-issuer-found") in {(c.name, c.reason) for c in report.failed_checks}


def test_names_agree_with_openssl(
    vendor_certs: dict[int, tuple[x509.Certificate, list[str]]], tmp_path: Path
) -> None:
    if not OPENSSL.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/openssl is required in CI")
        pytest.skip("/usr/bin/openssl not available")
    for serial, (cert, _) in vendor_certs.items():
        path = tmp_path / f"{serial:x}.der"
        path.write_bytes(cert.der)
        out = subprocess.run(
            [str(OPENSSL), "x509", "-inform", "DER", "-in", str(path), "-noout",
             "-subject", "-issuer", "-nameopt", "RFC2253,-esc_msb"],
            capture_output=True, check=True,
        ).stdout.decode("utf-8")  # fmt: skip
        assert out.splitlines() == [f"subject={cert.subject}", f"issuer={cert.issuer}"]
