"""RFC 3161 / GB/T 20520 time-stamp tokens: reading and verifying them (spec eseal.md §9.4 G7).

A token is a SignedData whose content is a DER ``TSTInfo``. Verification checks the message
imprint against the stamped bytes (SM3 or SHA-256), the TSA's SM2 signature over the signed
attributes (with ``messageDigest`` = hash of the TSTInfo), and the TSA certificate
(``timeStamping`` extended key usage, chain at ``genTime``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from asn1crypto import core, tsp

from trustkit import oids
from trustkit.exceptions import InvalidSignature, MalformedInput, TrustkitError
from trustkit.seal._certcheck import Trust
from trustkit.seal._cms import CmsSignedData, parse_signed_data, verify_signer_signature
from trustkit.seal._der import ASN1_ERRORS
from trustkit.seal._report import CheckStatus, SealCheck
from trustkit.sm3 import sm3
from trustkit.x509 import Certificate

__all__ = ["TimestampInfo", "digest", "read_timestamp", "timestamp_gen_time", "verify_timestamp"]

_TIME_STAMPING: Final = "timeStamping"


def digest(algorithm: str, data: bytes) -> bytes:
    """SM3 or SHA-256 of ``data`` by OID; MalformedInput for other algorithms."""
    if algorithm in (oids.SM3, oids.SM3_WITHOUT_KEY):
        return sm3(data)
    if algorithm == oids.SHA256:
        return hashlib.sha256(data).digest()
    raise MalformedInput(f"digest algorithm {algorithm} is not SM3 or SHA-256")


@dataclass(frozen=True)
class TimestampInfo:
    """The readable content of a token."""

    signed: CmsSignedData
    tst_info: bytes  # DER TSTInfo as received
    gen_time: datetime
    hash_algorithm: str
    hashed_message: bytes
    serial_number: int
    policy: str


def read_timestamp(token: bytes) -> TimestampInfo:
    """Parse a DER TimeStampToken; MalformedInput if it is not one."""
    signed = parse_signed_data(token, "time-stamp token")
    if signed.content_type != oids.TST_INFO or signed.content is None:
        raise MalformedInput("time-stamp token does not encapsulate a TSTInfo")
    try:
        info = tsp.TSTInfo.load(signed.content, strict=True)
        imprint = info["message_imprint"]
        gen_time = info["gen_time"].native
        result = TimestampInfo(
            signed=signed,
            tst_info=signed.content,
            gen_time=gen_time.astimezone(UTC),
            hash_algorithm=imprint["hash_algorithm"]["algorithm"].dotted,
            hashed_message=bytes(imprint["hashed_message"].native),
            serial_number=int(info["serial_number"].native),
            policy=info["policy"].dotted,
        )
    except ASN1_ERRORS as exc:
        raise MalformedInput(f"TSTInfo cannot be read: {exc}") from exc
    return result


def timestamp_gen_time(token: bytes) -> datetime | None:
    """The genTime of a token, or None if ``token`` is not a readable one."""
    try:
        return read_timestamp(token).gen_time
    except MalformedInput:
        return None


def verify_timestamp(
    token: bytes, stamped: bytes, trust: Trust, *, prefix: str
) -> tuple[list[SealCheck], datetime | None]:
    """Checks ``{prefix}-timestamp*`` and the attested time (None unless the token is sound)."""
    name = f"{prefix}-timestamp" if prefix == "seal" else "timestamp"
    try:
        info = read_timestamp(token)
    except MalformedInput as exc:
        return [_fail(name, f"{prefix}.timestamp_invalid", str(exc))], None
    checks = [_imprint_check(info, stamped, name, prefix)]
    signature, cert = _signature_check(info, trust, name, prefix)
    checks.append(signature)
    if cert is not None:
        checks.append(_tsa_check(cert, info.gen_time, trust, name, prefix))
    sound = all(c.status is CheckStatus.PASSED for c in checks[:2])
    return checks, info.gen_time if sound else None


def _imprint_check(info: TimestampInfo, stamped: bytes, name: str, prefix: str) -> SealCheck:
    try:
        expected = digest(info.hash_algorithm, stamped)
    except MalformedInput as exc:
        return _fail(f"{name}-imprint", f"{prefix}.timestamp_invalid", str(exc))
    if expected != info.hashed_message:
        return _fail(f"{name}-imprint", f"{prefix}.timestamp_imprint_mismatch", "")
    detail = f"genTime {info.gen_time.isoformat()}"
    return SealCheck(f"{name}-imprint", CheckStatus.PASSED, detail=detail)


def _signature_check(
    info: TimestampInfo, trust: Trust, name: str, prefix: str
) -> tuple[SealCheck, Certificate | None]:
    signed = info.signed
    reason = f"{prefix}.timestamp_invalid"
    cert = signed.signer_certificate(trust.intermediates)
    if cert is None:
        return _fail(f"{name}-signature", reason, "the TSA certificate is not in the token"), None
    try:
        _check_attributes(signed, info.tst_info)
        verify_signer_signature(signed, cert)
    except (InvalidSignature, TrustkitError) as exc:
        return _fail(f"{name}-signature", reason, str(exc) or type(exc).__name__), None
    return SealCheck(f"{name}-signature", CheckStatus.PASSED, detail=cert.subject), cert


def _check_attributes(signed: CmsSignedData, tst_info: bytes) -> None:
    if signed.signed_attrs is None:
        raise MalformedInput("the token has no signed attributes")
    wanted = digest(signed.digest_algorithm, tst_info)
    found = signed.attributes.get(oids.PKCS9_MESSAGE_DIGEST)
    if found is None:
        raise MalformedInput("the token has no messageDigest attribute")
    try:
        value = bytes(core.OctetString.load(found, strict=True).native)
    except ASN1_ERRORS as exc:
        raise MalformedInput("the token's messageDigest is not an OCTET STRING") from exc
    if value != wanted:
        raise InvalidSignature("messageDigest does not match the TSTInfo")


def _tsa_check(
    cert: Certificate, moment: datetime, trust: Trust, name: str, prefix: str
) -> SealCheck:
    usage = cert.extended_key_usage or ()
    reason = f"{prefix}.timestamp_tsa_untrusted"
    if _TIME_STAMPING not in usage:
        return _fail(f"{name}-tsa", reason, f"{cert.subject} lacks the timeStamping key usage")
    outcome = trust.outcome(cert, moment)
    return outcome.check(f"{name}-tsa", {"invalid": reason, "untrusted": reason})


def _fail(name: str, reason: str, detail: str) -> SealCheck:
    return SealCheck(name, CheckStatus.FAILED, reason, detail)
