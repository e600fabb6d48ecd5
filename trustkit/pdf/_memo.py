"""A bounded memo of pure results, owned by one verifier (one trust setting, one policy).

Documents of a batch share their seal, their signer certificates and their seal picture, so
parsing and checking those once per verifier is the trust store built once per batch of spec
§17.2 item 5. Keys hold every input of the result (e.g. the seal's DER and the signing time),
so a hit returns exactly what a fresh computation would.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Final, TypeVar

__all__ = ["Memo"]

T = TypeVar("T")
_SIZE: Final = 512


class Memo:
    def __init__(self, size: int = _SIZE) -> None:
        self._size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        if key in self._data:
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]  # type: ignore[no-any-return]
        self.misses += 1
        value = make()
        self._data[key] = value
        if len(self._data) > self._size:
            self._data.popitem(last=False)
        return value
