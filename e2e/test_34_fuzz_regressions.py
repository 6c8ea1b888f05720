"""Fuzz seeds and regressions replayed on every run (issue 6, fuzzing).

Every file in fuzz/seeds/TARGET/ and fuzz/regressions/TARGET/ (inputs that once crashed a target)
goes through the plain `fuzz-TARGET` executable of the debug build, which runs the same checks as
the libFuzzer build and traps on a violation. What must hold: exit 0 and one "ok" per file.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from relayproc import REPO

TARGETS = ["smtp", "dot", "mime", "html", "http"]


@pytest.mark.parametrize("target", TARGETS)
def test_replay(target):
    binary = REPO / ".build" / "debug" / f"fuzz-{target}"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `swift build` in {REPO}", pytrace=False)
    files = [p for d in ("seeds", "regressions") for p in sorted((REPO / "fuzz" / d / target).glob("*"))
             if p.is_file() and not p.name.startswith(".")]
    if not files:
        pytest.skip(f"no seeds or regressions for {target} yet")
    cp = subprocess.run([str(binary), *map(str, files)], capture_output=True, text=True, timeout=300,
                        env={"SWIFT_BACKTRACE": "enable=no", "PATH": "/usr/bin:/bin"})
    assert cp.returncode == 0, f"fuzz-{target} failed on a kept input:\n{cp.stdout[-2000:]}\n{cp.stderr[-2000:]}"
    assert "FAIL" not in cp.stdout, cp.stdout[-2000:]
    if target != "mime":                 # fuzz-mime prints each file's structure instead of "ok"
        assert cp.stdout.count("ok ") >= len(files), cp.stdout[-2000:]
