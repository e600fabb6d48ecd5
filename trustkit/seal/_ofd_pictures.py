"""Extracting the seal pictures of an OFD document, one per seal signature."""

from __future__ import annotations

from trustkit.exceptions import MalformedInput
from trustkit.seal._ofd_package import OfdPackage
from trustkit.seal._ofd_xml import (
    children,
    first,
    parse_xml,
    read_signature_list,
    read_signature_xml,
    text_of,
)
from trustkit.seal._parse_sig import load_seal_signature
from trustkit.seal._picture import SealPicture

__all__ = ["ofd_seal_pictures"]


def ofd_seal_pictures(data: bytes) -> dict[str, SealPicture]:
    """``{signature ID: picture}`` for every readable seal signature (``Type`` Seal).

    Raises MalformedInput when the package itself cannot be read; signatures that cannot be
    read are left out.
    """
    package = OfdPackage(bytes(data))
    root = parse_xml(package.read("OFD.xml"), "OFD.xml")
    pictures: dict[str, SealPicture] = {}
    for body in children(root, "DocBody"):
        list_member = package.resolve(text_of(first(body, "Signatures")))
        if list_member is None:
            continue
        entries = read_signature_list(parse_xml(package.read(list_member), list_member))
        for entry in entries:
            if entry.type.lower() == "sign":
                continue
            try:
                pictures[entry.id] = _picture(package, entry.base_loc, list_member)
            except MalformedInput:
                continue
    return pictures


def _picture(package: OfdPackage, base_loc: str, list_member: str) -> SealPicture:
    member = package.resolve(base_loc, list_member)
    if member is None:
        raise MalformedInput(f"{base_loc} is missing")
    info = read_signature_xml(parse_xml(package.read(member), member))
    value = package.resolve(info.signed_value, member)
    if value is None:
        raise MalformedInput(f"{info.signed_value} is missing")
    return load_seal_signature(package.read(value)).seal.picture
