"""The pieces of the bigram split (nlp_zero.bigram_split) against each other and against hand counts.

The whole stage is checked against its definition in test_reference.py; here
the ways the engines gather a test's cells (rows and columns in parts, the
in-memory table, the cell parts kept between rounds) must give the same
decisions as the plain computation, on random segmentations where the
corner cases (w w, a == b, chunk ends) occur.
"""

from __future__ import annotations

import math
import random
import zlib
from collections import Counter

import pytest

from nlp_zero.bigram_split import (END, Candidates, Known, bigrams, cell_change, column_records, gather, leavers,
                                   left_records, row_records,
                                   price_of, rewrite, right_records, row_change, shortens,
                                   unigram_cut)


def random_cuts(seed: int) -> dict[tuple[str, ...], int]:
    """Chunks as word sequences over a small vocabulary of one- and two-symbol words, with multiplicities."""
    rng = random.Random(seed)
    vocab = ["甲", "乙", "丙", "丁", "甲乙", "乙丙", "甲甲", "丙丁", "丁甲"]
    cuts: Counter = Counter()
    for _ in range(300):
        cuts[tuple(rng.choice(vocab) for _ in range(rng.randint(1, 6)))] += rng.choice((1, 1, 1, 2, 5))
    return cuts


def tables(cuts):
    pairs: Counter = Counter()
    counts: Counter = Counter()
    for words, m in cuts.items():
        for k in bigrams(list(words)):
            pairs[k] += m
        for w in words:
            counts[w] += m
    return pairs, counts


def by_definition(w, a, b, cuts, price):
    """The change of the whole bigram code when every w is written a b, from the rewritten segmentation."""
    def code(cs):
        pairs, _ = tables(cs)
        rows: Counter = Counter()
        for (v, x), c in pairs.items():
            rows[v] += c
        return math.fsum([c * math.log(c) for c in rows.values()] + [-c * math.log(c) for c in pairs.values()]
                         + [price * len(pairs)])
    written = Counter()
    for words, m in cuts.items():
        written[tuple(p for u in words for p in ((a, b) if u == w else (u,)))] += m
    return code(written) - code(cuts)


@pytest.mark.parametrize("seed", range(6))
def test_the_local_change_is_the_change_of_the_whole_code(seed):
    cuts = random_cuts(seed)
    pairs, counts = tables(cuts)
    price = price_of(counts, sum(cuts.values()))
    cand = Candidates(counts)
    assert cand.splits  # (甲乙 and the like, whose parts are counted more often)
    for w, splits in cand.splits.items():
        own = {k: c for k, c in pairs.items() if w in k}
        for a, b in splits:
            cells, seen, n = cell_change(w, a, b, own, pairs.__getitem__)
            local = cells + row_change(w, a, b, n, counts) + seen * price
            assert local == pytest.approx(by_definition(w, a, b, cuts, price), abs=1e-7), (w, a, b)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("parts", [1, 2, 5])
def test_rows_and_columns_in_parts_give_every_test_its_cells(seed, parts):
    cuts = random_cuts(seed)
    pairs, counts = tables(cuts)
    price = price_of(counts, sum(cuts.values()))
    cand = Candidates(counts)
    part = lambda word: zlib.crc32(word.encode()) % parts  # noqa: E731
    records: dict = {}
    for p in range(parts):
        rows = Counter({k: c for k, c in pairs.items() if part(k[0]) == p})
        gather(left_records(rows.items(), rows.__getitem__, cand), records)
        cols = Counter({k: c for k, c in pairs.items() if part(k[1]) == p})
        gather(right_records(cols.items(), cols.__getitem__, cand), records)
    touching = {w: {k: c for k, c in pairs.items() if w in k} for w in cand.splits}
    in_memory = {w for w, s in cand.splits.items() if shortens(w, s, touching[w], pairs.__getitem__, counts, price)}
    assert leavers(records, cand, counts, price) == in_memory
    for w, cells in records.items():  # every cell handed over is the table's
        assert all(pairs[k] == c for k, c in cells.items())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("parts", [1, 3])
def test_rows_and_columns_held_by_word_give_the_same_records(seed, parts):
    cuts = random_cuts(seed)
    pairs, counts = tables(cuts)
    cand = Candidates(counts)
    cand = cand.only(sorted(cand.splits)[::2])  # (a round's candidates whose cells changed)
    part = lambda word: zlib.crc32(word.encode()) % parts  # noqa: E731
    flat: dict = {}
    nested: dict = {}
    for p in range(parts):
        rows = Counter({k: c for k, c in pairs.items() if part(k[0]) == p})
        cols = Counter({k: c for k, c in pairs.items() if part(k[1]) == p})
        gather(left_records(rows.items(), rows.__getitem__, cand), flat)
        gather(right_records(cols.items(), cols.__getitem__, cand), flat)
        by_row: dict = {}
        by_col: dict = {}
        for (v, x), c in pairs.items():
            if part(v) == p:
                by_row.setdefault(v, {})[x] = c
            if part(x) == p:
                by_col.setdefault(x, {})[v] = c
        row_records(by_row, cand, nested)
        column_records(by_col, cand, nested)
    assert nested == flat


def test_known_parts_are_forgotten_when_a_cell_they_read_changes():
    cuts = random_cuts(7)
    pairs, counts = tables(cuts)
    known = Known()
    cand = Candidates(counts)
    own = {w: {k: c for k, c in pairs.items() if w in k} for w in cand.splits}
    for w, splits in cand.splits.items():
        for a, b in splits:
            known.cell_change(w, a, b, own[w], pairs.__getitem__)
    # change a few cells, as a re-cut would, and forget what read them
    rng = random.Random(1)
    changed = rng.sample(sorted(pairs), 15) + [(END, "甲"), ("乙", "丙")]
    for k in changed:
        pairs[k] += rng.choice((-1, 1, 3)) if pairs[k] > 1 else 2
    pairs += Counter()  # (drop what fell to 0)
    known.forget(changed, pairs.__contains__)
    own = {w: {k: c for k, c in pairs.items() if w in k} for w in cand.splits}
    for w, splits in cand.splits.items():
        for a, b in splits:
            assert known.cell_change(w, a, b, own[w], pairs.__getitem__) == \
                cell_change(w, a, b, own[w], pairs.__getitem__), (w, a, b)


def test_rewrite_by_hand():
    # 甲乙 甲乙 丙 in one chunk: (END,甲乙) (甲乙,甲乙) (甲乙,丙) (丙,END); written 甲 乙
    own = {(END, "甲乙"): 1, ("甲乙", "甲乙"): 1, ("甲乙", "丙"): 1}
    delta, n = rewrite(own, "甲乙", "甲", "乙")
    assert n == 2
    assert {k: d for k, d in delta.items() if d} == {
        (END, "甲乙"): -1, (END, "甲"): 1, ("甲乙", "甲乙"): -1, ("乙", "甲"): 1,
        ("甲乙", "丙"): -1, ("乙", "丙"): 1, ("甲", "乙"): 2}


def test_unigram_cut_prefers_the_cheaper_cut_and_the_shorter_last_word_on_ties():
    assert unigram_cut("甲乙丙", {"甲乙": 1.0, "丙": 1.0, "甲": 1.5, "乙": 1.5}, 9.0, 4) == ["甲乙", "丙"]
    assert unigram_cut("甲乙", {"甲乙": 2.0, "甲": 1.0, "乙": 1.0}, 9.0, 4) == ["甲", "乙"]
    assert unigram_cut("甲丁", {"甲": 1.0}, 5.0, 4) == ["甲", "丁"]  # (a symbol no word spells: the unknown cost)
