#!/usr/bin/env python3
"""The Spark engine against the local one: time, memory, identical outputs (issue 13).

    python3 benchmarks/spark_scale.py                        # laws_prc (19.7M characters)
    python3 benchmarks/spark_scale.py --generated 25M,100M   # also generated text (benchmarks/make_corpus.py)

For each corpus (decompressed to a plain file first: Spark reads .gz and .bz2,
not .xz), one run at a time, each a fresh process:

1. ``nlp-zero discover CORPUS -j 2`` (the local engine);
2. ``nlp-zero discover CORPUS --engine spark --spark-master local[2]``.

For each: wall time; peak memory sampled every second from /proc -- of the
*driver* (the process that runs ``nlp-zero``: with Spark, the Python side of
the driver; the JVM is reported with the tree) and of the whole process tree
(PSS, the JVM and Spark's Python workers included); and whether dict, tsv and
meta are byte-identical.  The ratio Spark / local is the figure to read (the
machine is shared and noisy).  On one 2-core machine Spark pays for its JVM,
its shuffles and the Python workers' serialisation; it is meant for corpora
that live on a cluster.
"""

from __future__ import annotations

import argparse
import filecmp
import lzma
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scale import _tree  # noqa: E402  (benchmarks/ is the script's directory)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "corpora"


def _pss_rss(pid: int) -> tuple[int, int]:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            values = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f if line[:4] in ("Pss:", "Rss:")}
        return values.get("Pss", 0), values.get("Rss", 0)
    except OSError:
        return 0, 0


def measure(argv: list[str], env: dict, cwd: str) -> dict:
    """Run ``argv``; wall time, the driver's peak RSS, the tree's peak PSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    driver = tree = 0
    while proc.poll() is None:
        driver = max(driver, _pss_rss(proc.pid)[1])
        tree = max(tree, sum(_pss_rss(p)[0] for p in _tree(proc.pid)))
        time.sleep(1.0)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"failed: {' '.join(argv)}\n{err}")
    return {"seconds": seconds, "driver_mb": driver / 2**20, "tree_mb": tree / 2**20}


def _plain(source: Path, tmp: str) -> str:
    path = os.path.join(tmp, source.name.removesuffix(".xz"))
    opener = lzma.open if source.suffix == ".xz" else open
    with opener(source, "rb") as f, open(path, "wb") as out:
        while block := f.read(1 << 24):
            out.write(block)
    return path


def compare(corpus: str, tmp: str, env: dict) -> None:
    base = [sys.executable, "-m", "nlp_zero", "discover", "-q", os.path.basename(corpus)]
    runs = {"local -j 2": ["-j", "2"], "spark local[2]": ["--engine", "spark", "--spark-master", "local[2]"]}
    rows = {}
    for name, extra in runs.items():
        prefix = os.path.join(tmp, name.split()[0])
        r = rows[name] = measure(base + ["-o", prefix] + extra, env, os.path.dirname(corpus))
        r["prefix"] = prefix
        print(f"{name:<16}{r['seconds']:>8.1f} s   driver {r['driver_mb']:>6.0f} MB RSS   "
              f"process tree {r['tree_mb']:>6.0f} MB PSS", flush=True)
    a, b = (rows[n]["prefix"] for n in runs)
    same = all(filecmp.cmp(a + ext, b + ext, shallow=False) for ext in (".dict.txt", ".tsv", ".meta.json"))
    local, spark = rows["local -j 2"], rows["spark local[2]"]
    print(f"spark / local time: {spark['seconds'] / local['seconds']:.2f}   (target <= 3)")
    print(f"dict, tsv and meta byte-identical: {same}\n", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DATA / "laws_prc.txt.xz"))
    ap.add_argument("--generated", default="", help="sizes of generated text too, e.g. 25M,100M")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO), SPARK_LOCAL_IP=os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
               PYSPARK_PYTHON=sys.executable)
    with tempfile.TemporaryDirectory(prefix="nlp-zero-spark-") as tmp:
        corpora = []
        if args.corpus:
            corpora.append(_plain(Path(args.corpus), tmp))
        for size in filter(None, args.generated.split(",")):
            path = os.path.join(tmp, f"gen{size}.txt")
            subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_corpus.py"), "--chars", size,
                            "--seed", "1", "-o", path], check=True, env=env)
            corpora.append(path)
        for corpus in corpora:
            print(f"corpus {os.path.basename(corpus)} ({os.path.getsize(corpus) / 2**20:.0f} MB)")
            compare(corpus, tmp, env)


if __name__ == "__main__":
    main()
