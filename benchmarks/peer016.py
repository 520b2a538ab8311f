"""nlp-zero 0.1.6 (PyPI), the predecessor, in a virtual environment of its own.

Shared by the benchmarks that compare with it.  It is never a dependency of
the package: the environment lives in ``benchmarks/.venv-nlpzero016`` and is
made on first use.  Run its code with a working directory outside the
repository, or ``import nlp_zero`` finds this package instead.
"""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

PEER_VENV = Path(__file__).resolve().parent / ".venv-nlpzero016"


def peer_python() -> str:
    """The interpreter of the 0.1.6 environment (made and filled on first use)."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        venv.create(PEER_VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "nlp-zero==0.1.6"], check=True)
    return str(python)
