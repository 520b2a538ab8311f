#!/usr/bin/env python3
"""Lexicon building on a big corpus: time, memory, parallelism, a memory budget (issue #7).

    python3 benchmarks/scale.py                  # laws_prc (19.7M characters), about 10 minutes
    python3 benchmarks/scale.py --skip-double    # without the doubled corpus

Runs, each a fresh process, in this order (one run at a time):

1. nlp-zero 0.1.6 (PyPI; its own virtual environment, benchmarks/.venv-nlpzero016,
   made on first use): ``Word_Finder(min_proba=1e-8)``, ``train(lines)`` then
   ``find(lines)`` on the same text;
2. ``nlp-zero discover CORPUS -j 1`` (defaults otherwise);
3. ``nlp-zero discover CORPUS -j 2``;
4. ``nlp-zero discover CORPUS -j 1 --max-memory 400M``;
5. ``nlp-zero discover DOUBLED -j 2``: the corpus written out twice, one after the other.

For each: wall time; peak memory of the whole process tree, sampled every second
from /proc -- ``PSS`` (proportional set size: a page shared by a parent and
its forked workers is counted once in total), and the largest ``RSS`` of any
one process (what ``/usr/bin/time`` would print); the lexicon size.  Then the
ratios the issue asks for and whether the lexicons of runs 2-4 are
byte-identical.  The machines are shared and noisy: read the ratios, and
rerun when another job was busy.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import lzma
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peer016 import peer_python

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "corpora"

PEER = r"""
import collections, collections.abc, lzma, sys
collections.Iterable = collections.abc.Iterable  # removed in Python 3.10; 0.1.6 imports it
from nlp_zero import Word_Finder
path = sys.argv[1]
opener = lzma.open if path.endswith(".xz") else open
with opener(path, "rt", encoding="utf-8") as f:
    lines = [line.rstrip("\n") for line in f]
finder = Word_Finder(min_proba=1e-8)
finder.train(lines)
finder.find(lines)
import nlp_zero
assert not hasattr(nlp_zero, "WordFinder"), "imported the new nlp_zero, not 0.1.6"
print(len(finder.words))
"""


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _memory(pids: list[int]) -> tuple[int, int]:
    """(sum of PSS, largest RSS) in bytes over ``pids``."""
    pss = rss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss = max(rss, int(line.split()[1]) * 1024)
        except OSError:
            continue
    return pss, rss


def measure(argv: list[str], env: dict, cwd: str) -> dict:
    """Run ``argv`` in ``cwd``; wall time and peak memory of its process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_pss = peak_rss = 0
    while proc.poll() is None:
        pss, rss = _memory(_tree(proc.pid))
        peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        time.sleep(1.0)  # reading smaps_rollup costs ~10 ms per 500 MB process: rarely, not to slow the run
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"failed: {' '.join(argv)}\n{err}")
    return {"seconds": seconds, "pss_mb": peak_pss / 2**20, "rss_mb": peak_rss / 2**20, "stdout": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DATA / "laws_prc.txt.xz"))
    ap.add_argument("--skip-double", action="store_true", help="leave out the doubled corpus")
    args = ap.parse_args()
    corpus = Path(args.corpus).resolve()
    if not corpus.exists():
        sys.exit(f"corpus not found: {corpus}")
    ours_env = dict(os.environ, PYTHONPATH=str(REPO))
    peer_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    ours = [sys.executable, "-m", "nlp_zero", "discover", "-q"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="nlp-zero-scale-") as tmp:
        def run(name: str, argv: list[str], env: dict, prefix: str | None = None) -> dict:
            # cwd: not the repository, where "import nlp_zero" would find this package, not 0.1.6
            r = measure(argv, env, tmp)
            r["name"] = name
            if prefix:
                with open(prefix + ".dict.txt", encoding="utf-8") as f:
                    r["words"] = sum(1 for _ in f)
            else:
                r["words"] = int(r["stdout"].split()[-1])
            rows.append(r)
            print(f"{name:<44}{r['seconds']:>8.1f} s{r['pss_mb']:>9.0f} MB PSS{r['rss_mb']:>9.0f} MB RSS"
                  f"{r['words']:>10,} words", flush=True)
            return r

        peer = run("nlp-zero 0.1.6 Word_Finder(min_proba=1e-8)", [peer_python(), "-c", PEER, str(corpus)], peer_env)
        if peer["words"] == 0:
            sys.exit("the peer found no words: is nlp-zero 0.1.6 what was imported?")
        out = {name: os.path.join(tmp, name) for name in ("j1", "j2", "m400", "double")}
        j1 = run("nlp_zero discover -j 1", ours + [str(corpus), "-o", out["j1"], "-j", "1"], ours_env, out["j1"])
        j2 = run("nlp_zero discover -j 2", ours + [str(corpus), "-o", out["j2"], "-j", "2"], ours_env, out["j2"])
        m400 = run("nlp_zero discover -j 1 --max-memory 400M",
                   ours + [str(corpus), "-o", out["m400"], "-j", "1", "--max-memory", "400M"], ours_env, out["m400"])
        double = None
        if not args.skip_double:
            doubled = os.path.join(tmp, "doubled.txt")
            opener = lzma.open if corpus.suffix == ".xz" else open
            with opener(corpus, "rb") as f:
                text = f.read()
            with open(doubled, "wb") as f:
                f.write(text if text.endswith(b"\n") else text + b"\n")
                f.write(text)
            del text
            double = run("nlp_zero discover -j 2, corpus twice", ours + [doubled, "-o", out["double"], "-j", "2"],
                         ours_env, out["double"])
        same = all(filecmp.cmp(out["j1"] + ext, out[o] + ext, shallow=False)
                   for o in ("j2", "m400") for ext in (".dict.txt", ".tsv", ".meta.json"))
    print()
    print(f"corpus {corpus}")
    print(f"-j 2 time / 0.1.6 time: {j2['seconds'] / peer['seconds']:.2f}   (target <= 2.0)")
    print(f"-j 2 peak memory: {j2['pss_mb']:.0f} MB PSS, {j2['rss_mb']:.0f} MB largest RSS   (target <= 1.2 GB)")
    print(f"--max-memory 400M peak memory: {m400['pss_mb']:.0f} MB PSS, {m400['rss_mb']:.0f} MB RSS   (target <= 600 MB)")
    print(f"-j 1 / -j 2 time: {j1['seconds'] / j2['seconds']:.2f}")
    if double:
        print(f"corpus twice / once, -j 2: time {double['seconds'] / j2['seconds']:.2f} (target <= 2.3), "
              f"peak PSS {double['pss_mb'] / j2['pss_mb']:.2f}")
    print(f"lexicons of -j 1, -j 2 and --max-memory 400M byte-identical (dict, tsv, meta): {same}")
    print(json.dumps([{k: v for k, v in r.items() if k != "stdout"} for r in rows]))


if __name__ == "__main__":
    main()
