"""Bounded memory and parallel passes of discovery: the result never depends on them.

The budget is forced down by raising the estimated bytes per n-gram, so that
the small test corpus is split into many forward/backward ranges -- the code
paths a 100 MB corpus takes under a real budget.  Speed and memory figures are in benchmarks/scale.py, not here.
"""

from __future__ import annotations

import json
import logging
import os

import pytest

from nlp_zero import Corpus, WordFinder, discovery, passes, pool, spill
from nlp_zero.corpus import demo_path


@pytest.fixture(scope="module")
def demo_lines() -> list[str]:
    return list(Corpus(demo_path()))[:1500]  # ~120k characters of statutes


def _tsv(lexicon, path) -> bytes:
    lexicon.save_tsv(str(path))
    return path.read_bytes()


def _split(monkeypatch) -> None:
    """Make every pass "too big" so the work is split into many ranges."""
    monkeypatch.setattr(passes, "BYTES_PER_NGRAM", 20_000)


def test_size_parsing():
    assert spill.parse_size("400M") == 400 << 20
    assert spill.parse_size("1.5g") == 3 << 29
    assert spill.parse_size("2GiB") == 2 << 30
    assert spill.parse_size("800k") == 800 << 10
    assert spill.parse_size("123") == 123
    for bad in ("", "M", "-1G", "1.2.3M", "4X", "lots"):
        with pytest.raises(ValueError):
            spill.parse_size(bad)
    assert 256 << 20 <= spill.default_max_memory() <= 1 << 30


@pytest.mark.parametrize("jobs", [1, 2])
def test_split_work_gives_the_same_lexicon(tmp_path, monkeypatch, caplog, demo_lines, jobs):
    whole = WordFinder().train(demo_lines)
    reference = _tsv(whole.find(), tmp_path / "whole.tsv")
    _split(monkeypatch)
    caplog.set_level(logging.INFO, logger="nlp_zero.discovery")
    area = tmp_path / "area"
    area.mkdir()
    seen = []
    finder = WordFinder().train(demo_lines)
    lexicon = finder.find(max_memory=64 << 20, jobs=jobs, tmp_dir=area,
                          progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert _tsv(lexicon, tmp_path / "split.tsv") == reference
    assert finder.stats == whole.stats
    # it really was split: several ranges each way, and segmentation batches for every worker
    ranges = [r.getMessage() for r in caplog.records if "forward and" in r.getMessage()]
    assert ranges and int(ranges[0].split()[0]) >= 3, ranges
    # and the n-grams of the commonest symbols were split by their first two symbols
    assert any("split by their first two" in r.getMessage() for r in caplog.records)
    stages = {stage: total for stage, _, total in seen}
    assert stages["counting"] >= 6 and stages["segmenting"] >= jobs, stages
    assert os.listdir(area) == []  # the work area is gone


def test_segmentation_batches_are_balanced_by_size():
    # most of the text is in a few big blocks (chunks seen once), then many small ones
    sizes = [1000] * 10 + [3] * 90
    runs = passes._batches(sizes, 2)
    assert runs[0][0] == 0 and runs[-1][1] == 100 and all(a[1] == b[0] for a, b in zip(runs, runs[1:]))
    assert [sum(sizes[a:b]) for a, b in runs] == [5000, 5270]
    assert passes._batches(sizes, 1) == [(0, 100)]
    assert len(passes._batches([5], 4)) == 1


def test_work_area_removed_after_an_error(tmp_path, monkeypatch, demo_lines):
    def broken(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(passes, "_segment_pass", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        WordFinder().train(demo_lines[:200]).find(tmp_dir=tmp_path)
    assert os.listdir(tmp_path) == []


def test_a_task_error_in_a_worker_reaches_the_caller(tmp_path, demo_lines):
    with pytest.raises(ZeroDivisionError):
        pool.run_tasks(divmod, [(1, 1), (1, 0), (2, 1)], jobs=2)
    assert pool.run_tasks(divmod, [(7, 2), (9, 4)], jobs=2) == [(3, 1), (2, 1)]


def test_cli_budget_jobs_and_progress(tmp_path, cli):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(list(Corpus(demo_path()))[:800]) + "\n", encoding="utf-8")
    r = cli("discover", str(corpus), "-o", str(tmp_path / "a"), "-q")
    assert r.returncode == 0, r.stderr
    area = tmp_path / "area"
    area.mkdir()
    r = cli("discover", str(corpus), "-o", str(tmp_path / "b"), "-j", "2", "--max-memory", "100M",
            "--tmp-dir", str(area), "--progress", "jsonl")
    assert r.returncode == 0, r.stderr
    for ext in (".dict.txt", ".tsv", ".meta.json"):
        assert (tmp_path / f"a{ext}").read_bytes() == (tmp_path / f"b{ext}").read_bytes(), ext
    assert os.listdir(area) == []
    events = [json.loads(line) for line in r.stderr.splitlines() if line.startswith("{")]
    stages = [e["stage"] for e in events]
    assert stages[0] == "reading" and {"counting", "segmenting"} <= set(stages), stages
    reading = [e for e in events if e["stage"] == "reading"]
    assert reading[-1]["final"] and reading[-1]["bytes"] == reading[-1]["total_bytes"] == corpus.stat().st_size
    passes = [e for e in events if e["stage"] == "counting"]
    assert passes[-1]["done"] == passes[-1]["total"] and passes[-1]["final"]


@pytest.mark.parametrize("argv, message", [
    (["--max-memory", "lots"], "not a size"),
    (["--max-memory", "1M"], "at least"),
    (["--tmp-dir", "/nonexistent/dir"], "not a directory"),
    (["-j", "0"], "at least 1"),
    (["--progress=xml"], "invalid choice"),
])
def test_cli_bad_scale_options(tmp_path, cli, argv, message):
    corpus = tmp_path / "c.txt"
    corpus.write_text("一二三\n", encoding="utf-8")
    r = cli("discover", str(corpus), "-o", str(tmp_path / "x"), *argv)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not list(tmp_path.glob("x*"))


@pytest.mark.parametrize("command", ["discover", "count"])
def test_a_full_work_area_is_one_line(tmp_path, monkeypatch, capsys, demo_lines, command):
    """The disk under --tmp-dir fills up mid-run: one line naming it, exit 2, no outputs, no work area left."""
    import errno

    from nlp_zero import cli as cli_module

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(demo_lines[:300]) + "\n", encoding="utf-8")
    area = tmp_path / "area"
    area.mkdir()
    real_open = open

    def full(path, mode="r", *args, **kwargs):  # every file written in the work area hits a full disk
        if str(path).startswith(str(area)) and ("w" in mode or "a" in mode):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", full)
    out = tmp_path / "out"
    argv = [command, str(corpus), "-o", str(out), "--tmp-dir", str(area), "--max-memory", "64M", "-q"]
    if command == "count":
        monkeypatch.setattr("nlp_zero.counting.BYTES_PER_NGRAM", 100_000)  # so that it spills
    else:
        _split(monkeypatch)
    assert cli_module.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"nlp-zero: error: {area}: no space left on device"], err
    assert not list(tmp_path.glob("out*")) and os.listdir(area) == []


def test_shard_workflow_equals_one_run(tmp_path, cli):
    """Learn shards apart (state only), merge the states, learn: the same files as one run over all."""
    lines = list(Corpus(demo_path()))[:900]
    shards = []
    for i in range(3):
        p = tmp_path / f"shard{i}.txt"
        p.write_text("\n".join(lines[i::3]) + "\n", encoding="utf-8")
        shards.append(p)
        r = cli("discover", str(p), "--save-state", str(tmp_path / f"s{i}.state"), "-q")
        assert r.returncode == 0, r.stderr
        assert not list(tmp_path.glob(f"shard{i}.txt.*"))  # state only: no lexicon written
    r = cli("discover", *(a for i in range(3) for a in ("--load-state", str(tmp_path / f"s{i}.state"))),
            "-o", str(tmp_path / "merged"), "-q")
    assert r.returncode == 0, r.stderr
    r = cli("discover", *map(str, shards), "-o", str(tmp_path / "one"), "-q")
    assert r.returncode == 0, r.stderr
    for ext in (".dict.txt", ".tsv"):
        assert (tmp_path / f"merged{ext}").read_bytes() == (tmp_path / f"one{ext}").read_bytes()


def test_progress_flag_does_not_swallow_an_input():
    from nlp_zero.cli import _progress_words

    assert _progress_words(["discover", "--progress", "a.txt"]) == ["discover", "--progress", "a.txt"]
    assert _progress_words(["discover", "a.txt", "--progress", "jsonl"]) == ["discover", "a.txt", "--progress-mode=jsonl"]
    assert _progress_words(["count", "--progress=tty", "x"]) == ["count", "--progress-mode=tty", "x"]
    assert _progress_words(["cut", "--", "--progress", "jsonl"]) == ["cut", "--", "--progress", "jsonl"]


def test_state_on_disk_gives_the_same_state_and_lexicon(tmp_path, monkeypatch, demo_lines):
    """A state too big for its share of the budget waits on disk as sorted runs: nothing changes."""
    whole = WordFinder().train(demo_lines)
    whole.save(str(tmp_path / "whole.state"))
    reference = _tsv(whole.find(), tmp_path / "whole.tsv")
    monkeypatch.setattr(discovery, "BYTES_PER_CHUNK", 1 << 20)  # ~16 chunks in memory at 64 MB
    area = tmp_path / "area"
    area.mkdir()
    finder = WordFinder(max_memory=64 << 20, tmp_dir=area).train(demo_lines[:700])
    finder.merge(WordFinder(max_memory=64 << 20, tmp_dir=area).train(demo_lines[700:]))
    finder.lines = whole.lines
    assert finder._store.spilled and os.listdir(area)
    finder.save(str(tmp_path / "split.state"))
    assert (tmp_path / "split.state").read_bytes() == (tmp_path / "whole.state").read_bytes()
    assert _tsv(finder.find(), tmp_path / "split.tsv") == reference
    assert finder.stats == whole.stats
    again = WordFinder(max_memory=64 << 20, tmp_dir=area).merge(str(tmp_path / "split.state"))
    assert again._store.spilled and again.chunks == whole.chunks and again.lines == whole.lines
    del finder, again
    import gc

    gc.collect()
    assert os.listdir(area) == []  # the runs go with their learner


def test_scatter_in_groups_of_open_files(tmp_path, monkeypatch, demo_lines):
    """More ranges than files a pass may keep open: the windows are scattered in groups, same lexicon."""
    whole = WordFinder().train(demo_lines[:400])
    reference = _tsv(whole.find(), tmp_path / "whole.tsv")
    _split(monkeypatch)
    monkeypatch.setattr(passes, "OPEN_FILES", 2)
    assert _tsv(WordFinder().train(demo_lines[:400]).find(max_memory=64 << 20), tmp_path / "split.tsv") == reference


def test_shared_table_reaches_tasks_in_workers_and_here():
    assert pool.run_tasks(_lookup, [("a",), ("b",)], jobs=2, shared={"a": 1, "b": 2}) == [1, 2]
    assert pool.run_tasks(_lookup, [("b",)], jobs=1, shared={"b": 3}) == [3]
    assert pool.shared() is None  # (only while the stage runs)


def _lookup(key):
    return pool.shared()[key]


@pytest.mark.parametrize("jobs", [1, 2])
def test_run_tasks_results_in_task_order_or_consumed(jobs):
    tasks = [(n, 3) for n in range(40, 0, -1)]
    assert pool.run_tasks(divmod, tasks, jobs=jobs) == [divmod(*t) for t in tasks]
    seen = []
    assert pool.run_tasks(divmod, tasks, jobs=jobs, consume=seen.append) == []
    assert sorted(seen) == sorted(divmod(*t) for t in tasks)
