"""The C engine on its own: ASan + UBSan, the portable field code, and a constant-time audit.

The constant-time audit builds with TK_CTGRIND and runs under valgrind's memcheck with the secret
scalars marked undefined: any branch or memory index that depends on them is reported as an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NATIVE = REPO / "native"
SOURCES = [
    NATIVE / name
    for name in (
        "sm3.c",
        "sm2_field.c",
        "sm2_point.c",
        "sm2_comb.c",
        "sm2_engine.c",
        "sm2_der.c",
        "sm2_batch.c",
    )
]
HARNESS = Path(__file__).parent / "native" / "engine_check.c"
IN_CI = os.environ.get("CI") == "true"


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"{tool} is required under CI")
        pytest.skip(f"{tool} not installed")
    return path


def _build(tmp_path: Path, name: str, flags: list[str]) -> Path:
    cc = _require("gcc")
    exe = tmp_path / name
    cmd = [cc, "-std=c11", "-g", "-pthread", f"-I{NATIVE}", *flags, str(HARNESS)]
    cmd += [str(s) for s in SOURCES] + ["-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    return exe


def _run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)


# -O0 keeps sanitizer builds quick to compile; the constant-time audit uses -O3 like the wheel
SANITIZE = [
    "-O0",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
]


def test_engine_under_address_and_undefined_sanitizers(tmp_path: Path) -> None:
    exe = _build(tmp_path, "check_asan", SANITIZE)
    env = dict(
        os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1", UBSAN_OPTIONS="halt_on_error=1"
    )
    result = _run([str(exe), "all", "40"], env)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "engine checks passed" in result.stdout


def test_portable_field_code_under_sanitizers(tmp_path: Path) -> None:
    exe = _build(tmp_path, "check_portable", [*SANITIZE, "-DTK_PORTABLE"])
    result = _run([str(exe), "all", "20"])
    assert result.returncode == 0, result.stderr[-4000:]
    assert "engine checks passed" in result.stdout


def test_secret_paths_are_constant_time_under_memcheck(tmp_path: Path) -> None:
    valgrind = _require("valgrind")
    if not Path("/usr/include/valgrind/memcheck.h").exists():
        if IN_CI:
            pytest.fail("valgrind headers are required under CI")
        pytest.skip("valgrind headers not installed")
    exe = _build(tmp_path, "check_ct", ["-O3", "-DTK_CTGRIND"])
    result = _run([valgrind, "--error-exitcode=9", "--track-origins=yes", str(exe), "ct"])
    assert "ct audit done rc=0" in result.stdout, result.stderr[-4000:]
    assert result.returncode == 0, result.stderr[-6000:]
    assert "depends on uninitialised" not in result.stderr


def test_memcheck_audit_detects_a_secret_branch(tmp_path: Path) -> None:
    """The audit itself must be able to fail: a deliberately leaky harness is caught."""
    valgrind = _require("valgrind")
    leaky = tmp_path / "leaky.c"
    leaky.write_text(
        "#include <valgrind/memcheck.h>\n#include <stdio.h>\n"
        "int main(void){unsigned char s[1]={7}; VALGRIND_MAKE_MEM_UNDEFINED(s,1);"
        'if(s[0]&1) puts("odd"); else puts("even"); return 0;}\n'
    )
    exe = tmp_path / "leaky"
    subprocess.run([_require("gcc"), str(leaky), "-o", str(exe)], check=True, timeout=120)
    result = _run([valgrind, "--error-exitcode=9", str(exe)])
    assert result.returncode == 9
    assert "depends on uninitialised" in result.stderr
