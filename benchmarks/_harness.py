"""Shared timing helpers for trustkit benchmarks: repeated timed runs, medians, JSON output."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def add_test_oracles_to_path() -> None:
    """The anchors reuse the test suite's independent oracles (tests/oracles)."""
    tests = str(REPO / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)


@dataclass
class Result:
    name: str
    unit: str
    median: float
    runs: list[float] = field(default_factory=list)
    note: str = ""


def rate(fn: Callable[[], int], *, seconds: float, repeats: int = 3) -> list[float]:
    """Call ``fn`` (returning how many operations it did) for ``seconds``; ops/s per repeat."""
    rates = []
    for _ in range(repeats):
        done, start = 0, time.perf_counter()
        while True:
            done += fn()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        rates.append(done / elapsed)
    return rates


def measure(
    name: str, fn: Callable[[], int], *, seconds: float, repeats: int = 3, note: str = ""
) -> Result:
    runs = rate(fn, seconds=seconds, repeats=repeats)
    return Result(name, "ops/s", statistics.median(runs), runs, note)


def measure_interleaved(
    cases: list[tuple[str, Callable[[], int], str]], *, seconds: float, repeats: int = 3
) -> list[Result]:
    """Measure ``(name, fn, note)`` cases round-robin: one pass over all cases per repeat.

    The machine's speed drifts; interleaving lets the drift hit trustkit and the anchors alike,
    so the ratios stay meaningful even when the absolute figures move.
    """
    runs: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(repeats):
        for name, fn, _ in cases:
            runs[name] += rate(fn, seconds=seconds, repeats=1)
    return [
        Result(name, "ops/s", statistics.median(runs[name]), runs[name], note)
        for name, _, note in cases
    ]


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def emit(title: str, results: list[Result], ratios: dict[str, float], as_json: bool) -> None:
    if as_json:
        payload = {
            "benchmark": title,
            "machine": machine(),
            "results": [asdict(r) for r in results],
            "ratios": ratios,
        }
        print(json.dumps(payload, indent=2))
        return
    print(f"# {title}  ({machine()})")
    width = max(len(r.name) for r in results)
    for r in results:
        note = f"  [{r.note}]" if r.note else ""
        print(f"{r.name:<{width}}  {r.median:>12,.0f} {r.unit}{note}")
    print("# ratios")
    for key, value in ratios.items():
        print(f"{key:<{width}}  {value:>12.2f}x")
