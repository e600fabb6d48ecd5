"""Is a signer certificate in a seal's ``certList``? (GM/T 0031 §6.2.2 c; spec §9.4 G4)

``certListType`` 1 compares the raw DER; type 2 compares digests, with the algorithm named in
the free-text ``CertDigestObj.type`` (SM3 or SHA-256, by name or OID).
"""

from __future__ import annotations

import hashlib
from typing import Final

from trustkit import oids
from trustkit.seal._model import Seal
from trustkit.sm3 import sm3

__all__ = ["digest_by_name", "signer_in_cert_list"]

_SM3_NAMES: Final = frozenset({"SM3", oids.SM3, oids.SM3_WITHOUT_KEY})
_SHA256_NAMES: Final = frozenset({"SHA256", "SHA-256", oids.SHA256})

NOT_IN_LIST: Final = "sig.signer_not_in_seal_certlist"
DIGEST_UNKNOWN: Final = "sig.certlist_digest_alg_unknown"


def digest_by_name(name: str, data: bytes) -> bytes | None:
    """The digest ``name`` designates (case-insensitive, e.g. ``sm3``, ``SHA-256``), or None."""
    key = name.strip().upper()
    if key in _SM3_NAMES or name.strip() in _SM3_NAMES:
        return sm3(data)
    if key in _SHA256_NAMES or name.strip() in _SHA256_NAMES:
        return hashlib.sha256(data).digest()
    return None


def signer_in_cert_list(seal: Seal, cert_der: bytes) -> str:
    """``ok``, or the reason code why ``cert_der`` is not a listed signer."""
    if seal.cert_list_type != 2:
        return "ok" if cert_der in seal.certificates else NOT_IN_LIST
    unknown = False
    for entry in seal.cert_digests:
        expected = digest_by_name(entry.algorithm, cert_der)
        if expected is None:
            unknown = True
        elif expected == entry.value:
            return "ok"
    return DIGEST_UNKNOWN if unknown else NOT_IN_LIST
