"""Lexicon learning time and memory, against nlp-zero 0.1.6's Word_Finder in the same run.

    python benchmarks/discover_speed.py [--corpus PATH] [--baseline REV] [--repeat N]

Both learners read the same raw corpus (default: People's Daily 1998-01,
1.86M characters) in a fresh process each, so that peak RSS is their own:

* nlp_zero: ``WordFinder().train(lines).find()`` (the CLI defaults);
* nlp-zero 0.1.6 (PyPI), in a virtual environment of its own made under
  ``benchmarks/.venv-nlpzero016``: ``Word_Finder()`` with its defaults,
  ``train(lines)`` then ``find(lines)``.  0.1.6 imports
  ``collections.Iterable``, which Python 3.10 removed; the runner restores
  that one alias before importing it and changes nothing else.

With ``--baseline REV`` (a git revision of this repository, e.g. the commit
before a change), that revision's ``WordFinder`` runs too, from a copy made
with ``git archive`` in a temporary directory, so that a change's cost is a
ratio taken in one run.  ``--repeat N`` runs each learner N times, in
turn, and reports each one's median.

Printed: seconds, peak RSS, words found, and the time ratios.  The machines are
shared and noisy: read the ratio, not the seconds.  0.1.6 does far less work
(adjacent pairs only), so it is expected to be faster.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from peer016 import peer_python

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "corpora" / "pd199801_raw.txt.xz"

READ = r"""
import lzma, json, resource, sys, time
path = sys.argv[1]
opener = lzma.open if path.endswith(".xz") else open
with opener(path, "rt", encoding="utf-8") as f:
    lines = [line.rstrip("\n") for line in f]
def report(t, words):
    print(json.dumps({"seconds": time.perf_counter() - t, "words": words,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

RUN_OURS = READ + r"""
from nlp_zero import WordFinder
t = time.perf_counter()
lexicon = WordFinder().train(lines).find()
report(t, len(lexicon))
"""

RUN_PEER = READ + r"""
import collections, collections.abc
collections.Iterable = collections.abc.Iterable  # removed in Python 3.10; 0.1.6 imports it
from nlp_zero import Word_Finder
t = time.perf_counter()
finder = Word_Finder()
finder.train(lines)
finder.find(lines)
report(t, len(finder.words))
"""


def run(python: str, code: str, corpus: str, env: dict) -> dict:
    out = subprocess.run([python, "-c", code, corpus], capture_output=True, text=True, env=env,
                         cwd=str(REPO / "benchmarks"), check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_run(runs: list[dict]) -> dict:
    """The run of median time (of an even number, the slower of the middle two)."""
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--baseline", default=None, metavar="REV",
                    help="also time this git revision's WordFinder (e.g. the commit before a change)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each learner, in turn (the median is shown)")
    args = ap.parse_args()
    if not Path(args.corpus).exists():
        sys.exit(f"corpus not found: {args.corpus}")
    with tempfile.TemporaryDirectory() as tmp:
        learners = [("nlp_zero WordFinder (defaults)", sys.executable, RUN_OURS,
                     dict(os.environ, PYTHONPATH=str(REPO))),
                    ("nlp-zero 0.1.6 Word_Finder()", peer_python(), RUN_PEER,
                     {k: v for k, v in os.environ.items() if k != "PYTHONPATH"})]
        if args.baseline:
            archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "nlp_zero"],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            learners.insert(1, (f"nlp_zero at {args.baseline}", sys.executable, RUN_OURS,
                                dict(os.environ, PYTHONPATH=tmp)))
        runs: dict[str, list[dict]] = {name: [] for name, *_ in learners}
        for _ in range(args.repeat):
            for name, python, code, env in learners:
                runs[name].append(run(python, code, args.corpus, env))
    print(f"corpus {args.corpus}" + (f"; median of {args.repeat} runs each" if args.repeat > 1 else ""))
    print(f"{'learner':<34}{'seconds':>9}{'peak RSS MB':>13}{'words':>9}")
    best = {name: median_run(r) for name, r in runs.items()}
    for name, r in best.items():
        print(f"{name:<34}{r['seconds']:>9.1f}{r['rss_mb']:>13.0f}{r['words']:>9,}")
    ours, peer = best[learners[0][0]], best["nlp-zero 0.1.6 Word_Finder()"]
    print(f"time ratio nlp_zero / 0.1.6: {ours['seconds'] / peer['seconds']:.2f}; "
          f"memory ratio: {ours['rss_mb'] / peer['rss_mb']:.2f}")
    if args.baseline:
        base = best[f"nlp_zero at {args.baseline}"]
        print(f"time ratio nlp_zero / nlp_zero at {args.baseline}: {ours['seconds'] / base['seconds']:.2f}; "
              f"memory ratio: {ours['rss_mb'] / base['rss_mb']:.2f}")


if __name__ == "__main__":
    main()
