"""trustkit.x509 against OpenSSL 3 (the CLI at /usr/bin/openssl and libcrypto through ctypes).

OpenSSL 3.0 quirks these tests work around (spec §10.1):

- ``openssl verify -vfyopt distid:…`` hands the SM2 ID only to the target certificate's check.
  The intermediate's signature is then checked with the empty ID, so a correct three-level
  chain fails at depth 1 whoever built it (openssl/openssl #23471). We verify each link with
  the CLI, the whole chain through libcrypto with the ID set on every certificate
  (``X509_set0_distinguishing_id``), and check that the CLI treats a trustkit chain exactly as an
  OpenSSL-built one.
- There is no way to give OpenSSL 3.0 an SM2 ID for a CRL signature, so it checks CRLs with
  the empty ID and reports "CRL signature failure". The CRL signature is checked with the EVP
  oracle (ID set), and revocation semantics with libcrypto tolerating only that one error.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
from collections.abc import Callable, Sequence
from ctypes import POINTER, byref, c_char_p, c_int, c_int64, c_long, c_ulong, c_void_p
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from asn1crypto import csr as acsr
from asn1crypto import parser
from asn1crypto import x509 as a509
from test_x509 import AT, T0, Chain, make_chain

from trustkit import sm2, x509
from trustkit.report import Status

OPENSSL = Path("/usr/bin/openssl")
UID = b"1234567812345678"
DISTID = "distid:1234567812345678"
X509_V_ERR_CERT_SIGNATURE_FAILURE = 7
X509_V_ERR_CRL_SIGNATURE_FAILURE = 8
X509_V_ERR_CERT_HAS_EXPIRED = 10
X509_V_ERR_CERT_REVOKED = 23
X509_V_FLAG_CRL_CHECK = 0x4

CA_EXTENSIONS = """\
[v3_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""
REQ_CONFIG = """\
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
"""


@pytest.fixture(scope="module", autouse=True)
def _openssl_cli() -> None:
    if OPENSSL.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/openssl is required in CI")
    pytest.skip("/usr/bin/openssl not available")


def run(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPENSSL), *args], cwd=cwd, capture_output=True, text=True, check=check
    )


def epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


@dataclass
class Files:
    directory: Path
    chain: Chain

    def write(self, name: str, data: bytes) -> str:
        (self.directory / name).write_bytes(data)
        return name


@pytest.fixture(scope="module")
def tk(tmp_path_factory: pytest.TempPathFactory) -> Files:
    """A trustkit-built root -> intermediate -> leaf, written as PEM files."""
    files = Files(tmp_path_factory.mktemp("tk"), make_chain())
    for name in ("root", "inter", "leaf"):
        files.write(f"{name}.pem", getattr(files.chain, name).to_pem())
    return files


@dataclass
class OsslChain:
    directory: Path
    root: x509.Certificate
    inter: x509.Certificate
    leaf: x509.Certificate


def _openssl_issue(
    d: Path, csr: str, ca: str, ca_key: str, out: str, section: str, sigopt: str
) -> None:
    run(
        "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-sm3",
        "-sigopt", sigopt, "-vfyopt", DISTID, "-days", "30",
        "-extfile", "ext.cnf", "-extensions", section, "-out", out, cwd=d,
    )  # fmt: skip


@pytest.fixture(scope="module")
def ossl(tmp_path_factory: pytest.TempPathFactory) -> OsslChain:
    """An OpenSSL-built chain with the ID set explicitly everywhere."""
    d = tmp_path_factory.mktemp("ossl")
    (d / "ext.cnf").write_text(CA_EXTENSIONS)
    (d / "req.cnf").write_text(REQ_CONFIG + CA_EXTENSIONS)
    for key in ("rk", "ik", "lk"):
        run("genpkey", "-algorithm", "SM2", "-out", f"{key}.pem", cwd=d)
    run(
        "req", "-new", "-x509", "-config", "req.cnf", "-key", "rk.pem", "-sm3", "-sigopt", DISTID,
        "-subj", "/C=CN/O=OpenSSL/CN=OpenSSL Root", "-days", "60", "-extensions", "v3_ca",
        "-out", "root.pem", cwd=d,
    )  # fmt: skip
    for key, subject in (
        ("ik", "/C=CN/O=OpenSSL/CN=OpenSSL 中级"),
        ("lk", "/C=CN/CN=OpenSSL 叶子"),
    ):
        run(
            "req", "-new", "-config", "req.cnf", "-key", f"{key}.pem", "-sm3", "-sigopt", DISTID,
            "-subj", subject, "-out", f"{key}.csr", cwd=d,
        )  # fmt: skip
    _openssl_issue(d, "ik.csr", "root.pem", "rk.pem", "inter.pem", "v3_ca", DISTID)
    _openssl_issue(d, "lk.csr", "inter.pem", "ik.pem", "leaf.pem", "v3_leaf", DISTID)
    load = lambda name: x509.load_pem_certificate((d / name).read_bytes())  # noqa: E731
    return OsslChain(d, load("root.pem"), load("inter.pem"), load("leaf.pem"))


# --------------------------------------------------------------------------- libcrypto X509_STORE


class Libcrypto:
    """Just enough of libcrypto's X509_STORE to verify a chain with the SM2 ID on every cert."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(ctypes.util.find_library("crypto") or "libcrypto.so.3")
        self.callback_type = ctypes.CFUNCTYPE(c_int, c_int, c_void_p)
        sigs: dict[str, tuple[list[object], object]] = {
            "d2i_X509": ([c_void_p, POINTER(c_char_p), c_long], c_void_p),
            "d2i_X509_CRL": ([c_void_p, POINTER(c_char_p), c_long], c_void_p),
            "X509_free": ([c_void_p], None),
            "X509_CRL_free": ([c_void_p], None),
            "ASN1_OCTET_STRING_new": ([], c_void_p),
            "ASN1_OCTET_STRING_set": ([c_void_p, c_char_p, c_int], c_int),
            "X509_set0_distinguishing_id": ([c_void_p, c_void_p], None),
            "X509_STORE_new": ([], c_void_p),
            "X509_STORE_free": ([c_void_p], None),
            "X509_STORE_add_cert": ([c_void_p, c_void_p], c_int),
            "X509_STORE_add_crl": ([c_void_p, c_void_p], c_int),
            "X509_STORE_set_flags": ([c_void_p, c_ulong], c_int),
            "X509_STORE_set_verify_cb": ([c_void_p, self.callback_type], None),
            "X509_STORE_CTX_new": ([], c_void_p),
            "X509_STORE_CTX_free": ([c_void_p], None),
            "X509_STORE_CTX_init": ([c_void_p, c_void_p, c_void_p, c_void_p], c_int),
            "X509_STORE_CTX_set_time": ([c_void_p, c_ulong, c_int64], None),
            "X509_STORE_CTX_get_error": ([c_void_p], c_int),
            "X509_verify_cert": ([c_void_p], c_int),
            "OPENSSL_sk_new_null": ([], c_void_p),
            "OPENSSL_sk_push": ([c_void_p, c_void_p], c_int),
            "OPENSSL_sk_free": ([c_void_p], None),
        }
        for name, (args, res) in sigs.items():
            fn = getattr(lib, name)
            fn.argtypes, fn.restype = args, res
        self.lib = lib

    def _d2i(self, fn: Callable[..., int], der: bytes) -> int:
        ptr = c_char_p(der)
        obj = fn(None, byref(ptr), len(der))
        assert obj, "libcrypto could not decode the DER"
        return obj

    def _cert(self, der: bytes) -> int:
        cert = self._d2i(self.lib.d2i_X509, der)
        uid = self.lib.ASN1_OCTET_STRING_new()
        assert self.lib.ASN1_OCTET_STRING_set(uid, UID, len(UID)) == 1
        self.lib.X509_set0_distinguishing_id(cert, uid)
        return cert

    def verify(
        self,
        leaf: x509.Certificate,
        anchors: Sequence[x509.Certificate],
        intermediates: Sequence[x509.Certificate],
        at: datetime,
        crls: Sequence[x509.CertificateRevocationList] = (),
        tolerate: frozenset[int] = frozenset(),
    ) -> tuple[bool, list[int]]:
        """(X509_verify_cert succeeded, every X509_V_ERR seen); ``tolerate`` lets errors pass."""
        lib, seen = self.lib, []

        def callback(ok: int, ctx: int) -> int:
            if ok:
                return 1
            seen.append(lib.X509_STORE_CTX_get_error(ctx))
            return 1 if seen[-1] in tolerate else 0

        keep_alive = self.callback_type(callback)
        store, stack, ctx = (
            lib.X509_STORE_new(),
            lib.OPENSSL_sk_new_null(),
            lib.X509_STORE_CTX_new(),
        )
        certs = [self._cert(c.der) for c in (leaf, *anchors, *intermediates)]
        try:
            for cert in certs[1 : 1 + len(anchors)]:
                assert lib.X509_STORE_add_cert(store, cert) == 1
            for cert in certs[1 + len(anchors) :]:
                lib.OPENSSL_sk_push(stack, cert)
            for crl in crls:
                handle = self._d2i(lib.d2i_X509_CRL, crl.der)
                assert lib.X509_STORE_add_crl(store, handle) == 1
                lib.X509_CRL_free(handle)
            if crls:
                lib.X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK)
            lib.X509_STORE_set_verify_cb(store, keep_alive)
            assert lib.X509_STORE_CTX_init(ctx, store, certs[0], stack) == 1
            lib.X509_STORE_CTX_set_time(ctx, 0, int(at.timestamp()))
            return lib.X509_verify_cert(ctx) == 1, seen
        finally:
            lib.X509_STORE_CTX_free(ctx)
            lib.OPENSSL_sk_free(stack)
            lib.X509_STORE_free(store)
            for cert in certs:
                lib.X509_free(cert)


@pytest.fixture(scope="module")
def libcrypto() -> Libcrypto:
    try:
        return Libcrypto()
    except (OSError, AttributeError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"libcrypto 3 is required in CI: {exc}")
        pytest.skip(f"libcrypto 3 not usable: {exc}")


# --------------------------------------------------------------------------- certificates


def test_openssl_parses_trustkit_certificates(tk: Files) -> None:
    c = tk.chain
    root = run("x509", "-in", "root.pem", "-noout", "-text", "-nameopt", "utf8", cwd=tk.directory)
    leaf = run("x509", "-in", "leaf.pem", "-noout", "-text", "-nameopt", "utf8", cwd=tk.directory)
    for out in (root.stdout, leaf.stdout):
        assert out.count("Signature Algorithm: SM2-with-SM3") == 2
        assert "ASN1 OID: SM2" in out and "Version: 3 (0x2)" in out
    assert "CA:TRUE, pathlen:1" in root.stdout
    assert "Certificate Sign, CRL Sign" in root.stdout
    assert "Subject: C=CN, O=测试, CN=测试市市场监督管理局" in leaf.stdout
    assert "Issuer: C=CN, O=测试, CN=测试中级CA" in leaf.stdout
    assert "Digital Signature, Non Repudiation" in leaf.stdout
    assert "TLS Web Server Authentication, TLS Web Client Authentication" in leaf.stdout
    assert "CA:FALSE" in leaf.stdout
    ski = c.leaf.subject_key_identifier
    assert ski is not None and ski.hex(":").upper() in leaf.stdout
    serial = run("x509", "-in", "leaf.pem", "-noout", "-serial", cwd=tk.directory).stdout
    assert int(serial.strip().split("=")[1], 16) == c.leaf.serial_number
    dates = run("x509", "-in", "leaf.pem", "-noout", "-startdate", cwd=tk.directory).stdout
    assert dates.strip() == "notBefore=" + T0.strftime("%b %e %H:%M:%S %Y GMT")


def test_openssl_verifies_each_link_of_a_trustkit_chain(tk: Files) -> None:
    d, at = tk.directory, epoch(AT)
    top = run("verify", "-vfyopt", DISTID, "-attime", at, "-CAfile", "root.pem", "inter.pem", cwd=d)
    assert top.stdout.strip() == "inter.pem: OK"
    low = run(
        "verify", "-vfyopt", DISTID, "-attime", at, "-partial_chain", "-CAfile", "inter.pem",
        "leaf.pem", cwd=d,
    )  # fmt: skip
    assert low.stdout.strip() == "leaf.pem: OK"


def test_openssl_rejects_a_tampered_trustkit_leaf(tk: Files) -> None:
    der = bytearray(tk.chain.leaf.der)
    der[-3] ^= 0x40
    tk.write("tampered.pem", x509.load_der_certificate(bytes(der)).to_pem())
    out = run(
        "verify", "-vfyopt", DISTID, "-attime", epoch(AT), "-partial_chain", "-CAfile",
        "inter.pem", "tampered.pem", cwd=tk.directory, check=False,
    )  # fmt: skip
    assert out.returncode != 0
    assert "certificate signature failure" in out.stdout + out.stderr


def test_libcrypto_verifies_the_whole_trustkit_chain(tk: Files, libcrypto: Libcrypto) -> None:
    c = tk.chain
    assert libcrypto.verify(c.leaf, [c.root], [c.inter], AT) == (True, [])
    later = T0 + timedelta(days=400)
    assert libcrypto.verify(c.leaf, [c.root], [c.inter], later) == (
        False,
        [X509_V_ERR_CERT_HAS_EXPIRED],
    )
    der = bytearray(c.inter.der)
    der[-3] ^= 0x40
    bad_inter = x509.load_der_certificate(bytes(der))
    assert libcrypto.verify(c.leaf, [c.root], [bad_inter], AT) == (
        False,
        [X509_V_ERR_CERT_SIGNATURE_FAILURE],
    )


def _cli_chain_errors(d: Path, at: datetime) -> tuple[int, list[str]]:
    out = run(
        "verify", "-vfyopt", DISTID, "-attime", epoch(at), "-CAfile", "root.pem",
        "-untrusted", "inter.pem", "leaf.pem", cwd=d, check=False,
    )  # fmt: skip
    lines = (out.stdout + out.stderr).splitlines()
    return out.returncode, [line for line in lines if line.startswith("error ")]


def test_cli_full_chain_treats_trustkit_chain_like_an_openssl_chain(
    tk: Files, ossl: OsslChain
) -> None:
    """The exact `openssl verify -untrusted` command gives the same verdict for both chains."""
    ours = _cli_chain_errors(tk.directory, AT)
    theirs = _cli_chain_errors(ossl.directory, ossl.leaf.not_before + timedelta(minutes=1))
    assert ours == theirs
    # On 3.0.19 both fail at depth 1 (#23471); a fixed OpenSSL passes both.
    failure_at_depth_1 = [
        "error 7 at 1 depth lookup: certificate signature failure",
        "error leaf.pem: verification failed",
    ]
    assert ours in ((0, []), (2, failure_at_depth_1))


def test_trustkit_validates_an_openssl_chain(ossl: OsslChain) -> None:
    at = ossl.leaf.not_before + timedelta(minutes=1)
    report = x509.validate_chain(
        ossl.leaf, trust=x509.TrustAnchors([ossl.root]), intermediates=[ossl.inter], at=at
    )
    assert report.status is Status.PASSED, report.to_text()
    assert report.facts["path"] == [
        "CN=OpenSSL 叶子,C=CN",
        "CN=OpenSSL 中级,O=OpenSSL,C=CN",
        "CN=OpenSSL Root,O=OpenSSL,C=CN",
    ]
    assert ossl.inter.is_ca and ossl.inter.key_usage == {"keyCertSign", "cRLSign"}
    assert ossl.leaf.authority_key_identifier == ossl.inter.subject_key_identifier
    other = make_chain()
    wrong = x509.validate_chain(ossl.leaf, trust=other.trust, intermediates=[ossl.inter], at=at)
    assert wrong.status is Status.INDETERMINATE


def test_certificate_signed_with_another_sm2_id_fails(ossl: OsslChain) -> None:
    d = ossl.directory
    _openssl_issue(d, "lk.csr", "inter.pem", "ik.pem", "alice.pem", "v3_leaf", "distid:ALICE123")
    ok = run("verify", "-vfyopt", "distid:ALICE123", "-partial_chain", "-CAfile", "inter.pem",
             "alice.pem", cwd=d)  # fmt: skip
    assert ok.stdout.strip() == "alice.pem: OK"  # control: OpenSSL accepts it with that ID
    alice = x509.load_pem_certificate((d / "alice.pem").read_bytes())
    at = alice.not_before + timedelta(minutes=1)
    report = x509.validate_chain(
        alice, trust=x509.TrustAnchors([ossl.root]), intermediates=[ossl.inter], at=at
    )
    assert {(c.name, c.reason) for c in report.failed_checks} == {("signature", "bad-signature")}


def test_name_der_matches_openssl_request_subject(tmp_path: Path) -> None:
    (tmp_path / "req.cnf").write_text(REQ_CONFIG)
    run("genpkey", "-algorithm", "SM2", "-out", "k.pem", cwd=tmp_path)
    run(
        "req", "-new", "-config", "req.cnf", "-key", "k.pem", "-sm3", "-sigopt", DISTID,
        "-subj", "/C=CN/ST=浙江省/L=杭州市/O=测试/OU=电子印章/CN=测试市市场监督管理局",
        "-outform", "DER", "-out", "req.der", cwd=tmp_path,
    )  # fmt: skip
    request = acsr.CertificationRequest.load((tmp_path / "req.der").read_bytes())
    subject_der = request["certification_request_info"]["subject"].dump()
    name = x509.Name.parse("CN=测试市市场监督管理局,OU=电子印章,O=测试,L=杭州市,ST=浙江省,C=CN")
    assert name.der == subject_der


# --------------------------------------------------------------------------- CRLs


@pytest.fixture(scope="module")
def crl_setup(tk: Files) -> tuple[x509.CertificateRevocationList, x509.Certificate]:
    """A CRL from the intermediate revoking the leaf, and a second, unrevoked leaf."""
    c = tk.chain
    other_key = sm2.generate_private_key()
    other = x509.issue_certificate(
        "CN=another leaf,C=CN", other_key.public_key(), c.inter_key, c.inter, not_before=T0
    )
    crl = x509.build_crl(
        c.inter,
        c.inter_key,
        [(c.leaf.serial_number, T0 + timedelta(days=2))],
        this_update=T0 + timedelta(days=3),
        next_update=T0 + timedelta(days=33),
        crl_number=42,
    )
    tk.write("crl.pem", crl.to_pem())
    tk.write("crl.der", crl.der)
    tk.write("other.pem", other.to_pem())
    return crl, other


def test_openssl_parses_trustkit_crl(
    tk: Files, crl_setup: tuple[x509.CertificateRevocationList, x509.Certificate]
) -> None:
    text = run("crl", "-in", "crl.pem", "-noout", "-text", cwd=tk.directory).stdout
    assert "Version 2 (0x1)" in text
    assert text.count("Signature Algorithm: SM2-with-SM3") == 2
    assert f"Serial Number: {tk.chain.leaf.serial_number:X}" in text
    assert "X509v3 CRL Number: \n                42" in text
    assert "Last Update: " + (T0 + timedelta(days=3)).strftime("%b %e %H:%M:%S %Y GMT") in text
    assert "Next Update: " + (T0 + timedelta(days=33)).strftime("%b %e %H:%M:%S %Y GMT") in text
    ski = tk.chain.inter.subject_key_identifier
    assert ski is not None and ski.hex(":").upper() in text
    der_text = run("crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text", cwd=tk.directory)
    assert der_text.stdout == text


def _tbs_and_signature(der: bytes) -> tuple[bytes, bytes]:
    """Slice tbsCertList and the signature BIT STRING out of a CRL with the generic parser."""
    contents = parser.parse(der)[4]
    parts, pos = [], 0
    while pos < len(contents):
        _cls, _m, _tag, header, body, _t = parser.parse(contents[pos:], strict=False)
        parts.append((header, body))
        pos += len(header) + len(body)
    tbs = parts[0][0] + parts[0][1]
    bit_string = parts[2][1]
    assert bit_string[0] == 0  # no unused bits
    return tbs, bit_string[1:]


def test_crl_signature_verifies_in_libcrypto_evp(
    tk: Files,
    crl_setup: tuple[x509.CertificateRevocationList, x509.Certificate],
    openssl: ModuleType,
) -> None:
    crl, _ = crl_setup
    tbs, signature = _tbs_and_signature(crl.der)
    spki = a509.Certificate.load(tk.chain.inter.der).public_key.dump()
    key = openssl.load_public_der(spki)
    assert openssl.verify(key, signature, tbs, UID)
    assert not openssl.verify(key, signature, tbs + b"\x00", UID)
    root_spki = a509.Certificate.load(tk.chain.root.der).public_key.dump()
    assert not openssl.verify(openssl.load_public_der(root_spki), signature, tbs, UID)


def test_libcrypto_crl_check_honours_the_revocation(
    tk: Files,
    crl_setup: tuple[x509.CertificateRevocationList, x509.Certificate],
    libcrypto: Libcrypto,
) -> None:
    crl, other = crl_setup
    c = tk.chain
    tolerate = frozenset({X509_V_ERR_CRL_SIGNATURE_FAILURE})  # OpenSSL 3.0: no SM2 ID for CRLs
    ok, seen = libcrypto.verify(c.leaf, [c.root], [c.inter], AT, crls=[crl], tolerate=tolerate)
    assert not ok and seen[-1] == X509_V_ERR_CERT_REVOKED
    assert set(seen[:-1]) <= {X509_V_ERR_CRL_SIGNATURE_FAILURE}
    # X509_V_FLAG_CRL_CHECK checks the leaf only, so no CRL from the root is needed.
    ok, seen = libcrypto.verify(other, [c.root], [c.inter], AT, crls=[crl], tolerate=tolerate)
    assert ok and set(seen) <= {X509_V_ERR_CRL_SIGNATURE_FAILURE}
    # trustkit agrees, and checks the CRL signature with the right ID.
    ours = x509.validate_chain(c.leaf, trust=c.trust, intermediates=[c.inter], crls=[crl], at=AT)
    assert {(ch.name, ch.reason) for ch in ours.failed_checks} == {("revocation", "revoked")}
    fine = x509.validate_chain(other, trust=c.trust, intermediates=[c.inter], crls=[crl], at=AT)
    assert fine.passed


def test_openssl_cli_crl_check_never_accepts_the_revoked_leaf(
    tk: Files, crl_setup: tuple[x509.CertificateRevocationList, x509.Certificate]
) -> None:
    out = run(
        "verify", "-crl_check", "-CRLfile", "crl.pem", "-vfyopt", DISTID, "-attime", epoch(AT),
        "-partial_chain", "-CAfile", "inter.pem", "leaf.pem", cwd=tk.directory, check=False,
    )  # fmt: skip
    text = out.stdout + out.stderr
    assert out.returncode != 0
    # 3.0 stops at the CRL signature (checked with the empty ID); later versions say "revoked".
    assert "certificate revoked" in text or "CRL signature failure" in text
