"""Counting speed and memory on the big laws corpus, against a bare-Counter floor.

    python benchmarks/count_speed.py [--corpus PATH] [--order 4] [--min-count 2]

Each configuration runs in a fresh process so its peak RSS is its own:

* ``nlp_zero`` with ``jobs=1`` and ``jobs=2``: read the compressed corpus,
  decode, chunk, count orders 1..n exactly, prune at min_count
  (``NgramCounter.count``, the table in memory);
* ``nlp-zero count``'s path, ``counting.count_to_file`` with ``--max-memory``
  1G and 400M: the same, within the budget (sorted runs spilled and merged),
  and the counts file written;
* the *floor*: a bare ``collections.Counter`` over the very same n-grams,
  prepared in memory beforehand, so only the counting itself is timed.

Printed: wall time, characters per second, CPU time (of the process and its workers;
the floor's is one process), peak RSS (the main process, and
for jobs=2 the largest worker), and the ratio of our time to the floor's.
The machine is shared and noisy: compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "corpora" / "laws_prc.txt.xz"

RUN_NLP_ZERO = r"""
import json, os, resource, sys, tempfile, time
from nlp_zero import Corpus, NgramCounter
from nlp_zero.counting import count_to_file
from nlp_zero.spill import parse_size
path, order, min_count, jobs, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
chars = 0
def lines():
    global chars
    for line in Corpus(path):
        chars += len(line) + 1
        yield line
def cpu():
    self, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return self.ru_utime + self.ru_stime + children.ru_utime + children.ru_stime
with tempfile.TemporaryDirectory() as tmp:
    c = cpu()
    t = time.perf_counter()
    if budget == "-":  # the table in memory
        counter = NgramCounter(order, min_count).count(lines(), jobs=jobs)
        sizes = [len(counter.ngrams(k)) for k in range(1, order + 1)]
    else:  # the command's path: within the budget, the file written
        sizes = list(count_to_file(lines(), os.path.join(tmp, "out.counts"), order, min_count,
                                   max_memory=parse_size(budget), jobs=jobs, tmp_dir=tmp).kept)
    elapsed = time.perf_counter() - t
    c = cpu() - c
print(json.dumps({"seconds": elapsed, "cpu": c, "chars": chars, "kept": sizes,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

RUN_FLOOR = r"""
import json, sys, time
from collections import Counter
from nlp_zero import Corpus
from nlp_zero.text import stat_chunks
path, order = sys.argv[1], int(sys.argv[2])
chunks = [c for line in Corpus(path) for c in stat_chunks(line)]
seconds = cpu = 0.0
for k in range(1, order + 1):
    grams = [c[i:i + k] for c in chunks for i in range(len(c) - k + 1)]
    t, c = time.perf_counter(), time.process_time()
    Counter(grams)
    seconds += time.perf_counter() - t
    cpu += time.process_time() - c
    del grams
print(json.dumps({"seconds": seconds, "cpu": cpu}))
"""


def run(code: str, *args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--order", type=int, default=4)
    ap.add_argument("--min-count", type=int, default=2)
    args = ap.parse_args()
    if not Path(args.corpus).exists():
        sys.exit(f"corpus not found: {args.corpus}")
    print(f"corpus {args.corpus}, orders 1-{args.order}, min_count {args.min_count}, python {sys.version.split()[0]}")
    floor = run(RUN_FLOOR, args.corpus, str(args.order))
    rows = []
    for jobs in (1, 2):
        r = run(RUN_NLP_ZERO, args.corpus, str(args.order), str(args.min_count), str(jobs), "-")
        rows.append((f"NgramCounter jobs={jobs}", jobs, r))
    for budget in ("1G", "400M"):
        for jobs in (1, 2):
            r = run(RUN_NLP_ZERO, args.corpus, str(args.order), str(args.min_count), str(jobs), budget)
            rows.append((f"count {budget} -j {jobs}", jobs, r))
    print(f"{'run':<22}{'seconds':>9}{'Mchar/s':>9}{'x floor':>9}{'CPU s':>9}{'x floor':>9}{'RSS MB':>9}{'worker RSS':>12}")
    print(f"{'bare Counter (floor)':<22}{floor['seconds']:>9.1f}{'':>9}{1.0:>9.2f}{floor['cpu']:>9.1f}{1.0:>9.2f}")
    for name, jobs, r in rows:
        rate = r["chars"] / r["seconds"] / 1e6
        worker = f"{r['child_rss_mb']:.0f}" if jobs > 1 else "-"
        print(f"{name:<22}{r['seconds']:>9.1f}{rate:>9.2f}{r['seconds'] / floor['seconds']:>9.2f}"
              f"{r['cpu']:>9.1f}{r['cpu'] / floor['cpu']:>9.2f}{r['rss_mb']:>9.0f}{worker:>12}")
    assert all(r["kept"] == rows[0][2]["kept"] for _, _, r in rows), "the runs kept different n-grams"
    r = rows[0][2]
    print(f"{r['chars']:,} characters read; n-grams kept per order: {', '.join(f'{n:,}' for n in r['kept'])}")


if __name__ == "__main__":
    main()
