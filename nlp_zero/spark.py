"""The same counts and lexicon on Apache Spark (the optional extra ``nlp-zero[spark]``).

The core package never imports this module; it needs ``pyspark`` (its
client must match the cluster's Spark) and Java 17+.  It runs the stages of
:mod:`nlp_zero.passes` (docs/design.md §6) as Spark operations over keyed
records, calling the same per-record code, so its results are those of the
local engine byte for byte:

1. the chunk multiset: ``stat_chunks`` of every line, ``reduceByKey``;
2. *windows* (the K+1 symbols from each position, or a chunk's tail with
   its newline) counted and partitioned by their first two symbols: every
   n-gram of orders 2..K+1 beginning with those two symbols, and every
   right extension of it, is then in one partition, where the forward
   columns are computed (:func:`nlp_zero.passes.side_columns`).  Keying by
   two symbols, not one, is what keeps a frequent symbol (的) from making
   one partition hold a large share of the n-grams; the few single-symbol
   quantities (n, and the entropies of a symbol's extensions) are computed
   apart, by symbol, and broadcast;
3. the forward columns and the counts re-partitioned by their last two
   symbols (as blocks of columns, not a record each): there the backward
   columns, and PMI, which needs both sides -- no join by n-gram;
4. the standardisation's means and variances, summed *exactly*: each
   partition ships a few floats whose exact sum is that of its values
   (:func:`nlp_zero.scores.exact_partials`) and the driver takes one ``fsum`` of them all --
   the correctly rounded sum, as one ``math.fsum`` over all values gives
   locally (per-partition ``fsum`` s added are not, in about 4 cases of 10);
   the medians, the z-scores' centres, found exactly in the same jobs (and a
   job or two more) from counts of the values' bit patterns that add up
   across partitions (:class:`nlp_zero.scores.Median`);
5. candidate passes order by order; the shorter candidates that the
   k-grams of a partition need (the parts of those that beat their split
   into single symbols) are brought to it by a join, not broadcast;
6. the segmentation of the distinct chunks, weighted by their counts, each
   partition of chunks joined to the candidates among its strings.  The
   strings a partition asks these joins for are first sifted by a Bloom
   filter of the candidates found so far (:class:`_Sieve`, of a fixed
   size), so that the shuffles carry the strings that may be candidates,
   not every substring of the text;
7. the bigram split's rounds (:mod:`nlp_zero.bigram_split`) over the cut
   chunks: the word bigrams counted, partitioned by first word and by
   second word, each candidate's cells brought to one partition;
8. the words' scores joined to their counts on the executors, and the
   lexicon built on the driver from that stream.

The driver holds tables as large as the alphabet and the sieve (4 MB,
whatever the corpus), and during the bigram split the word counts (the
lexicon, which each round broadcasts); no candidate table, n-gram, bigram or
chunk is collected or broadcast, and the lexicon is streamed
(:func:`discover` builds it there).
``benchmarks/spark_scale.py`` measures time and memory against the local engine.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import shutil
import sys
import time
import zlib
from collections import Counter, defaultdict
from array import array
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, getitem, itemgetter, sub
from typing import Any, Iterable, Iterator

from .counting import CountSummary, _header
from .discovery import SCORES, DiscoveryStats
from .errors import InputError, NlpZeroError
from .fileio import atomic_write
from .lexicon import Lexicon, tsv_header, tsv_row
from .counting import add_counts, ngram_regex
from .bigram_split import (Candidates, Known, Recut, bigram_changes, cell_parts, column_records, decides, price_of,
                           row_records, word_changes)
from .passes import (BLOCK_CHARS, BYTES_PER_BIGRAM, BYTES_PER_NGRAM, FIRST, _best_split, _cut_lines,
                     _forward_counts, _gains, _Model, _tails_regex, add_text_bigrams, beats_units, candidate_prefixes,
                     candidates, side_columns)
from .scores import Median, add_answers, answer, code_length, entropy, exact_partials, narrow
from .text import CLASS_SYMBOLS, readable, stat_chunks

MISSING = ("the Spark engine needs the extra nlp-zero[spark] (pip install 'nlp-zero[spark]') "
           "and Java 17+ (java on the PATH or JAVA_HOME)")
_LN2 = math.log(2)
log = logging.getLogger("nlp_zero.spark")
_LINES = "\n"  # the key of the line count among the chunks (never a chunk)
_ERROR = "nlp-zero-input-error:"  # marks an input error raised on an executor


def require() -> None:
    """Raise :class:`NlpZeroError` (one line) unless pyspark and Java can be had."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise NlpZeroError(MISSING) from None
    java_home = os.environ.get("JAVA_HOME")
    if not (shutil.which("java") or (java_home and os.path.exists(os.path.join(java_home, "bin", "java")))):
        raise NlpZeroError(MISSING)


def session(master: str | None = None, app: str = "nlp-zero"):
    """A SparkSession: the active one, or a new one on ``master`` (default ``local[*]``)."""
    require()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app).config("spark.ui.showConsoleProgress", "false")
    # Spark's own log would print stack traces of the tasks that failed on a bad input, before the
    # one line the user is to see: only fatal messages reach the console (from the JVM's start on).
    builder = builder.config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{_quiet_log()}")
    if master:
        builder = builder.master(master)
    elif "PYSPARK_GATEWAY_PORT" not in os.environ and "--master" not in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        # (under spark-submit the JVM is up and the master is spark-submit's)
        builder = builder.master(os.environ.get("MASTER", "local[*]"))
    try:
        with _quiet_stderr():
            spark = builder.getOrCreate()
    except Exception as e:  # the JVM did not start: Java missing or too old
        raise NlpZeroError(f"{MISSING}; Spark did not start: {_first_line(e)}") from None
    spark.sparkContext.setLogLevel("FATAL")
    return spark


@contextlib.contextmanager
def _quiet_stderr():
    """The JVM started inside writes its banner to a null stderr (unless nlp_zero logs at INFO: -v)."""
    if logging.getLogger("nlp_zero").isEnabledFor(logging.INFO):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _quiet_log() -> str:
    """A log4j2 configuration that prints fatal messages only (written once to the temp directory)."""
    import tempfile

    path = os.path.join(tempfile.gettempdir(), f"nlp-zero-log4j2-{os.getuid()}.properties")
    text = ("rootLogger.level = fatal\nrootLogger.appenderRef.stderr.ref = console\n"
            "appender.console.type = Console\nappender.console.name = console\nappender.console.target = SYSTEM_ERR\n"
            "appender.console.layout.type = PatternLayout\nappender.console.layout.pattern = %d %p %c: %m%n\n")
    if not os.path.exists(path):
        with atomic_write(path) as f:
            f.write(text)
    return path


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


# -- input -------------------------------------------------------------------


def _lines_rdd(lines: Any, column: str):
    """An RDD of str from an RDD of str or a DataFrame with a text ``column``."""
    from pyspark.sql import DataFrame

    if isinstance(lines, DataFrame):
        return lines.select(column).rdd.map(_value)
    return lines


def _value(row) -> str:
    return row[0] or ""


def read_text(spark, inputs: list[str], encoding: str = "utf-8", errors: str = "strict"):
    """The lines of ``inputs`` (any path Spark reads; .gz/.bz2 by their name) as an RDD of str.

    Local paths are resolved as the local engine resolves them (see
    :func:`input_names`).  Lines end at LF or CRLF; a UTF-8 mark at the
    start of a file is dropped.  Spark decodes UTF-8 only, and puts U+FFFD
    in place of bytes that do not decode before Python sees them, so
    ``errors`` acts on U+FFFD (and NUL bytes): strict stops (see
    :class:`errors_of`), skip leaves the line out, replace keeps it.  (A
    file that holds U+FFFD itself is therefore refused by strict, where
    the local engine accepts it: use ``errors="replace"``.)
    """
    import codecs

    if codecs.lookup(encoding).name != "utf-8":
        raise NlpZeroError(f"the Spark engine reads UTF-8 only, not {encoding} (recode the input, e.g. with iconv)")
    sc = spark.sparkContext
    rdds = []
    for name in input_names(inputs, sc.master.startswith("local")):
        raw = sc.textFile(name)
        _RAW[name] = raw
        rdds.append(raw.mapPartitionsWithIndex(_Decoder(name, errors)))
    return rdds[0] if len(rdds) == 1 else sc.union(rdds)


_RAW: dict[str, Any] = {}  # input -> its lines as Spark decoded them (to find a bad line's number)


def _is_bad(line: str) -> bool:
    return "\ufffd" in line or "\x00" in line


def input_names(inputs: list[str], local: bool = True) -> list[str]:
    """The inputs as Spark is to read them: paths with a scheme as they are; others resolved as the local
    engine resolves them (directories, globs; a missing one is an :class:`InputError`) when ``local``
    (Spark runs here), else as they are (the cluster's default file system)."""
    from .corpus import _resolve

    names = []
    for path in inputs:
        if path == "-":
            raise NlpZeroError("the Spark engine does not read standard input (give a path)")
        if ("://" in path and not path.startswith("file://")) or not local:
            names.append(path)
            continue
        for name in _resolve([path.removeprefix("file://")]):
            if name.endswith(".xz"):
                raise InputError(name, "Spark does not read .xz files (decompress it, or recompress as .gz/.bz2)")
            names.append(name)
    return names


class _Decoder:
    """Applies ``errors`` to the lines of one input on the executors (see :func:`read_text`)."""

    def __init__(self, name: str, errors: str):
        self.name, self.errors = name, errors

    def __call__(self, index: int, lines: Iterable[str]) -> Iterator[str]:
        for i, text in enumerate(lines):
            if i == 0 and index == 0 and text.startswith("\ufeff"):
                text = text[1:]
            if _is_bad(text):
                if self.errors == "skip":
                    continue
                if self.errors == "strict":
                    raise ValueError(f"{_ERROR}{self.name}\t")
                text = text.replace("\x00", " ")
            yield text


class errors_of:
    """Turns what Spark raises for a bad input into one :class:`InputError` (a context manager).

    An executor's error reaches the driver as a Java exception whose text
    holds the Python one: the mark :data:`_ERROR`, or Hadoop's words for a
    missing path or a damaged compressed file.
    """

    def __init__(self, inputs: list[str]):
        self.inputs = inputs

    def __enter__(self):
        return self

    def __exit__(self, kind, e, tb):
        if e is None or isinstance(e, (NlpZeroError, KeyboardInterrupt)) or not isinstance(e, Exception):
            return False
        text = str(e)
        if _ERROR in text:
            name = text.split(_ERROR, 1)[1].split("\t")[0]
            raise InputError(name, "bytes that do not decode as UTF-8 (or a NUL byte, or U+FFFD); "
                                   "try --errors replace/skip", _bad_line(name)) from None
        for words in ("Input path does not exist: ", "Path does not exist: "):
            if words in text:
                raise InputError(text.split(words, 1)[1].split()[0], "no such file or directory") from None
        for words in ("not in gzip format", "Unexpected end of", "EOFException", "ZipException",
                      "incorrect header check", "invalid block type", "CompressorStream", "bzip2"):
            if words in text:
                raise InputError(_damaged(self.inputs), f"corrupt or truncated compressed data "
                                                        f"({_cause(text, words)})") from None
        return False


def _damaged(inputs: list[str]) -> str:
    """The first local compressed input that does not decompress (read again here), else all the inputs."""
    from .corpus import DECOMPRESS_ERRORS, decompressed

    for name in input_names([p for p in inputs if "://" not in p or p.startswith("file://")]):
        try:
            with open(name, "rb") as raw:
                f = decompressed(raw)
                if f is not raw:
                    while f.read(1 << 20):
                        pass
        except DECOMPRESS_ERRORS:
            return name
        except NlpZeroError:
            continue
    return ", ".join(inputs)


def _bad_line(name: str) -> int | None:
    """The number of the first undecodable line of an input (a second, small job; None if it fails)."""
    try:
        return _RAW[name].zipWithIndex().filter(lambda t: _is_bad(t[0])).map(lambda t: t[1] + 1).first()
    except Exception:
        return None


def _cause(text: str, words: str) -> str:
    for line in text.splitlines():
        if words in line:
            return line.strip().split(": ", 1)[-1][:200]
    return words


# -- the chunk multiset --------------------------------------------------------


#: What a partition of n-grams is sized to by default, in bytes of a worker's tables (the local
#: engine's BYTES_PER_NGRAM each, for a bound on the n-grams: most partitions hold less).
PARTITION_BYTES = 512 << 20


def _sized(corpus: "_Corpus", per_char: int, partitions: int | None) -> int:
    """Partitions for n-gram tables: the given number, or enough that each holds about PARTITION_BYTES
    (at most ``per_char`` n-grams per character of the distinct chunks; the cores at least)."""
    if partitions:
        return partitions
    bound = per_char * corpus.distinct_chars * BYTES_PER_NGRAM
    return max(corpus.chunks.context.defaultParallelism, math.ceil(bound / PARTITION_BYTES))


def _crc(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass"))


def _identity(j: int) -> int:
    return j


def _chunks_of(lines: Iterable[str]) -> Iterator[tuple[str, int]]:
    """``(chunk, times)`` of a partition's lines, and ``(_LINES, lines)``."""
    table: Counter = Counter()
    n = 0
    for line in lines:
        table.update(stat_chunks(line))
        n += 1
    table[_LINES] = n
    return iter(table.items())


@dataclass
class _Corpus:
    """The chunk multiset (an RDD) and what is counted on the way."""

    chunks: Any  # RDD of (chunk, times)
    lines: int
    unigrams: dict[str, int]  # symbol -> occurrences in the corpus
    stored: Any  # the persisted RDD the chunks are read from
    distinct_chars: int  # symbols of the distinct chunks (newlines included)

    @property
    def chars(self) -> int:
        return sum(self.unigrams.values())

    def unpersist(self) -> None:
        self.stored.unpersist()


def _texts(pairs: Iterable[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    """``(text, m)``: the chunks seen m times, each followed by a newline, in texts of about BLOCK_CHARS
    (ready for the counting regexes, as the blocks of the local chunk file are)."""
    waiting: dict[int, list[str]] = defaultdict(list)
    sizes: Counter = Counter()
    for chunk, m in pairs:
        waiting[m].append(chunk + "\n")
        sizes[m] += len(chunk) + 1
        if sizes[m] >= BLOCK_CHARS:
            del sizes[m]
            yield "".join(waiting.pop(m)), m
    for m in sorted(waiting):
        yield "".join(waiting.pop(m)), m


def _symbols(pairs: Iterable[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    """The symbols of a partition's chunks, counted, and ``(_LINES, characters of the distinct chunks)``."""
    table: Counter = Counter()
    distinct = 0
    for text, m in _texts(pairs):
        add_counts(table, text, m)
        distinct += len(text)
    del table["\n"]
    table[_LINES] = distinct
    return iter(table.items())


def _ship(sc) -> None:
    """When this package runs from a wheel (``spark-submit --py-files nlp_zero-....whl``), let the
    executors import it too: Spark puts the .zip files of ``--py-files`` on their path, not .whl files,
    so the wheel (a zip file) is added again under a .zip name."""
    import tempfile

    wheel = __file__[:__file__.find(".whl") + 4] if ".whl" in __file__ else None
    if wheel is None or wheel in _SHIPPED or not os.path.isfile(wheel):
        return
    copy = os.path.join(tempfile.mkdtemp(prefix="nlp-zero-"), os.path.basename(wheel)[:-4] + ".zip")
    shutil.copyfile(wheel, copy)
    sc.addPyFile(copy)
    _SHIPPED.add(wheel)


_SHIPPED: set[str] = set()


def _corpus(lines: Any, column: str, partitions: int | None) -> _Corpus:
    from pyspark import StorageLevel

    rdd = _lines_rdd(lines, column)
    _ship(rdd.context)
    P = partitions or max(rdd.context.defaultParallelism, rdd.getNumPartitions())
    both = rdd.mapPartitions(_chunks_of).reduceByKey(add, P, _crc).persist(StorageLevel.MEMORY_AND_DISK)
    lines_seen = sum(both.filter(lambda kv: kv[0] == _LINES).values().collect())
    chunks = both.filter(lambda kv: kv[0] != _LINES)
    unigrams = dict(chunks.mapPartitions(_symbols).reduceByKey(add, P, _crc).collect())  # the alphabet
    distinct = unigrams.pop(_LINES)
    return _Corpus(chunks, lines_seen, unigrams, both, distinct)


# -- counting ------------------------------------------------------------------


def _ngrams_of(order: int):
    def count(pairs: Iterable[tuple[str, int]]) -> Iterator[tuple[str, int]]:
        """The n-grams of a partition's chunks, counted as :mod:`nlp_zero.counting` counts them."""
        table: Counter = Counter()
        for text, m in _texts(pairs):
            for k in range(1, order + 1):
                add_counts(table, ngram_regex(k).findall(text), m)
        return iter(table.items())

    return count


def _count_rows(corpus: _Corpus, order: int, min_count: int, partitions: int | None):
    P = _sized(corpus, order, partitions)
    return (corpus.chunks.mapPartitions(_ngrams_of(order)).reduceByKey(add, P, _crc)
            .filter(lambda kv: kv[1] >= min_count)
            .map(lambda kv: (len(kv[0]), readable(kv[0]), kv[1])))


def count_ngrams(lines: Any, order: int = 4, min_count: int = 2, column: str = "value", partitions: int | None = None):
    """The n-grams of orders 1..``order`` seen at least ``min_count`` times: a DataFrame ``(order, ngram, count)``.

    ``lines``: an RDD of str, or a DataFrame with a text ``column`` (what
    ``spark.read.text(paths)`` gives).  N-grams are written as in a counts
    file (class symbols as ``<NUM>``/``<LAT>``); sorted by ``order`` then
    ``ngram`` they are in the file's order.

    >>> df = count_ngrams(spark.read.text(paths))  # doctest: +SKIP
    """
    df, _ = _count_frame(lines, order, min_count, column, partitions)
    return df


def _count_frame(lines, order, min_count, column, partitions):
    from pyspark.sql import SparkSession
    from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

    from .counting import NgramCounter

    NgramCounter(order, min_count)  # checks the parameters
    corpus = _corpus(lines, column, partitions)
    schema = StructType([StructField("order", IntegerType(), False), StructField("ngram", StringType(), False),
                         StructField("count", LongType(), False)])
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    return spark.createDataFrame(_count_rows(corpus, order, min_count, partitions), schema), corpus


def count_to_file(lines: Any, path: str, order: int = 4, min_count: int = 2, column: str = "value",
                  partitions: int | None = None) -> CountSummary:
    """Count on Spark and write the counts file on the driver: byte for byte the local engine's.

    The table is streamed to the file sorted (``toLocalIterator``), never
    collected.
    """
    df, corpus = _count_frame(lines, order, min_count, column, partitions)
    kept = [0] * order
    with atomic_write(path) as f:
        f.write(_header(order, min_count, corpus.chars, corpus.lines))
        for k, gram, c in df.orderBy("order", "ngram").toLocalIterator():
            f.write(f"{k}\t{gram}\t{c}\n")
            kept[k - 1] += 1
    corpus.unpersist()
    return CountSummary(order, min_count, corpus.chars, corpus.lines, tuple(kept))


# -- discovery -------------------------------------------------------------------


def _windows_of(K: int, P: int):
    full_re, tails_re = ngram_regex(K + 1), _tails_regex(K, None)

    def windows(pairs: Iterable[tuple[str, int]]) -> Iterator[tuple[int, tuple[list[str], array]]]:
        """The windows of two symbols or more (see the module docstring), counted in a partition: blocks
        ``(j, (windows, counts))`` for the partition j of their first two symbols."""
        table: Counter = Counter()
        for text, m in _texts(pairs):
            add_counts(table, full_re.findall(text), m)
            add_counts(table, [t for t in tails_re.findall(text) if len(t) > 2], m)  # one symbol: counted apart
        keys = list(table)
        counts = array("q", table.values())
        del table
        for j, idx in _groups(list(map(getitem, keys, repeat(slice(0, 2)))), P):
            yield j, (list(map(keys.__getitem__, idx)), array("q", map(counts.__getitem__, idx)))

    return windows


def _bigrams(block: tuple[int, tuple[list[str], array]]) -> Iterator[tuple[str, int]]:
    """The counts of the bigrams that begin a block's windows."""
    table: Counter = Counter()
    for w, c in zip(*block[1]):
        if w[1] != "\n":
            table[w[:2]] += c
    return iter(table.items())


@dataclass
class _Singles:
    """What the passes need of single symbols, computed apart: n, h_r, h_l (0 where n = 1)."""

    n: dict[str, int]
    h_r: dict[str, float]
    h_l: dict[str, float]


def _singles(windows, unigrams: dict[str, int], P: int) -> _Singles:
    """The branching entropies of single symbols, from the counts of the bigrams (the windows' first two
    symbols), computed by symbol on the executors: the driver gets one float a symbol."""
    bigrams = windows.flatMap(_bigrams).reduceByKey(add, P, _crc).filter(lambda kv: kv[1] > 1).persist()

    def h(side: int) -> dict[str, float]:
        ext = bigrams.map(lambda kv: (kv[0][side], kv[1])).groupByKey(P, _crc)
        known = dict(ext.map(lambda kv: (kv[0], entropy(sorted(kv[1]), unigrams[kv[0]]))).collect())
        return {a: known[a] if a in known else entropy([], c) for a, c in unigrams.items() if c > 1}

    singles = _Singles(unigrams, h(0), h(1))
    bigrams.unpersist()
    return singles


def _side(tables: list, K: int, forward: bool, singles: _Singles) -> Iterator[tuple[int, list, Any, Any, Any]]:
    h = singles.h_r if forward else singles.h_l
    prev_s = {a: 0.0 + math.log(float(c)) for a, c in singles.n.items()}
    return side_columns(tables, K, forward, h, prev_s, first=2)


def _route(P: int, keys: list[str], *columns: array) -> Iterator[tuple[int, tuple]]:
    """``(j, (keys, *columns))``: records grouped by the partition j of their last two symbols.

    Records travel as blocks of columns (arrays pickle as bytes), not one
    tuple each: far fewer objects to serialise in a shuffle.
    """
    k = len(keys[0]) if keys else 0
    joined = "".join(keys)  # (keys of one order: the last two symbols of each without a string each)
    for j, idx in _groups(list(map(add, joined[k - 2::k], joined[k - 1::k])), P):
        yield j, (list(map(keys.__getitem__, idx)),
                  *(array(col.typecode, map(col.__getitem__, idx)) for col in columns))


def _groups(tags: list[str], P: int) -> Iterator[tuple[int, list[int]]]:
    """``(j, indices)``: the positions of ``tags`` grouped by partition j (``_crc(tag) % P``), j ascending."""
    dest = {t: _crc(t) % P for t in set(tags)}
    out: dict[int, list[int]] = defaultdict(list)
    for i, j in enumerate(map(dest.__getitem__, tags)):  # (a loop: three times faster than sorting the indices)
        out[j].append(i)
    return iter(sorted(out.items()))


def _forward(K: int, P: int, singles_bc):
    def forward(records: Iterable[tuple[int, tuple[list[str], array]]]) -> Iterator[tuple[int, tuple]]:
        """Blocks of the forward columns ``(keys, n, vbe_r, s_f)`` of orders 2..K, and of the counts
        ``(keys, n)`` of order K+1, for the partition of their last two symbols (see :func:`_route`)."""
        full, tails = Counter(), Counter()
        for _, (keys, counts) in records:  # (a window may come from several partitions of the chunks)
            for w, c in zip(keys, counts):
                if w[-1] == "\n":
                    tails[w] += c
                else:
                    full[w] += c
        tables = _forward_counts(full, tails, K)
        del full, tails
        tables[1] = None
        longest = tables[K + 1]
        yield from _route(P, list(longest), array("q", longest.values()))
        for k, keys, counts, v, s in _side(tables, K, True, singles_bc.value):
            yield from _route(P, keys, counts, v, s)

    return forward


def _backward(K: int, logn: float, singles_bc):
    def backward(blocks: Iterable[tuple[int, tuple]]) -> Iterator[tuple[int, list[str], list[array]]]:
        """``(k, keys, [vbe_r, vbe_l, pmi])`` of orders 2..K: the backward columns, paired with the forward ones."""
        tables: list = [None] + [{} for _ in range(K + 1)]
        forward: dict[str, tuple[float, float]] = {}
        for _, (keys, *columns) in blocks:
            if len(columns) == 1:  # counts of (K+1)-grams
                tables[K + 1].update(zip(keys, columns[0]))
            elif keys:
                c, vr, s_f = columns
                tables[len(keys[0])].update(zip(keys, map(int, c)))
                forward.update(zip(keys, zip(vr, s_f)))
        log = math.log
        for k, keys, counts, v, s in _side(tables, K, False, singles_bc.value):
            vr, pmi = array("d"), array("d")
            for x, c, s_b in zip(keys, counts, s):
                r, s_f = forward.pop(x)
                vr.append(r)
                pmi.append((logn + log(c)) - ((s_f + s_b) / float(k - 1)))
            yield k, keys, [vr, v, pmi]

    return backward


def _asks_of(asks: dict | None, k: int) -> dict[int, Any]:
    """The columns of order ``k`` a pass answers, and what it is asked of each (``None``: the first question,
    of every column but the cohesion of single symbols)."""
    if asks is None:
        return {c: FIRST for c in range(3 if k > 1 else 2)}
    return {c: ask for (kk, c), ask in asks.items() if kk == k}


def _sums(means: dict | None, asks: dict | None, summed: bool = True):
    def sums(blocks: Iterable[tuple[int, list[str], list]]) -> Iterator[tuple[int, tuple[int, list, dict]]]:
        """Per order: the number of n-grams, the exact partials of each column (or of its squared deviations
        from ``means``; none unless ``summed``), and the columns' answers to ``asks``
        (:class:`~nlp_zero.scores.Median`)."""
        out: dict[int, tuple[int, list[list[float]], dict]] = {}
        for k, keys, cols in blocks:
            answers = {c: answer(cols[c], ask) for c, ask in _asks_of(asks, k).items()}
            if not summed:
                cols = []
            elif means is not None:
                cols = [array("d", map(pow, map(sub, col, repeat(mean)), repeat(2)))  # (v - mean) ** 2
                        for col, mean in zip(cols, means[k])]
            n, partials, got = out.get(k, (0, [[], [], []], {}))
            out[k] = (n + len(keys), [p + exact_partials(col) for p, col in zip(partials, cols)],
                      _add_answers(got, answers))
        return iter(out.items())

    return sums


def _singles_block(singles_cols: dict[str, tuple]) -> tuple[int, list[str], list[array]]:
    keys = sorted(singles_cols)
    return 1, keys, [array("d", (singles_cols[a][j] for a in keys)) for j in range(3)]


def _add_answers(a: dict, b: dict) -> dict:
    return {c: add_answers(a[c], b[c]) if c in a and c in b else a.get(c, b.get(c)) for c in {*a, *b}}


def _add_sums(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], [x + y for x, y in zip(a[1], b[1])], _add_answers(a[2], b[2])


def _norms(scored, singles_cols: dict[str, tuple], K: int, P: int) -> dict[int, tuple]:
    """The median and standard deviation of vbe_r, vbe_l and pmi of each order, exact (module docstring):
    the sums and the medians' first answers in one job, the squares and their second in another, and a job
    more for each step a median still needs (up to two; none on People's Daily)."""
    singles = [_singles_block(singles_cols)]

    def job(means: dict | None, asks: dict | None, summed: bool = True) -> dict[int, tuple]:
        got = dict(scored.mapPartitions(_sums(means, asks, summed)).reduceByKey(_add_sums, P).collect())
        for k, one in _sums(means, asks, summed)(singles):
            got[k] = _add_sums(got[k], one) if k in got else one
        return got

    totals = job(None, None)
    means = {k: tuple(math.fsum(p) / n for p in partials) for k, (n, partials, _) in totals.items()}
    medians = {(k, c): Median(n) for k, (n, _, answers) in totals.items() if n for c in answers}
    for (k, c), median in medians.items():
        median.take(totals[k][2][c])
    squares: dict = {}

    def ask_pass(asks: dict) -> dict:
        got = job(means, asks, not squares)
        if not squares:  # (the first pass: the squares' sums too)
            squares.update(got)
        return {(k, c): got[k][2][c] for k, c in asks}

    narrow(medians, ask_pass)
    norms = {}
    for k in range(1, K + 1):
        n = totals[k][0] if k in totals else 0
        if not n:
            norms[k] = ((0.0, 1.0),) * 3
            continue
        pairs = []
        for j in range(3):
            var = math.fsum(squares[k][1][j]) / n
            pairs.append((medians[k, j].value if (k, j) in medians else 0.0, math.sqrt(var) if var > 0 else 1.0))
        if k == 1:
            pairs[2] = (0.0, 1.0)
        norms[k] = tuple(pairs)
    return norms


# -- candidates and segmentation: the shorter candidates looked up by a join --------


def _asks(i: int, text: str, regexes: list, P: int, sieve_bc: Any
          ) -> Iterator[tuple[tuple[int, int], tuple[list[str], array]]]:
    """``((j, 1), (strings, partitions))``: the strings of ``text`` (newline-joined) that ``regexes`` find and
    that may be in the table (``sieve_bc``, a broadcast :class:`_Sieve`), each once, asked for by partition
    ``i``: in blocks for the partition j of the string (see :func:`_found`; a string asked for twice by the
    same partition is answered twice, to the same effect)."""
    strings: set[str] = set()
    for regex in regexes:
        strings.update(regex.findall(text))
    return _blocks_by_crc(zip(strings, repeat(i)), P, 1, "q", sieve_bc.value.bits)


def _offers(P: int):
    def offers(pairs: Iterable[tuple[str, float]]) -> Iterator[tuple[tuple[int, int], tuple[list[str], array]]]:
        """``((j, 0), (strings, values))``: a partition of a table, in blocks for the partition j of the strings."""
        return _blocks_by_crc(pairs, P, 0, "d")

    return offers


def _blocks_by_crc(pairs: Iterable[tuple[str, Any]], P: int, tag: int, typecode: str,
                   bits: bytes | None = None) -> Iterator[tuple]:
    """``((j, tag), (keys, values))``: the pairs in blocks for the partition j of their key; with ``bits`` (a
    :class:`_Sieve`'s), only the keys that may be in its table."""
    if bits is not None:  # (the bit of each key, _crc(x) & _SIEVE_MASK as _sieve_slices sets it: inline, for speed)
        crc, mask = zlib.crc32, _SIEVE_MASK
        pairs = [(x, v) for x, v in pairs
                 if bits[(h := crc(x.encode("utf-8", "surrogatepass")) & mask) >> 3] >> (h & 7) & 1]
    out: dict[int, tuple[list[str], array]] = {}
    for x, v in pairs:
        j = _crc(x) % P
        if j not in out:
            out[j] = ([], array(typecode))
        keys, values = out[j]
        keys.append(x)
        values.append(v)
    return (((j, tag), block) for j, block in out.items())


#: The bits of a :class:`_Sieve`: a fixed size, whatever the corpus (4 MB; 2**25 bits, so that a table of a
#: million candidates lets about 3 % of the other strings through).
SIEVE_BITS = 1 << 25
_SIEVE_MASK = SIEVE_BITS - 1
_SIEVE_SLICES = 32  # (the pieces it is built in on the executors, each reduced to one)


@dataclass
class _Sieve:
    """A Bloom filter (one hash, :func:`_crc`) of the candidates found so far: the strings a partition asks
    the join for (:func:`_asks`) are first tested against it, so that the shuffle carries the strings that
    may be candidates, not every substring of the text.  A string it lets through and that is not a
    candidate is simply not answered: the result does not depend on it.  Its size is fixed (SIEVE_BITS),
    so what the driver holds and broadcasts for it does not grow with the corpus."""

    bits: bytes
    size: int = 0  # the strings put in


def _sieve_slices(pairs: Iterable[tuple[str, Any]]) -> Iterator[tuple[int, tuple[int, bytes]]]:
    """``(s, (n, bits))``: the bits of a partition's strings, in slices s (slice 0 always, with the count n)."""
    bits = bytearray(SIEVE_BITS >> 3)
    n = 0
    for x, _ in pairs:
        h = _crc(x) & _SIEVE_MASK
        bits[h >> 3] |= 1 << (h & 7)
        n += 1
    step = len(bits) // _SIEVE_SLICES
    for s in range(_SIEVE_SLICES):
        piece = bytes(bits[s * step:(s + 1) * step])
        if s == 0 or piece.count(0) < step:
            yield s, (n if s == 0 else 0, piece)


def _or_slices(a: tuple[int, bytes], b: tuple[int, bytes]) -> tuple[int, bytes]:
    return a[0] + b[0], (int.from_bytes(a[1], "little") | int.from_bytes(b[1], "little")).to_bytes(len(a[1]), "little")


def _sieve_of(table: Any, before: _Sieve | None, P: int) -> _Sieve:
    """The sieve of ``before``'s strings and those of ``table`` (an RDD ``(s, value)``), built on the executors:
    the driver receives SIEVE_BITS bits, in slices, whatever the size of the table."""
    slices = table.mapPartitions(_sieve_slices).reduceByKey(_or_slices, min(P, _SIEVE_SLICES)).collect()
    return _assembled(before, slices)


def _assembled(before: _Sieve | None, slices: Iterable[tuple[int, tuple[int, bytes]]]) -> _Sieve:
    """``before`` (or an empty sieve) with the slices ``(s, (n, bits))`` of more strings or-ed in."""
    bits = bytearray(before.bits) if before else bytearray(SIEVE_BITS >> 3)
    n = before.size if before else 0
    step = len(bits) // _SIEVE_SLICES
    for s, (count, piece) in slices:
        n += count
        whole = int.from_bytes(bits[s * step:(s + 1) * step], "little") | int.from_bytes(piece, "little")
        bits[s * step:(s + 1) * step] = whole.to_bytes(step, "little")
    return _Sieve(bytes(bits), n)


def _first(key: tuple[int, int]) -> int:
    return key[0]


def _answer(blocks: Iterable[tuple[tuple[int, int], tuple[list[str], array]]]) -> Iterator[tuple[int, tuple]]:
    """``(i, ("t", strings, values))``: the entries of the table that partition i asked for (the table's blocks
    come first: the tag 0 sorts before the asks' 1)."""
    table: dict[str, float] = {}
    out: dict[int, tuple[list[str], array]] = {}
    for (_, tag), (keys, values) in blocks:
        if tag == 0:
            table.update(zip(keys, values))
            continue
        get = table.get
        for x, i in zip(keys, values):
            g = get(x)
            if g is not None:
                if i not in out:
                    out[i] = ([], array("d"))
                out[i][0].append(x)
                out[i][1].append(g)
    return ((i, ("t", keys, values)) for i, (keys, values) in out.items())


def _found(asks, known, P: int):
    """``(i, ("t", keys, values))``: blocks of the entries of ``known`` (an RDD ``(s, value)``) that the
    partition i asks for (:func:`_asks`): the table a partition needs, never the whole one.  A join by
    string in blocks -- both sides to the partition of the string, the table's part first -- rather than
    one record a pair."""
    both = asks.union(known.mapPartitions(_offers(P)))
    return both.repartitionAndSortWithinPartitions(P, _first).mapPartitions(_answer)


def _with_table(singles_bc) -> Any:
    """Splits a partition's blocks: its table (single symbols and what :func:`_found` brought) and the rest."""
    def split(blocks: Iterable[tuple[int, tuple]]) -> tuple[dict[str, float], list[tuple]]:
        table = dict(singles_bc.value)
        rest = []
        for _, block in blocks:
            if block[0] == "t":
                table.update(zip(block[1], block[2]))
            else:
                rest.append(block)
        return table, rest

    return split


def _units_survivors(model: _Model, k: int, singles_bc):
    def select(index: int, blocks: Iterable[tuple[int, list[str], list]]) -> Iterator[tuple[int, tuple]]:
        """``(index, ("x", keys, cols))``: the k-grams of a partition that beat their split into single
        symbols (:func:`nlp_zero.passes.beats_units`, the first test of ``candidates``, which applies it
        again there), with their columns."""
        keys: list[str] = []
        cols = [array("d"), array("d"), array("d")]
        for order, block_keys, block_cols in blocks:
            if order == k:
                keys += block_keys
                for col, more in zip(cols, block_cols):
                    col += more
        sel = beats_units(model.gains(k, cols), keys, k, singles_bc.value.__getitem__)
        yield index, ("x", list(compress(keys, sel)), [array("d", compress(col, sel)) for col in cols])

    return select


def _parts(k: int, P: int, sieve_bc):
    regexes = [ngram_regex(L) for L in range(2, k)]

    def parts(records: Iterable[tuple[int, tuple]]) -> Iterator[tuple]:
        """The parts of 2..k-1 symbols of partition i's k-grams (what their best splits look up), asked for."""
        for i, (_, keys, _) in records:
            yield from _asks(i, "\n".join(keys), regexes, P, sieve_bc)

    return parts


def _candidates_of(model: _Model, k: int, singles_bc):
    split = _with_table(singles_bc)

    def select(blocks: Iterable[tuple[int, tuple]]) -> Iterator[tuple[str, tuple[float, tuple]]]:
        """``(x, (score·k, scores))`` of the candidates among a partition's k-grams."""
        table, rest = split(blocks)
        keys = [x for block in rest for x in block[1]]
        cols = [array("d", itertools.chain.from_iterable(block[2][j] for block in rest)) for j in range(3)]
        found, details = candidates(model, keys, cols, k, table)
        return ((x, (g, details[x])) for x, g in found.items())

    return select


def _candidate_rdd(scored: Any, model: _Model, singles_cols: dict, P: int):
    """The candidates ``(x, (score·k, scores))`` of orders 2..K, order by order (docs/design.md §5.7): the
    shorter candidates a partition's k-grams need are joined to it, not broadcast (only their :class:`_Sieve`
    is); the single symbols' ``(table, details)``, on the driver (as many as the alphabet); and the sieve of
    all the candidates."""
    from pyspark import StorageLevel

    sc = scored.context
    keys = sorted(singles_cols)
    singles, details = candidates(model, keys, [list(c) for c in zip(*(singles_cols[a] for a in keys))], 1, {})
    singles_bc = sc.broadcast(singles)
    found = []  # the persisted RDDs of candidates, one an order
    sieve = _assembled(None, [])
    for k in range(2, model.K + 1):
        survivors = scored.mapPartitionsWithIndex(_units_survivors(model, k, singles_bc)).persist()
        blocks = survivors
        if found:
            sieve_bc = sc.broadcast(sieve)
            needs = survivors.mapPartitions(_parts(k, P, sieve_bc))
            known = sc.union([f.mapValues(itemgetter(0)) for f in found])
            blocks = survivors.union(_found(needs, known, P))
        new = (blocks.partitionBy(P, _identity).mapPartitions(_candidates_of(model, k, singles_bc))
               .persist(StorageLevel.MEMORY_AND_DISK))
        before = sieve.size
        sieve = _sieve_of(new, sieve, P)  # (the job that computes this order's candidates)
        log.info("%d candidate %d-grams", sieve.size - before, k)
        survivors.unpersist()
        if found:
            sieve_bc.destroy()
        found.append(new)
    return found, details, singles_bc, sieve


def _chunk_blocks(P: int):
    def blocks(pairs: Iterable[tuple[str, int]]) -> Iterator[tuple[int, tuple]]:
        """``(i, ("c", chunks, times))``: a partition's chunks grouped by the partition i they are segmented in."""
        out: dict[int, tuple[list[str], array]] = {}
        for chunk, m in pairs:
            chunks, times = out.setdefault(_crc(chunk) % P, ([], array("q")))
            chunks.append(chunk)
            times.append(m)
        return ((i, ("c", chunks, times)) for i, (chunks, times) in out.items())

    return blocks


def _chunk_needs(K: int, P: int, sieve_bc):
    regexes = [ngram_regex(L) for L in range(2, K + 1)]

    def needs(pairs: Iterable[tuple[str, int]]) -> Iterator[tuple]:
        """The strings of 2..K symbols of the chunks segmented in partition i, asked for."""
        groups: dict[int, list[str]] = defaultdict(list)
        for chunk, _ in pairs:
            groups[_crc(chunk) % P].append(chunk)
        for i in sorted(groups):
            piece: list[str] = []
            size = 0
            for chunk in groups.pop(i):  # (texts of about a million symbols: a bounded set of strings each)
                piece.append(chunk)
                size += len(chunk) + 1
                if size >= 1 << 20:
                    yield from _asks(i, "\n".join(piece), regexes, P, sieve_bc)
                    piece, size = [], 0
            if piece:
                yield from _asks(i, "\n".join(piece), regexes, P, sieve_bc)

    return needs


def _cutter(K: int, singles_bc):
    split = _with_table(singles_bc)

    def cut(blocks: Iterable[tuple[int, tuple]]) -> Iterator[tuple[str, int]]:
        """``(cut, m)``: each of a partition's chunks cut into words (joined by spaces; :func:`nlp_zero.passes
        ._cut_lines`), with the times it was seen."""
        table, rest = split(blocks)
        get, prefixes = table.get, candidate_prefixes(table, K)
        pairs = ((chunk, m) for block in rest for chunk, m in zip(block[1], block[2]))
        for text, m in _texts(pairs):
            for line in _cut_lines(text, _best_split(text, K, _gains(text, K, get, prefixes))):
                yield line, m

    return cut


def _words_of(record: tuple[str, int]) -> Iterator[tuple[str, int]]:
    line, m = record
    return ((w, m) for w in line.split(" "))


def _sides_of(cells: Counter, P: int) -> Iterator[tuple[int, dict]]:
    """``(j, part)``: the nonzero ``cells`` as rows ``{v: {x: n}}`` for partition j < P of the table (the
    partition of the first word) and as columns ``{x: {v: n}}`` for j = P + the partition of the second."""
    out: list[dict] = [{} for _ in range(2 * P)]
    where: dict[str, int] = {}
    for (v, x), c in cells.items():
        if c:
            i = where.get(v)
            if i is None:
                i = where[v] = _crc(v) % P
            j = where.get(x)
            if j is None:
                j = where[x] = _crc(x) % P
            out[i].setdefault(v, {})[x] = c
            out[P + j].setdefault(x, {})[v] = c
    return enumerate(out)


def _table_sides(P: int):
    def sides(pairs: Iterable[tuple[str, int]]) -> Iterator[tuple[int, dict]]:
        """The bigrams of a partition's cuts, counted, for the partitions of the table (:func:`_sides_of`)."""
        texts: dict[int, list[str]] = defaultdict(list)
        for line, m in pairs:
            texts[m].append(line)
        cells: Counter = Counter()
        for m, lines in texts.items():  # (the chunks seen m times in one text: counted as the cut files are)
            add_text_bigrams(cells, "\n".join(lines) + "\n", m)
        return _sides_of(cells, P)

    return sides


def _deltas(P: int, known_bc):
    def deltas(records: Iterable[tuple[str, int, str | None]]) -> Iterator[tuple[dict, list[dict], list[str]]]:
        """``(words, sides, dirty)``: what the chunks of a partition cut again do to the word counts, and to the
        bigram counts, for the partitions of the table (:func:`_sides_of`), and the words whose kept parts read
        a cell they change (:meth:`nlp_zero.bigram_split.Known.dirty`, as if every cell were counted, and of
        this partition's changes: more, never fewer).  One record, read without the chunks."""
        words: Counter = Counter()
        cells: Counter = Counter()
        for line, m, new in records:
            if new is not None:
                old, new = line.split(" "), new.split(" ")
                for w, c in word_changes(old, new, m):
                    words[w] += c
                for k, c in bigram_changes(old, new, m):
                    cells[k] += c
        dirty = known_bc.value.dirty((k for k, c in cells.items() if c), None)
        yield dict(words), [part for _, part in _sides_of(cells, P)], list(dirty)

    return deltas


def _sides_in(record: tuple[dict, list[dict], list[str]]) -> Iterator[tuple[int, dict]]:
    return enumerate(record[1])


def _words_dirty(record: tuple[dict, list[dict], list[str]]) -> tuple[dict, list[str]]:
    return record[0], record[2]


def _merged(parts: Iterable[tuple[int, dict]]) -> Iterator[dict]:
    """A partition of the table (or of changes of it) as one dict, its parts' counts added."""
    table: dict[str, dict] = {}
    for _, part in parts:
        for v, line in part.items():
            have = table.get(v)
            if have is None:
                table[v] = line
            else:
                for x, c in line.items():
                    have[x] = have.get(x, 0) + c
    yield table


def _add(table: dict[str, dict], changes: dict[str, dict]) -> None:
    """Add ``changes`` to a partition of the table (or to changes of it), in place; a cell at 0 goes."""
    for p, deltas in changes.items():
        line = table.get(p)
        if line is None:
            line = table[p] = {}
        for q, d in deltas.items():
            if d:
                n = line.get(q, 0) + d
                if n:
                    line[q] = n
                else:
                    del line[q]
        if not line:
            del table[p]


def _one_a_batch(rdd: Any) -> Any:
    """``rdd`` (one record a partition) pickled one record a batch (``RDD._reserialize``, as ``RDD.zip`` does
    itself): RDDs so pickled zip as they are stored, with no pass of Python to pickle them again, and the
    table is read once where it is zipped.  (A PySpark without that private method gets ``rdd`` as it is:
    ``zip`` then pickles it again itself, which costs time, not results.)"""
    try:
        from pyspark.serializers import BatchedSerializer, CPickleSerializer

        reserialize = rdd._reserialize
    except (ImportError, AttributeError):
        return rdd
    return reserialize(BatchedSerializer(CPickleSerializer(), 1))


def _test_records(P: int, cand_bc):
    def records(j: int, pairs: Iterable[tuple[dict, dict]]) -> Iterator[tuple[int, dict]]:
        """``(i, {w: {cell: count}})``: what the tests of the candidates of partition i need from partition j
        of the table (rows if j < P, else columns), with the changes of the rounds before."""
        cand = cand_bc.value
        into: dict[str, dict] = {}
        for table, changed in pairs:
            _add(table, changed)
            (row_records if j < P else column_records)(table, cand, into)
        out: dict[int, dict] = defaultdict(dict)
        for w, cells in into.items():
            out[_crc(w) % P][w] = cells
        return iter(out.items())

    return records


def _cell_parts(cand_bc):
    def parts(records: Iterable[tuple[int, dict]]) -> Iterator[tuple[tuple[str, str, str], tuple]]:
        """The cells' parts of the tests of a partition's candidates (:func:`nlp_zero.bigram_split.cell_parts`)."""
        into: dict[str, dict] = {}
        for _, part in records:
            for w, cells in part.items():
                into.setdefault(w, {}).update(cells)
        return cell_parts(into, cand_bc.value)

    return parts


def _summed(pair: tuple[dict, dict]) -> dict:
    """The changes of a partition of the table so far, a round's added."""
    changed, changes = pair
    _add(changed, changes)
    return changed


def _recut(recut_bc):
    def again(record: tuple[str, int]) -> tuple[str, int, str | None]:
        """``(cut, m, new cut or None)``: the chunk cut again if it holds a word that left."""
        line, m = record
        new = recut_bc.value(line.split(" "))
        return line, m, None if new is None else " ".join(new)

    return again


def _now(record: tuple[str, int, str | None]) -> tuple[str, int]:
    line, m, new = record
    return (line if new is None else new), m


def _split(cuts: Any, counts: dict[str, int], chunks: int, K: int, P: int, held: list
           ) -> tuple[Any, dict[str, int]]:
    """The bigram split's rounds (:mod:`nlp_zero.bigram_split`) over the persisted cuts; the cuts and word
    counts after the last.  The bigram table is counted once, in 2P partitions of one dict each: the rows
    ``{v: {x: n(v, x)}}`` by first word, then the columns ``{x: {v: n}}`` by second; it is kept as it was
    counted, and the changes of the rounds apart (as small as the chunks cut again), zipped with it where
    it is read.  Each round brings each candidate's cells to the partition of the candidate and collects
    the leaving words, cuts again the chunks that hold one (the word counts broadcast: the lexicon, not a
    candidate table), adds the changes of those chunks alone to the word counts (on the driver) and to the
    table's, and forgets the kept parts that read a changed cell.  What the lineage of the cuts needs until
    the words are counted goes to ``held`` (broadcasts to destroy, RDDs to unpersist)."""
    from pyspark import StorageLevel

    disk = StorageLevel.MEMORY_AND_DISK
    sc = cuts.context
    start = time.perf_counter()
    table = _one_a_batch(cuts.mapPartitions(_table_sides(P)).partitionBy(2 * P, _identity)
                         .mapPartitions(_merged, True)).persist(disk)
    changed = _one_a_batch(sc.parallelize([{}] * (2 * P), 2 * P))  # (the changes of the table so far)
    done: list = []  # (what the changes so far were made from: dropped once they are read)
    bcs: list = []  # (the broadcasts their lineage needs: destroyed with them)
    prev = None  # (the last round's cuts, old and new)
    known = Known()  # (the tests' cells' parts, on the driver: one per candidate split)
    for r in itertools.count(1):
        cand = Candidates(counts)
        if not cand:
            break
        todo = [w for w, splits in cand.splits.items() if any((w, a, b) not in known.parts for a, b in splits)]
        if todo:  # (the candidates whose cells changed, or are new: their cells to them, their parts back)
            cand_bc = sc.broadcast(cand.only(todo))
            records = table.zip(changed).mapPartitionsWithIndex(_test_records(P, cand_bc)).partitionBy(P, _identity)
            for key, part in records.mapPartitions(_cell_parts(cand_bc)).collect():
                known.add(key, part)
            cand_bc.destroy()
            for x in done:  # (the changes now read: what they were made from is not)
                x.unpersist()
            done = []
        price = price_of(counts, chunks)
        leave = {w for w, splits in cand.splits.items() if decides(w, splits, known.parts, counts, price)}
        log.info("bigram split, round %d: %d candidates tested again, %d words leave; %.1f s", r, len(todo),
                 len(leave), time.perf_counter() - start)
        if not leave:
            break
        recut_bc = sc.broadcast(Recut(leave, counts, K))
        held.append(recut_bc)
        known_bc = sc.broadcast(known)
        bcs.append(known_bc)
        marked = cuts.map(_recut(recut_bc)).persist(disk)
        deltas = marked.mapPartitions(_deltas(P, known_bc)).persist(disk)
        dirty = set()
        for change, words in deltas.map(_words_dirty).collect():
            for w, c in change.items():
                counts[w] = counts.get(w, 0) + c
            dirty.update(words)
        counts = {w: c for w, c in counts.items() if c > 0}
        known.forget_words(dirty)
        cuts.unpersist()  # (marked is on hand: the cuts before it are not needed again)
        if prev is not None:
            prev.unpersist()
        prev = marked
        # (the changes added to the table's where the next round's tests read them: no job of their own)
        changes = _one_a_batch(deltas.flatMap(_sides_in).partitionBy(2 * P, _identity).mapPartitions(_merged, True))
        done += [changed, deltas]
        changed = _one_a_batch(changed.zip(changes).map(_summed)).persist(disk)
        cuts = marked.map(_now)
    for x in [table, changed] + done:
        x.unpersist()
    for x in bcs:
        x.destroy()
    if prev is not None:
        held.append(prev)  # (the last cuts are read from it)
    log.info("bigram split: %.1f s", time.perf_counter() - start)
    return cuts, counts


def discover(lines: Any, order: int = 4, column: str = "value", partitions: int | None = None,
             split: bool = True) -> Lexicon:
    """Learn a lexicon on Spark: the same words, counts and scores as
    ``WordFinder(order, split=split).train(lines).find()``.

    ``lines``: an RDD of str, or a DataFrame with a text ``column``.
    ``partitions``: of the shuffles (default: the context's parallelism);
    the result does not depend on it.  The lexicon's ``stats`` attribute
    holds the :class:`~nlp_zero.discovery.DiscoveryStats` that ``find()``
    would leave in ``WordFinder.stats``.  The lexicon is built on the
    driver from a stream of its rows; the bigram split's rounds hold the
    word counts there too (see :func:`_split`).
    """
    learned = _learn(lines, order, column, partitions, split)
    try:
        lexicon = Lexicon()
        for word, (count, details) in learned.rows.toLocalIterator():
            lexicon[word] = count
            lexicon.scores[readable(word)] = dict(zip(SCORES, details))
    finally:
        learned.rows.unpersist()
    lexicon.stats = learned.stats
    return lexicon


def discover_to_files(lines: Any, prefix: str, order: int = 4, column: str = "value",
                      partitions: int | None = None, top: int = 0, split: bool = True
                      ) -> tuple[DiscoveryStats, list[tuple[str, int]]]:
    """Learn on Spark and write ``PREFIX.dict.txt`` and ``PREFIX.tsv`` on the driver, byte for byte those of
    :meth:`Lexicon.save` and :meth:`Lexicon.save_tsv` of :func:`discover`'s lexicon; the stats and the
    ``top`` first words with their counts.

    The rows are sorted by Spark and streamed to both files (``toLocalIterator``):
    the driver never holds the rows (the bigram split's rounds hold the word
    counts, see :func:`_split`).  (The meta file is the caller's.)
    """
    learned = _learn(lines, order, column, partitions, split)
    stats, rows = learned.stats, learned.rows
    names = sorted(SCORES) if stats.words else []
    first: list[tuple[str, int]] = []
    try:
        # (toLocalIterator brings one partition at a time through the driver's JVM: a bounded number of rows)
        parts = max(rows.getNumPartitions(), math.ceil(stats.words / ROWS_PER_PART))
        ordered = rows.map(_sort_key).sortByKey(True, parts).values()
        with atomic_write(prefix + ".dict.txt") as words, atomic_write(prefix + ".tsv") as table:
            table.write(tsv_header(names))
            for word, count, details in ordered.toLocalIterator():
                words.write(f"{word} {count}\n")
                table.write(tsv_row(word, count, stats.tokens, dict(zip(SCORES, map(float, details))), names))
                if len(first) < top:
                    first.append((word, count))
    finally:
        rows.unpersist()
    return stats, first

#: The words in a partition of the sorted lexicon streamed to the driver (at most about).
ROWS_PER_PART = 50_000


def _sort_key(row: tuple[str, tuple[int, tuple]]) -> tuple[tuple[int, str], tuple[str, int, tuple]]:
    """A row keyed for the order of a lexicon's files: by decreasing count, then by readable word."""
    word, (count, details) = row
    word = readable(word)
    return (-count, word), (word, count, details)


@dataclass
class _Learned:
    rows: Any  # RDD (word, (count, (score, nvbe, cohesion, pmi))), persisted
    stats: DiscoveryStats


def _word_sums(rows: Iterable[tuple[str, tuple[int, tuple]]]) -> Iterator[tuple[int, int, list[float]]]:
    """A partition's words, tokens, and the exact partials of Σ c·ln c (see :func:`nlp_zero.scores.code_length`)."""
    counts = [count for _, (count, _) in rows]
    yield len(counts), sum(counts), exact_partials([c * math.log(c) for c in counts if c > 0])


def _segmented(corpus: "_Corpus", found: list, singles_details: dict, singles_bc, sieve_bc, K: int, P: int,
               split: bool, held: list, partitions: int | None):
    """``(word, (count, scores))`` of the segmentation: each partition's chunks with the candidates they
    hold (a join, not a broadcast; the strings asked for sifted by ``sieve_bc``), cut into words, the
    bigram split's rounds (``split``), the words counted, their scores joined."""
    from pyspark import StorageLevel

    sc = corpus.chunks.context
    needs = corpus.chunks.mapPartitions(_chunk_needs(K, P, sieve_bc))
    known = sc.union([f.mapValues(itemgetter(0)) for f in found]) if found else sc.parallelize([], P)
    blocks = corpus.chunks.mapPartitions(_chunk_blocks(P)).union(_found(needs, known, P))
    cuts = blocks.partitionBy(P, _identity).mapPartitions(_cutter(K, singles_bc)).persist(
        StorageLevel.MEMORY_AND_DISK)
    words = cuts.flatMap(_words_of).reduceByKey(add, P, _crc)
    if split:  # (its tables are far smaller than the n-grams': fewer partitions, fewer tasks a round)
        chunks = cuts.values().sum()
        Q = partitions or max(sc.defaultParallelism, math.ceil(corpus.distinct_chars * BYTES_PER_BIGRAM
                                                                / PARTITION_BYTES))
        cuts, counts = _split(cuts.coalesce(Q) if Q < P else cuts, dict(words.collect()), chunks, K, Q, held)
        words = cuts.flatMap(_words_of).reduceByKey(add, P, _crc)
    scores = sc.union([f.mapValues(itemgetter(1)) for f in found] +
                      [sc.parallelize(sorted(singles_details.items()), 1)])
    return words.join(scores, P), cuts


def _learn(lines: Any, order: int, column: str, partitions: int | None, split: bool = True) -> _Learned:
    from pyspark import StorageLevel

    if not 1 <= order <= 16:
        raise NlpZeroError(f"order must be between 1 and 16, not {order}")
    K = order
    start = time.perf_counter()
    corpus = _corpus(lines, column, partitions)
    sc = corpus.chunks.context
    P = _sized(corpus, K + 1, partitions)
    log.info("%d partitions of n-grams", P)
    unigrams = corpus.unigrams
    if not set(unigrams) - set(CLASS_SYMBOLS):
        raise NlpZeroError("no Han text to learn from")
    n = corpus.chars
    h0 = entropy(sorted(c for c in unigrams.values() if c > 1), n)
    log.info("chunk multiset: %d lines, %d symbols (%d distinct); %.1f s", corpus.lines, n, len(unigrams),
             time.perf_counter() - start)
    disk = StorageLevel.MEMORY_AND_DISK
    windows = corpus.chunks.mapPartitions(_windows_of(K, P)).partitionBy(P, _identity).persist(disk)
    singles = _singles(windows, unigrams, P)
    sides_bc = sc.broadcast(singles)
    log.info("windows and single symbols; %.1f s", time.perf_counter() - start)
    # single symbols: their columns on the driver (as many as the alphabet)
    singles_cols = {a: (singles.h_r.get(a, 0.0) - h0, singles.h_l.get(a, 0.0) - h0, 0.0) for a in unigrams}
    # forward columns by the first two symbols, then to the partition of the last two: backward, PMI
    scored = (windows.mapPartitions(_forward(K, P, sides_bc)).partitionBy(P, _identity)
              .mapPartitions(_backward(K, math.log(n), sides_bc)).persist(disk))
    norms = _norms(scored, singles_cols, K, P)
    log.info("n-grams scored and standardised; %.1f s", time.perf_counter() - start)
    windows.unpersist()
    found, singles_details, singles_bc, sieve = _candidate_rdd(scored, _Model(K, norms, []), singles_cols, P)
    sieve_bc = sc.broadcast(sieve)
    log.info("candidates; %.1f s", time.perf_counter() - start)
    held: list = []  # (broadcasts and RDDs the segmentation's lineage needs until the words are counted)
    rows, cuts = _segmented(corpus, found, singles_details, singles_bc, sieve_bc, K, P, split, held, partitions)
    rows = rows.persist(disk)
    sums = rows.mapPartitions(_word_sums).collect()  # (one record a partition)
    cuts.unpersist()
    for x in held:
        if hasattr(x, "destroy"):
            x.destroy()
        else:
            x.unpersist()
    tokens = sum(t for _, t, _ in sums)
    # code_length of the counts: Σ c·ln c summed exactly, as its one fsum does
    after = tokens * math.log(tokens) - math.fsum(p for _, _, part in sums for p in part) if tokens else 0.0
    for f in found:
        f.unpersist()
    scored.unpersist()
    singles_bc.destroy()
    sieve_bc.destroy()
    sides_bc.destroy()
    chunks = corpus.chunks.values().sum()
    corpus.unpersist()
    stats = DiscoveryStats(
        lines=corpus.lines,
        chunks=chunks,
        chars=n,
        words=sum(w for w, _, _ in sums),
        tokens=tokens,
        bits_per_char_before=code_length(unigrams.values()) / n / _LN2,
        bits_per_char_after=after / n / _LN2,
    )
    log.info("%d words; %.1f s", stats.words, time.perf_counter() - start)
    return _Learned(rows, stats)
