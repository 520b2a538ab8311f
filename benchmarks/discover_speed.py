"""Lexicon learning time and memory, against nlp-zero 0.1.6's Word_Finder in the same run.

    python benchmarks/discover_speed.py [--corpus PATH]

Both learners read the same raw corpus (default: People's Daily 1998-01,
1.86M characters) in a fresh process each, so that peak RSS is their own:

* nlp_zero: ``WordFinder().train(lines).find()`` (the CLI defaults);
* nlp-zero 0.1.6 (PyPI), in a virtual environment of its own made under
  ``benchmarks/.venv-nlpzero016``: ``Word_Finder()`` with its defaults,
  ``train(lines)`` then ``find(lines)``.  0.1.6 imports
  ``collections.Iterable``, which Python 3.10 removed; the runner restores
  that one alias before importing it and changes nothing else.

Printed: seconds, peak RSS, words found, and the time ratio.  The machines are
shared and noisy: read the ratio, not the seconds.  0.1.6 does far less work
(adjacent pairs only), so it is expected to be faster.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    args = ap.parse_args()
    if not Path(args.corpus).exists():
        sys.exit(f"corpus not found: {args.corpus}")
    ours_env = dict(os.environ, PYTHONPATH=str(REPO))
    peer_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    peer = run(peer_python(), RUN_PEER, args.corpus, peer_env)
    ours = run(sys.executable, RUN_OURS, args.corpus, ours_env)
    print(f"corpus {args.corpus}")
    print(f"{'learner':<34}{'seconds':>9}{'peak RSS MB':>13}{'words':>9}")
    print(f"{'nlp_zero WordFinder (defaults)':<34}{ours['seconds']:>9.1f}{ours['rss_mb']:>13.0f}{ours['words']:>9,}")
    print(f"{'nlp-zero 0.1.6 Word_Finder()':<34}{peer['seconds']:>9.1f}{peer['rss_mb']:>13.0f}{peer['words']:>9,}")
    print(f"time ratio nlp_zero / 0.1.6: {ours['seconds'] / peer['seconds']:.2f}; "
          f"memory ratio: {ours['rss_mb'] / peer['rss_mb']:.2f}")


if __name__ == "__main__":
    main()
