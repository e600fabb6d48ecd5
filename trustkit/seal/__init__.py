"""Electronic seals (GB/T 38540 / GM/T 0031) and sealed OFD documents (GB/T 33190).

Guarantees:

- Reads seals (``SESeal``) and seal signatures (``SES_Signature``) of all three generations,
  v1 (GM/T 0031-2014), v4 (GB/T 38540-2020) and v5 (GM/T 0031-2025), deciding the generation
  from the structure first and the version second. Every signature is checked over the bytes
  as received (real seals carry non-canonical DER).
- Makes v4 seals and signatures by default, v5 on request, in strict DER, signed with
  SM2-with-SM3 and the default ID ``1234567812345678``.
- Verification returns a frozen report: each standard step is one check with a stable reason
  code (spec ``eseal.md`` §9, §10.4); the result is PASSED, FAILED, or INDETERMINATE when the
  cryptography holds but no trust anchor vouches for a certificate. Time and trust are
  parameters. Hostile input never raises anything but a ``TrustkitError``.
- OFD packages are read with size, ratio and name limits; XML without DTDs, entities or network.

Example::

    from trustkit import seal
    esl = seal.make_seal(maker_key, maker_cert, name="示例专用章",
                         picture=seal.SealPicture.from_image(png, 40, 40),
                         signer_certs=[signer_cert])
    sig = seal.sign_data(esl, signer_key, signer_cert, document, property_info="doc.xml")
    report = seal.verify_seal_signature(sig.der, data=document, trust=anchors)
    print(report.to_text())
"""

from __future__ import annotations

from trustkit.seal._make import make_seal
from trustkit.seal._model import CertDigest, Seal, SealExtension, SealSignature
from trustkit.seal._ofd_package import OfdPackage, PackageError, ZipLimits
from trustkit.seal._ofd_pictures import ofd_seal_pictures
from trustkit.seal._ofd_verify import verify_ofd
from trustkit.seal._parse import load_seal
from trustkit.seal._parse_sig import load, load_seal_signature
from trustkit.seal._picture import SealPicture
from trustkit.seal._report import CheckStatus, DocumentReport, SealCheck, SignatureReport
from trustkit.seal._sign import sign_data, sign_data_hash
from trustkit.seal._timestamp import HttpTimestampClient, LocalTimestampAuthority, TimestampClient
from trustkit.seal._timestamp_token import TimestampInfo, read_timestamp
from trustkit.seal._verify_cms import sign_signed_data, verify_signed_data
from trustkit.seal._verify_seal import verify_seal
from trustkit.seal._verify_sig import verify_seal_signature

__all__ = [
    "CertDigest",
    "CheckStatus",
    "DocumentReport",
    "HttpTimestampClient",
    "LocalTimestampAuthority",
    "OfdPackage",
    "PackageError",
    "Seal",
    "SealCheck",
    "SealExtension",
    "SealPicture",
    "SealSignature",
    "SignatureReport",
    "TimestampClient",
    "TimestampInfo",
    "ZipLimits",
    "load",
    "load_seal",
    "load_seal_signature",
    "make_seal",
    "ofd_seal_pictures",
    "read_timestamp",
    "sign_data",
    "sign_data_hash",
    "sign_signed_data",
    "verify_ofd",
    "verify_seal",
    "verify_seal_signature",
    "verify_signed_data",
]
