#!/usr/bin/env python3
"""Big corpora: time, memory, parallelism, memory budgets, byte identity.

    python3 benchmarks/scale.py                  # laws_prc (19.7M characters) against nlp-zero 0.1.6, ~10 minutes
    python3 benchmarks/scale.py --skip-double    # without the doubled corpus
    python3 benchmarks/scale.py --matrix --laws --generated 50M,100M,200M --budgets 400M,1G --jobs 2
                                                 # count and discover at any size (generated text, make_corpus.py)

The ``--matrix`` mode runs ``count -n 4 --min-count 2`` and ``discover`` on
each corpus with each budget and number of jobs, each a fresh process; for
each: wall time, peak PSS of the process tree, peak disk use of the work
area (``--tmp-dir``), and whether the outputs are byte-identical to the
first run of the same corpus and command.  Then the time per doubling of the
generated text (50M -> 100M -> 200M) and the tight budget's time against the
loose one's.  The default mode:

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
import shutil
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


def _disk(path: str) -> int:
    """Bytes in the files below ``path`` (0 when it is gone)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def measure(argv: list[str], env: dict, cwd: str, work_dir: str | None = None) -> dict:
    """Run ``argv`` in ``cwd``; wall time, CPU time and peak memory of its process tree (and disk use of ``work_dir``).

    The CPU time (user + system of the process and of the workers it waited
    for) hardly depends on what else the machine runs, unlike the wall time.
    """
    cpu_before = _cpu_of_children()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_pss = peak_rss = peak_disk = 0
    while proc.poll() is None:
        pss, rss = _memory(_tree(proc.pid))
        peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        if work_dir:
            peak_disk = max(peak_disk, _disk(work_dir))
        time.sleep(1.0)  # reading smaps_rollup costs ~10 ms per 500 MB process: rarely, not to slow the run
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"failed: {' '.join(argv)}\n{err}")
    return {"seconds": seconds, "cpu": _cpu_of_children() - cpu_before,
            "pss_mb": peak_pss / 2**20, "rss_mb": peak_rss / 2**20,
            "disk_mb": peak_disk / 2**20, "stdout": out}


def _cpu_of_children() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def prefix_corpus(source: str, chars: int, path: str) -> None:
    """The first ``chars - 1`` characters of ``source`` and a newline (make_corpus.py's texts nest so)."""
    left = chars - 1
    with open(source, encoding="utf-8") as f, open(path, "w", encoding="utf-8") as out:
        while left > 0:
            block = f.read(min(left, 1 << 22))
            if not block:
                sys.exit(f"{source} has fewer than {chars:,} characters")
            out.write(block)
            left -= len(block)
        out.write("\n")


def matrix(args) -> None:
    """count and discover over corpora x budgets x jobs: time, memory, disk, byte identity, ratios."""
    from make_corpus import characters

    corpora = []
    if args.laws:
        corpora.append(("laws", str(Path(args.corpus).resolve())))
    sizes = [characters(x) for x in args.generated.split(",")] if args.generated else []
    env = dict(os.environ, PYTHONPATH=str(REPO))
    rows = []
    with tempfile.TemporaryDirectory(prefix="nlp-zero-scale-", dir=args.tmp_dir) as tmp:
        if sizes:
            biggest = os.path.join(tmp, "gen.txt")
            if args.generated_file:
                biggest = args.generated_file
            else:
                subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_corpus.py"), "--chars", str(max(sizes)),
                                "--seed", "1", "-j", "2", "-o", biggest], check=True, env=env)
            for n in sizes:
                path = os.path.join(tmp, f"gen{n // 10**6}M.txt")
                prefix_corpus(biggest, n, path)
                corpora.append((f"generated {n // 10**6}M", path))
        area = os.path.join(tmp, "area")
        for name, path in corpora:
            for command in args.commands.split(","):
                first = None
                for budget in args.budgets.split(","):
                    for jobs in args.jobs.split(","):
                        os.makedirs(area, exist_ok=True)
                        out = os.path.join(tmp, "out")
                        argv = [sys.executable, "-m", "nlp_zero", command, path, "-o", out + (".counts" if command == "count" else ""),
                                "--max-memory", budget, "-j", jobs, "--tmp-dir", area, "-q"]
                        if command == "count":
                            argv += ["-n", "4", "--min-count", "2"]
                        r = measure(argv, env, tmp, area)
                        files = [out + ".counts"] if command == "count" else [out + e for e in (".dict.txt", ".tsv", ".meta.json")]
                        digest = _digest(files)
                        first = first or digest
                        r.update(corpus=name, command=command, budget=budget, jobs=int(jobs), same=digest == first)
                        del r["stdout"]
                        rows.append(r)
                        print(f"{name:<16}{command:<9}{budget:>6} -j {jobs}{r['seconds']:>9.1f} s{r['cpu']:>9.1f} s CPU"
                              f"{r['pss_mb']:>8.0f} MB PSS"
                              f"{r['disk_mb']:>8.0f} MB disk   identical: {r['same']}", flush=True)
                        shutil.rmtree(area, ignore_errors=True)
    print()
    _ratios(rows, sizes)
    print(json.dumps(rows))


def _digest(paths: list[str]) -> str:
    import hashlib

    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _ratios(rows: list[dict], sizes: list[int]) -> None:
    """Time per doubling of the generated corpus, and the tight budget's time against the loose one's."""
    def time_of(corpus, command, budget, jobs, what="seconds"):
        for r in rows:
            if (r["corpus"], r["command"], r["budget"], r["jobs"]) == (corpus, command, budget, jobs):
                return r[what]
        return None

    keys = sorted({(r["command"], r["budget"], r["jobs"]) for r in rows})
    for command, budget, jobs in keys:
        for what, name in (("seconds", "wall time"), ("cpu", "CPU time")):
            times = [time_of(f"generated {n // 10**6}M", command, budget, jobs, what) for n in sorted(sizes)]
            steps = [f"{b / a:.2f}" for a, b in zip(times, times[1:]) if a and b]
            if steps:
                print(f"{command} --max-memory {budget} -j {jobs}: {name} per doubling {', '.join(steps)}"
                      "   (target <= 2.2)")
    budgets = sorted({r["budget"] for r in rows})
    if len(budgets) >= 2:
        for corpus in dict.fromkeys(r["corpus"] for r in rows):
            for command, jobs in sorted({(c, j) for c, _, j in keys}):
                t = {b: time_of(corpus, command, b, jobs) for b in budgets}
                cpu = {b: time_of(corpus, command, b, jobs, "cpu") for b in budgets}
                if all(t.values()):
                    tight, loose = min(budgets, key=lambda b: _size(b)), max(budgets, key=lambda b: _size(b))
                    print(f"{corpus}, {command} -j {jobs}: --max-memory {tight} / {loose} time {t[tight] / t[loose]:.2f}"
                          f", CPU time {cpu[tight] / cpu[loose]:.2f}"
                          "   (target <= 1.5)")
    print("byte-identical across budgets and jobs:", all(r["same"] for r in rows))


def _size(text: str) -> int:
    sys.path.insert(0, str(REPO))
    from nlp_zero.spill import parse_size

    return parse_size(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DATA / "laws_prc.txt.xz"))
    ap.add_argument("--skip-double", action="store_true", help="leave out the doubled corpus")
    ap.add_argument("--matrix", action="store_true",
                    help="instead: count and discover over --budgets x --jobs on the laws corpus and generated text")
    ap.add_argument("--laws", action="store_true", help="with --matrix: include the laws corpus")
    ap.add_argument("--generated", default="", help="with --matrix: sizes of generated text, e.g. 50M,100M,200M")
    ap.add_argument("--generated-file", help="with --matrix: an existing make_corpus.py output at least that big")
    ap.add_argument("--budgets", default="400M,1G")
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--commands", default="count,discover")
    ap.add_argument("--tmp-dir", help="where the corpora, outputs and work areas go (default: the system's)")
    args = ap.parse_args()
    if args.matrix:
        matrix(args)
        return
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
