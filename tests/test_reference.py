"""A plain reference implementation of what ``WordFinder.find()`` computes, checked against it.

Dictionaries and loops, one function per formula of the discovery module's
docstring (docs/design.md §5): counts inside
chunks, Chao-Shen branching entropies, their variations, PMI, the z-scores
(centred at the median) and the segmentation; then the bigram split (§5.9), by its definition: the
bigram code length of the whole segmentation before and after writing a
word as two, each time.  It is slow and obvious on purpose; ``find()`` computes
the same numbers in passes sized to a memory budget.  The test pins the
mathematics: the lexicon (words and counts) must be identical and every
word's scores equal to 1e-9, whatever the budget and the number of jobs, so
that no speed work on the passes can change a formula unnoticed.
"""

from __future__ import annotations

import itertools
import lzma
import math
import statistics
from collections import Counter, defaultdict

import pytest

from nlp_zero import WordFinder, passes
from nlp_zero import scores as formulas
from nlp_zero.corpus import demo_path
from nlp_zero.text import readable, stat_chunks

# -- the reference ----------------------------------------------------------


def chunk_multiset(lines):
    """The statistical chunks of the lines (symbol form), with the times each was seen."""
    return Counter(chunk for line in lines for chunk in stat_chunks(line))


def ngram_counts(chunks, K):
    """n(x) for every string x of 1..K symbols inside a chunk; a chunk seen m times counts m times."""
    n = Counter()
    for chunk, m in chunks.items():
        for i in range(len(chunk)):
            for k in range(1, K + 1):
                if i + k <= len(chunk):
                    n[chunk[i:i + k]] += m
    return n


def neighbours(chunks, K, side):
    """For each n-gram x (1..K symbols): how often each kind of symbol follows it (side +1) or precedes it (-1).

    Every chunk end (start) is a kind of its own, seen once: x at the end of
    a chunk seen m times adds m new kinds.
    """
    kinds = defaultdict(Counter)
    edge = itertools.count()  # a fresh name for each chunk end
    for chunk, m in chunks.items():
        for i in range(len(chunk)):
            for k in range(1, K + 1):
                j = i + k
                if j > len(chunk):
                    break
                x = chunk[i:j]
                at = j if side > 0 else i - 1
                if 0 <= at < len(chunk):
                    kinds[x][chunk[at]] += m
                else:
                    for _ in range(m):
                        kinds[x][next(edge)] = 1
    return kinds


def chao_shen(counts):
    """Entropy (nats) of a distribution from the counts of the kinds seen (Chao & Shen 2003).

    Coverage C = 1 - f1/T (f1: kinds seen once, T: observations); each kind's
    probability is C·c/T, and its term -p ln p is divided by 1 - (1 - p)^T,
    the chance the kind was seen at all.  When every kind was seen once,
    f1 = T - 1 keeps C above 0, and find() then also sums over only T - 1 of
    the T kinds.  The published estimator sums all T; which to keep is the
    maintainers' call (benchmarks/sighan.py measures the difference), and
    this pins what find() does.
    """
    T = sum(counts)
    f1 = sum(1 for c in counts if c == 1)
    if f1 == T:
        f1 = T - 1
        counts = counts[1:]
    C = 1 - f1 / T
    return -math.fsum(C * c / T * math.log(C * c / T) / (1 - (1 - C * c / T) ** T) for c in counts)


def entropies(n, kinds):
    """h(x) on one side for every n-gram x, and for the empty string (the unigram distribution)."""
    h = {x: chao_shen(list(kinds[x].values())) for x in n}
    h[""] = chao_shen([c for x, c in n.items() if len(x) == 1])
    return h


def variations(n, h, side):
    """vbe_r(x) = h_r(x) - h_r(x[:-1]), vbe_l(x) = h_l(x) - h_l(x[1:])."""
    return {x: h[x] - h[x[:-1] if side > 0 else x[1:]] for x in n}


def pmi(n, x, N):
    """Mean over the split points of ln(N n(x) / (n(left) n(right))); 0 for a single symbol."""
    if len(x) == 1:
        return 0.0
    return math.fsum(math.log(N * n[x] / (n[x[:i]] * n[x[i:]])) for i in range(1, len(x))) / (len(x) - 1)


def zscores(values):
    """(v - median) / sd over a population (every distinct k-gram once): the lower median, sd the population
    deviation (about the mean; 1 if 0)."""
    mean = math.fsum(values.values()) / len(values)
    var = math.fsum((v - mean) ** 2 for v in values.values()) / len(values)
    sd = math.sqrt(var) if var > 0 else 1.0
    centre = statistics.median_low(values.values())
    return {x: (v - centre) / sd for x, v in values.items()}


def scores(chunks, K):
    """score, nvbe, cohesion and pmi of every n-gram of 1..K symbols; and N, the symbols counted."""
    n = ngram_counts(chunks, K)
    N = sum(c for x, c in n.items() if len(x) == 1)
    vr = variations(n, entropies(n, neighbours(chunks, K, +1)), +1)
    vl = variations(n, entropies(n, neighbours(chunks, K, -1)), -1)
    p = {x: pmi(n, x, N) for x in n}
    out = {}
    for k in range(1, K + 1):
        grams = [x for x in n if len(x) == k]
        zr = zscores({x: vr[x] for x in grams})
        zl = zscores({x: vl[x] for x in grams})
        zp = zscores({x: p[x] for x in grams}) if k > 1 else dict.fromkeys(grams, 0.0)
        for x in grams:
            out[x] = {"score": zr[x] + zl[x] + zp[x], "nvbe": zr[x] + zl[x], "cohesion": zp[x], "pmi": p[x]}
    return out, N


def segment(chunk, K, gain):
    """The words of a chunk maximising Σ gain(w), gain = score·len; of equal totals, the shorter last word."""
    best = [0.0] * (len(chunk) + 1)
    last = [0] * (len(chunk) + 1)
    for j in range(1, len(chunk) + 1):
        total, shorter = max((best[j - L] + gain[chunk[j - L:j]], -L) for L in range(1, min(K, j) + 1))
        best[j], last[j] = total, -shorter
    return backtrack(chunk, last)


def backtrack(chunk, last):
    """The words of a chunk from the length of the last word ending at each position."""
    words = []
    j = len(chunk)
    while j:
        words.append(chunk[j - last[j]:j])
        j -= last[j]
    return words[::-1]


def code_length(counts):
    """-Σ n ln(n/T), nats."""
    T = sum(counts)
    return -math.fsum(c * math.log(c / T) for c in counts if c)


def tally(cuts, chunks):
    words = Counter()
    for chunk, cut in cuts.items():
        for w in cut:
            words[w] += chunks[chunk]
    return words


def bigram_code(cuts, chunks, price):
    """Σ_v n(v) ln n(v) - Σ n(v,x) ln n(v,x) + price per bigram seen; chunk ends are the word "\\n"."""
    pairs = Counter()
    for chunk, cut in cuts.items():
        seq = ["\n"] + cut + ["\n"]
        for v, x in zip(seq, seq[1:]):
            pairs[v, x] += chunks[chunk]
    rows = Counter()
    for (v, x), c in pairs.items():
        rows[v] += c
    return math.fsum([c * math.log(c) for c in rows.values()] + [-c * math.log(c) for c in pairs.values()]
                     + [price * len(pairs)])


def unigram_cut(chunk, K, cost, unknown):
    """The words of a chunk of least Σ cost(w) (a single symbol no word spells: ``unknown``); of equal totals,
    the shorter last word."""
    best = [0.0] * (len(chunk) + 1)
    last = [0] * (len(chunk) + 1)
    for j in range(1, len(chunk) + 1):
        options = [(best[j - L] + cost.get(chunk[j - L:j], unknown if L == 1 else math.inf), L)
                   for L in range(1, min(K, j) + 1)]
        best[j], last[j] = min(options)
    return backtrack(chunk, last)


def bigram_split(cuts, chunks, K):
    """Rounds: every word w = a + b whose parts are words used at least as often as w leaves if writing it as
    a b shortens the bigram code (price ½ ln T); the chunks holding one are cut again by the unigram code of
    the words that stay; until none leaves.  Returns the cuts and the words that ever left."""
    gone = set()
    while True:
        counts = tally(cuts, chunks)
        price = 0.5 * math.log(sum(counts.values()) + sum(chunks.values()))
        before = bigram_code(cuts, chunks, price)
        leave = set()
        for w, c in counts.items():
            for i in range(1, len(w)):
                a, b = w[:i], w[i:]
                if counts[a] >= c and counts[b] >= c:
                    written = {chunk: [p for u in cut for p in ((a, b) if u == w else (u,))]
                               for chunk, cut in cuts.items()}
                    if bigram_code(written, chunks, price) < before:
                        leave.add(w)
                        break
        if not leave:
            return cuts, gone
        gone |= leave
        kept = {w: c for w, c in counts.items() if w not in leave}
        logn = math.log(sum(kept.values()))
        cost = {w: logn - math.log(c) for w, c in kept.items()}
        cuts = {chunk: unigram_cut(chunk, K, cost, logn) if leave & set(cut) else cut for chunk, cut in cuts.items()}


def reference_find(lines, K=4, split=True):
    """(word counts, word scores, stats) as find() should compute them."""
    chunks = chunk_multiset(lines)
    table, N = scores(chunks, K)
    gain = {x: row["score"] * len(x) for x, row in table.items()}
    cuts = {chunk: segment(chunk, K, gain) for chunk in chunks}
    if split:
        cuts, _ = bigram_split(cuts, chunks, K)
    words = tally(cuts, chunks)
    unigrams = ngram_counts(chunks, 1).values()
    stats = {"lines": len(lines), "chunks": sum(chunks.values()), "chars": N, "words": len(words),
             "tokens": sum(words.values()),
             "bits_per_char_before": code_length(unigrams) / N / math.log(2),
             "bits_per_char_after": code_length(words.values()) / N / math.log(2)}
    return words, {w: table[w] for w in words}, stats


# -- the check ----------------------------------------------------------------

HANDMADE = [
    "第3条 第4条 第12条 第3.5条，第25％。",
    "2019年3月5日，iPhone8售价6888元；2020年4月6日，iPhone9售价7888元。",
    "Windows系统和Linux系统都是操作系统，ABC公司和XYZ公司。",
    "哈哈哈哈哈哈，嘿嘿嘿。好。",
    "中华人民共和国 中华人民共和国 中华人民共和国",
    "人民法院依法审理，人民法院依法判决。",
    "１２３号，Ａ级，3",
] * 3 + ["的的的的的的的的的的的的的的的的", "甲", "甲乙甲乙甲乙甲乙"]


@pytest.fixture(scope="module")
def lines():
    with lzma.open(demo_path(), "rt", encoding="utf-8") as f:
        demo = [line.rstrip("\n") for line in itertools.islice(f, 500)]
    return demo + HANDMADE


@pytest.fixture(scope="module")
def expected(lines):
    return reference_find(lines)


def assert_same(finder, lexicon, expected):
    words, table, stats = expected
    assert dict(lexicon.items()) == {readable(w): c for w, c in words.items()}
    for w in words:
        for name, value in table[w].items():
            assert lexicon.scores[readable(w)][name] == pytest.approx(value, rel=1e-9, abs=1e-9), (w, name)
    got = finder.stats.as_dict()
    for name, value in stats.items():
        assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name


@pytest.mark.parametrize("max_memory, jobs, split", [(None, 1, False), (1, 1, True), (1, 2, True), (1 << 30, 2, False)])
def test_find_computes_the_reference(lines, expected, monkeypatch, caplog, max_memory, jobs, split):
    if split:  # every pass "too big": the small corpus is split into many ranges (as in test_scale),
        monkeypatch.setattr(passes, "BYTES_PER_NGRAM", 6000)
        monkeypatch.setattr(passes, "BYTES_PER_BIGRAM", 20000)  # and the bigram table into parts
    caplog.set_level("INFO", logger="nlp_zero.discovery")
    finder = WordFinder(order=4).train(lines)
    assert_same(finder, finder.find(max_memory=max_memory, jobs=jobs), expected)
    messages = [r.getMessage() for r in caplog.records]
    ranges = [int(m.split()[0]) for m in messages if "forward and" in m]
    assert ranges and (ranges[0] >= 4 if split else ranges[0] >= 1), ranges
    parts = [int(m.split()[-2]) for m in messages if m.startswith("bigram split: the table in")]
    assert parts[0] >= 3 if split else not parts, parts


def test_the_split_is_exercised(lines):
    # the corpus of the check above makes words leave, in more than one round, and both ways of cutting
    # again matter: a leaving word's chunks change, the others keep their cut
    chunks = chunk_multiset(lines)
    table, _ = scores(chunks, 4)
    gain = {x: row["score"] * len(x) for x, row in table.items()}
    cuts = {chunk: segment(chunk, 4, gain) for chunk in chunks}
    after, gone = bigram_split(cuts, chunks, 4)
    assert len(gone) >= 5, gone
    assert any(after[c] != cuts[c] for c in chunks) and any(after[c] == cuts[c] for c in chunks)
    assert reference_find(lines, split=False)[0] != reference_find(lines)[0]


def test_without_the_split(lines):
    finder = WordFinder(split=False).train(lines)
    assert_same(finder, finder.find(), reference_find(lines, split=False))


def test_bigram_code_by_hand():
    # one chunk 甲乙 seen twice: bigrams (\n,甲) (甲,乙) (乙,\n), each twice; rows \n, 甲, 乙 of 2 each
    price = 0.5
    assert bigram_code({"甲乙": ["甲", "乙"]}, {"甲乙": 2}, price) == pytest.approx(3 * 0.5)
    # as one word: (\n,甲乙) (甲乙,\n): 2 ln 2 - 2 ln 2 each row, two cells
    assert bigram_code({"甲乙": ["甲乙"]}, {"甲乙": 2}, price) == pytest.approx(2 * 0.5)


# A corpus closed under reversal: every n-gram scores exactly as its mirror
# image (the two sides' columns are the same multisets), so the palindrome
# 天地天 has two best segmentations of equal total, 天地|天 and 天|地天, with
# different words -- the tie-break decides.
MIRRORED = ["天地天。天地。地天。天。地。人天地人。人地天人。"] * 4


@pytest.mark.parametrize("K", [2, 3, 4])
def test_ties_go_to_the_shorter_last_word(K):
    words, table, stats = reference_find(MIRRORED, K, split=False)
    assert words["天地"] > 0 and words["地天"] > 0  # both mirror images are words ...
    assert table["天地"]["score"] == table["地天"]["score"]  # ... of the same score
    finder = WordFinder(order=K, split=False).train(MIRRORED)
    assert_same(finder, finder.find(), (words, table, stats))


def test_the_reference_on_a_hand_count():
    # n-grams, entropies and pmi of a two-chunk corpus, worked by hand
    chunks = chunk_multiset(["甲乙，甲乙丙"])
    n = ngram_counts(chunks, 2)
    assert n == {"甲": 2, "乙": 2, "丙": 1, "甲乙": 2, "乙丙": 1}
    right = neighbours(chunks, 2, +1)
    assert sorted(right["乙"].values()) == [1, 1]  # a chunk end and 丙: two kinds
    assert sorted(right["甲"].values()) == [2]
    # two kinds seen once: f1 = T = 2 -> C = 1/2, p = 1/4 for the one kind summed
    assert chao_shen([1, 1]) == pytest.approx(-0.25 * math.log(0.25) / (1 - 0.75 ** 2))
    assert chao_shen([2]) == 0.0 and chao_shen([1]) == 0.0
    # plain coverage: C = 1 - 1/4, p = C·3/4 and C·1/4
    C = 0.75
    assert chao_shen([3, 1]) == pytest.approx(sum(-C * c / 4 * math.log(C * c / 4) / (1 - (1 - C * c / 4) ** 4)
                                                  for c in (3, 1)))
    assert pmi(n, "甲乙", 5) == pytest.approx(math.log(5 * 2 / (2 * 2)))


def test_the_medians_found_in_steps(lines, expected, monkeypatch, caplog):
    # at most 3 values gathered: each median is narrowed 16 bits a pass, in passes after the spread pass
    monkeypatch.setattr(formulas, "GATHER", 3)
    monkeypatch.setattr(passes, "BYTES_PER_NGRAM", 6000)
    caplog.set_level("INFO", logger="nlp_zero.discovery")
    finder = WordFinder(order=4).train(lines)
    assert_same(finder, finder.find(max_memory=1, jobs=2), expected)
    made = [int(r.getMessage().split()[4]) for r in caplog.records if "the medians found in" in r.getMessage()]
    assert made and made[0] >= 2, made  # (the spread pass, then at least one of their own)


@pytest.mark.parametrize("gather", [0, 1, 5, 1 << 18])
def test_median_by_hand(monkeypatch, gather):
    # the lower median of values seen in three shares, against sorting them all; ties, signs, zeros, tiny
    # and huge values, and every number of values from 1 to 40
    monkeypatch.setattr(formulas, "GATHER", gather)
    pool = [0.0, -0.0, 1.0, -1.0, 2.5, 2.5, -3e-310, 5e-324, 1e300, -1e300, 0.1, -0.1, 7.0, 7.0, 7.0]
    for n in range(1, 41):
        values = [pool[(i * 7 + n) % len(pool)] * (1 + (i % 3)) for i in range(n)]
        median, passes_made = formulas.Median(n), 0
        while median.value is None:
            ask = median.ask()
            shares = [formulas.answer(values[j::3], ask) for j in range(3)]
            median.take(formulas.add_answers(formulas.add_answers(shares[0], shares[1]), shares[2]))
            passes_made += 1
        assert median.value == sorted(values)[(n - 1) // 2] and passes_made <= 4
