"""The Spark engine (nlp_zero.spark): the same bytes as the local engine.

One ``local[2]`` session is shared by the tests of this file; they skip only
when Java 17+ cannot be had (pyspark itself comes with the test command's
``.[spark,test]``).
"""

from __future__ import annotations

import gzip
import lzma
import math
import os
import random
import re
import shutil
import subprocess
import sys

import pytest

from nlp_zero import NgramCounter, WordFinder
from nlp_zero.corpus import demo_path

from conftest import run_cli

SPARK_ENV = {"SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}


def _java_version() -> int | None:
    java = shutil.which("java")
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        java = os.path.join(home, "bin", "java")
    if not java:
        return None
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


@pytest.fixture(scope="session")
def spark():
    if (_java_version() or 0) < 17:
        pytest.skip("the Spark engine needs Java 17+, and none was found (java on the PATH or JAVA_HOME)")
    os.environ.update(SPARK_ENV)
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("nlp-zero-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    session.sparkContext.setLogLevel("FATAL")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def demo_lines() -> list[str]:
    with lzma.open(demo_path(), "rt", encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory, demo_lines) -> str:
    path = tmp_path_factory.mktemp("spark") / "demo.txt"
    path.write_text("".join(line + "\n" for line in demo_lines), encoding="utf-8")
    return str(path)


def _bytes(path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


# -- the exact sums ------------------------------------------------------------


def test_exact_partials_give_one_fsum_where_partial_fsums_do_not():
    from nlp_zero.scores import exact_partials

    rng = random.Random(13)
    differ = 0
    for _ in range(300):
        values = [rng.gauss(0, 1) * 10 ** rng.randint(-8, 8) for _ in range(rng.randint(2, 60))]
        parts = [values[i::3] for i in range(3)]
        assert math.fsum([p for part in parts for p in exact_partials(part)]) == math.fsum(values)
        differ += math.fsum(math.fsum(p) for p in parts) != math.fsum(values)
    assert differ  # the naive way is not exact: what the partials are for
    assert exact_partials([]) == [] and exact_partials([1e300, 1.0, -1e300]) == [1.0]


# -- counting -------------------------------------------------------------------


def test_count_ngrams_is_a_dataframe_of_the_counts(spark):
    from nlp_zero.spark import count_ngrams

    lines = ["吃葡萄不吐葡萄皮，不吃葡萄倒吐葡萄皮", "第3条 葡萄", ""]
    df = count_ngrams(spark.createDataFrame([(x,) for x in lines], "text string"), order=2, min_count=1,
                      column="text")
    assert [f.name for f in df.schema.fields] == ["order", "ngram", "count"]
    got = {(k, g): c for k, g, c in df.collect()}
    local = NgramCounter(order=2, min_count=1)
    local.update(lines)
    assert got[(2, "葡萄")] == local["葡萄"] == 5
    assert got[(2, "第<NUM>")] == 1
    assert len(got) == len(local)


def test_count_file_is_byte_identical_to_the_local_one(spark, demo_lines, tmp_path):
    from nlp_zero.counting import count_to_file
    from nlp_zero.spark import count_to_file as spark_count_to_file

    count_to_file(demo_lines, str(tmp_path / "local.counts"), order=4, min_count=2)
    rdd = spark.sparkContext.parallelize(demo_lines, 3)
    summary = spark_count_to_file(rdd, str(tmp_path / "spark.counts"), order=4, min_count=2, partitions=3)
    assert _bytes(tmp_path / "spark.counts") == _bytes(tmp_path / "local.counts")
    assert summary.kept[0] > 0


# -- discovery --------------------------------------------------------------------


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_discover_gives_the_local_lexicon_byte_for_byte(spark, demo_lines, tmp_path, partitions):
    from nlp_zero.spark import discover

    lines = demo_lines[:1500]
    finder = WordFinder(order=4).train(lines)
    local = finder.find()
    lexicon = discover(spark.sparkContext.parallelize(lines, partitions), order=4, partitions=partitions)
    assert lexicon.stats == finder.stats
    for name, lex in (("local", local), ("spark", lexicon)):
        lex.save(str(tmp_path / f"{name}.dict.txt"))
        lex.save_tsv(str(tmp_path / f"{name}.tsv"))
    assert _bytes(tmp_path / "spark.dict.txt") == _bytes(tmp_path / "local.dict.txt")
    assert _bytes(tmp_path / "spark.tsv") == _bytes(tmp_path / "local.tsv")


def test_the_medians_in_steps_are_the_local_ones(spark, demo_lines, tmp_path, monkeypatch):
    # at most 3 values of a column gathered: the medians are narrowed in jobs of their own, as on a corpus
    # whose values tie by the million
    from nlp_zero import scores
    from nlp_zero.spark import discover

    monkeypatch.setattr(scores, "GATHER", 3)
    lines = demo_lines[:800]
    local = WordFinder(order=4).train(lines).find()
    lexicon = discover(spark.sparkContext.parallelize(lines, 3), order=4, partitions=3)
    for name, lex in (("local", local), ("spark", lexicon)):
        lex.save_tsv(str(tmp_path / f"{name}.tsv"))
    assert _bytes(tmp_path / "spark.tsv") == _bytes(tmp_path / "local.tsv")


@pytest.mark.parametrize("split", [False, True])
def test_discover_collects_and_broadcasts_no_more_than_the_alphabet(spark, demo_lines, monkeypatch, split):
    """What reaches the driver, but for the lexicon (a stream), is as large as the alphabet at most -- or of
    a fixed size (the sieve of the candidates, the same bytes whatever the corpus; the medians' counts of at
    most 65,536 bit patterns or 2^18 values a column, in one record an order); the bigram split's
    rounds add tables of words (the word counts, the candidates and their tests' parts: as many as the
    words before the split at most), never bigrams or chunks."""
    from pyspark import RDD, SparkContext

    from nlp_zero.bigram_split import Candidates, Known, Recut
    from nlp_zero.spark import SIEVE_BITS, _Sieve, _Singles, discover

    sizes, sieves = [], []
    broadcast, collect = SparkContext.broadcast, RDD.collect

    def spy_broadcast(self, value):
        if isinstance(value, _Sieve):
            sieves.append(len(value.bits))
        elif isinstance(value, Candidates):
            sizes.append(("words", len(value.splits)))
        elif isinstance(value, Recut):
            sizes.append(("words", len(value.cost)))
        elif isinstance(value, Known):
            sizes.append(("words", len(value.keys)))
        else:
            sizes.append(("broadcast", len(value.n) if isinstance(value, _Singles) else len(value)))
        return broadcast(self, value)

    def spy_collect(self):
        out = collect(self)
        sizes.append(("collect", len(out)))
        return out

    monkeypatch.setattr(SparkContext, "broadcast", spy_broadcast)
    monkeypatch.setattr(RDD, "collect", spy_collect)
    lines = demo_lines[:600]
    lexicon = discover(spark.sparkContext.parallelize(lines, 2), order=4, partitions=2, split=split)
    alphabet = len(set("".join(lines)))
    assert len(lexicon) > alphabet  # (so that a table of words or candidates would be seen)
    words = len(WordFinder(split=False).train(lines).find())
    big = [(what, size) for what, size in sizes if size > alphabet]
    assert (big and max(size for _, size in big) <= words) if split else not big, sizes
    assert sieves and set(sieves) == {SIEVE_BITS // 8}


def test_discover_reads_a_dataframe_column(spark):
    from nlp_zero.spark import discover

    lines = ["吃葡萄不吐葡萄皮，不吃葡萄倒吐葡萄皮。"] * 3 + ["葡萄很甜，我吃葡萄。"]
    df = spark.createDataFrame([(x,) for x in lines], "value string")
    lexicon = discover(df, order=3)
    finder = WordFinder(order=3).train(lines)
    assert dict(lexicon.items()) == dict(finder.find().items())
    assert "葡萄" in lexicon


def test_discover_without_han_text_is_an_error(spark):
    from nlp_zero.errors import NlpZeroError
    from nlp_zero.spark import discover

    with pytest.raises(NlpZeroError, match="no Han text"):
        discover(spark.sparkContext.parallelize(["abc 123", "。"], 2))


# -- the command line ------------------------------------------------------------------


def test_cli_discover_and_count_with_spark_write_the_local_files(spark, demo_file, tmp_path):
    common = ["--engine", "spark", "--spark-master", "local[2]", "--spark-partitions", "3", "-q"]
    for engine_args, prefix in (([], "local"), (common, "spark")):
        proc = run_cli("discover", demo_file, "-o", str(tmp_path / prefix), *engine_args, env=SPARK_ENV)
        assert proc.returncode == 0, proc.stderr
        proc = run_cli("count", demo_file, "-o", str(tmp_path / f"{prefix}.counts"), *engine_args, env=SPARK_ENV)
        assert proc.returncode == 0, proc.stderr
    for suffix in (".dict.txt", ".tsv", ".meta.json", ".counts"):
        assert _bytes(tmp_path / f"spark{suffix}") == _bytes(tmp_path / f"local{suffix}"), suffix


def _one_line_error(proc, *words):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nlp-zero: error: "), proc.stderr
    for w in words:
        assert w in lines[0]


def test_cli_bad_inputs_are_one_line_with_spark(spark, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("中文\n".encode() + b"\xe4\xb8\n")
    good = gzip.compress("中文很好\n".encode() * 5000)
    trunc = tmp_path / "trunc.txt.gz"
    trunc.write_bytes(good[: len(good) // 2])
    spark_args = ["--engine", "spark", "--spark-master", "local[2]"]
    _one_line_error(run_cli("discover", str(tmp_path / "none.txt"), "-o", str(tmp_path / "x"), *spark_args,
                            env=SPARK_ENV), "none.txt", "no such file")
    _one_line_error(run_cli("count", str(bad), "-o", str(tmp_path / "x.counts"), *spark_args, env=SPARK_ENV),
                    "bad.txt:2", "UTF-8")
    _one_line_error(run_cli("discover", str(trunc), "-o", str(tmp_path / "x"), *spark_args, env=SPARK_ENV),
                    "trunc.txt.gz", "corrupt or truncated")
    assert not (tmp_path / "x.dict.txt").exists() and not (tmp_path / "x.counts").exists()


def test_cli_without_java_names_the_extra_and_java(tmp_path):
    env = {**SPARK_ENV, "PATH": os.path.dirname(sys.executable), "JAVA_HOME": ""}
    proc = run_cli("count", "--engine", "spark", str(tmp_path / "a.txt"), "-o", str(tmp_path / "a.counts"), env=env)
    _one_line_error(proc, "nlp-zero[spark]", "Java 17+")


def test_the_sieve_lets_every_candidate_through_and_few_others():
    """The Bloom filter that sifts the strings asked for: no candidate lost (the result would change), most
    other strings left out (what it is for), its size fixed."""
    from nlp_zero.spark import SIEVE_BITS, _assembled, _blocks_by_crc, _or_slices, _sieve_slices

    rng = random.Random(7)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    words = {"".join(rng.choices(han, k=rng.randint(2, 4))) for _ in range(20000)}
    others = {"".join(rng.choices(han, k=rng.randint(2, 4))) for _ in range(20000)} - words
    parts = sorted(words)
    slices: dict = {}
    for part in (parts[:7000], parts[7000:12000]):  # two partitions of a table, their slices or-ed
        for s, value in _sieve_slices((w, 0) for w in part):
            slices[s] = _or_slices(slices[s], value) if s in slices else value
    sieve = _assembled(_assembled(None, slices.items()), _sieve_slices((w, 0) for w in parts[12000:]))
    assert len(sieve.bits) == SIEVE_BITS // 8 and sieve.size == len(words)

    def through(strings):
        return {x for _, (keys, _) in _blocks_by_crc(((x, 0) for x in strings), 5, 1, "q", sieve.bits) for x in keys}

    assert through(words) == words
    assert len(through(others)) < 0.01 * len(others)
