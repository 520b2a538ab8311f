#!/usr/bin/env python3
"""Structure benchmark: template parses against the brackets of UD dependency trees.

The conventions of the unsupervised-parsing literature (Kim et al. 2019,
compound PCFG; Shi et al. 2020), applied to UD Chinese GSDSimp dev:

1. Learn from raw text only: a lexicon by word discovery (``WordFinder``)
   unless ``--lexicon`` is given, then templates (``TemplateFinder``, default
   settings) over the text tokenized by the project's ``Tokenizer``.  The raw
   text is People's Daily 1998-01 plus the UD sentences' own text (words
   joined, nothing else of the treebank).
2. Gold brackets: each word with all its descendants, when that span is
   contiguous (as before).
3. Punctuation is removed before scoring, on both sides: a token made only of
   punctuation or symbols (``templates.is_mark``, a Unicode rule -- not the
   treebank's tags) is deleted and every span is re-indexed over what is
   left.  The parser itself reads the punctuation, as any raw-text reader does.
4. Trivial spans are left out on both sides: the whole sentence and single
   words (each side's own words).
5. Sentence-level F1 averaged over sentences (a sentence with no gold span
   has recall 1, and precision 1 too if nothing is predicted -- the
   convention of Kim et al.'s evaluation code) and corpus-level F1 (micro
   P/R/F1 over all spans).
6. Baselines on the same sentences and words: left-branching,
   right-branching, balanced binary and random binary trees (uniform split
   points; the mean of five seeds).

Two settings: *gold words* (the parser is given the UD words) and *own
segmentation* (the sentence is cut by the learned lexicon and parsed; spans
are scored as character spans, so segmentation errors count; the baselines
are built over the same own words).

Speed: the 500 raw sentences are cut (``Tokenizer.lcut``) and parsed
(``Parser.parse``, which cuts too) in the same run, each round from a cold
tokenizer cache; tokens per second of both, best of three rounds.

Run:  python3 benchmarks/structure_ud.py                 (about 1 minute)
      python3 benchmarks/structure_ud.py --lexicon L.dict.txt   ('none': characters)
      python3 benchmarks/structure_ud.py --templates T.txt
      python3 benchmarks/structure_ud.py --no-binarize          (runs of bare words left flat)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from nlp_zero.corpus import Corpus  # noqa: E402
from nlp_zero.parser import Parser  # noqa: E402
from nlp_zero.templates import TemplateFinder, TemplateSet, clean_tokens, is_mark  # noqa: E402
from nlp_zero.tokenizer import Tokenizer  # noqa: E402

DATA = Path(os.environ.get("NLP_ZERO_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
UD = DATA / "ud" / "gsdsimp_zh_gsdsimp-ud-dev.conllu"
PD = DATA / "corpora" / "pd199801_raw.txt.xz"
SEEDS = 5


def read_conllu(path: Path) -> list:
    """``[(words, heads)]`` with heads 0-based (-1 for the root); ranges and empty nodes skipped."""
    sents = []
    words: list = []
    heads: list = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if words:
                    sents.append((words, heads))
                words, heads = [], []
                continue
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if "-" in cols[0] or "." in cols[0]:
                continue
            words.append(cols[1])
            heads.append(int(cols[6]) - 1)
    if words:
        sents.append((words, heads))
    return sents


def gold_spans(words: list, heads: list) -> set:
    """Each non-punctuation word with its non-punctuation descendants, when contiguous once punctuation is gone.

    Spans in the sentence's own word indices ``(first, last + 1)``; :func:`reduce` re-indexes them.
    """
    n = len(words)
    punct = [is_mark(w) for w in words]
    rank = []  # index among the non-punctuation words
    r = 0
    for p in punct:
        rank.append(r)
        r += not p
    members: list = [[] for _ in range(n)]
    for w in range(n):
        if punct[w]:
            continue
        h, steps = w, 0
        while h >= 0 and steps <= n:  # w is a descendant of itself and of every head above it
            members[h].append(w)
            h, steps = heads[h], steps + 1
    out = set()
    for w in range(n):
        m = members[w]
        if m and rank[max(m)] - rank[min(m)] + 1 == len(m):
            out.add((min(m), max(m) + 1))
    return out


def reduce(spans, tokens: list, unit=lambda t: 1) -> set:
    """Spans over ``tokens`` re-indexed without punctuation, in units (1 a word, or ``len``: characters).

    Trivial spans are dropped: empty, the whole sentence, and one token.
    """
    pos = [0]
    single = set()
    for t in tokens:
        step = 0 if is_mark(t) else unit(t)
        if step:
            single.add((pos[-1], pos[-1] + step))
        pos.append(pos[-1] + step)
    whole = (0, pos[-1])
    out = set()
    for s, e in spans:
        span = (pos[s], pos[e])
        if span[1] > span[0] and span != whole and span not in single:
            out.add(span)
    return out


# -- baselines over the non-punctuation tokens: spans in their own indices, mapped back by `words`


def _back(spans, keep: list) -> set:
    """Spans over the kept tokens (indices into ``keep``) as spans over the sentence."""
    return {(keep[s], keep[e - 1] + 1) for s, e in spans}


def left_branching(n: int) -> list:
    return [(0, k) for k in range(2, n + 1)]


def right_branching(n: int) -> list:
    return [(k, n) for k in range(0, n - 1)]


def balanced(n: int) -> list:
    out = []

    def split(s: int, e: int) -> None:
        if e - s > 1:
            out.append((s, e))
            m = (s + e + 1) // 2
            split(s, m)
            split(m, e)

    split(0, n)
    return out


def random_tree(n: int, rng: random.Random) -> list:
    out = []
    stack = [(0, n)]
    while stack:
        s, e = stack.pop()
        if e - s > 1:
            out.append((s, e))
            m = rng.randrange(s + 1, e)
            stack += [(s, m), (m, e)]
    return out


class Score:
    """Corpus-level (micro) and sentence-level (averaged) precision, recall and F1."""

    def __init__(self) -> None:
        self.tp = self.pred = self.gold = 0
        self.sentence_f1: list = []

    def add(self, pred: set, gold: set) -> None:
        tp = len(pred & gold)
        self.tp += tp
        self.pred += len(pred)
        self.gold += len(gold)
        p = tp / len(pred) if pred else 0.0
        r = tp / len(gold) if gold else 1.0
        if not gold and not pred:
            p = 1.0
        self.sentence_f1.append(2 * p * r / (p + r) if p + r else 0.0)

    def corpus(self) -> tuple:
        p = self.tp / self.pred if self.pred else 0.0
        r = self.tp / self.gold if self.gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def sentence(self) -> float:
        return statistics.fmean(self.sentence_f1) if self.sentence_f1 else 0.0


def baseline_scores(scores: dict, tokens: list, gold: set, unit) -> None:
    """Add the four baselines over ``tokens`` (punctuation left out) to ``scores``."""
    keep = [k for k, t in enumerate(tokens) if not is_mark(t)]
    n = len(keep)
    for name, spans in (("left-branching", left_branching(n)), ("right-branching", right_branching(n)),
                        ("balanced binary", balanced(n))):
        scores[name].add(reduce(_back(spans, keep), tokens, unit), gold)
    for seed in range(SEEDS):
        scores[f"random {seed}"].add(reduce(_back(random_tree(n, random.Random(seed * 7919 + n)), keep),
                                            tokens, unit), gold)


def evaluate(parser: Parser, sents: list, segment=None, show: int = 0) -> dict:
    """Scores of the parser and the baselines; ``segment``: a tokenizer for the own-segmentation setting."""
    names = ["parser", "left-branching", "right-branching", "balanced binary"] + [f"random {s}" for s in range(SEEDS)]
    scores = {name: Score() for name in names}
    unit = len if segment else (lambda t: 1)
    for k, (words, heads) in enumerate(sents):
        if sum(not is_mark(w) for w in words) < 2:
            continue  # nothing to bracket (Kim et al. skip length-1 sentences)
        gold = reduce(gold_spans(words, heads), words, unit)
        tokens = clean_tokens(segment("".join(words))) if segment else words
        tree = parser.parse_tokens(tokens)
        scores["parser"].add(reduce(tree.constituents(), tokens, unit), gold)
        baseline_scores(scores, tokens, gold, unit)
        if k < show:
            print("   ", tree.bracket())
    return scores


def report(title: str, scores: dict) -> None:
    print(f"\n{title}")
    print(f"  {'':18} {'sent F1':>7}  {'P':>6} {'R':>6} {'corpus F1':>9}  spans")
    rand = [scores.pop(f"random {s}") for s in range(SEEDS)]
    for name, s in scores.items():
        p, r, f = s.corpus()
        print(f"  {name:18} {s.sentence():7.3f}  {p:6.3f} {r:6.3f} {f:9.3f}  {s.pred:,}")
    cp = [s.corpus() for s in rand]
    print(f"  {'random binary':18} {statistics.fmean(s.sentence() for s in rand):7.3f}  "
          f"{statistics.fmean(c[0] for c in cp):6.3f} {statistics.fmean(c[1] for c in cp):6.3f} "
          f"{statistics.fmean(c[2] for c in cp):9.3f}  (mean of {SEEDS} seeds)")
    print(f"  gold spans: {scores['parser'].gold:,} over {len(scores['parser'].sentence_f1)} sentences")


def _timed(tokenizer: Tokenizer, run, texts: list) -> float:
    """Seconds ``run`` takes over ``texts``, from a cold block cache (the tokenizer remembers blocks it has cut)."""
    tokenizer._cache.clear()
    tokenizer._old_cache.clear()
    t0 = time.perf_counter()
    for t in texts:
        run(t)
    return time.perf_counter() - t0


def speed(parser: Parser, tokenizer: Tokenizer, texts: list, rounds: int = 3) -> None:
    """Tokens per second of cut and of parse (cut + parse) on the same sentences, best of ``rounds``."""
    ntok = sum(len(clean_tokens(tokenizer.lcut(t))) for t in texts)
    cut_t = parse_t = float("inf")
    for _ in range(rounds):
        cut_t = min(cut_t, _timed(tokenizer, tokenizer.lcut, texts))
        parse_t = min(parse_t, _timed(tokenizer, parser.parse, texts))
    print(f"\nspeed on the {len(texts)} raw sentences ({ntok:,} tokens), best of {rounds}:")
    print(f"  parse  {ntok / parse_t:10,.0f} tokens/s  ({parse_t:.2f} s)")
    print(f"  cut    {ntok / cut_t:10,.0f} tokens/s  ({cut_t:.3f} s)   parse / cut = {cut_t / parse_t:.4f}")


def learn_lexicon(raw: list, out: str) -> str:
    """Word discovery on the raw text (the project's own pipeline), saved as a jieba-format dictionary."""
    from nlp_zero.discovery import WordFinder

    WordFinder().train(Corpus(raw)).find().save(out)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ud", default=str(UD), help="CoNLL-U file (default: GSDSimp dev)")
    ap.add_argument("--raw", nargs="*", default=None,
                    help="raw text to learn from (default: pd199801_raw + the UD sentences' text)")
    ap.add_argument("--lexicon", help="a lexicon to tokenize the raw text with (default: learn one by discovery); "
                                      "'none': single characters")
    ap.add_argument("--templates", help="use these templates instead of learning them")
    ap.add_argument("--work", default=None, help="directory for the learned files (default: a temporary one)")
    ap.add_argument("--show", type=int, default=3, help="print this many example parses")
    ap.add_argument("--no-speed", action="store_true", help="leave out the speed measurement")
    ap.add_argument("--no-binarize", action="store_true",
                    help="leave runs of bare words flat (Parser(binarize=False)), as before the bracketing")
    args = ap.parse_args(argv)
    if not Path(args.ud).exists():
        sys.exit(f"{args.ud}: not found")

    work = args.work or tempfile.mkdtemp(prefix="structure_ud.")
    os.makedirs(work, exist_ok=True)
    sents = read_conllu(Path(args.ud))
    t0 = time.time()
    ud_raw = os.path.join(work, "ud_raw.txt")
    with open(ud_raw, "w", encoding="utf-8") as f:
        for words, _ in sents:
            f.write("".join(words) + "\n")
    raw = args.raw if args.raw is not None else [str(PD), ud_raw]
    lexicon = args.lexicon or learn_lexicon(raw, os.path.join(work, "lexicon.dict.txt"))
    tokenizer = Tokenizer(None if lexicon == "none" else lexicon)
    if args.templates:
        templates = TemplateSet.load(args.templates)
        print(f"templates: {args.templates} ({len(templates):,}); lexicon {lexicon}")
    else:
        finder = TemplateFinder(tokenizer.lcut).train(Corpus(raw))
        templates = finder.find()
        templates.save(os.path.join(work, "templates.txt"))
        print(f"learned from {', '.join(raw)}: lexicon {lexicon}, {finder.tokens:,} tokens, "
              f"{len(templates):,} templates ({time.time() - t0:.0f} s) -> {work}/templates.txt")

    parser = Parser(templates, tokenizer.lcut, binarize=not args.no_binarize)
    t1 = time.time()
    report("gold words (UD segmentation given), word spans:", evaluate(parser, sents, show=args.show))
    report("own segmentation (learned lexicon), character spans:",
           evaluate(parser, sents, segment=tokenizer.lcut, show=args.show))
    print(f"\n(scored in {time.time() - t1:.0f} s)")
    if not args.no_speed:
        speed(parser, tokenizer, ["".join(w) for w, _ in sents])
    return 0


if __name__ == "__main__":
    sys.exit(main())
