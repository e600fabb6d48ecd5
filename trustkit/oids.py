"""Object identifiers of the GM algorithms (GB/T 33560 / GM/T 0006), declared once.

Other modules import these names; no OID string is repeated elsewhere in trustkit.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CMS_DATA",
    "CMS_SIGNED_DATA",
    "EC_PUBLIC_KEY",
    "GM_CMS_DATA",
    "GM_CMS_ENVELOPED_DATA",
    "GM_CMS_SIGNED_DATA",
    "KP_TIME_STAMPING",
    "PKCS9_CONTENT_TYPE",
    "PKCS9_MESSAGE_DIGEST",
    "PKCS9_SIGNING_TIME",
    "SHA256",
    "SM2_CURVE",
    "SM2_ENCRYPTION",
    "SM2_KEY_EXCHANGE",
    "SM2_SIGNATURE",
    "SM2_WITH_SM3",
    "SM3",
    "SM3_WITHOUT_KEY",
    "SM3_WITH_KEY",
    "SM4",
    "SM4_CBC",
    "TST_INFO",
]

EC_PUBLIC_KEY: Final = "1.2.840.10045.2.1"
SM2_CURVE: Final = "1.2.156.10197.1.301"
SM2_SIGNATURE: Final = "1.2.156.10197.1.301.1"
SM2_KEY_EXCHANGE: Final = "1.2.156.10197.1.301.2"
SM2_ENCRYPTION: Final = "1.2.156.10197.1.301.3"
SM3: Final = "1.2.156.10197.1.401"
SM3_WITHOUT_KEY: Final = "1.2.156.10197.1.401.1"
SM3_WITH_KEY: Final = "1.2.156.10197.1.401.2"
SM2_WITH_SM3: Final = "1.2.156.10197.1.501"
SM4: Final = "1.2.156.10197.1.104"
SM4_CBC: Final = "1.2.156.10197.1.104.2"
GM_CMS_DATA: Final = "1.2.156.10197.6.1.4.2.1"
GM_CMS_SIGNED_DATA: Final = "1.2.156.10197.6.1.4.2.2"
GM_CMS_ENVELOPED_DATA: Final = "1.2.156.10197.6.1.4.2.3"
CMS_DATA: Final = "1.2.840.113549.1.7.1"
CMS_SIGNED_DATA: Final = "1.2.840.113549.1.7.2"
PKCS9_CONTENT_TYPE: Final = "1.2.840.113549.1.9.3"
PKCS9_MESSAGE_DIGEST: Final = "1.2.840.113549.1.9.4"
PKCS9_SIGNING_TIME: Final = "1.2.840.113549.1.9.5"
TST_INFO: Final = "1.2.840.113549.1.9.16.1.4"
SHA256: Final = "2.16.840.1.101.3.4.2.1"
KP_TIME_STAMPING: Final = "1.3.6.1.5.5.7.3.8"
