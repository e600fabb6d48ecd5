"""Shared fixtures: oracle availability and fresh random keys.

An oracle that is missing skips its tests locally but fails them when CI == "true", so CI can
never pass silently without the independent checks.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:  # make ``oracles`` importable however pytest was started
    sys.path.insert(0, _TESTS)

from oracles import gmalglib_oracle, openssl_evp  # noqa: E402

_ORACLES: dict[str, Callable[[], bool]] = {
    "openssl": lambda: openssl_evp.AVAILABLE,
    "openssl-cli": lambda: shutil.which("openssl") is not None,
    "gmalglib": lambda: gmalglib_oracle.AVAILABLE,
}


def require(name: str) -> None:
    """Skip (locally) or fail (CI) unless the named oracle is usable."""
    if _ORACLES[name]():
        return
    message = f"independent oracle {name!r} is not available"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def require_oracle() -> Callable[[str], None]:
    return require


@pytest.fixture
def openssl() -> ModuleType:
    """The libcrypto EVP oracle (tests/oracles/openssl_evp.py)."""
    require("openssl")
    return openssl_evp


@pytest.fixture
def gmalglib() -> ModuleType:
    """The gmalglib oracle (tests/oracles/gmalglib_oracle.py)."""
    require("gmalglib")
    return gmalglib_oracle


@pytest.fixture
def random_keys() -> Callable[[int], list[Any]]:
    """Factory: ``random_keys(n)`` returns n fresh trustkit SM2 private keys."""
    from trustkit import sm2

    def make(count: int) -> list[Any]:
        return [sm2.generate_private_key() for _ in range(count)]

    return make
