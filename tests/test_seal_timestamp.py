"""RFC 3161 time stamps: the local authority, the HTTP client, and token verification (G7, S4).

Tokens are also read with asn1crypto's own RFC 5652/3161 classes and the TSA signature is
checked with gmalglib, so the token format does not rest on trustkit's reader alone.
"""

from __future__ import annotations

import io
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from asn1crypto import cms, tsp
from oracles import reference
from seal_support import (
    SIGNING_TIME,
    T0,
    TSA_POLICY,
    Pki,
    der_length,
    der_to_raw,
    leaf,
    make_pki,
    png,
    public_point,
)

from trustkit import oids
from trustkit.exceptions import MalformedInput, TrustkitError
from trustkit.report import Status
from trustkit.seal import (
    CheckStatus,
    HttpTimestampClient,
    LocalTimestampAuthority,
    SealPicture,
    TimestampClient,
    make_seal,
    read_timestamp,
    sign_data,
    verify_seal,
    verify_seal_signature,
)

CREATED = T0 + timedelta(days=10)
STAMPED = SIGNING_TIME + timedelta(minutes=5)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def authority(pki: Pki, when: object = STAMPED, party: object = None) -> LocalTimestampAuthority:
    who = party or pki.tsa
    return LocalTimestampAuthority(who.key, who.cert, policy=TSA_POLICY, clock=lambda: when)  # type: ignore[attr-defined, return-value]


def signature(pki: Pki, stamper: TimestampClient | None, version: int = 4) -> Any:
    seal = make_seal(
        pki.maker.key,
        pki.maker.cert,
        name="时间戳测试章",
        picture=SealPicture.from_image(png(), 30, 30),
        signer_certs=[pki.signer.cert],
        created_at=CREATED,
        version=version,
    )
    return sign_data(
        seal,
        pki.signer.key,
        pki.signer.cert,
        b"doc",
        property_info="doc",
        at=SIGNING_TIME,
        timestamper=stamper,
    )


def test_local_authority_token_read_independently(pki: Pki, gmalglib: ModuleType) -> None:
    token = authority(pki).timestamp(b"signature bytes")
    info = cms.ContentInfo.load(token)
    assert info["content_type"].native == "signed_data"
    signed = info["content"]
    assert signed["encap_content_info"]["content_type"].native == "tst_info"
    tst = tsp.TSTInfo.load(signed["encap_content_info"]["content"].native)
    assert tst["message_imprint"]["hash_algorithm"]["algorithm"].dotted == oids.SM3
    assert tst["message_imprint"]["hashed_message"].native == reference.sm3(b"signature bytes")
    assert tst["gen_time"].native == STAMPED and tst["policy"].dotted == TSA_POLICY
    signer = signed["signer_infos"][0]
    attrs = signer["signed_attrs"]
    preimage = b"\x31" + attrs.dump()[1:]
    sig = signer["signature"].native
    assert gmalglib.verify(public_point(pki.tsa.cert.der), preimage, der_to_raw(sig))
    digests = {a["type"].native: a["values"][0].native for a in attrs}
    assert digests["message_digest"] == reference.sm3(tst.dump())


def test_read_timestamp(pki: Pki) -> None:
    info = read_timestamp(authority(pki).timestamp(b"x"))
    assert (info.gen_time, info.hash_algorithm, info.policy) == (STAMPED, oids.SM3, TSA_POLICY)
    with pytest.raises(MalformedInput):
        read_timestamp(b"\x30\x03\x02\x01\x01")


def test_attested_signature_passes_and_uses_gen_time(pki: Pki) -> None:
    sig = signature(pki, authority(pki))
    report = verify_seal_signature(
        sig, data=b"doc", trust=pki.anchors, at=STAMPED + timedelta(days=1)
    )
    for name in ("timestamp-imprint", "timestamp-signature", "timestamp-tsa"):
        assert report.check(name).status is CheckStatus.PASSED, name
    assert report.check("signing-time").detail == f"attested {STAMPED.isoformat()}"
    assert report.status is Status.PASSED


def test_tsa_without_anchor_is_indeterminate(pki: Pki) -> None:
    report = verify_seal_signature(signature(pki, authority(pki)), data=b"doc", at=STAMPED)
    assert report.check("timestamp-tsa").status is CheckStatus.INDETERMINATE
    assert report.check("timestamp-tsa").reason == "sig.timestamp_tsa_untrusted"


def test_tsa_without_time_stamping_usage_fails(pki: Pki) -> None:
    report = verify_seal_signature(
        signature(pki, authority(pki, party=pki.other)), data=b"doc", trust=pki.anchors, at=STAMPED
    )
    assert report.check("timestamp-tsa").status is CheckStatus.FAILED
    assert "timeStamping" in report.check("timestamp-tsa").detail


class WrongData:
    def __init__(self, inner: LocalTimestampAuthority) -> None:
        self.inner = inner

    def timestamp(self, data: bytes) -> bytes:
        return self.inner.timestamp(data + b"!")


def test_imprint_mismatch(pki: Pki) -> None:
    report = verify_seal_signature(
        signature(pki, WrongData(authority(pki))), data=b"doc", trust=pki.anchors, at=STAMPED
    )
    assert report.check("timestamp-imprint").reason == "sig.timestamp_imprint_mismatch"
    assert report.status is Status.FAILED


class Tampered:
    def __init__(self, inner: LocalTimestampAuthority) -> None:
        self.inner = inner

    def timestamp(self, data: bytes) -> bytes:
        token = bytearray(self.inner.timestamp(data))
        index = bytes(token).index(TSA_POLICY_DER)
        token[index + len(TSA_POLICY_DER) - 1] ^= 0x01  # change the policy inside TSTInfo
        return bytes(token)


TSA_POLICY_DER = bytes.fromhex("06062a0304050607")


def test_tampered_token_fails_its_signature(pki: Pki) -> None:
    report = verify_seal_signature(
        signature(pki, Tampered(authority(pki))), data=b"doc", trust=pki.anchors, at=STAMPED
    )
    assert report.check("timestamp-signature").reason == "sig.timestamp_invalid"


def test_v5_seal_timestamp(pki: Pki) -> None:
    seal = make_seal(
        pki.maker.key,
        pki.maker.cert,
        name="v5",
        picture=SealPicture.from_image(png(), 30, 30),
        signer_certs=[pki.signer.cert],
        created_at=CREATED,
        version=5,
        timestamper=authority(pki, CREATED + timedelta(seconds=1)),
    )
    report = verify_seal(seal, trust=pki.anchors, at=SIGNING_TIME)
    assert report.check("seal-timestamp-imprint").status is CheckStatus.PASSED
    assert report.check("seal-timestamp-tsa").status is CheckStatus.PASSED
    assert report.status is Status.PASSED
    early = make_seal(
        pki.maker.key,
        pki.maker.cert,
        name="v5",
        picture=SealPicture.from_image(png(), 30, 30),
        signer_certs=[pki.signer.cert],
        created_at=CREATED,
        version=5,
        timestamper=authority(pki, CREATED - timedelta(days=1)),
    )
    late = verify_seal(early, trust=pki.anchors, at=SIGNING_TIME)
    assert late.check("seal-timestamp-time").reason == "seal.created_after_timestamp"


def test_authority_rejects_a_foreign_key(pki: Pki) -> None:
    with pytest.raises(MalformedInput):
        LocalTimestampAuthority(pki.signer.key, pki.tsa.cert, policy=TSA_POLICY)


# --- the HTTP client, against the local authority behind a fake transport --------------------


class FakeServer:
    def __init__(
        self, tsa: LocalTimestampAuthority, *, status: int = 0, nonce_delta: int = 0
    ) -> None:
        self.tsa, self.status, self.nonce_delta = tsa, status, nonce_delta
        self.requests: list[Any] = []

    def __call__(self, request: Any, timeout: float) -> io.BytesIO:
        self.requests.append(request)
        query = tsp.TimeStampReq.load(request.data)
        imprint = query["message_imprint"]
        token = self.tsa.respond(
            imprint["hashed_message"].native,
            imprint["hash_algorithm"]["algorithm"].dotted,
            query["nonce"].native + self.nonce_delta,
        )
        status = tsp.PKIStatusInfo({"status": self.status}).dump()
        body = status + (token if self.status == 0 else b"")
        return io.BytesIO(b"\x30" + der_length(len(body)) + body)


def test_http_client(pki: Pki) -> None:
    server = FakeServer(authority(pki))
    client = HttpTimestampClient("http://tsa.invalid/tsp", opener=server)
    assert isinstance(client, TimestampClient)
    token = client.timestamp(b"payload")
    assert read_timestamp(token).hashed_message == reference.sm3(b"payload")
    request = server.requests[0]
    assert request.get_header("Content-type") == "application/timestamp-query"
    assert request.get_method() == "POST"


def test_http_client_errors(pki: Pki) -> None:
    with pytest.raises(TrustkitError, match="refused"):
        HttpTimestampClient("http://x/", opener=FakeServer(authority(pki), status=2)).timestamp(
            b"p"
        )
    with pytest.raises(TrustkitError, match="nonce"):
        HttpTimestampClient(
            "http://x/", opener=FakeServer(authority(pki), nonce_delta=1)
        ).timestamp(b"p")
    with pytest.raises(MalformedInput, match="http"):
        HttpTimestampClient("file:///etc/passwd")

    def unreachable(request: Any, timeout: float) -> Any:
        raise OSError("connection refused")

    with pytest.raises(TrustkitError, match="unreachable"):
        HttpTimestampClient("http://x/", opener=unreachable).timestamp(b"p")


def test_short_lived_tsa_certificate(pki: Pki) -> None:
    brief = leaf("CN=Brief TSA", pki.root, eku=["timeStamping"], days=1)
    report = verify_seal_signature(
        signature(pki, authority(pki, party=brief)), data=b"doc", trust=pki.anchors, at=STAMPED
    )
    assert report.check("timestamp-tsa").status is CheckStatus.FAILED
