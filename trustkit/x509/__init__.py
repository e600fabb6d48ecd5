"""X.509 for SM2: certificates and CRLs signed with SM2-with-SM3, and path validation.

Guarantees:

- Parsing is strict about framing (DER only, no trailing bytes, 1 MiB per certificate) and
  lenient about contents real SM2 certificates carry: names asn1crypto cannot decode,
  ``signatureAlgorithm`` with or without NULL parameters, malformed extensions trustkit does not
  use.
- Signatures are checked over the signed bytes exactly as received, with the default SM2 ID
  ``1234567812345678`` (GM/T 0015 and the certificates in the ofdrw corpus).
- Issued certificates and CRLs are strict DER, SM2-with-SM3 without parameters.
- Validation takes an explicit moment and explicit trust anchors and returns a
  :class:`trustkit.report.Report` with stable reason codes.

Example::

    from trustkit import sm2, x509
    root_key = sm2.generate_private_key()
    root = x509.issue_certificate("CN=Root,O=Org,C=CN", root_key.public_key(), root_key, ca=True)
    report = x509.validate_chain(root, trust=x509.TrustAnchors([root]))
"""

from __future__ import annotations

from trustkit.x509._algorithms import SignatureAlgorithm, key_identifier
from trustkit.x509._builder import issue_certificate
from trustkit.x509._certificate import (
    Certificate,
    load_der_certificate,
    load_pem_certificate,
    load_pem_certificates,
)
from trustkit.x509._crl import (
    CertificateRevocationList,
    RevokedEntry,
    build_crl,
    load_der_crl,
    load_pem_crl,
)
from trustkit.x509._extensions import Extension, KnownExtensions
from trustkit.x509._names import Attribute, Name
from trustkit.x509._validation import TrustAnchors, validate_chain

__all__ = [
    "Attribute",
    "Certificate",
    "CertificateRevocationList",
    "Extension",
    "KnownExtensions",
    "Name",
    "RevokedEntry",
    "SignatureAlgorithm",
    "TrustAnchors",
    "build_crl",
    "issue_certificate",
    "key_identifier",
    "load_der_certificate",
    "load_der_crl",
    "load_pem_certificate",
    "load_pem_certificates",
    "load_pem_crl",
    "validate_chain",
]
