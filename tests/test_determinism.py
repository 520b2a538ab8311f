"""Byte-identical outputs whatever PYTHONHASHSEED and --jobs (issue #6).

Each pipeline command runs in fresh processes with different hash seeds (and,
where it has --jobs, with 1 and 2 workers); every output file must be the
same bytes.  The text is real (the bundled statutes) plus lines that stress
tie-breaking: equal counts, class symbols, mixed scripts.
"""

from __future__ import annotations

from itertools import islice

import pytest

from conftest import run_cli
from nlp_zero import Corpus
from nlp_zero.corpus import demo_path

SEEDS = ("0", "1", "4242")

EXTRA = [
    "甲乙丙丁，丁丙乙甲。乙甲丁丙！",  # every n-gram ties with its mirror
    "1998年1月，iPhone8售价6888元，涨了25％；２０２０年３月。",
    "a好b坏c好d坏e好f坏，Ωα好ω坏。",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("det")
    lines = list(islice(Corpus(demo_path()), 400)) + EXTRA * 5
    p = d / "in.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def lexicon(corpus):
    prefix = corpus.parent / "lex"
    r = run_cli("discover", str(corpus), "-o", str(prefix), "-q")
    assert r.returncode == 0, r.stderr
    return corpus.parent / "lex.dict.txt"


def outputs(paths) -> list[bytes]:
    return [p.read_bytes() for p in paths]


def test_count_identical_across_seeds_and_jobs(corpus, tmp_path):
    results = []
    for seed, jobs in zip(SEEDS, ("1", "2", "3")):
        out = tmp_path / f"c{seed}.counts"
        r = run_cli("count", str(corpus), "-o", str(out), "-n", "5", "-j", jobs, "-q", env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        results.append(out.read_bytes())
    assert results[0] == results[1] == results[2]


def test_discover_identical_across_seeds(corpus, tmp_path):
    results = []
    for seed in SEEDS[:2]:
        prefix = tmp_path / f"d{seed}"
        r = run_cli("discover", str(corpus), "-o", str(prefix), "-q", env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        results.append(outputs([tmp_path / f"d{seed}{s}" for s in (".dict.txt", ".tsv", ".meta.json")]))
    assert results[0] == results[1]


def test_discover_state_shards_identical_to_one_run(corpus, tmp_path):
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "a.txt").write_text("".join(lines[:half]), encoding="utf-8")
    (tmp_path / "b.txt").write_text("".join(lines[half:]), encoding="utf-8")
    for name, seed in (("a", "1"), ("b", "2")):
        r = run_cli("discover", str(tmp_path / f"{name}.txt"), "-o", str(tmp_path / f"s{name}"),
                    "--save-state", str(tmp_path / f"{name}.state"), "-q", env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
    r = run_cli("discover", "--load-state", str(tmp_path / "a.state"), "--load-state", str(tmp_path / "b.state"),
                "-o", str(tmp_path / "merged"), "-q", env={"PYTHONHASHSEED": "3"})
    assert r.returncode == 0, r.stderr
    r = run_cli("discover", str(corpus), "-o", str(tmp_path / "one"), "-q")
    assert r.returncode == 0, r.stderr
    for suffix in (".dict.txt", ".tsv"):
        assert (tmp_path / f"merged{suffix}").read_bytes() == (tmp_path / f"one{suffix}").read_bytes()


def test_cut_identical_across_seeds_and_jobs(corpus, lexicon, tmp_path):
    results = []
    for seed, jobs, fmt in (("0", "1", "text"), ("1", "2", "text"), ("2", "1", "jsonl"), ("3", "2", "jsonl")):
        out = tmp_path / f"cut{seed}"
        r = run_cli("cut", str(corpus), "-l", str(lexicon), "-o", str(out), "-j", jobs, "--format", fmt, "-q",
                    env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        results.append(out.read_bytes())
    assert results[0] == results[1] and results[2] == results[3]
    assert results[0].count(b"\n") == len(corpus.read_text(encoding="utf-8").splitlines())


def test_templates_and_parse_identical_across_seeds(corpus, lexicon, tmp_path):
    head = tmp_path / "head.txt"  # parsing is the slow stage: a few dozen lines show the point
    head.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(keepends=True)[:40] + [x + "\n" for x in EXTRA]),
                    encoding="utf-8")
    results = []
    for seed in SEEDS[:2]:
        prefix = tmp_path / f"t{seed}"
        r = run_cli("templates", str(corpus), "-l", str(lexicon), "-o", str(prefix), "-q", env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        parsed = tmp_path / f"p{seed}"
        r2 = run_cli("parse", str(head), "-l", str(lexicon), "-t", f"{prefix}.templates.txt", "--format", "json",
                     "-o", str(parsed), "-q", env={"PYTHONHASHSEED": seed})
        assert r2.returncode == 0, r2.stderr
        results.append((r.stdout.replace(str(prefix), "PREFIX"), *outputs(
            [tmp_path / f"t{seed}.templates.txt", tmp_path / f"t{seed}.templates.meta.json", parsed])))
    assert results[0] == results[1]
    assert results[0][1].count(b"\n") > 10  # something was learned
