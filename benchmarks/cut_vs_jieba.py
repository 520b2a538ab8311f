#!/usr/bin/env python3
"""nlp_zero's Tokenizer against jieba 0.42.1 (HMM=False) on the same dictionary.

Prints, for statutes (the first 5M characters of laws_prc) and for news
(People's Daily, January 1998, all 1.86M characters), four figures
(docs/design.md §11; issues #4 and #14):

1. agreement -- the share of Han chunks (maximal runs of Han characters, as
   nlp_zero.text defines them) that both segment identically, and the
   disagreements sorted into causes, with examples;
2. throughput in one process -- characters per second of each, measured in
   the same run on the same slices of ~1M characters taken in turns, and
   the ratio nlp_zero / jieba (CPU time; wall time shown too);
3. whole processes, as a user lives it -- ``nlp-zero cut FILE -l DICT -o
   OUT`` against a jieba script that loads the same dictionary and writes
   the same output (words joined by two spaces), each a fresh process, in
   turns; the ratio of their times (CPU of the child, wall beside it).
   jieba runs as it does for its users: with its own cache file of the
   prefix dictionary in the temp directory (made by an untimed first run);
   nlp_zero has no cache file and reads the dictionary every time.
4. dictionary loading -- time and resident memory above the interpreter of
   ``Lexicon.load`` (+ building the Tokenizer) and of ``Tokenizer(path)``
   (then ``initialize()``, the whole index), each in a fresh process, with
   jieba's own dictionary load as the peer;
5. where the time of ``nlp-zero cut`` goes: its steps (imports, load, index,
   reading + cutting + writing) timed in one fresh process.

jieba is a peer, never a dependency: it lives in its own virtual environment
(``benchmarks/.venv``, created on first use with ``pip install
jieba==0.42.1``) or in the interpreter given by ``--python``; this script
re-executes itself there.  The dictionary defaults to jieba's dict.txt
(349,046 lines, 349,045 distinct words), loaded into both.

    python3 benchmarks/cut_vs_jieba.py                  # statutes and news
    python3 benchmarks/cut_vs_jieba.py --only news --rounds 1
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


def write_text(lines: list[str], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)


# What a jieba user runs: load the dictionary, cut each line (HMM off), write
# words joined by two spaces, whitespace tokens left out (as nlp-zero cut does).
JIEBA_CUT = r"""
import logging, sys
import jieba
jieba.setLogLevel(logging.WARNING)
tok = jieba.Tokenizer(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as f, open(sys.argv[3], "w", encoding="utf-8") as out:
    for line in f:
        out.write("  ".join([w for w in tok.cut(line.rstrip("\n"), HMM=False) if not w.isspace()]) + "\n")
"""


def run_timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of a child process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_process(name: str, lines: list[str], dict_path: str, rounds: int) -> None:
    """Figure 3: ``nlp-zero cut`` and a jieba script, fresh processes in turns."""
    import tempfile

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / f"{name}.txt"
        write_text(lines, text)
        cmds = {"nlp_zero": [sys.executable, "-m", "nlp_zero", "cut", str(text), "-l", dict_path,
                             "-o", str(Path(tmp) / "ours.txt"), "-q"],
                "jieba": [sys.executable, "-c", JIEBA_CUT, dict_path, str(text), str(Path(tmp) / "theirs.txt")]}
        subprocess.run(cmds["jieba"], check=True, env=env)  # untimed: jieba writes its cache file
        wall = {"nlp_zero": [], "jieba": []}
        cpu = {"nlp_zero": [], "jieba": []}
        for r in range(rounds):
            for who in (("nlp_zero", "jieba") if r % 2 == 0 else ("jieba", "nlp_zero")):
                w, c = run_timed(cmds[who], env)
                wall[who].append(w)
                cpu[who].append(c)
        same_lines = sum(1 for _ in open(Path(tmp) / "ours.txt", encoding="utf-8")) == len(lines)
        phases(name, text, dict_path, Path(tmp) / "phases.txt")
    med = {k: sorted(v)[len(v) // 2] for k, v in cpu.items()}
    medw = {k: sorted(v)[len(v) // 2] for k, v in wall.items()}
    print(f"(c) whole processes, {name}, median of {rounds} (CPU of the child; wall beside it):")
    print(f"    nlp-zero cut : {med['nlp_zero']:.2f} s CPU, {medw['nlp_zero']:.2f} s wall"
          + ("" if same_lines else "  (line count differs!)"))
    print(f"    jieba script : {med['jieba']:.2f} s CPU, {medw['jieba']:.2f} s wall")
    print(f"    ratio jieba / nlp-zero = {med['jieba'] / med['nlp_zero']:.2f} (CPU), "
          f"{medw['jieba'] / medw['nlp_zero']:.2f} (wall)")
    print(f"    2.5x / 3x jieba's speed would be {med['jieba'] / 2.5:.2f} / {med['jieba'] / 3:.2f} s CPU")


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
    from nlp_zero.text import ALNUM_RE

    chunk = line[s:e]
    if any(not (JIEBA_HAN[0] <= ord(ch) <= JIEBA_HAN[1]) for ch in chunk):
        return "chunk has Han characters outside jieba's class (〇, Ext. A, ...)"
    before, after = line[s - 1:s], line[e:e + 1]
    if (before and before in JIEBA_BLOCK_EXTRA) or (after and after in JIEBA_BLOCK_EXTRA):
        return "chunk touches ASCII letters/digits/+#&._%- that jieba segments together with it"
    if ALNUM_RE.search(before) or ALNUM_RE.search(after):
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
        import re

        from nlp_zero.text import HAN_CLASS

        han_run = re.compile(f"[{HAN_CLASS}]+")

        for line, ours, theirs in zip(lines, ours_all, theirs_all):
            self.lines += 1
            self.lines_same += ours == theirs
            bo, bj = boundaries(ours), boundaries(theirs)
            for m in han_run.finditer(line):
                s, e = m.span()
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
    r0 = rss_mb(); t0 = time.perf_counter(); c0 = time.process_time()
    with open(path, 'rb') as f:
        freq, total = jieba.Tokenizer.gen_pfdict(f)
    out = dict(seconds=time.perf_counter() - t0, rss_mb=rss_mb() - r0, cpu=time.process_time() - c0)
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
    r0 = rss_mb(); t0 = time.perf_counter(); c0 = time.process_time()
    tok = Tokenizer(path)
    t1 = time.perf_counter(); r1 = rss_mb(); c1 = time.process_time()
    tok.initialize()
    out = dict(seconds=t1 - t0, rss_mb=r1 - r0, cpu=c1 - c0, initialized_seconds=time.perf_counter() - t0,
               initialized_rss_mb=rss_mb() - r0, initialized_cpu=time.process_time() - c0)
print(json.dumps(out))
"""

# Where the time of `nlp-zero cut FILE -l DICT -o OUT` goes: the same steps in
# a fresh process, each timed (CPU seconds; wall beside it).
PHASES_SNIPPET = r"""
import json, sys, time
sys.path.insert(0, {root!r})
marks = [(time.process_time(), time.perf_counter())]
def mark():
    marks.append((time.process_time(), time.perf_counter()))
import nlp_zero.cli
from nlp_zero.corpus import Corpus
from nlp_zero.fileio import atomic_write
from nlp_zero.tokenizer import Tokenizer
mark()
import gc
gc.disable()
tok = Tokenizer(sys.argv[1])
mark()
tok.initialize()
mark()
with atomic_write(sys.argv[3]) as out:
    for row in tok.cut_lines(Corpus([sys.argv[2]]), delimiter="  "):
        out.write(row + "\n")
mark()
steps = [(c1 - c0, w1 - w0) for (c0, w0), (c1, w1) in zip(marks, marks[1:])]
# The floor of the last step: the Viterbi scan alone over the Han blocks of two units or more.
from nlp_zero.tokenizer import _HAN_SPLIT_RE
with open(sys.argv[2], encoding="utf-8") as f:
    blocks = [b for line in f for b in _HAN_SPLIT_RE.split(line)[1::2] if len(b) > 1]
c0 = time.process_time()
for b in blocks:
    tok._route(b)
print(json.dumps(dict(steps=steps, scan=time.process_time() - c0, blocks=len(blocks), chars=sum(map(len, blocks)))))
"""


def phases(name: str, text: Path, dict_path: str, out: Path) -> None:
    """Figure (e): the steps of ``nlp-zero cut`` in a fresh process (imports, load, index, cut and write)."""
    code = PHASES_SNIPPET.format(root=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code, dict_path, str(text), str(out)], capture_output=True, text=True,
                       check=True)
    fig = json.loads(r.stdout)
    steps = fig["steps"]
    names = ("imports", "Tokenizer(path)", "initialize()", "read, cut, write")
    print(f"(e) where the time of nlp-zero cut goes, {name}, one fresh process (CPU s / wall s): "
          + ", ".join(f"{n} {c:.2f}/{w:.2f}" for n, (c, w) in zip(names, steps))
          + f"; total {sum(c for c, _ in steps):.2f}/{sum(w for _, w in steps):.2f}")
    print(f"    of the last step, the Viterbi scan alone over the {fig['blocks']:,} Han blocks of two characters or "
          f"more ({fig['chars']:,} characters): {fig['scan']:.2f} s CPU")


def load_figures(dict_path: str) -> dict:
    code = LOAD_SNIPPET.format(root=str(ROOT))
    out = {}
    for what in ("jieba", "lexicon", "tokenizer"):
        r = subprocess.run([sys.executable, "-c", code, what, dict_path], capture_output=True, text=True, check=True)
        out[what] = json.loads(r.stdout)
    return out


def in_process(lines: list[str], jt, lex, rounds: int, slice_chars: int) -> None:
    """Figures 1 and 2: agreement and throughput in one process, slices taken in turns."""
    from nlp_zero.tokenizer import Tokenizer

    nchars = sum(map(len, lines))
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
        if size >= slice_chars:
            slices.append(cur)
            cur, size = [], 0
    if cur:
        slices.append(cur)
    cpu = {"nlp_zero": 0.0, "jieba": 0.0}
    wall = {"nlp_zero": 0.0, "jieba": 0.0}
    agreement = Agreement({w for w, c in lex.items() if len(w) == 1 and c > 0})
    for r in range(rounds):
        tok = Tokenizer(lex)  # a fresh instance: its block cache starts empty every round
        tok.initialize()  # the whole index before the clock starts, as jieba's is
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
    agreement.report()
    n = nchars * rounds
    print(f"(b) throughput in one process over {rounds} round(s), CPU time: nlp_zero "
          f"{n / cpu['nlp_zero'] / 1e6:.3f} M chars/s, jieba {n / cpu['jieba'] / 1e6:.3f} M chars/s, "
          f"ratio nlp_zero / jieba = {cpu['jieba'] / cpu['nlp_zero']:.2f}")
    print(f"    wall time: nlp_zero {n / wall['nlp_zero'] / 1e6:.3f} M chars/s, jieba {n / wall['jieba'] / 1e6:.3f} "
          f"M chars/s, ratio {wall['jieba'] / wall['nlp_zero']:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "laws_prc.txt.xz"), help="statutes text")
    ap.add_argument("--news", default=str(DATA / "corpora" / "pd199801_raw.txt.xz"), help="news text")
    ap.add_argument("--only", choices=("statutes", "news"), help="one of the two texts only")
    ap.add_argument("--chars", type=int, default=5_000_000, help="characters of statutes to segment (default 5M)")
    ap.add_argument("--news-chars", type=int, default=10_000_000, help="characters of news (default: all of it)")
    ap.add_argument("--dict", help="jieba-format dictionary (default: jieba's dict.txt)")
    ap.add_argument("--rounds", type=int, default=2, help="timed passes over the text in one process (default 2)")
    ap.add_argument("--process-rounds", type=int, default=3, help="whole-process runs of each (default 3)")
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

    jieba.setLogLevel(logging.WARNING)
    assert jieba.__version__ == JIEBA_VERSION, jieba.__version__
    dict_path = args.dict or str(Path(jieba.__file__).parent / "dict.txt")
    if args.load_only:
        print_load_figures(dict_path)
        return 0
    jt = jieba.Tokenizer(dictionary=dict_path)
    jt.initialize()
    lex = Lexicon.load(dict_path)
    print(f"dictionary: {dict_path}: {len(lex):,} words, total {lex.total:,} (jieba total {jt.total:,})")
    texts = [("statutes", args.corpus, args.chars), ("news", args.news, args.news_chars)]
    for name, path, limit in texts:
        if args.only and name != args.only:
            continue
        lines = read_chars(Path(path), limit)
        print(f"\n== {name}: {path}: first {sum(map(len, lines)):,} characters, {len(lines):,} lines")
        in_process(lines, jt, lex, args.rounds, args.slice)
        whole_process(name, lines, dict_path, args.process_rounds)
    if not args.skip_load:
        print()
        print_load_figures(dict_path)
    return 0


def print_load_figures(dict_path: str) -> None:
    fig = load_figures(dict_path)
    lx = fig["lexicon"]
    print(f"(d) loading {lx['words']:,} entries, fresh process each (time, RSS above the interpreter):")
    print(f"    Lexicon.load                 : {lx['seconds']:.2f} s, {lx['rss_mb']:.0f} MB")
    print(f"    Lexicon.load + Tokenizer(lex): {lx['with_tokenizer_seconds']:.2f} s, {lx['with_tokenizer_rss_mb']:.0f} MB")
    tk = fig["tokenizer"]
    print(f"    Tokenizer(path)              : {tk['seconds']:.2f} s, {tk['rss_mb']:.0f} MB (CPU {tk['cpu']:.2f} s)")
    print(f"    Tokenizer(path).initialize() : {tk['initialized_seconds']:.2f} s, {tk['initialized_rss_mb']:.0f} MB "
          f"(CPU {tk['initialized_cpu']:.2f} s; the whole index)")
    print(f"    peer: jieba gen_pfdict       : {fig['jieba']['seconds']:.2f} s, {fig['jieba']['rss_mb']:.0f} MB "
          f"(CPU {fig['jieba']['cpu']:.2f} s)")
    print(f"    Tokenizer(path) / jieba gen_pfdict = {tk['seconds'] / fig['jieba']['seconds']:.2f} (wall), "
          f"{tk['cpu'] / fig['jieba']['cpu']:.2f} (CPU)")


if __name__ == "__main__":
    sys.exit(main())
