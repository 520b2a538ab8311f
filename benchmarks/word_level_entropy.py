"""Discovery one level up: word-level branching entropy on the first segmentation (a negative result).

    python benchmarks/word_level_entropy.py [--data ../shared/data] [--settings pku,small,ud,ud_pd]

The idea (issue 15): treat the words of discovery's segmentation as symbols
and compute at the word level what discovery computes at the character level
(docs/design.md §5.2-§5.5: Chao-Shen branching entropies of what follows and
precedes a word or a word pair, their variations, the PMI of a pair, each
standardised among the words or among the pairs), then re-segment each chunk's
word sequence by the same rule, maximise Σ score·len over units of one or two
words:

* **merge**: any adjacent pair may become one unit (委员+会, where what
  follows 委员 is nearly always 会);
* **split**: every word that is two words of the lexicon (新的 = 新 + 的,
  the split with the most frequent parts) is split first, the word-level
  model is computed on that text, and the pair is put back only where the
  rule merges it.

The lexicon is then the units of the new segmentation, and the text is cut
with it as ``nlp-zero cut`` does (``Tokenizer``).  Printed: F1 of the
lexicon of discovery (the first segmentation) and of each variant, on the
PKU-unsupervised and small settings and on UD GSDSimp dev learned from its
text alone and with pd199801, loaded and scored as ``benchmarks/discovery_trials.py``
does (:func:`discovery_trials.settings`).
Nothing here is part of the package: both variants lost on every setting.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from discovery_trials import DEFAULT_DATA, settings, symbol_counts  # noqa: E402
from nlp_zero import Lexicon, WordFinder, passes  # noqa: E402
from nlp_zero.scores import entropy  # noqa: E402


def first_segmentation(lines: list[str]) -> tuple[Lexicon, list[tuple[tuple[str, ...], int]]]:
    """Discovery's lexicon and its segmentation of every distinct chunk (words, times seen)."""
    table: dict[str, float] = {}
    made = passes.segmentation_table

    def keep(candidates, K):  # the candidates' score·len, before the table is numbered
        table.update(candidates)
        return made(candidates, K)

    passes.segmentation_table = keep
    try:
        finder = WordFinder().train(lines)
        lexicon = finder.find()
    finally:
        passes.segmentation_table = made
    prefixes = passes.candidate_prefixes(table, finder.order)
    seg = [(tuple(passes.segment_words(chunk + "\n", finder.order, table.get, prefixes)), m)
           for chunk, m in sorted(finder.chunks.items())]
    return lexicon, seg


def _h(counts, total: int) -> float:
    return entropy(sorted(c for c in counts if c > 1), total)


def _z(values: dict) -> dict:
    n = len(values)
    mean = math.fsum(values.values()) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values.values()) / n) or 1.0
    return {k: (v - mean) / sd for k, v in values.items()}


def word_model(seg) -> tuple[dict, dict]:
    """score of each word (z(vbe_r) + z(vbe_l)) and of each adjacent pair (+ z(pmi)), at the word level."""
    n1, n2, n3 = Counter(), Counter(), Counter()
    for ws, m in seg:
        for i, w in enumerate(ws):
            n1[w] += m
            if i + 1 < len(ws):
                n2[w, ws[i + 1]] += m
                if i + 2 < len(ws):
                    n3[w, ws[i + 1], ws[i + 2]] += m
    N = sum(n1.values())
    h0 = _h(n1.values(), N)
    right, left, right2, left2 = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    for (a, b), c in n2.items():
        right[a].append(c)
        left[b].append(c)
    for (a, b, c_), c in n3.items():
        right2[a, b].append(c)
        left2[b, c_].append(c)
    hr = {w: _h(right.get(w, ()), c) for w, c in n1.items()}
    hl = {w: _h(left.get(w, ()), c) for w, c in n1.items()}
    zr1, zl1 = _z({w: hr[w] - h0 for w in n1}), _z({w: hl[w] - h0 for w in n1})
    zr2 = _z({p: _h(right2.get(p, ()), c) - hr[p[0]] for p, c in n2.items()})
    zl2 = _z({p: _h(left2.get(p, ()), c) - hl[p[1]] for p, c in n2.items()})
    zp = _z({p: math.log(N) + math.log(c) - math.log(n1[p[0]]) - math.log(n1[p[1]]) for p, c in n2.items()})
    return {w: zr1[w] + zl1[w] for w in n1}, {p: zr2[p] + zl2[p] + zp[p] for p in n2}


def resegment(seq, s1: dict, s2: dict) -> Counter:
    """Units of max Σ score·len (len in words) over sequences ``(words, times, may_merge)``."""
    out = Counter()
    for ws, m, may in seq:
        best, back = [0.0] * (len(ws) + 1), [1] * (len(ws) + 1)
        for j in range(1, len(ws) + 1):
            best[j], back[j] = best[j - 1] + s1[ws[j - 1]], 1
            if j >= 2 and may(ws, j - 1):
                v = best[j - 2] + 2 * s2[ws[j - 2], ws[j - 1]]
                if v > best[j]:
                    best[j], back[j] = v, 2
        j = len(ws)
        while j:
            out["".join(ws[j - back[j]:j])] += m
            j -= back[j]
    return out


def merged(seg) -> Counter:
    s1, s2 = word_model(seg)
    return resegment([(ws, m, lambda ws, i: True) for ws, m in seg], s1, s2)


def split_then_merged(seg) -> Counter:
    words = Counter()
    for ws, m in seg:
        for w in ws:
            words[w] += m
    seq = []
    for ws, m in seg:
        out, joined = [], set()
        for w in ws:
            if len(w) == 2 and w[0] in words and w[1] in words:
                joined.add(len(out) + 1)  # a pair that was one word: the gap before index len(out) + 1
                out += [w[0], w[1]]
            else:
                out.append(w)
        seq.append((tuple(out), m, joined))
    s1, s2 = word_model([(ws, m) for ws, m, _ in seq])
    return resegment([(ws, m, lambda ws, i, j=j: i in j) for ws, m, j in seq], s1, s2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="the shared data folder")
    ap.add_argument("--settings", default="pku,small,ud,ud_pd", help="which settings, comma-separated")
    a = ap.parse_args()
    cases = settings(Path(a.data))
    print(f"{'setting':38} {'lexicon':30} {'words':>7} {'P':>6} {'R':>6} {'F1':>6}")
    for key in a.settings.split(","):
        if key not in cases:
            print(f"{key}: its data is missing, left out")
            continue
        label, train, scorer = cases[key]
        lexicon, seg = first_segmentation(train)
        for name, counts in (("discovery (first segmentation)", symbol_counts(lexicon)),
                             ("word-level merges", merged(seg)), ("word-level splits", split_then_merged(seg))):
            s = scorer(counts)
            words = sum(1 for c in counts.values() if c > 0)
            print(f"{label:38} {name:30} {words:>7,} {s.precision:>6.4f} {s.recall:>6.4f} {s.f1:>6.4f}", flush=True)


if __name__ == "__main__":
    main()
