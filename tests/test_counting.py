"""NgramCounter: exact counts, pruning, merging, files, the count CLI."""

import gzip
import os
import re
from collections import Counter
from itertools import islice

import pytest

from nlp_zero import Corpus, FormatError, NgramCounter
from nlp_zero.corpus import demo_path
from nlp_zero.text import stat_chunks


NOISE = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(20000))


def brute_force(lines, order):
    counts = Counter()
    for line in lines:
        for chunk in stat_chunks(line):
            for k in range(1, order + 1):
                for i in range(len(chunk) - k + 1):
                    counts[chunk[i:i + k]] += 1
    return counts


@pytest.fixture(scope="module")
def real_lines():
    return list(islice(Corpus(demo_path()), 3000))


def test_counts_are_exact_on_real_text(real_lines):
    counter = NgramCounter(order=4, min_count=1)
    counter.update(real_lines)
    expected = brute_force(real_lines, 4)
    for k in range(1, 5):
        assert counter.ngrams(k) == {g: c for g, c in expected.items() if len(g) == k}
    assert counter.chars == sum(c for g, c in expected.items() if len(g) == 1)


def test_min_count_pruning_is_exact_and_apriori_closed(real_lines):
    counter = NgramCounter(order=4, min_count=3)
    counter.update(real_lines)
    expected = brute_force(real_lines, 4)
    for k in range(1, 5):
        kept = counter.ngrams(k)
        assert kept == {g: c for g, c in expected.items() if len(g) == k and c >= 3}
        if k > 1:  # every kept k-gram has both (k-1)-grams kept
            assert all(g[1:] in counter and g[:-1] in counter for g in kept)


def test_training_is_additive(real_lines):
    once = NgramCounter(3, min_count=2)
    once.update(real_lines)
    twice = NgramCounter(3, min_count=2)
    twice.update(real_lines[:1000])
    twice.update(real_lines[1000:])  # counts below min_count after the first call are not lost
    assert once == twice


@pytest.mark.parametrize("jobs", [2, 3])
def test_parallel_count_equals_one_pass(real_lines, jobs):
    one = NgramCounter(4, 2).count(real_lines)
    more = NgramCounter(4, 2).count(real_lines, jobs=jobs)
    assert one == more and one.lines == more.lines == len(real_lines)


@pytest.mark.parametrize("order", [1, 2, 5])
@pytest.mark.parametrize("jobs", [1, 3])
def test_lower_orders_derived_from_the_top_are_exact(tmp_path, monkeypatch, order, jobs):
    # Chunks shorter than the order, one symbol long, class symbols first and last, 〇 and an
    # Extension B character (code points on both sides of the class symbols' private-use ones).
    lines = ["葡萄，皮。吃葡萄不吐葡萄皮", "2024年iPhone8售价6888元", "一", "二○○一年〇", "𠀀𠀁𠀀𠀁甲乙", "甲乙丙丁戊"] * 7
    counter = NgramCounter(order, min_count=1).count(lines, jobs=jobs)
    expected = brute_force(lines, order)
    for k in range(1, order + 1):
        assert counter.ngrams(k) == {g: c for g, c in expected.items() if len(g) == k}
    # The same made from spilled runs as they are merged (a run for about every ten n-grams).
    from nlp_zero import counting

    reference, out = tmp_path / "ref.counts", tmp_path / "out.counts"
    counter.save(str(reference))
    batches, spill, spills = counting._batches, counting._Spiller._spill, []
    monkeypatch.setattr(counting, "_batches", lambda lines, size: batches(lines, 16))
    monkeypatch.setattr(counting, "BYTES_PER_NGRAM", 1 << 30)  # a limit of one n-gram
    monkeypatch.setattr(counting._Spiller, "_spill", lambda self: spills.append(1) or spill(self))
    counting.count_to_file(iter(lines), str(out), order, 1, max_memory=1, jobs=jobs, tmp_dir=str(tmp_path))
    assert out.read_bytes() == reference.read_bytes()
    assert len(spills) > 10  # (this process's: a worker's are not seen here)


def test_shares_cover_every_symbol_once_in_the_output_order():
    from nlp_zero.counting import _shares
    from nlp_zero.text import readable

    sample = "\n".join(stat_chunks(NOISE[:3000] + "2024年iPhone8"))
    shares = _shares(sample, 3)
    assert len(shares) == 3 and _shares(sample, 1) == [None]
    owners = [re.compile(f"[{share}]") for share in shares]
    symbols = sorted(set(sample.replace("\n", "")) | {"\U00020000", "\uf900"}, key=readable)
    owned = [[i for i, own in enumerate(owners) if own.match(s)] for s in symbols]
    assert all(len(o) == 1 for o in owned)  # each symbol in exactly one share
    assert [o[0] for o in owned] == sorted(o[0] for o in owned)  # the shares follow the output's order
    assert not any(own.match("\n") for own in owners)


def test_save_load_save_is_byte_identical(tmp_path, real_lines):
    counter = NgramCounter(4, 2).count(real_lines[:500] + ["1998年iPhone8"])
    a, b = tmp_path / "a.counts", tmp_path / "b.counts"
    counter.save(str(a))
    loaded = NgramCounter.load(str(a))
    loaded.save(str(b))
    assert a.read_bytes() == b.read_bytes()
    assert loaded == counter
    assert "<NUM>年" in a.read_text(encoding="utf-8")


def test_addition_and_merge(real_lines):
    a = NgramCounter(3).count(real_lines[:700])
    b = NgramCounter(3).count(real_lines[700:1500])
    whole = NgramCounter(3).count(real_lines[:1500])
    assert a + b == whole
    a.merge(b)
    assert a == whole


@pytest.mark.parametrize("content,cause", [
    ("hello\n", "not an nlp-zero counts file"),
    ("#nlp-zero counts 1\n#order 2\n#min_count 1\n#chars 3\n1\t好\tx\n", "positive whole numbers"),
    ("#nlp-zero counts 1\n#order 2\n#min_count 1\n#chars 3\n1\t好\t-4\n", "positive whole numbers"),
    ("#nlp-zero counts 1\n#order 2\n#min_count 1\n#chars 3\n3\t好好好\t4\n", "does not fit"),
    ("#nlp-zero counts 1\n#order 2\n#min_count 1\n#chars 3\n1\t好\n", "expected"),
    ("#nlp-zero counts 1\n#order 2\n#chars 3\n", "no #min_count"),
])
def test_malformed_count_files(tmp_path, content, cause):
    p = tmp_path / "bad.counts"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=cause) as e:
        NgramCounter.load(str(p))
    assert str(p) in str(e.value)


# -- the CLI -------------------------------------------------------------


def test_cli_halves_in_separate_processes_merge_to_one_pass(tmp_path, cli, real_lines):
    text = "\n".join(real_lines[:2000]) + "\n"
    half = len(real_lines[:2000]) // 2
    (tmp_path / "a.txt").write_text("\n".join(real_lines[:half]) + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n".join(real_lines[half:2000]) + "\n", encoding="utf-8")
    (tmp_path / "all.txt").write_text(text, encoding="utf-8")
    for name in ("a", "b"):
        r = cli("count", str(tmp_path / f"{name}.txt"), "-o", str(tmp_path / f"{name}.counts"), "--min-count", "1", "-q")
        assert r.returncode == 0, r.stderr
    r = cli("merge-counts", str(tmp_path / "a.counts"), str(tmp_path / "b.counts"), "--min-count", "2",
            "-o", str(tmp_path / "merged.counts"), "-q")
    assert r.returncode == 0, r.stderr
    r = cli("count", str(tmp_path / "all.txt"), "-o", str(tmp_path / "one.counts"), "--min-count", "2", "-q")
    assert r.returncode == 0, r.stderr
    merged = (tmp_path / "merged.counts").read_bytes()
    assert merged == (tmp_path / "one.counts").read_bytes()


def test_cli_output_independent_of_hash_seed_and_jobs(tmp_path, cli, real_lines):
    p = tmp_path / "in.txt"
    p.write_text("\n".join(real_lines[:1500]), encoding="utf-8")
    outputs = []
    for seed, jobs in (("1", "1"), ("2", "1"), ("3", "2")):
        out = tmp_path / f"out{seed}.counts"
        r = cli("count", str(p), "-o", str(out), "-j", jobs, "-q", env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_cli_stdin_and_empty_input(tmp_path, cli):
    r = cli("count", "-", "-o", "-", "-n", "2", "--min-count", "1", input="葡萄葡萄\n")
    assert r.returncode == 0
    assert "2\t葡萄\t2\n" in r.stdout
    (tmp_path / "empty.txt").write_bytes(b"")
    r = cli("count", str(tmp_path / "empty.txt"), "-o", str(tmp_path / "e.counts"), "-q")
    assert r.returncode == 0
    assert NgramCounter.load(str(tmp_path / "e.counts")).chars == 0


@pytest.mark.parametrize("make,cause", [
    (lambda d: str(d / "missing.txt"), "no such file"),
    (lambda d: (d / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\rIHDR") and str(d / "b.png"), "b.png:1"),
    (lambda d: (d / "g.txt").write_bytes("好\n".encode() + "坏了".encode("gbk")) and str(d / "g.txt"), "g.txt:2"),
    (lambda d: (d / "t.gz").write_bytes(gzip.compress(NOISE.encode())[:3000]) and str(d / "t.gz"), "truncated"),
])
def test_cli_bad_input_is_one_line_exit_2_no_output(tmp_path, cli, make, cause):
    path = make(tmp_path)
    out = tmp_path / "out.counts"
    r = cli("count", path, "-o", str(out))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and cause in lines[0] and "Traceback" not in r.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_ctrl_c_while_workers_start_is_not_lost(monkeypatch):
    """A Ctrl-C that arrives while the workers start must reach the parent."""
    import contextlib
    import os
    import signal

    from nlp_zero import pool

    real = pool.children_ignore_sigint

    @contextlib.contextmanager
    def interrupted_start():
        with real():
            os.kill(os.getpid(), signal.SIGINT)  # inside the start-up window
            yield

    monkeypatch.setattr(pool, "children_ignore_sigint", interrupted_start)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            NgramCounter(4).count(["葡萄葡萄"] * 100, jobs=2)
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("bytes_per_ngram", [170, 40_000])  # the real figure, and one that forces many runs
def test_bounded_count_writes_the_same_file(tmp_path, monkeypatch, jobs, bytes_per_ngram):
    from nlp_zero import counting
    from nlp_zero.corpus import Corpus, demo_path

    lines = list(Corpus(demo_path()))[:600] + ["ＡＢＣ公司2024年收入３.５亿元，iPhone8售价6888元。"] * 3
    reference = tmp_path / "ref.counts"
    NgramCounter(order=4, min_count=2).count(lines).save(str(reference))
    monkeypatch.setattr(counting, "BYTES_PER_NGRAM", bytes_per_ngram)
    spilled = []
    real_spill = counting._Spiller._spill
    monkeypatch.setattr(counting._Spiller, "_spill", lambda self: spilled.append(1) or real_spill(self))
    area = tmp_path / "area"
    area.mkdir()
    out = tmp_path / "out.counts"
    summary = counting.count_to_file(iter(lines), str(out), order=4, min_count=2, max_memory=64 << 20,
                                     jobs=jobs, tmp_dir=str(area))
    assert out.read_bytes() == reference.read_bytes()
    assert summary.kept == tuple(len(NgramCounter.load(str(out)).ngrams(k)) for k in range(1, 5))
    if bytes_per_ngram > 1000 and jobs == 1:  # (a worker's spills are not seen here)
        assert len(spilled) > 2
    assert os.listdir(area) == []


def test_cli_count_budget_and_jobs_give_identical_files(tmp_path, cli):
    from nlp_zero.corpus import Corpus, demo_path

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(list(Corpus(demo_path()))[:400]) + "\n", encoding="utf-8")
    outs = []
    for argv in (["-j", "1"], ["-j", "2", "--max-memory", "64M"], ["--max-memory", "1G"]):
        out = tmp_path / f"o{len(outs)}.counts"
        r = cli("count", str(corpus), "-o", str(out), *argv)
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    r = cli("count", str(corpus), "-o", str(tmp_path / "x"), "--tmp-dir", str(tmp_path / "nope"))
    assert r.returncode == 2 and "not a directory" in r.stderr


def test_progress_is_a_callable_and_the_old_meter_warns(capsys):
    seen = []
    lines = ["葡萄葡萄"] * 5000
    NgramCounter(2).count(lines, progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert seen[0] == ("counting", 4096, None) and seen[-1] == ("counting", 5000, None)
    with pytest.warns(DeprecationWarning, match="callable"):
        NgramCounter(2).count(lines, progress="jsonl")
    assert '"stage": "counting"' in capsys.readouterr().err
