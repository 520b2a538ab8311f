"""Adversarial text through count, discover and cut: time and peak memory (issue #6).

Kinds of input, each written as ONE line without a newline (the reader must
cut it into pieces):

* random-cjk: random characters from every CJK ideograph block, BMP and
  supplementary planes (no word structure at all: every n-gram is new);
* one-char: one character repeated (one n-gram per order, endless block);
* alternating: the script changes at every character (Han, Latin, digit,
  Cyrillic, Hangul, emoji, punctuation, Arabic ...);
* normal: real text (PRC statutes) of the same size: the peer every figure
  is compared with, measured in the same run.

Each (kind, size, stage) runs in a fresh process so that its peak RSS is its
own.  Printed: seconds, microseconds per character, the ratio to normal text
of the same size, peak RSS and its growth over the process's baseline, and
the growth of time from the smallest to the largest size relative to the
growth of the input (1.0 = linear).  Then a gzip bomb (zeros, default 2 GB
expanded) is read through the corpus reader: expanded size, compressed size,
peak RSS.

    python benchmarks/adversarial.py                     # 250k, 500k and 1M characters, 2 GB bomb
    python benchmarks/adversarial.py --sizes 100000,1000000 --bomb-mb 512
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HAN_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF),
              (0x2F800, 0x2FA1F), (0x30000, 0x323AF)]
ALTERNATING = "好a中1я안😀，ب字Z２ü語"
STAGES = ("count", "discover", "cut")
KINDS = ("normal", "random-cjk", "one-char", "alternating")


def random_cjk(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    sizes = [b - a + 1 for a, b in HAN_RANGES]
    blocks = rng.choices(range(len(HAN_RANGES)), weights=sizes, k=n)
    return "".join(chr(HAN_RANGES[i][0] + rng.randrange(sizes[i])) for i in blocks)


def normal_text(n: int) -> str:
    """The first n characters of real statutes (lines kept), from the shared data or the demo corpus."""
    from nlp_zero import Corpus
    from nlp_zero.corpus import demo_path

    big = REPO.parent / "shared" / "data" / "corpora" / "laws_prc.txt.xz"
    source = str(big) if big.exists() else demo_path()
    out, size = [], 0
    while size < n:
        for line in Corpus(source):
            out.append(line)
            size += len(line) + 1
            if size >= n:
                break
    return "\n".join(out)[:n]


def make_text(kind: str, n: int) -> str:
    if kind == "normal":
        return normal_text(n)
    if kind == "random-cjk":
        return random_cjk(n)
    if kind == "one-char":
        return "好" * n
    return (ALTERNATING * (n // len(ALTERNATING) + 1))[:n]


def rss_mb() -> float:
    """Peak RSS of this process in MB: VmHWM (reset by exec, unlike ru_maxrss, which Linux inherits)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def child(stage: str, path: str, lexicon: str) -> None:
    """Run one stage over one file in this (fresh) process; print JSON figures."""
    from nlp_zero import Corpus, NgramCounter
    from nlp_zero.discovery import WordFinder
    from nlp_zero.tokenizer import Tokenizer

    tok = Tokenizer(lexicon) if stage == "cut" else None
    base = rss_mb()
    t = time.perf_counter()
    corpus = Corpus(path)
    if stage == "count":
        c = NgramCounter(order=4, min_count=2).count(corpus)
        size = len(c)
    elif stage == "discover":
        size = len(WordFinder(order=4).train(corpus).find())
    else:
        size = sum(len(tok.lcut(line)) for line in corpus)
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "peak_mb": rss_mb(), "base_mb": base, "size": size}))


def run_child(stage: str, path: str, lexicon: str) -> dict:
    r = subprocess.run([sys.executable, __file__, "--child", stage, path, lexicon], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(REPO)))
    if r.returncode:
        raise SystemExit(f"{stage} {path} failed:\n{r.stderr}")
    return json.loads(r.stdout)


BOMB_CHILD = """
import sys, time
sys.path.insert(0, sys.argv[2])
from adversarial import rss_mb
from nlp_zero import Corpus
t = time.perf_counter(); base = rss_mb()
pieces = longest = chars = 0
for piece in Corpus(sys.argv[1], errors="replace"):
    pieces += 1; chars += len(piece); longest = max(longest, len(piece))
print(pieces, longest, chars, time.perf_counter() - t, base, rss_mb())
"""


def bomb(directory: Path, megabytes: int) -> None:
    path = directory / "bomb.gz"
    zero = bytes(1 << 20)
    t = time.perf_counter()
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as g:
        for _ in range(megabytes):
            g.write(zero)
    made = time.perf_counter() - t
    r = subprocess.run([sys.executable, "-c", BOMB_CHILD, str(path), str(Path(__file__).parent)], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(REPO)))
    if r.returncode:
        raise SystemExit(r.stderr)
    pieces, longest, chars, seconds, base, peak = r.stdout.split()
    print(f"\ngzip bomb: {os.path.getsize(path) / 1e6:.2f} MB compressed -> {int(chars) / 1e9:.2f} G characters "
          f"(made in {made:.1f} s)")
    print(f"  read in {int(pieces):,} pieces of at most {int(longest):,} characters in {float(seconds):.1f} s; "
          f"peak RSS {float(peak):.0f} MB (baseline {float(base):.0f} MB, growth {float(peak) - float(base):.0f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", nargs=3, metavar=("STAGE", "PATH", "LEXICON"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="250000,500000,1000000", help="characters per input (comma-separated)")
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--bomb-mb", type=int, default=2048, help="expanded size of the gzip bomb (0: skip)")
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    from nlp_zero.discovery import WordFinder

    sizes = [int(s) for s in args.sizes.split(",")]
    stages = args.stages.split(",")
    kinds = args.kinds.split(",")
    if "normal" not in kinds:
        kinds.insert(0, "normal")
    with tempfile.TemporaryDirectory(prefix="nlpzero-adv-") as tmp:
        d = Path(tmp)
        lexicon = str(d / "laws.dict.txt")  # a realistic lexicon for cut: learned from real text
        WordFinder(order=4).train(normal_text(300_000).splitlines()).find().save(lexicon)
        results: dict = {}
        print(f"python {sys.version.split()[0]}; sizes {sizes}; each figure from a fresh process")
        print(f"{'stage':<9}{'kind':<13}{'chars':>9}{'seconds':>9}{'us/char':>9}{'x normal':>9}"
              f"{'peak MB':>9}{'growth':>8}")
        for n in sizes:
            for kind in kinds:
                path = d / f"{kind}-{n}.txt"
                path.write_text(make_text(kind, n), encoding="utf-8")
            for stage in stages:
                for kind in kinds:
                    r = run_child(stage, str(d / f"{kind}-{n}.txt"), lexicon)
                    results[stage, kind, n] = r
                    peer = results[stage, "normal", n]["seconds"]
                    print(f"{stage:<9}{kind:<13}{n:>9,}{r['seconds']:>9.2f}{r['seconds'] / n * 1e6:>9.2f}"
                          f"{r['seconds'] / peer:>9.2f}{r['peak_mb']:>9.0f}{r['peak_mb'] - r['base_mb']:>8.0f}")
        for lo, hi in zip(sizes, sizes[1:]):
            print(f"\ntime growth {lo:,} -> {hi:,} characters, divided by the input growth x{hi / lo:.1f} "
                  f"(1.0 = linear):")
            for stage in stages:
                print(f"  {stage:<9}" + "  ".join(
                    f"{kind} {results[stage, kind, hi]['seconds'] / results[stage, kind, lo]['seconds'] / (hi / lo):.2f}"
                    for kind in kinds))
        if args.bomb_mb:
            bomb(d, args.bomb_mb)


if __name__ == "__main__":
    main()
