"""Pluggable RFC 3161 time stamping: the client protocol, an HTTP client and a local authority.

Signing code only needs something with ``timestamp(data) -> bytes`` returning a DER
TimeStampToken whose message imprint covers ``data``. :class:`HttpTimestampClient` asks an
RFC 3161 server over HTTP; :class:`LocalTimestampAuthority` signs tokens itself with an SM2 key
(tests, offline seal servers, a TSA behind the seal system).
"""

from __future__ import annotations

import secrets
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, Protocol, runtime_checkable

from asn1crypto import parser, tsp

from trustkit import oids, sm2
from trustkit.exceptions import MalformedInput, TrustkitError
from trustkit.seal._cms import build_signed_data
from trustkit.seal._der import ASN1_ERRORS, generalized_time
from trustkit.seal._timestamp_token import digest, read_timestamp
from trustkit.x509 import Certificate

__all__ = ["HttpTimestampClient", "LocalTimestampAuthority", "TimestampClient"]

_MAX_RESPONSE: Final = 1 << 20
_GRANTED: Final = frozenset({"granted", "granted_with_mods"})


@runtime_checkable
class TimestampClient(Protocol):
    """Anything that returns a DER TimeStampToken over ``data``."""

    def timestamp(self, data: bytes) -> bytes: ...


class LocalTimestampAuthority:
    """An in-process TSA: SM3 imprints, SM2 signatures, ``genTime`` from ``clock``.

    ``cert`` should carry the ``timeStamping`` extended key usage; ``policy`` is the TSA policy
    OID written into every token.
    """

    def __init__(
        self,
        key: sm2.SM2PrivateKey,
        cert: Certificate,
        *,
        policy: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if key.public_key() != cert.public_key():
            raise MalformedInput("the TSA key does not match the TSA certificate")
        self._key, self._cert, self._policy = key, cert, policy
        self._clock = clock or (lambda: datetime.now(UTC))

    def timestamp(self, data: bytes) -> bytes:
        return self.respond(sm3_imprint(data), oids.SM3)

    def respond(
        self, hashed_message: bytes, hash_algorithm: str, nonce: int | None = None
    ) -> bytes:
        """A token for an imprint computed elsewhere (as an RFC 3161 server receives it)."""
        moment = self._clock()
        info: dict[str, object] = {
            "version": "v1",
            "policy": self._policy,
            "message_imprint": {
                "hash_algorithm": {"algorithm": hash_algorithm},
                "hashed_message": hashed_message,
            },
            "serial_number": secrets.randbits(63) | 1,
            "gen_time": generalized_time(moment),
        }
        if nonce is not None:
            info["nonce"] = nonce
        tst_info = bytes(tsp.TSTInfo(info).dump())
        return build_signed_data(
            outer_type=oids.CMS_SIGNED_DATA,
            content_type=oids.TST_INFO,
            content=tst_info,
            message_digest=digest(oids.SM3, tst_info),
            key=self._key,
            cert=self._cert,
            signing_time=moment,
        )


def sm3_imprint(data: bytes) -> bytes:
    return digest(oids.SM3, data)


class HttpTimestampClient:
    """RFC 3161 over HTTP POST (``application/timestamp-query``), SM3 imprint by default.

    ``opener`` replaces ``urllib.request.urlopen`` (proxies, TLS settings, tests).
    """

    def __init__(
        self,
        url: str,
        *,
        hash_algorithm: str = oids.SM3,
        timeout: float = 10.0,
        opener: Callable[..., Any] | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise MalformedInput("the time-stamp server URL must be http:// or https://")
        self._url, self._hash, self._timeout = url, hash_algorithm, timeout
        self._open = opener or urllib.request.urlopen

    def timestamp(self, data: bytes) -> bytes:
        nonce = secrets.randbits(63)
        imprint = digest(self._hash, data)
        request = tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": self._hash},
                    "hashed_message": imprint,
                },
                "nonce": nonce,
                "cert_req": True,
            }
        )
        body = self._post(bytes(request.dump()))
        return _token_from_response(body, imprint, nonce)

    def _post(self, payload: bytes) -> bytes:
        request = urllib.request.Request(
            self._url,
            data=payload,
            headers={"Content-Type": "application/timestamp-query"},
            method="POST",
        )
        try:
            response = self._open(request, timeout=self._timeout)
            with response as stream:
                body: bytes = stream.read(_MAX_RESPONSE + 1)
        except OSError as exc:
            raise TrustkitError(f"time-stamp server unreachable: {exc}") from exc
        if len(body) > _MAX_RESPONSE:
            raise MalformedInput("time-stamp response is too large")
        return body


def _token_from_response(body: bytes, imprint: bytes, nonce: int) -> bytes:
    try:  # read by hand: asn1crypto's schema wrongly requires the token
        contents = bytes(parser.parse(body, strict=True)[4])
        _info, end = parser._parse(contents, len(contents))
        status = tsp.PKIStatusInfo.load(contents[:end], strict=True)["status"].native
        token_der: bytes | None = contents[end:] or None
    except ASN1_ERRORS as exc:
        raise MalformedInput(f"time-stamp response cannot be read: {exc}") from exc
    if status not in _GRANTED or token_der is None:
        raise TrustkitError(f"time-stamp request refused: {status}")
    info = read_timestamp(token_der)
    if info.hashed_message != imprint:
        raise TrustkitError("time-stamp token does not cover the request")
    if _nonce(info.tst_info) != nonce:
        raise TrustkitError("time-stamp token does not echo the request nonce")
    return token_der


def _nonce(tst_info: bytes) -> int | None:
    value = tsp.TSTInfo.load(tst_info)["nonce"].native
    return None if value is None else int(value)
