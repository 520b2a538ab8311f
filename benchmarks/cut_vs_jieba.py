#!/usr/bin/env python3
"""nlp_zero's Tokenizer against jieba 0.42.1 (HMM=False) on the same dictionary.

Prints three figures (DESIGN.md §3.5, issue #4):

1. agreement -- the share of Han chunks (maximal runs of Han characters, as
   nlp_zero.text defines them) that both segment identically, and the
   disagreements sorted into causes, with examples;
2. throughput -- characters per second of each, measured in the same run on
   the same slices of ~1M characters taken in turns, and the ratio
   nlp_zero / jieba (CPU time; wall time shown too);
3. dictionary loading -- time and resident memory above the interpreter of
   ``Lexicon.load`` (+ building the Tokenizer), each in a fresh process, with
   jieba's own dictionary load as the peer.

jieba is a peer, never a dependency: it lives in its own virtual environment
(``benchmarks/.venv``, created on first use with ``pip install
jieba==0.42.1``) or in the interpreter given by ``--python``; this script
re-executes itself there.  The dictionary defaults to jieba's dict.txt
(349,046 lines, 349,045 distinct words), loaded into both.  (jieba itself
writes its usual prefix-dictionary cache file in the temp directory.)

    python3 benchmarks/cut_vs_jieba.py                 # 5M chars of laws_prc
    python3 benchmarks/cut_vs_jieba.py --chars 1000000 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "benchmarks" / ".venv"
DATA = ROOT.parent / "shared" / "data"
JIEBA_VERSION = "0.42.1"


def ensure_jieba(python: str | None) -> None:
    """Re-run this script under an interpreter that has jieba (creating the venv if needed)."""
    try:
        import jieba  # noqa: F401
        return
    except ImportError:
        pass
    if python is None:  # the venv uses this very interpreter, so both run on the same Python
        python = str(VENV / "bin" / "python")
        if not Path(python).exists():
            print(f"creating {VENV} ...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        if subprocess.run([python, "-c", "import jieba"], capture_output=True).returncode:
            print(f"installing jieba=={JIEBA_VERSION} into {VENV} ...", file=sys.stderr)
            subprocess.run([python, "-m", "pip", "install", "-q", f"jieba=={JIEBA_VERSION}"], check=True)
    os.execv(python, [python, __file__] + sys.argv[1:] + ["--no-reexec"])


def read_chars(path: Path, limit: int) -> list[str]:
    """The first ``limit`` characters of a (possibly .xz) text file, as lines."""
    opener = lzma.open if path.suffix == ".xz" else open
    lines, n = [], 0
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if n + len(line) >= limit:
                lines.append(line[: limit - n])
                break
            lines.append(line)
            n += len(line)
    return lines


def boundaries(tokens: list[str]) -> set[int]:
    pos, out = 0, {0}
    for t in tokens:
        pos += len(t)
        out.add(pos)
    return out


def pieces(line: str, cuts: set[int], s: int, e: int) -> list[str]:
    """The tokens that overlap line[s:e], given the set of cut positions."""
    a = max(p for p in cuts if p <= s)
    b = min(p for p in cuts if p >= e)
    inner = sorted(p for p in cuts if a <= p <= b)
    return [line[x:y] for x, y in zip(inner, inner[1:])]


JIEBA_HAN = (0x4E00, 0x9FD5)  # jieba's re_han_default: \u4E00-\u9FD5
JIEBA_BLOCK_EXTRA = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")


def classify(line: str, s: int, e: int, ours: list[str], dict_singles: set[str]) -> str:
    """Why a Han chunk line[s:e] is segmented differently (first cause that applies)."""
    from nlp_zero.text import ALNUM, segments

    chunk = line[s:e]
    if any(not (JIEBA_HAN[0] <= ord(ch) <= JIEBA_HAN[1]) for ch in chunk):
        return "chunk has Han characters outside jieba's class (〇, Ext. A, ...)"
    before, after = line[s - 1:s], line[e:e + 1]
    if (before and before in JIEBA_BLOCK_EXTRA) or (after and after in JIEBA_BLOCK_EXTRA):
        return "chunk touches ASCII letters/digits/+#&._%- that jieba segments together with it"
    if any(kind == ALNUM for kind, _, _ in segments(before + after)):
        return ("chunk touches a full-width letter/digit run: nlp_zero matches dictionary words "
                "such as A股 by class (<LAT>股), jieba does not")
    if any(len(t) == 1 and t not in dict_singles for t in ours):
        return "nlp_zero used a single character jieba's DAG does not offer"
    return "other"


class Agreement:
    """Han chunks segmented identically by both, and the causes of the others."""

    def __init__(self, dict_singles: set[str]):
        self.dict_singles = dict_singles
        self.same = self.total = self.lines = self.lines_same = 0
        self.causes: dict[str, int] = {}
        self.examples: dict[str, list] = {}

    def add(self, lines: list[str], ours_all: list[list[str]], theirs_all: list[list[str]]) -> None:
        from nlp_zero.text import HAN, segments

        for line, ours, theirs in zip(lines, ours_all, theirs_all):
            self.lines += 1
            self.lines_same += ours == theirs
            bo, bj = boundaries(ours), boundaries(theirs)
            for kind, s, e in segments(line):
                if kind != HAN:
                    continue
                self.total += 1
                if all((p in bo) == (p in bj) for p in range(s, e + 1)):
                    self.same += 1
                    continue
                ours_chunk = pieces(line, bo, s, e)
                cause = classify(line, s, e, ours_chunk, self.dict_singles)
                self.causes[cause] = self.causes.get(cause, 0) + 1
                ex = self.examples.setdefault(cause, [])
                if len(ex) < 4:
                    ex.append((" ".join(ours_chunk), " ".join(pieces(line, bj, s, e))))

    def report(self) -> None:
        print(f"(a) Han chunks segmented identically: {self.same:,} / {self.total:,} = "
              f"{100 * self.same / max(self.total, 1):.3f} %")
        print(f"    whole lines identical (all tokens, incl. punctuation/Latin): "
              f"{100 * self.lines_same / max(self.lines, 1):.2f} %")
        for cause, n in sorted(self.causes.items(), key=lambda kv: -kv[1]):
            print(f"    {n:6,} ({100 * n / self.total:.3f} %)  {cause}")
            for o, t in self.examples[cause]:
                print(f"             nlp_zero: {o}   |   jieba: {t}")


LOAD_SNIPPET = r"""
import json, sys, time
sys.path.insert(0, {root!r})
def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS'):
                return int(line.split()[1]) / 1024
what, path = sys.argv[1], sys.argv[2]
if what == 'jieba':
    import jieba, logging
    jieba.setLogLevel(logging.WARNING)
    r0 = rss_mb(); t0 = time.perf_counter()
    with open(path, 'rb') as f:
        freq, total = jieba.Tokenizer.gen_pfdict(f)
    out = dict(seconds=time.perf_counter() - t0, rss_mb=rss_mb() - r0)
elif what == 'lexicon':
    from nlp_zero.lexicon import Lexicon
    from nlp_zero.tokenizer import Tokenizer
    r0 = rss_mb(); t0 = time.perf_counter()
    lex = Lexicon.load(path)
    t1 = time.perf_counter(); r1 = rss_mb()
    tok = Tokenizer(lex)
    out = dict(seconds=t1 - t0, rss_mb=r1 - r0, words=len(lex),
               with_tokenizer_seconds=time.perf_counter() - t0, with_tokenizer_rss_mb=rss_mb() - r0)
else:
    from nlp_zero.tokenizer import Tokenizer
    r0 = rss_mb(); t0 = time.perf_counter()
    tok = Tokenizer(path)
    out = dict(seconds=time.perf_counter() - t0, rss_mb=rss_mb() - r0)
print(json.dumps(out))
"""


def load_figures(dict_path: str) -> dict:
    code = LOAD_SNIPPET.format(root=str(ROOT))
    out = {}
    for what in ("jieba", "lexicon", "tokenizer"):
        r = subprocess.run([sys.executable, "-c", code, what, dict_path], capture_output=True, text=True, check=True)
        out[what] = json.loads(r.stdout)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "laws_prc.txt.xz"))
    ap.add_argument("--chars", type=int, default=5_000_000, help="characters to segment (default 5M)")
    ap.add_argument("--dict", help="jieba-format dictionary (default: jieba's dict.txt)")
    ap.add_argument("--rounds", type=int, default=2, help="timed passes over the text (default 2)")
    ap.add_argument("--slice", type=int, default=1_000_000, help="characters per turn of each tokenizer (default 1M)")
    ap.add_argument("--python", help="interpreter that has jieba 0.42.1 (default: benchmarks/.venv)")
    ap.add_argument("--skip-load", action="store_true", help="skip the dictionary-loading figures")
    ap.add_argument("--load-only", action="store_true", help="only the dictionary-loading figures")
    ap.add_argument("--no-reexec", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.no_reexec:
        ensure_jieba(args.python)
    sys.path.insert(0, str(ROOT))
    import logging

    import jieba

    from nlp_zero.lexicon import Lexicon
    from nlp_zero.tokenizer import Tokenizer

    jieba.setLogLevel(logging.WARNING)
    assert jieba.__version__ == JIEBA_VERSION, jieba.__version__
    dict_path = args.dict or str(Path(jieba.__file__).parent / "dict.txt")
    if args.load_only:
        print_load_figures(dict_path)
        return 0
    lines = read_chars(Path(args.corpus), args.chars)
    nchars = sum(map(len, lines))
    print(f"corpus: {args.corpus}: first {nchars:,} characters, {len(lines):,} lines")
    print(f"dictionary: {dict_path}")

    jt = jieba.Tokenizer(dictionary=dict_path)
    jt.initialize()
    lex = Lexicon.load(dict_path)
    print(f"  {len(lex):,} words, total {lex.total:,} (jieba total {jt.total:,})")

    # Both run on the same slices of ~1M characters, alternating which goes
    # first, so that the load of a shared machine hits both alike; CPU time
    # (process_time) is the primary figure, wall time is shown too.  Slices
    # are long enough for each to run with warm CPU caches, as it would when
    # used alone (much shorter turns measure the other's cache evictions).
    # Outputs are compared (untimed) and dropped slice by slice, as a
    # streaming user would: keeping millions of tokens alive would time the
    # garbage collector rather than the tokenizers.
    slices, cur, size = [], [], 0
    for line in lines:
        cur.append(line)
        size += len(line)
        if size >= args.slice:
            slices.append(cur)
            cur, size = [], 0
    if cur:
        slices.append(cur)
    cpu = {"nlp_zero": 0.0, "jieba": 0.0}
    wall = {"nlp_zero": 0.0, "jieba": 0.0}
    agreement = Agreement({w for w, c in lex.items() if len(w) == 1 and c > 0})
    for r in range(args.rounds):
        tok = Tokenizer(lex)  # a fresh instance: its block cache starts empty every round
        round_cpu = {"nlp_zero": 0.0, "jieba": 0.0}
        for k, part in enumerate(slices):
            order = ("nlp_zero", "jieba") if k % 2 == 0 else ("jieba", "nlp_zero")
            out = {}
            for who in order:
                c0, w0 = time.process_time(), time.perf_counter()
                if who == "nlp_zero":
                    out[who] = [tok.lcut(line) for line in part]
                else:
                    out[who] = [jt.lcut(line, HMM=False) for line in part]
                c1, w1 = time.process_time(), time.perf_counter()
                round_cpu[who] += c1 - c0
                cpu[who] += c1 - c0
                wall[who] += w1 - w0
            if r == 0:
                agreement.add(part, out["nlp_zero"], out["jieba"])
        print(f"round {r + 1}: CPU nlp_zero {round_cpu['nlp_zero']:.2f} s, jieba {round_cpu['jieba']:.2f} s, "
              f"ratio {round_cpu['jieba'] / round_cpu['nlp_zero']:.2f}")

    print()
    agreement.report()
    n = nchars * args.rounds
    print(f"(b) throughput over {args.rounds} round(s), CPU time: nlp_zero {n / cpu['nlp_zero'] / 1e6:.3f} M chars/s, "
          f"jieba {n / cpu['jieba'] / 1e6:.3f} M chars/s, ratio nlp_zero / jieba = {cpu['jieba'] / cpu['nlp_zero']:.2f}")
    print(f"    wall time: nlp_zero {n / wall['nlp_zero'] / 1e6:.3f} M chars/s, jieba {n / wall['jieba'] / 1e6:.3f} M chars/s, "
          f"ratio {wall['jieba'] / wall['nlp_zero']:.2f}")

    if not args.skip_load:
        print_load_figures(dict_path)
    return 0


def print_load_figures(dict_path: str) -> None:
    fig = load_figures(dict_path)
    lx = fig["lexicon"]
    print(f"(c) loading {lx['words']:,} entries, fresh process each (time, RSS above the interpreter):")
    print(f"    Lexicon.load                 : {lx['seconds']:.2f} s, {lx['rss_mb']:.0f} MB")
    print(f"    Lexicon.load + Tokenizer(lex): {lx['with_tokenizer_seconds']:.2f} s, {lx['with_tokenizer_rss_mb']:.0f} MB")
    print(f"    Tokenizer(path)              : {fig['tokenizer']['seconds']:.2f} s, {fig['tokenizer']['rss_mb']:.0f} MB")
    print(f"    peer: jieba gen_pfdict       : {fig['jieba']['seconds']:.2f} s, {fig['jieba']['rss_mb']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
