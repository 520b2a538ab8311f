#!/usr/bin/env python3
"""Structure benchmark: template parses against the brackets of UD dependency trees.

Protocol (issue #5):

1. Learn from raw text only -- no treebank: a lexicon by word discovery
   (``WordFinder``) unless ``--lexicon`` is given, then templates
   (``TemplateFinder`` with default settings) over the text tokenized by the
   project's ``Tokenizer``.  The raw text is People's Daily 1998-01 plus the
   UD sentences' own text (their words joined without spaces: raw text).
2. Parse the 500 sentences of the GSDSimp dev set *given their gold words*.
3. Score unlabelled brackets against the brackets the gold dependency trees
   imply: each word with all its descendants, when that span is contiguous;
   the whole sentence and single words are left out (on both sides).  Micro
   precision / recall / F1 over all sentences, with the left-branching and
   right-branching baselines computed in the same run.

Run:  python3 benchmarks/structure_ud.py            (≈ 2 minutes)
      python3 benchmarks/structure_ud.py --lexicon L.dict.txt   (or 'none': characters)
      python3 benchmarks/structure_ud.py --templates T.txt

Measured (2026-11-22, defaults, lexicon by discovery on the same raw text):

                      P      R     F1  brackets
    parser            0.122  0.213  0.155  7,740
    left-branching    0.044  0.117  0.065  11,663
    right-branching   0.001  0.002  0.001  11,663

(4,430 gold brackets.  Right-branching is near zero because every suffix
ends with the sentence's final punctuation, which UD attaches to the root.)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from nlp_zero.corpus import Corpus  # noqa: E402
from nlp_zero.parser import Parser  # noqa: E402
from nlp_zero.templates import TemplateFinder, TemplateSet  # noqa: E402
from nlp_zero.tokenizer import Tokenizer  # noqa: E402

DATA = HERE.parents[1] / "shared" / "data"
UD = DATA / "ud" / "gsdsimp_zh_gsdsimp-ud-dev.conllu"
PD = DATA / "corpora" / "pd199801_raw.txt.xz"


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


def gold_brackets(heads: list) -> set:
    """Spans of each word with its descendants, when contiguous (not single words, not the whole)."""
    n = len(heads)
    lo = list(range(n))
    hi = list(range(n))
    size = [1] * n
    # Propagate each word up its chain of heads (trees are small: O(n * depth)).
    for w in range(n):
        h = heads[w]
        seen = 0
        while h >= 0 and seen <= n:
            lo[h] = min(lo[h], w)
            hi[h] = max(hi[h], w)
            size[h] += 1
            h = heads[h]
            seen += 1
    return {(lo[w], hi[w] + 1) for w in range(n)
            if size[w] > 1 and hi[w] - lo[w] + 1 == size[w] and size[w] < n}


def keep(spans, n: int) -> set:
    return {(s, e) for s, e in spans if 1 < e - s < n}


def left_branching(n: int) -> set:
    return keep(((0, k) for k in range(2, n)), n)


def right_branching(n: int) -> set:
    return keep(((k, n) for k in range(1, n - 1)), n)


class Score:
    def __init__(self) -> None:
        self.tp = self.pred = self.gold = 0

    def add(self, pred: set, gold: set) -> None:
        self.tp += len(pred & gold)
        self.pred += len(pred)
        self.gold += len(gold)

    def prf(self) -> tuple:
        p = self.tp / self.pred if self.pred else 0.0
        r = self.tp / self.gold if self.gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def learn_lexicon(raw: list, out: str) -> str:
    """Word discovery on the raw text (the project's own pipeline), saved as a jieba-format dictionary."""
    from nlp_zero.discovery import WordFinder

    finder = WordFinder()
    finder.train(Corpus(raw))
    finder.find().save(out)
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
    args = ap.parse_args(argv)
    if not Path(args.ud).exists():
        sys.exit(f"{args.ud}: not found")

    import tempfile
    work = args.work or tempfile.mkdtemp(prefix="structure_ud.")
    os.makedirs(work, exist_ok=True)
    sents = read_conllu(Path(args.ud))
    t0 = time.time()
    if args.templates:
        templates = TemplateSet.load(args.templates)
        print(f"templates: {args.templates} ({len(templates):,})")
    else:
        ud_raw = os.path.join(work, "ud_raw.txt")
        with open(ud_raw, "w", encoding="utf-8") as f:
            for words, _ in sents:
                f.write("".join(words) + "\n")
        raw = args.raw if args.raw is not None else [str(PD), ud_raw]
        lexicon = args.lexicon or learn_lexicon(raw, os.path.join(work, "lexicon.dict.txt"))
        tokenizer = Tokenizer(None if lexicon == "none" else lexicon)
        finder = TemplateFinder(tokenizer.lcut)
        corpus = Corpus(raw)
        finder.train(corpus)
        templates = finder.find(corpus)
        templates.save(os.path.join(work, "templates.txt"))
        print(f"learned from {', '.join(raw)}: lexicon {lexicon}, {finder.tokens:,} tokens, "
              f"{len(templates):,} templates ({time.time() - t0:.0f} s) -> {work}/templates.txt")

    parser = Parser(templates)
    scores = {"parser": Score(), "left-branching": Score(), "right-branching": Score()}
    t1 = time.time()
    for k, (words, heads) in enumerate(sents):
        n = len(words)
        gold = gold_brackets(heads)
        tree = parser.parse_tokens(words)
        scores["parser"].add(keep(tree.constituents(), n), gold)
        scores["left-branching"].add(left_branching(n), gold)
        scores["right-branching"].add(right_branching(n), gold)
        if k < args.show:
            print(tree.bracket())
    print(f"{len(sents)} sentences, {sum(len(w) for w, _ in sents):,} words, "
          f"{scores['parser'].gold:,} gold brackets; parsed in {time.time() - t1:.1f} s")
    print(f"{'':16} {'P':>6} {'R':>6} {'F1':>6}  brackets")
    for name, s in scores.items():
        p, r, f = s.prf()
        print(f"{name:16} {p:6.3f} {r:6.3f} {f:6.3f}  {s.pred:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
