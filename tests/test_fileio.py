"""Outputs are atomic: an interrupted run leaves the previous file and no temporary file."""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO
from nlp_zero.fileio import atomic_write


def test_failed_write_keeps_previous_file(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_write(str(out)) as f:
            f.write("partial")
            raise RuntimeError("boom")
    assert out.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_new_file_gets_ordinary_permissions(tmp_path):
    out = tmp_path / "new.txt"
    with atomic_write(str(out)) as f:
        f.write("x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_count_exits_130_and_keeps_old_output(tmp_path, sig):
    corpus = tmp_path / "big.txt"
    line = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2000)) + "\n"
    corpus.write_text(line * 3000, encoding="utf-8")
    out = tmp_path / "out.counts"
    out.write_text("previous\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "nlp_zero", "count", str(corpus), "-o", str(out), "-n", "6"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    time.sleep(1.5)  # let it start counting (not a timing assertion: any moment must be safe)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert out.read_text() == "previous\n"
    assert sorted(os.listdir(tmp_path)) == ["big.txt", "out.counts"]
