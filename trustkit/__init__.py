"""trustkit: SM2/SM3 trust infrastructure for online government-service platforms."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
