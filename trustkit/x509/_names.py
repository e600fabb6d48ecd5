"""X.501 distinguished names: RFC 4514 text in and out, tolerant decoding, RFC 5280 comparison.

Text lists the most specific RDN first ("CN=..,O=..,C=CN") while DER stores it last, as in
RFC 4514. Values are written as UTF8String, except C, serialNumber and dnQualifier
(PrintableString) and emailAddress/DC (IA5String), as RFC 5280 asks.

A name whose values cannot all be decoded (unknown string types, bytes that are not valid in
their declared type, as found in some Chinese CA certificates) keeps its raw DER: it prints
undecodable values as ``#hex`` and compares by DER. Decodable names compare after RFC 5280 §7.1
style normalisation (NFKC, case folding, collapsed white space).
"""

from __future__ import annotations

import unicodedata
from typing import Final

from asn1crypto import core, parser

from trustkit.exceptions import MalformedInput
from trustkit.x509._asn1 import AttributeTypeAndValue, RDNSequence, RelativeDistinguishedName

__all__ = ["Attribute", "Name"]

# RFC 4514 keywords (and common extras) -> asn1crypto NameType names.
_KEYWORDS: Final = {
    "CN": "common_name",
    "O": "organization_name",
    "OU": "organizational_unit_name",
    "C": "country_name",
    "L": "locality_name",
    "ST": "state_or_province_name",
    "STREET": "street_address",
    "SERIALNUMBER": "serial_number",
    "EMAILADDRESS": "email_address",
    "E": "email_address",
    "DC": "domain_component",
    "UID": "user_id",
    "T": "title",
    "TITLE": "title",
    "SN": "surname",
    "GN": "given_name",
    "GIVENNAME": "given_name",
    "POSTALCODE": "postal_code",
    "DNQUALIFIER": "dn_qualifier",
    "ORGANIZATIONIDENTIFIER": "organization_identifier",
}
_DISPLAY: Final = {
    "common_name": "CN",
    "organization_name": "O",
    "organizational_unit_name": "OU",
    "country_name": "C",
    "locality_name": "L",
    "state_or_province_name": "ST",
    "street_address": "STREET",
    "serial_number": "serialNumber",
    "email_address": "emailAddress",
    "domain_component": "DC",
    "user_id": "UID",
    "title": "title",
    "surname": "SN",
    "given_name": "GN",
    "postal_code": "postalCode",
    "dn_qualifier": "dnQualifier",
    "organization_identifier": "organizationIdentifier",
}
_PRINTABLE_TYPES: Final = frozenset({"country_name", "serial_number", "dn_qualifier"})
_IA5_TYPES: Final = frozenset({"email_address", "domain_component"})
# Universal string tag -> Python codec.
_CODECS: Final = {
    12: "utf-8",  # UTF8String
    18: "ascii",  # NumericString
    19: "ascii",  # PrintableString
    20: "latin-1",  # TeletexString (T.61; latin-1 is the usual reading)
    22: "ascii",  # IA5String
    26: "ascii",  # VisibleString
    28: "utf-32-be",  # UniversalString
    30: "utf-16-be",  # BMPString
}
_PRINTABLE_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)
_SPECIALS: Final = ',+"\\<>;='


class Attribute:
    """One attribute of an RDN: its type (asn1crypto name or dotted OID) and its value."""

    __slots__ = ("oid", "text", "type", "value_der")

    def __init__(self, type_: str, oid: str, value_der: bytes, text: str | None) -> None:
        self.type = type_
        self.oid = oid
        self.value_der = value_der
        self.text = text  # None when the value could not be decoded

    @property
    def keyword(self) -> str:
        """Short name used in text ("CN", "O"...), or the dotted OID."""
        return _DISPLAY.get(self.type, self.oid)

    def __repr__(self) -> str:
        return f"Attribute({self.keyword}={self.text!r})"


class Name:
    """An X.501 Name; immutable, hashable, comparable as RFC 5280 describes."""

    __slots__ = ("_der", "_key", "_rdns", "_text")

    def __init__(self, der: bytes) -> None:
        """Decode a DER Name (RDNSequence); raises MalformedInput if it is not one."""
        self._der = bytes(der)
        self._rdns = _decode_rdns(self._der)
        self._key = _normalised_key(self._rdns)
        self._text: str | None = None

    @classmethod
    def parse(cls, text: str) -> Name:
        """Build a Name from RFC 4514 text, e.g. ``"CN=测试市市场监督管理局,O=测试,C=CN"``."""
        rdns = [_parse_rdn(part) for part in _split_unescaped(text.strip(), ",")] if text else []
        seq = RDNSequence([RelativeDistinguishedName(rdn) for rdn in reversed(rdns)])
        return cls(seq.dump(force=True))

    @property
    def der(self) -> bytes:
        return self._der

    @property
    def rdns(self) -> tuple[tuple[Attribute, ...], ...]:
        """RDNs in DER order (least specific first)."""
        return self._rdns

    @property
    def decodable(self) -> bool:
        """True when every value was decoded to text."""
        return self._key is not None

    def get(self, keyword: str) -> list[str]:
        """Values of one attribute type by keyword ("CN", "O"...), in DER order."""
        wanted = _KEYWORDS.get(keyword.upper(), keyword)
        return [
            a.text for rdn in self._rdns for a in rdn if a.type == wanted and a.text is not None
        ]

    def __str__(self) -> str:
        if self._text is None:  # immutable: format once
            rdns = reversed(self._rdns)
            self._text = ",".join("+".join(_format_attr(a) for a in rdn) for rdn in rdns)
        return self._text

    def __repr__(self) -> str:
        return f"Name({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Name):
            return NotImplemented
        if self._key is not None and other._key is not None:
            return self._key == other._key
        return self._der == other._der

    def __hash__(self) -> int:
        return hash(self._key) if self._key is not None else hash(self._der)


def _decode_rdns(der: bytes) -> tuple[tuple[Attribute, ...], ...]:
    try:
        seq = RDNSequence.load(der, strict=True)
        return tuple(tuple(_decode_attr(atv) for atv in rdn) for rdn in seq)
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedInput(f"not a valid X.501 Name: {exc}") from exc


def _decode_attr(atv: AttributeTypeAndValue) -> Attribute:
    type_ = atv["type"]
    value = atv["value"]
    value_der = bytes(value.dump())
    return Attribute(str(type_.native), str(type_.dotted), value_der, _decode_string(value_der))


def _decode_string(value_der: bytes) -> str | None:
    class_, method, tag, _header, contents, _trailer = parser.parse(value_der, strict=True)
    codec = _CODECS.get(tag) if class_ == 0 and method == 0 else None
    if codec is None:
        return None
    try:
        return bytes(contents).decode(codec)
    except UnicodeDecodeError:
        return None


def _normalised_key(rdns: tuple[tuple[Attribute, ...], ...]) -> tuple[object, ...] | None:
    key = []
    for rdn in rdns:
        items = []
        for attr in rdn:
            if attr.text is None:
                return None
            norm = " ".join(unicodedata.normalize("NFKC", attr.text).casefold().split())
            items.append((attr.oid, norm))
        key.append(tuple(sorted(items)))
    return tuple(key)


def _format_attr(attr: Attribute) -> str:
    if attr.text is None:
        return f"{attr.keyword}=#{attr.value_der.hex()}"
    return f"{attr.keyword}={_escape(attr.text)}"


def _escape(value: str) -> str:
    out = []
    for i, ch in enumerate(value):
        edge = (i == 0 and ch in " #") or (i == len(value) - 1 and ch == " ")
        if ch in _SPECIALS or edge:
            out.append("\\" + ch)
        elif ch == "\0":
            out.append("\\00")
        else:
            out.append(ch)
    return "".join(out)


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _parse_rdn(text: str) -> list[AttributeTypeAndValue]:
    return [_parse_atv(part) for part in _split_unescaped(text, "+")]


def _parse_atv(text: str) -> AttributeTypeAndValue:
    key, sep, raw_value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise MalformedInput(f"name component {text!r} is not KEY=value")
    type_ = _attribute_type(key)
    value = _unescape(_strip_unescaped(raw_value))
    if not value:
        raise MalformedInput(f"name component {key} has an empty value")
    return AttributeTypeAndValue({"type": type_, "value": core.Any(_string_value(type_, value))})


def _attribute_type(key: str) -> str:
    known = _KEYWORDS.get(key.upper())
    if known is not None:
        return known
    arcs = key.split(".")
    if len(arcs) >= 2 and all(a.isdigit() for a in arcs):
        return key
    raise MalformedInput(f"unknown name attribute {key!r}")


def _string_value(type_: str, value: str) -> core.Asn1Value:
    if type_ in _PRINTABLE_TYPES:
        if not set(value) <= _PRINTABLE_CHARS:
            raise MalformedInput(
                f"{_DISPLAY.get(type_, type_)} must be a PrintableString: {value!r}"
            )
        return core.PrintableString(value)
    if type_ in _IA5_TYPES:
        if not value.isascii():
            raise MalformedInput(f"{_DISPLAY.get(type_, type_)} must be ASCII, got {value!r}")
        return core.IA5String(value)
    return core.UTF8String(value)


def _strip_unescaped(raw: str) -> str:
    """Drop surrounding spaces, keeping a trailing space that is escaped (``\\ ``)."""
    value = raw.lstrip()
    while value.endswith(" ") and not _escaped(value, len(value) - 1):
        value = value[:-1]
    return value


def _escaped(text: str, index: int) -> bool:
    backslashes = len(text[:index]) - len(text[:index].rstrip("\\"))
    return backslashes % 2 == 1


def _unescape(value: str) -> str:
    if value.startswith("#"):
        raise MalformedInput("hex-encoded (#...) name values are not supported")
    raw = bytearray()
    i = 0
    while i < len(value):
        ch = value[i]
        if ch != "\\":
            raw += ch.encode("utf-8")
            i += 1
            continue
        pair = value[i + 1 : i + 3]
        if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
            raw.append(int(pair, 16))
            i += 3
        elif i + 1 < len(value):
            raw += value[i + 1].encode("utf-8")
            i += 2
        else:
            raise MalformedInput("name value ends with a lone backslash")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput("escaped name value is not valid UTF-8") from exc
