"""Seal making (制章, spec eseal.md §9.1): a v4 ``SESeal`` by default, v5 on request.

The maker signs ``DER(SES_SealInfo)`` with SM2-with-SM3 and the default ID. Output is strict
DER: ``critical FALSE`` omitted, BIT STRINGs with 0 unused bits, the v5 time stamp as explicit
``[0]``, ``SES_SealInfo.extDatas`` untagged (as in real files and the v5 text).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from asn1crypto import core

from trustkit import oids, sm2, x509
from trustkit.exceptions import CertificateError, MalformedInput
from trustkit.seal import _asn1_ses as asn1
from trustkit.seal._certcheck import signing_key_usage_ok
from trustkit.seal._der import aware, bit_string, generalized_time
from trustkit.seal._model import Seal, SealExtension
from trustkit.seal._parse import load_seal
from trustkit.seal._picture import SealPicture
from trustkit.seal._timestamp import TimestampClient
from trustkit.sm3 import sm3

__all__ = ["CERT_DIGEST_TYPE", "extension_datas", "make_seal"]

CERT_DIGEST_TYPE: Final = "SM3"  # CertDigestObj.type written for certListType 2
_VERSIONS: Final = (4, 5)
_DEFAULT_DAYS: Final = 365


def make_seal(
    maker_key: sm2.SM2PrivateKey,
    maker_cert: x509.Certificate,
    *,
    name: str,
    picture: SealPicture,
    signer_certs: Sequence[x509.Certificate],
    seal_type: int = 1,
    es_id: str | None = None,
    vid: str = "trustkit",
    created_at: datetime | None = None,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    cert_digests: bool = False,
    extensions: Sequence[SealExtension] = (),
    version: int = 4,
    timestamper: TimestampClient | None = None,
) -> Seal:
    """Make and sign a seal; return it parsed (``.der`` holds the ``.esl`` bytes).

    ``signer_certs`` are the signers allowed to use the seal; with ``cert_digests`` the list
    holds their SM3 digests (``certListType`` 2) instead of the certificates. ``created_at``
    defaults to now; the validity window to ``created_at`` + 365 days. ``timestamper`` stamps
    the maker signature (v5 only). Raises MalformedInput for bad parameters and
    CertificateError when the maker certificate does not fit the key or the time.
    """
    created = aware(created_at) if created_at is not None else datetime.now(UTC)
    start = aware(valid_from) if valid_from is not None else created
    end = aware(valid_to) if valid_to is not None else start + timedelta(days=_DEFAULT_DAYS)
    _check_parameters(name, es_id, vid, signer_certs, start, end, version, timestamper)
    _check_maker(maker_key, maker_cert, created)
    info = asn1.SES_SealInfoV4(
        {
            "header": {"id": "ES", "version": version, "vid": vid},
            "es_id": es_id if es_id is not None else secrets.token_hex(16),
            "property": {
                "type": seal_type,
                "name": name,
                "cert_list_type": 2 if cert_digests else 1,
                "cert_list": _cert_list(signer_certs, cert_digests),
                "create_date": generalized_time(created),
                "valid_start": generalized_time(start),
                "valid_end": generalized_time(end),
            },
            "picture": {
                "type": picture.type,
                "data": picture.data,
                "width": picture.width_mm,
                "height": picture.height_mm,
            },
            "ext_datas": extension_datas(extensions) if extensions else None,
        }
    )
    signed_value = maker_key.sign(bytes(info.dump()), uid=sm2.DEFAULT_UID)
    fields: dict[str, object] = {
        "eseal_info": info,
        "cert": maker_cert.der,
        "sign_alg_id": oids.SM2_WITH_SM3,
        "signed_value": bit_string(signed_value),
    }
    if timestamper is not None:
        token = timestamper.timestamp(signed_value)
        fields["timestamp"] = bit_string(token, explicit=0)
    return load_seal(bytes(asn1.SESSealV4(fields).dump()))


def extension_datas(
    extensions: Sequence[SealExtension], explicit: int | None = None
) -> asn1.ExtensionDatas:
    """``ExtensionDatas`` in DER (``critical`` written only when TRUE)."""
    items = []
    for ext in extensions:
        item: dict[str, object] = {"extn_id": ext.oid, "extn_value": ext.value}
        if ext.critical:
            item["critical"] = True
        items.append(item)
    return asn1.ExtensionDatas(items, explicit=explicit)


def _cert_list(certs: Sequence[x509.Certificate], digests: bool) -> list[core.Any]:
    if digests:
        objs = [asn1.CertDigestObj({"type": CERT_DIGEST_TYPE, "value": sm3(c.der)}) for c in certs]
        return [core.Any.load(o.dump()) for o in objs]
    return [core.Any.load(core.OctetString(c.der).dump()) for c in certs]


def _check_parameters(
    name: str,
    es_id: str | None,
    vid: str,
    signer_certs: Sequence[x509.Certificate],
    start: datetime,
    end: datetime,
    version: int,
    timestamper: TimestampClient | None,
) -> None:
    if version not in _VERSIONS:
        raise MalformedInput(f"trustkit makes v4 or v5 seals, not v{version}")
    if timestamper is not None and version != 5:
        raise MalformedInput("a seal time stamp needs version 5")
    if not name.strip():
        raise MalformedInput("the seal needs a name")
    for text, what in ((es_id or "x", "esID"), (vid or "x", "Vid")):
        if not text.isascii() or not text.isprintable():
            raise MalformedInput(f"{what} must be printable ASCII (IA5String)")
    if not signer_certs:
        raise MalformedInput("the seal needs at least one signer certificate")
    if start >= end:
        raise MalformedInput("the seal validity must end after it starts")


def _check_maker(key: sm2.SM2PrivateKey, cert: x509.Certificate, created: datetime) -> None:
    if key.public_key() != cert.public_key():
        raise CertificateError("the maker key does not match the maker certificate")
    if not cert.valid_at(created):
        raise CertificateError(f"the maker certificate is not valid at {created.isoformat()}")
    if not signing_key_usage_ok(cert):
        raise CertificateError("the maker certificate does not allow digital signatures")
