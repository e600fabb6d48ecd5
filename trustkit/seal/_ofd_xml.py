"""Safe XML for OFD (GB/T 33190 §18): no DTDs, no entities, no network, no huge trees.

Elements are matched by local name, so the ``ofd:`` namespace (or its absence) does not
matter. The signature files are read into small immutable records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from trustkit.exceptions import MalformedInput

__all__ = [
    "MAX_XML",
    "OfdSignatureEntry",
    "Reference",
    "SignatureXml",
    "StampAnnot",
    "children",
    "first",
    "parse_xml",
    "read_signature_list",
    "read_signature_xml",
    "text_of",
]

MAX_XML: Final = 32 << 20
_DTD: Final = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PARSER_OPTIONS: Final = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
}

Element = Any  # lxml.etree._Element (lxml ships no type information)


def parse_xml(data: bytes, what: str) -> Element:
    """The root element; MalformedInput for bad XML, any DTD or entity declaration."""
    if len(data) > MAX_XML:
        raise MalformedInput(f"{what} is {len(data)} bytes; the limit is {MAX_XML}")
    if _DTD.search(data):
        raise MalformedInput(f"{what} declares a DTD or entities, which OFD does not allow")
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MalformedInput(f"{what} is not well-formed XML: {exc}") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise MalformedInput(f"{what} declares a DTD, which OFD does not allow")
    return root


def _local(element: Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def children(element: Element, name: str) -> list[Element]:
    return [c for c in element if _local(c) == name]


def first(element: Element, name: str) -> Element | None:
    found = children(element, name)
    return found[0] if found else None


def text_of(element: Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return str(element.text).strip()


def _attr(element: Element, name: str) -> str:
    return str(element.get(name, "")).strip()


@dataclass(frozen=True)
class OfdSignatureEntry:
    """One ``ofd:Signature`` of ``Signatures.xml``."""

    id: str
    type: str  # Seal (default) or Sign
    base_loc: str


def read_signature_list(root: Element) -> list[OfdSignatureEntry]:
    return [
        OfdSignatureEntry(_attr(e, "ID"), _attr(e, "Type") or "Seal", _attr(e, "BaseLoc"))
        for e in children(root, "Signature")
    ]


@dataclass(frozen=True)
class Reference:
    file_ref: str
    check_value: str  # Base64 text as written


@dataclass(frozen=True)
class StampAnnot:
    id: str
    page_ref: str
    boundary: tuple[float, ...]


@dataclass(frozen=True)
class SignatureXml:
    """The fields of a ``Signature.xml`` that verification uses or shows."""

    provider: dict[str, str]
    signature_method: str
    signature_datetime: str
    check_method: str | None
    references: tuple[Reference, ...]
    stamp_annots: tuple[StampAnnot, ...]
    seal_loc: str | None
    signed_value: str


def read_signature_xml(root: Element) -> SignatureXml:
    """Read ``ofd:Signature``; MalformedInput if ``SignedInfo`` or ``SignedValue`` is missing."""
    if _local(root) != "Signature":
        raise MalformedInput(f"Signature.xml has root element {_local(root)!r}")
    info = first(root, "SignedInfo")
    if info is None:
        raise MalformedInput("Signature.xml has no SignedInfo")
    refs = first(info, "References")
    seal = first(info, "Seal")
    return SignatureXml(
        provider=_provider(first(info, "Provider")),
        signature_method=text_of(first(info, "SignatureMethod")),
        signature_datetime=text_of(first(info, "SignatureDateTime")),
        check_method=None if refs is None else (_attr(refs, "CheckMethod") or None),
        references=_references(refs),
        stamp_annots=tuple(_stamp(e) for e in children(info, "StampAnnot")),
        seal_loc=None if seal is None else (text_of(first(seal, "BaseLoc")) or None),
        signed_value=text_of(first(root, "SignedValue")),
    )


def _provider(element: Element | None) -> dict[str, str]:
    """Provider attributes (``1.ofd``) or child elements (``n.ofd``)."""
    if element is None:
        return {}
    out = {}
    for key in ("ProviderName", "Version", "Company"):
        value = _attr(element, key) or text_of(first(element, key))
        if value:
            out[key] = value
    return out


def _references(element: Element | None) -> tuple[Reference, ...]:
    if element is None:
        return ()
    return tuple(
        Reference(_attr(e, "FileRef"), text_of(first(e, "CheckValue")))
        for e in children(element, "Reference")
    )


def _stamp(element: Element) -> StampAnnot:
    numbers = []
    for part in _attr(element, "Boundary").split():
        try:
            numbers.append(float(part))
        except ValueError:
            break
    return StampAnnot(_attr(element, "ID"), _attr(element, "PageRef"), tuple(numbers))
