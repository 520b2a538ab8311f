#!/usr/bin/env python3
"""The Spark engine against the local one: time, memory, identical outputs (issue 13).

    python3 benchmarks/spark_scale.py                        # laws_prc (19.7M characters)
    python3 benchmarks/spark_scale.py --repeat 3             # three pairs of runs, each ratio and the median
    python3 benchmarks/spark_scale.py --generated 25M,100M   # also generated text (benchmarks/make_corpus.py)
    python3 benchmarks/spark_scale.py --corpus '' --generated 25M,100M --engines spark \
        --spark-master 'local-cluster[2,1,1024]' --driver-memory 512m --heap-every 30   # the driver's memory

For each corpus (decompressed to a plain file first: Spark reads .gz and .bz2,
not .xz), one run at a time, each a fresh process:

1. ``nlp-zero discover CORPUS -j 2`` (the local engine);
2. ``nlp-zero discover CORPUS --engine spark --spark-master local[2]``.

For each: wall time; peak memory sampled every second from /proc -- of the
*driver* (the process that runs ``nlp-zero``: with Spark, the Python side of
the driver; the JVM is reported with the tree) and of the whole process tree
(PSS, the JVM and Spark's Python workers included); and whether dict, tsv and
meta are byte-identical.  The ratio Spark / local is the figure to read (the
machine is shared and noisy).

The driver's memory: with ``--spark-master 'local-cluster[...]'`` the
executors run in JVMs of their own, so that the driver's JVM holds the
driver alone; ``--driver-memory`` gives it the same fixed heap at every size
(a run that completes did not need more), and ``--heap-every`` samples what
is live on that heap (``jcmd GC.class_histogram``, which collects first):
the JVM's RSS follows the heap the collector chose to grow to, not what the
driver keeps.  On one 2-core machine Spark pays for its JVM,
its shuffles and the Python workers' serialisation; it is meant for corpora
that live on a cluster.
"""

from __future__ import annotations

import argparse
import filecmp
import lzma
import os
import statistics
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


def _driver_jvm(pid: int) -> int | None:
    """The JVM the driver started (a child of ``pid`` named java), if any."""
    for child in _tree(pid)[1:]:
        try:
            with open(f"/proc/{child}/stat") as f:
                fields = f.read()
        except OSError:
            continue
        name, rest = fields.split("(", 1)[1].rsplit(")", 1)
        if name == "java" and int(rest.split()[1]) == pid:
            return child
    return None


def _live_heap(pid: int) -> tuple[int, str] | None:
    """The bytes live on a JVM's heap, and the class histogram they are made of: ``jcmd PID
    GC.class_histogram`` runs a full collection first, so what it counts is what survives it."""
    try:
        out = subprocess.run(["jcmd", str(pid), "GC.class_histogram"], capture_output=True, text=True,
                             timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.splitlines():
        if line.startswith("Total"):
            return int(line.split()[2]), out
    return None


def _max_heap(pid: int) -> int:
    """A JVM's largest heap (-XX:MaxHeapSize, what spark.driver.memory sets), 0 if unknown."""
    try:
        out = subprocess.run(["jcmd", str(pid), "VM.flags"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    for flag in out.split():
        if flag.startswith("-XX:MaxHeapSize="):
            return int(flag.split("=")[1])
    return 0


def measure(argv: list[str], env: dict, cwd: str, heap_every: float = 0.0) -> dict:
    """Run ``argv``; wall time, the peak RSS of the driver (its Python process; its JVM apart), the tree's
    peak PSS; with ``heap_every`` (seconds), also the driver JVM's live heap every so often (after a full
    collection: :func:`_live_heap`), its peak and the class histogram of that peak."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    driver = jvm = tree = live = max_heap = 0
    jvm_pid = None
    histogram = ""
    samples = []
    next_heap = start + heap_every
    while proc.poll() is None:
        driver = max(driver, _pss_rss(proc.pid)[1])
        jvm_pid = jvm_pid or _driver_jvm(proc.pid)
        if jvm_pid:
            jvm = max(jvm, _pss_rss(jvm_pid)[1])
            if heap_every and not max_heap:
                max_heap = _max_heap(jvm_pid)
            if heap_every and time.perf_counter() >= next_heap:
                got = _live_heap(jvm_pid)
                next_heap = time.perf_counter() + heap_every
                if got:
                    samples.append((time.perf_counter() - start, got[0]))
                    if got[0] > live:
                        live, histogram = got
        tree = max(tree, sum(_pss_rss(p)[0] for p in _tree(proc.pid)))
        time.sleep(1.0)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"failed: {' '.join(argv)}\n{err}")
    return {"seconds": seconds, "driver_mb": driver / 2**20, "jvm_mb": jvm / 2**20, "tree_mb": tree / 2**20,
            "live_mb": live / 2**20, "histogram": histogram, "samples": samples, "max_heap_mb": max_heap / 2**20}


def _plain(source: Path, tmp: str) -> str:
    path = os.path.join(tmp, source.name.removesuffix(".xz"))
    opener = lzma.open if source.suffix == ".xz" else open
    with opener(source, "rb") as f, open(path, "wb") as out:
        while block := f.read(1 << 24):
            out.write(block)
    return path


def lexicon_mb(prefix: str, env: dict) -> float:
    """What the returned Lexicon takes in a Python process: the RSS a fresh process gains by building it
    from the TSV (words, counts and scores, as ``spark.discover`` returns it)."""
    code = ("import resource, sys\nfrom nlp_zero import Lexicon\n"
            "def rss():\n    return int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize()\n"
            "before = rss()\nlex = Lexicon.load_tsv(sys.argv[1])\nlen(list(lex))\n"
            "print((rss() - before) / 2**20, len(lex))\n")
    out = subprocess.run([sys.executable, "-c", code, prefix + ".tsv"], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1])


def compare(corpus: str, tmp: str, env: dict, engines: list[str], master: str, heap_every: float = 0.0,
            histograms: str = "", repeat: int = 1) -> None:
    base = [sys.executable, "-m", "nlp_zero", "discover", "-q", os.path.basename(corpus)]
    runs = {"local -j 2": ["-j", "2"], f"spark {master}": ["--engine", "spark", "--spark-master", master]}
    runs = {name: extra for name, extra in runs.items() if name.split()[0] in engines}
    ratios = []
    for _ in range(repeat - 1):  # (pairs run one after the other: on a shared machine the load changes)
        times = [measure(base + ["-o", os.path.join(tmp, "r" + name.split()[0])] + extra, env,
                         os.path.dirname(corpus))["seconds"] for name, extra in runs.items()]
        print(" / ".join(f"{name} {t:.1f} s" for name, t in zip(runs, times)), flush=True)
        if len(times) == 2:
            ratios.append(times[1] / times[0])
    rows = {}
    for name, extra in runs.items():
        prefix = os.path.join(tmp, name.split()[0])
        spark = name.startswith("spark")
        r = rows[name] = measure(base + ["-o", prefix] + extra, env, os.path.dirname(corpus),
                                 heap_every if spark else 0.0)
        r["prefix"] = prefix
        jvm = f"   driver JVM {r['jvm_mb']:>6.0f} MB RSS" if r["jvm_mb"] else ""
        print(f"{name:<28}{r['seconds']:>8.1f} s   driver {r['driver_mb']:>6.0f} MB RSS{jvm}   "
              f"process tree {r['tree_mb']:>6.0f} MB PSS", flush=True)
        if r["samples"]:
            print(f"{'':<28}driver JVM heap at most {r['max_heap_mb']:.0f} MB; "
                  f"live (after a full GC, {len(r['samples'])} samples every "
                  f"{heap_every:.0f} s): peak {r['live_mb']:.1f} MB; samples (s, MB): "
                  + ", ".join(f"{t:.0f} {b / 2**20:.1f}" for t, b in r["samples"]), flush=True)
            if histograms:
                path = os.path.join(histograms, f"{os.path.basename(corpus)}.histogram.txt")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(r["histogram"])
                print(f"{'':<28}its class histogram at the peak: {path}", flush=True)
    for name, r in rows.items():
        mb, words = lexicon_mb(r["prefix"], env)
        print(f"{name:<28}the lexicon: {words:,} words, {mb:.0f} MB in a Python process", flush=True)
    if len(rows) == 2:
        a, b = (rows[n]["prefix"] for n in runs)
        same = all(filecmp.cmp(a + ext, b + ext, shallow=False) for ext in (".dict.txt", ".tsv", ".meta.json"))
        local, spark = (rows[n] for n in runs)
        ratios.append(spark["seconds"] / local["seconds"])
        print(f"spark / local time: {ratios[-1]:.2f}   (target <= 3)")
        if len(ratios) > 1:
            print(f"spark / local time in the {len(ratios)} pairs: " + ", ".join(f"{r:.2f}" for r in ratios)
                  + f"; median {statistics.median(ratios):.2f}")
        print(f"dict, tsv and meta byte-identical: {same}", flush=True)
    print(flush=True)


def _slice(source: str, size: str, tmp: str) -> str:
    """The first ``size`` characters of ``source`` cut back to the last line end (generated text of N
    characters is a prefix of any longer text of the same seed: benchmarks/make_corpus.py)."""
    n = int(float(size[:-1]) * {"K": 1e3, "M": 1e6, "G": 1e9}[size[-1].upper()]) if size[-1].isalpha() else int(size)
    path = os.path.join(tmp, f"gen{size}.txt")
    with open(source, encoding="utf-8", newline="") as f:
        text = f.read(n)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(text[: text.rindex("\n") + 1])
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DATA / "laws_prc.txt.xz"), help="a real corpus ('' for none)")
    ap.add_argument("--generated", default="", help="sizes of generated text too, e.g. 25M,100M")
    ap.add_argument("--generated-from", metavar="FILE", default=None,
                    help="cut the generated sizes from this output of make_corpus.py (its first N characters, "
                         "to the last line end) instead of generating them")
    ap.add_argument("--engines", default="local,spark", help="which to run (default local,spark)")
    ap.add_argument("--spark-master", default="local[2]",
                    help="default local[2]; 'local-cluster[2,1,1024]' runs the executors in JVMs of their own, "
                         "so that the driver's JVM is measured apart")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="time N pairs (local, then Spark) and print each ratio and their median (on a shared "
                         "machine the load changes between runs); memory and identity are from the last pair")
    ap.add_argument("--driver-memory", default="",
                    help="the driver JVM's heap (spark.driver.memory, e.g. 512m; default Spark's, 1g): the same at "
                         "every size, so that a run that completes shows the driver did not need more")
    ap.add_argument("--heap-every", type=float, default=0.0, metavar="SECONDS",
                    help="also sample the driver JVM's live heap (jcmd GC.class_histogram: after a full "
                         "collection) every so many seconds")
    ap.add_argument("--histograms", default="", metavar="DIR",
                    help="with --heap-every: write the class histogram of each run's peak live heap here")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO), SPARK_LOCAL_IP=os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
               PYSPARK_PYTHON=sys.executable)
    if args.driver_memory:
        env["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {args.driver_memory} pyspark-shell"
    with tempfile.TemporaryDirectory(prefix="nlp-zero-spark-") as tmp:
        corpora = []
        if args.corpus:
            corpora.append(_plain(Path(args.corpus), tmp))
        for size in filter(None, args.generated.split(",")):
            if args.generated_from:
                corpora.append(_slice(args.generated_from, size, tmp))
                continue
            path = os.path.join(tmp, f"gen{size}.txt")
            subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_corpus.py"), "--chars", size,
                            "--seed", "1", "-o", path], check=True, env=env)
            corpora.append(path)
        for corpus in corpora:
            print(f"corpus {os.path.basename(corpus)} ({os.path.getsize(corpus) / 2**20:.0f} MB)")
            compare(corpus, tmp, env, args.engines.split(","), args.spark_master, args.heap_every, args.histograms,
                    args.repeat)


if __name__ == "__main__":
    main()
