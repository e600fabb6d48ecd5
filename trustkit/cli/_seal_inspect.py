"""What ``trustkit seal inspect`` shows: the fields of a seal or a seal signature."""

from __future__ import annotations

from typing import Any

from trustkit import seal, x509
from trustkit.exceptions import TrustkitError

__all__ = ["describe", "describe_text"]


def describe(parsed: seal.Seal | seal.SealSignature) -> dict[str, Any]:
    if isinstance(parsed, seal.Seal):
        return {"kind": "seal", **_seal(parsed)}
    return {
        "kind": "seal_signature",
        "generation": parsed.generation,
        "version": parsed.version,
        "time_info": parsed.time_info_text,
        "data_hash": parsed.data_hash.hex(),
        "property_info": parsed.property_info,
        "signature_algorithm": parsed.signature_algorithm,
        "timestamped": parsed.timestamp is not None,
        "signer_certificate": _certificate(parsed.signer_cert_der),
        "seal": _seal(parsed.seal),
    }


def _seal(item: seal.Seal) -> dict[str, Any]:
    return {
        "generation": item.generation,
        "header": {"id": item.header_id, "version": item.header_version, "vid": item.vid},
        "es_id": item.es_id,
        "name": item.name,
        "type": item.seal_type,
        "create_date": item.create_date.isoformat(),
        "valid_start": item.valid_start.isoformat(),
        "valid_end": item.valid_end.isoformat(),
        "cert_list_type": item.cert_list_type,
        "signer_certificates": [_certificate(der) for der in item.certificates],
        "signer_cert_digests": [
            {"algorithm": d.algorithm, "value": d.value.hex()} for d in item.cert_digests
        ],
        "picture": {
            "type": item.picture.type,
            "detected_format": item.picture.detected_format,
            "width_mm": item.picture.width_mm,
            "height_mm": item.picture.height_mm,
            "bytes": len(item.picture.data),
        },
        "extensions": [
            {"oid": e.oid, "critical": e.critical, "value": e.value.hex()} for e in item.extensions
        ],
        "maker_certificate": _certificate(item.maker_cert_der),
        "signature_algorithm": item.signature_algorithm,
        "timestamped": item.timestamp is not None,
    }


def _certificate(der: bytes) -> dict[str, Any]:
    try:
        cert = x509.load_der_certificate(der)
    except TrustkitError as exc:
        return {"error": str(exc), "bytes": len(der)}
    return {
        "subject": cert.subject,
        "issuer": cert.issuer,
        "serial_number": f"{cert.serial_number:x}",
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "sm3_fingerprint": cert.fingerprint_sm3,
    }


def describe_text(described: dict[str, Any], indent: str = "") -> str:
    """Nested ``key: value`` lines."""
    lines = []
    for key, value in described.items():
        label = key.replace("_", " ")
        if isinstance(value, dict):
            lines.append(f"{indent}{label}:")
            lines.append(describe_text(value, indent + "  "))
        elif isinstance(value, list):
            lines.append(f"{indent}{label}: {len(value)}")
            lines.extend(_list_item(item, indent + "  ") for item in value)
        else:
            lines.append(f"{indent}{label}: {value}")
    return "\n".join(line for line in lines if line)


def _list_item(item: object, indent: str) -> str:
    if not isinstance(item, dict):
        return f"{indent}- {item}"
    text = describe_text(item, indent + "  ")
    return f"{indent}- {text.lstrip()}"
