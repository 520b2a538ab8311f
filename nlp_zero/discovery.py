"""Word discovery from raw text by the minimum-entropy principle (docs/design.md §2, §5).

A string is a good word when it is *autonomous* -- many different things can
follow and precede it, more than follow or precede the strings it extends
-- and *cohesive* -- its parts occur together far more often than chance.
:class:`WordFinder` measures both on exact n-gram counts and segments the
corpus to maximise their sum; the words of that segmentation, with their
counts, are the :class:`~nlp_zero.lexicon.Lexicon`, whose unigram code length
is the corpus cost after learning.

The scores of an n-gram ``x`` of length k (all logs natural):

* branching entropy ``h_r(x)`` = entropy of the symbol after ``x`` (every
  chunk end counts as a distinct continuation), ``h_l(x)`` likewise before,
  both estimated with the Chao-Shen small-sample correction (most n-grams
  are rare, and the plain estimate is biased low for them);
* variation of branching entropy ``vbe_r(x) = h_r(x) - h_r(x[:-1])`` and
  ``vbe_l(x) = h_l(x) - h_l(x[1:])``: entropy rises at a word's end;
* cohesion ``pmi(x)`` = mean over split points of
  ``ln(N n(x) / (n(left) n(right)))`` (the merge gain's PMI, §2);
* each is standardised among *all* k-grams of the corpus (z-score: centred
  at the median, scaled by the standard deviation), which is what makes
  orders comparable and the method free of thresholds (nVBE, Magistry &
  Sagot 2012, who centre at the mean); ``score(x) = z(vbe_l) + z(vbe_r) +
  z(pmi)``.

The segmentation of a chunk maximises ``Σ score(w) len(w)`` over words of at
most ``order`` symbols (Magistry & Sagot's objective, with cohesion added).
Nothing is tuned per corpus and nothing is read from gold segmentations: the
means and deviations come from the corpus itself; ``order`` (the longest
word) is the only parameter.

The words of that segmentation then go through the bigram split
(:mod:`nlp_zero.bigram_split`, docs/design.md §5.9; ``split=False`` leaves it
out): a word made of two free words of the lexicon (新的, 这是) leaves when
writing it as the two shortens a word-bigram code of the segmentation, in
rounds until none leaves.

Each ingredient was kept because it paid on the PKU-unsupervised protocol
(docs/design.md §11; the figures are in the README, from
``benchmarks/sighan.py --ablation``): autonomy, then cohesion, then the
Chao-Shen entropy estimate, then the bigram split; then the median as the
centre of the z-scores, chosen by the agreement of lexicons learned on two
halves of the corpus (docs/design.md §5.5; the README, "How the z-scores are
taken").  Tried and left out,
because they did not pay: soft EM over the lexicon lattice (over all frequent
n-grams it collapses to long words), MDL pruning with the spelling cost as the
length prior, a second pass over words to find compounds, rank instead of
z-score standardisation, choosing a per-word cost by held-out code length
(code length keeps falling as words grow longer, so it picks ever longer
words), the median absolute deviation as the scale of the z-scores.
Limits: most remaining errors are PKU conventions statistics cannot see (X市,
X性, 社会主义 as one word; 1月 1日, 这 一 as two) and rare words split apart.

The learner's state is the multiset of chunks it has seen (in memory up to
a share of the budget, then on disk as sorted runs; see
:class:`~nlp_zero.spill.SpillingCounter`): :meth:`WordFinder.train` adds to it, two finders add up exactly
(:meth:`WordFinder.merge`, ``+``), and it saves to and loads from a plain text
file.  :meth:`WordFinder.find` works on the state alone, so shards learned
apart and merged give byte-identical lexicons to one run.  It learns in
passes sized to a memory budget, in this process or in worker processes
(see :mod:`nlp_zero.passes`); the lexicon does not depend on either.

>>> wf = WordFinder().train(['吃葡萄不吐葡萄皮，不吃葡萄倒吐葡萄皮。'] * 3 + ['葡萄很甜，我吃葡萄。'])
>>> lex = wf.find()
>>> '葡萄' in lex, wf.stats.bits_per_char_after < wf.stats.bits_per_char_before
(True, True)
"""

from __future__ import annotations

import gc
import logging
import math
import os
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Iterator

from .errors import FormatError, NlpZeroError
from .fileio import atomic_write, read_saved, whole_number
from .lexicon import Lexicon
from .passes import Plan, write_chunks
from .scores import code_length, entropy as _entropy
from .spill import SpillingCounter, WorkArea, default_max_memory
from .text import CLASS_SYMBOLS, from_readable, readable, stat_chunks

log = logging.getLogger(__name__)

FORMAT_HEADER = "#nlp-zero wordfinder 1"
_LN2 = math.log(2)


@dataclass(frozen=True)
class DiscoveryStats:
    """What :meth:`WordFinder.find` measured: sizes and the corpus cost (§2)."""

    lines: int
    chunks: int
    chars: int  # symbols counted (an alphanumeric run is one symbol)
    words: int  # lexicon size
    tokens: int  # word tokens in the learned segmentation of the corpus
    bits_per_char_before: float  # unigram model of single characters
    bits_per_char_after: float  # unigram model of the learned words

    def as_dict(self) -> dict:
        return asdict(self)


def _read_state_header(path: str) -> dict[str, int]:
    """The header of a saved learner state: ``{'#order': .., '#lines': ..}``."""
    header: dict[str, int] = {}
    for lineno, line in read_saved(path):
        if lineno == 1:
            if line != FORMAT_HEADER:
                raise FormatError(path, f"not a word finder state (expected {FORMAT_HEADER!r})", 1)
            continue
        key, _, value = line.partition(" ")
        if key not in ("#order", "#lines") or key in header or whole_number(value) is None:
            raise FormatError(path, f"bad header line {line!r}", lineno)
        header[key] = int(value)
        if len(header) == 2:
            return header
    raise FormatError(path, "truncated header (needs #order and #lines)")


def _state_rows(path: str) -> Iterator[tuple[str, int]]:
    """``(chunk, times)`` of the lines of a saved learner state after its header."""
    for lineno, line in read_saved(path):
        if lineno <= 3:
            continue
        count, tab, chunk = line.partition("\t")
        n = whole_number(count)
        if not tab or n is None or not chunk or any(ch.isspace() for ch in chunk):
            raise FormatError(path, "expected count<TAB>chunk", lineno)
        yield from_readable(chunk), n


class WordFinder:
    """Learns a lexicon from raw text (docs/design.md §5).

    ``order`` is the longest word, in symbols (a Han character or one
    alphanumeric run).  Usage: ``train(lines)`` as often as needed (additive),
    then ``find()`` -> :class:`Lexicon`; ``stats`` then holds the sizes and the
    bits per character before and after learning.
    """

    def __init__(self, order: int = 4, max_memory: int | None = None,
                 tmp_dir: str | os.PathLike | None = None, split: bool = True):
        if not 1 <= order <= 16:
            raise NlpZeroError(f"order must be between 1 and 16, not {order}")
        self.order = order
        self.split = split
        self.max_memory = max_memory
        self.tmp_dir = tmp_dir
        budget = default_max_memory() if max_memory is None else max_memory
        #: the learner's state: statistical chunks (symbol form) -> times seen.  A
        #: quarter of the budget holds it in memory; beyond that it waits on disk
        #: as sorted runs (the passes of find() read it as a stream).
        self._store = SpillingCounter(budget // 4 // BYTES_PER_CHUNK, tmp_dir)
        self.lines = 0
        self.stats: DiscoveryStats | None = None

    # -- learning state ----------------------------------------------------

    def train(self, lines: Iterable[str]) -> WordFinder:
        """Add the chunks of ``lines`` to the state (additive; call again with more text)."""
        if isinstance(lines, (str, bytes)):
            raise TypeError("lines must be an iterable of strings, not one string (wrap a single text in a list)")
        store = self._store
        n = 0
        for line in lines:
            store.memory.update(stat_chunks(line))
            n += 1
            if not n & 1023:
                store.check()
        store.check()
        self.lines += n
        return self

    def merge(self, other: WordFinder | str) -> WordFinder:
        """Add ``other``'s state into this one, in place (shards learned apart); returns self.

        ``other`` may be the path of a saved state, which is then read as a
        stream (it never has to fit in memory).
        """
        if isinstance(other, WordFinder):
            self._add(other._store.items())
            self.lines += other.lines
        else:
            self._read_state(other)
        return self

    def _add(self, pairs: Iterable[tuple[str, int]]) -> None:
        store = self._store
        memory = store.memory
        for i, (chunk, m) in enumerate(pairs, 1):
            memory[chunk] += m
            if not i & 1023:
                store.check()
                memory = store.memory
        store.check()

    def __add__(self, other: WordFinder) -> WordFinder:
        if not isinstance(other, WordFinder):
            return NotImplemented
        out = WordFinder(max(self.order, other.order), self.max_memory, self.tmp_dir)
        out.merge(self)
        out.merge(other)
        return out

    def __repr__(self) -> str:
        return f"WordFinder(order={self.order}, lines={self.lines})"

    @property
    def chunks(self) -> Counter:
        """The state as a Counter: chunk (symbol form) -> times seen (built in memory: mind big states)."""
        return Counter(dict(self._store.items()))

    def distinct_chunks(self) -> int:
        """How many distinct chunks the state holds (read as a stream)."""
        return sum(1 for _ in self._store.items())

    def __bool__(self) -> bool:
        return bool(self._store)

    @property
    def chars(self) -> int:
        """Symbols seen so far."""
        return sum(len(c) * m for c, m in self._store.items())

    def save(self, path: str) -> None:
        """Write the state: a header, then ``count<TAB>chunk`` lines sorted by chunk.

        Class symbols are written ``<NUM>``/``<LAT>``; nothing is evaluated on load.
        """
        with atomic_write(path) as f:
            f.write(f"{FORMAT_HEADER}\n#order {self.order}\n#lines {self.lines}\n")
            f.writelines(f"{m}\t{readable(chunk)}\n" for chunk, m in self._store.items())

    @classmethod
    def load(cls, path: str, max_memory: int | None = None, tmp_dir: str | os.PathLike | None = None) -> WordFinder:
        """Read a state written by :meth:`save` (BOM and CRLF tolerated), as a stream."""
        header = _read_state_header(path)
        try:
            wf = cls(header["#order"], max_memory, tmp_dir)
        except NlpZeroError as e:
            raise FormatError(path, str(e), 2) from None
        wf._read_state(path)
        return wf

    def _read_state(self, path: str) -> None:
        """Add the state saved at ``path`` (its lines and chunks) to this one."""
        header = _read_state_header(path)
        self._add(_state_rows(path))
        self.lines += header["#lines"]

    def record(self, inputs: list[dict]) -> dict:
        """The run record written beside a lexicon (``PREFIX.meta.json``): version, method, parameters,
        ``inputs`` (as the caller describes them) and the last :meth:`find`'s stats."""
        from . import __version__

        if self.stats is None:
            raise NlpZeroError("record() needs a find() first")
        st = self.stats
        return {
            "version": __version__,
            "method": ("WordFinder: branching-entropy variation + cohesion, z-scores about the median, "
                       "max Σ score·len" + (", then the bigram split" if self.split else "")),
            "parameters": {"order": self.order, "split": self.split},
            "inputs": inputs,
            "lines": st.lines,
            "chars": st.chars,
            "words": st.words,
            "tokens": st.tokens,
            "bits_per_char_before": round(st.bits_per_char_before, 6),
            "bits_per_char_after": round(st.bits_per_char_after, 6),
        }

    # -- discovery ---------------------------------------------------------

    def find(self, max_memory: int | None = None, jobs: int = 1, tmp_dir: str | os.PathLike | None = None,
             progress: Callable[[str, int, int], None] | None = None) -> Lexicon:
        """Score every n-gram, segment the corpus, return the words with their counts.

        Each word carries the scores that admitted it (``score``, ``nvbe``,
        ``cohesion`` -- standardised -- and ``pmi`` in nats).

        ``max_memory`` (bytes; default :func:`~nlp_zero.spill.default_max_memory`)
        bounds the statistics held at once: the work is split into passes
        that each fit (see :class:`~nlp_zero.passes.Plan`), exchanging results through files
        in a temporary directory under ``tmp_dir``.  ``jobs`` runs the passes
        in that many worker processes.  Neither changes the result by a bit.
        ``progress(stage, done, total)`` is called as passes finish.
        """
        if max_memory is None:
            max_memory = self.max_memory
        budget = default_max_memory() if max_memory is None else max_memory
        K = self.order
        report = progress or (lambda stage, done, total: None)
        with WorkArea(tmp_dir if tmp_dir is not None else self.tmp_dir) as area:
            chunk_path = area.path("chunks.txt")
            report("writing chunks", 0, 1)  # (a stage of its own: on a big state it takes a while)
            if self._store.spilled:  # the part held in memory waits on disk too, leaving the passes its share
                self._store.spill()
                gc.collect()  # (what reading left in reference cycles goes too, before the budget is shared out)
            written = write_chunks(chunk_path, self._store.items())
            report("writing chunks", 1, 1)
            occurrences, unigrams, blocks = written.occurrences, written.unigrams, written.blocks
            if not set(occurrences) - set(CLASS_SYMBOLS):
                raise NlpZeroError("no Han text to learn from")
            n = sum(unigrams.values())
            h0 = _entropy(sorted(c for c in unigrams.values() if c > 1), n)
            plan = Plan(occurrences, unigrams, blocks, K, budget, jobs, area, report)
            model = plan.score(chunk_path, n, h0)
            counts, scored, cut_paths, bound, counted = plan.segment(chunk_path, model, cuts=self.split)
            if self.split:
                counts = plan.split(cut_paths, counts, written.chunks, bound, counted)
            details = plan.details(scored, counts)
            lexicon = Lexicon(counts)
            # (each word's row made once, straight into the lexicon: a copy of all rows is a peak)
            lexicon.scores = {readable(w): dict(zip(SCORES, details.pop(w))) for w in sorted(counts)}
            del details
        self.stats = DiscoveryStats(
            lines=self.lines,
            chunks=written.chunks,
            chars=n,
            words=len(counts),
            tokens=sum(counts.values()),
            bits_per_char_before=code_length(unigrams.values()) / n / _LN2,
            bits_per_char_after=code_length(counts.values()) / n / _LN2,
        )
        log.info("%d words from %d symbols; %.3f -> %.3f bits/char", len(counts), n,
                 self.stats.bits_per_char_before, self.stats.bits_per_char_after)
        return lexicon


#: The scores a learned word carries, in the order the passes give them.
SCORES = ("score", "nvbe", "cohesion", "pmi")

#: Memory per distinct chunk of the learner's state held in memory (the Counter's
#: slot, the string, its count), in bytes; measured on laws_prc (14 symbols a chunk).
BYTES_PER_CHUNK = 160
