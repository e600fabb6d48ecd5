"""Type aliases shared across trustkit."""

from __future__ import annotations

from typing import TypeAlias

#: Anything trustkit accepts as message bytes without copying.
BytesLike: TypeAlias = bytes | bytearray | memoryview
