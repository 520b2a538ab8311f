"""Shared fixtures.

Big corpora are read from ``../shared/data`` beside the repository; tests that
need them skip cleanly when it is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NLP_ZERO_SHARED_DATA", REPO.parent / "shared" / "data"))
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared evaluation data folder, or skip."""
    if not (SHARED_DATA / "README.md").exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


def run_cli(*args: str, input: str | bytes | None = None, env: dict | None = None, cwd=None):
    """Run ``python -m nlp_zero ARGS`` in a subprocess; returns CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    if env:
        full_env.update(env)
    if isinstance(input, str):
        input = input.encode("utf-8")
    proc = subprocess.run([sys.executable, "-m", "nlp_zero", *args], input=input, capture_output=True,
                          env=full_env, cwd=cwd, timeout=600)
    proc.stdout = proc.stdout.decode("utf-8", "replace")
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    return proc


@pytest.fixture
def cli():
    return run_cli
