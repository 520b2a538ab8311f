"""Lexicon: dict-like counts, probabilities, jieba-format and TSV files (docs/design.md §7)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlp_zero.errors import FormatError, InputError
from nlp_zero.lexicon import DEFAULT_COUNT, Lexicon, read_counts, read_dictionary
from nlp_zero.text import NUM

REPO = Path(__file__).resolve().parents[1]


def sample() -> Lexicon:
    return Lexicon({"中国": 5, "人民": 5, NUM + "年": 7, "的": 20, "共和国": 1},
                   scores={"中国": {"cohesion": 3.25, "entropy": 1 / 3}, "人民": {"cohesion": 2.0}})


def test_dict_like_counts_total_and_probability():
    lex = sample()
    assert lex["中国"] == 5 and "人民" in lex and "美国" not in lex
    assert len(lex) == 5
    assert lex.total == 38
    assert lex.prob("的") == 20 / 38
    assert lex.prob("美国") == 0.0
    assert dict(lex.items())["共和国"] == 1
    lex["美国"] = 2
    assert lex.total == 40
    lex["美国"] = 3  # overwriting adjusts the total by the difference
    assert lex.total == 41
    del lex["美国"]
    assert lex.total == 38 and "美国" not in lex


def test_iteration_is_by_decreasing_count_then_word():
    # ties by the word as written: <NUM>年 sorts before Han characters
    assert list(sample()) == ["的", "<NUM>年", "中国", "人民", "共和国"]


def test_words_are_readable_in_python():
    lex = sample()
    assert "<NUM>年" in lex and NUM + "年" in lex  # either spelling finds the word
    assert lex["<NUM>年"] == lex[NUM + "年"] == 7 and lex.get("<NUM>年") == 7
    assert dict(lex.items())["<NUM>年"] == 7 and "<NUM>年" in lex.counts()
    assert not any(NUM in w for w in lex) and not any(NUM in w for w in lex.scores)
    lex["<LAT>股"] = 2
    assert list(lex)[-2:] == ["<LAT>股", "共和国"]


def test_empty_lexicon(tmp_path):
    lex = Lexicon()
    assert len(lex) == 0 and lex.total == 0 and lex.prob("的") == 0.0
    lex.save(tmp_path / "empty.txt")
    assert (tmp_path / "empty.txt").read_bytes() == b""
    assert len(Lexicon.load(tmp_path / "empty.txt")) == 0


def test_bad_words_and_counts_are_refused():
    with pytest.raises(ValueError):
        Lexicon({"中 国": 1})
    with pytest.raises(ValueError):
        Lexicon({"": 1})
    with pytest.raises(ValueError):
        Lexicon({"中国": -1})
    assert Lexicon({"中国": 2.6})["中国"] == 3  # expected counts (EM) are rounded


def test_save_writes_jieba_format_sorted_with_readable_class_symbols(tmp_path):
    path = tmp_path / "lex.dict.txt"
    sample().save(path)
    assert path.read_bytes().decode("utf-8") == "的 20\n<NUM>年 7\n中国 5\n人民 5\n共和国 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["lex.dict.txt"]  # no temporary file left


def test_save_load_round_trip_keeps_counts_tags_and_class_symbols(tmp_path):
    lex = sample()
    lex.tags["中国"] = "ns"
    path = tmp_path / "lex.txt"
    lex.save(path)
    assert "中国 5 ns\n" in path.read_text(encoding="utf-8")
    back = Lexicon.load(path)
    assert dict(back.items()) == dict(lex.items())
    assert back.tags == {"中国": "ns"}
    assert back[NUM + "年"] == 7


def test_load_tolerates_bom_crlf_blank_lines_tabs_and_missing_freq(tmp_path):
    path = tmp_path / "user.txt"
    path.write_bytes("\ufeff中国 3 ns\r\n\r\n人民\r\n  国家\t8 \r\n<NUM>年 4\n中国 9\n".encode("utf-8"))
    lex = Lexicon.load(path)
    assert dict(lex.items()) == {"中国": 9, "国家": 8, "<NUM>年": 4, "人民": DEFAULT_COUNT}
    assert lex.tags == {}  # the later line of 中国 has no tag: it wins, as in jieba
    assert DEFAULT_COUNT == 1


@pytest.mark.parametrize("line, cause", [
    ("坏 -3", "frequency '-3' of '坏' is not a non-negative integer"),
    ("坏 三", "frequency '三' of '坏' is not a non-negative integer"),
    ("坏 3.5", "frequency '3.5' of '坏' is not a non-negative integer"),
    ("坏 3 n extra", "expected 'word [freq [tag]]', got 4 fields"),
])
def test_malformed_lines_name_file_and_line(tmp_path, line, cause):
    path = tmp_path / "bad.txt"
    path.write_text(f"中国 3\n人民 2\n{line}\n", encoding="utf-8")
    with pytest.raises(FormatError) as e:
        Lexicon.load(path)
    assert str(e.value) == f"{path}:3: {cause}"
    assert e.value.line == 3


def test_malformed_line_deep_in_a_big_file_is_named_exactly(tmp_path):
    # the fast loader parses in chunks; the line number must still be exact
    path = tmp_path / "big.txt"
    lines = [f"词{i} {i % 97 + 1} n" for i in range(60_000)]
    lines[45_678] = "坏 x n"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r":45679: frequency 'x'"):
        Lexicon.load(path)


def test_non_utf8_and_missing_files(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("中国 3\n".encode("utf-8") + "人民 2\n".encode("gbk"))
    with pytest.raises(FormatError, match=r"gbk.txt:2: not UTF-8"):
        Lexicon.load(path)
    with pytest.raises(InputError, match="nope.txt"):
        Lexicon.load(tmp_path / "nope.txt")


def test_lines_of_two_and_four_fields_are_not_read_as_three(tmp_path):
    # two and four fields make three a line on average: the fast reader must still see the bad line
    path = tmp_path / "uneven.txt"
    path.write_text("甲 5\n乙 6 n x\n丙 7 n\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"uneven.txt:2: expected 'word \[freq \[tag\]\]', got 4 fields"):
        read_counts(path)


def test_fast_and_line_by_line_readers_agree(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text("a 1 x\nb 2\nc\n\nd 4 y\na 5\n", encoding="utf-8")
    counts, tags = read_counts(path, with_tags=True)
    slow = {}
    for w, f, t in read_dictionary(path):
        slow[w] = DEFAULT_COUNT if f is None else f
    assert counts == slow == {"a": 5, "b": 2, "c": 1, "d": 4}
    assert tags == {"d": "y"}


def test_tsv_has_header_and_all_score_columns(tmp_path):
    path = tmp_path / "lex.tsv"
    sample().save_tsv(path)
    rows = path.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "word\tcount\tprob\tcohesion\tentropy"
    assert rows[3] == "中国\t5\t0.131579\t3.25\t0.333333"
    assert rows[4] == "人民\t5\t0.131579\t2\t"
    assert rows[2].startswith("<NUM>年\t7\t")
    back = Lexicon.load_tsv(path)
    assert dict(back.items()) == dict(sample().items())
    assert back.scores["中国"]["cohesion"] == 3.25


def test_merge_adds_counts_and_leaves_inputs_alone():
    a = Lexicon({"中国": 2, "人民": 1}, scores={"中国": {"s": 1.0}})
    b = Lexicon({"中国": 3, "美国": 4}, scores={"中国": {"s": 9.0}})
    m = a + b
    assert dict(m.items()) == {"中国": 5, "美国": 4, "人民": 1}
    assert m.total == a.total + b.total
    assert m.scores["中国"] == {"s": 1.0}  # the first lexicon's scores win
    assert dict((a + b).items()) == dict(m.items())
    assert a["中国"] == 2 and b["中国"] == 3


def test_diff_keeps_only_new_words_with_their_data():
    lex = sample()
    new = lex.diff(Lexicon({"中国": 1, "的": 1}))
    assert list(new) == ["<NUM>年", "人民", "共和国"]
    assert new["人民"] == 5 and new.scores["人民"] == {"cohesion": 2.0}
    assert list(lex.diff(["人民", "共和国", NUM + "年"])) == ["的", "中国"]


def test_files_are_byte_identical_whatever_the_hash_seed(tmp_path):
    script = (
        "import sys; from nlp_zero.lexicon import Lexicon\n"
        "words = {chr(0x4e00 + (i * 7919) % 5000) + chr(0x4e00 + i % 300): i % 7 + 1 for i in range(3000)}\n"
        "lex = Lexicon(words, scores={w: {'b': 1.5, 'a': c / 3} for w, c in words.items()})\n"
        "lex.save(sys.argv[1] + '.txt'); lex.save_tsv(sys.argv[1] + '.tsv')\n"
    )
    outs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
        prefix = str(tmp_path / f"seed{seed}")
        subprocess.run([sys.executable, "-c", script, prefix], env=env, check=True)
        outs.append((Path(prefix + ".txt").read_bytes(), Path(prefix + ".tsv").read_bytes()))
    assert outs[0] == outs[1]


def test_jieba_dictionary_loads(shared_data, tmp_path):
    # a real dictionary-shaped file: the PKU training vocabulary, one word per line
    lex = Lexicon.load(shared_data / "sighan2005" / "pku_training_words.utf8")
    assert len(lex) > 50_000
    assert lex.total == len(lex) * DEFAULT_COUNT


# -- the lexicon workbench: filter, rescale, and the `nlp-zero lexicon` commands


def test_filter_by_count_length_and_score():
    lex = sample()
    assert list(lex.filter(min_count=5)) == ["的", "<NUM>年", "中国", "人民"]
    assert list(lex.filter(min_len=2, max_len=2)) == ["<NUM>年", "中国", "人民"]  # <NUM> is one unit
    assert list(lex.filter(min_score=2.5, score="cohesion")) == ["中国"]
    kept = lex.filter(min_score=2.0, score="cohesion")
    assert list(kept) == ["中国", "人民"] and kept.scores["中国"]["entropy"] == 1 / 3
    assert list(lex.filter()) == list(lex)


def test_rescale_keeps_probabilities_at_the_reference_scale():
    lex = Lexicon({"中国": 3, "人民": 1, "共和国": 0, "的": 996})
    scaled = lex.rescale(100_000)
    assert scaled.counts() == {"的": 99_600, "中国": 300, "人民": 100, "共和国": 0}
    tiny = Lexicon({"的": 10**6, "罕": 1}).rescale(1000)
    assert tiny["罕"] == 1  # a word stays a word
    for word in lex:
        assert abs(scaled.prob(word) - lex.prob(word)) < 1e-9


def test_rescale_then_add_to_a_reference_does_not_distort_it():
    # issue 16: loading raw learned counts as a user dictionary reset 的 from 318,825 to 12,234
    reference = Lexicon({"的": 318_825, "中国": 50_000, "人民": 20_000})
    learned = Lexicon({"的": 12_234, "中国": 2_000, "云计算": 30})
    new = learned.rescale(reference.total).diff(reference)
    merged = reference + new
    assert merged["的"] == 318_825 and list(new) == ["云计算"]
    assert merged.prob("云计算") == pytest.approx(learned.prob("云计算"), rel=0.05)


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_lexicon_commands(tmp_path):
    from conftest import run_cli

    new = tmp_path / "new.tsv"
    sample().save_tsv(new)
    ref = write(tmp_path / "ref.txt", "中国 100 ns\n的\n")
    out = tmp_path / "out.tsv"
    assert run_cli("lexicon", "diff", str(new), ref, "-o", str(out)).returncode == 0
    assert list(Lexicon.load_tsv(out)) == ["<NUM>年", "人民", "共和国"]
    assert Lexicon.load_tsv(out).scores["人民"] == {"cohesion": 2.0}
    proc = run_cli("lexicon", "merge", str(new), ref, "-o", "-")
    assert proc.returncode == 0 and proc.stdout.splitlines()[:2] == ["中国 105 ns", "的 21"]
    proc = run_cli("lexicon", "filter", str(new), "--min-score", "2.5", "--score", "cohesion", "-o", "-")
    assert proc.stdout == "中国 5\n"
    proc = run_cli("lexicon", "filter", str(new), "--min-count", "5", "--max-len", "1", "-o", "-")
    assert proc.stdout == "的 20\n"
    proc = run_cli("lexicon", "rescale", str(new), "--like", ref, "-o", "-", "-q")
    assert proc.stdout.splitlines()[0] == "的 53" and proc.stderr == ""  # 20 · 101 / 38


def test_lexicon_commands_bad_input_and_atomic_outputs(tmp_path):
    from conftest import run_cli

    good = write(tmp_path / "good.txt", "中国 3\n人民 2\n")
    bad = write(tmp_path / "bad.txt", "中国 3\n人民 two\n")
    out = tmp_path / "out.txt"
    out.write_text("previous\n", encoding="utf-8")
    cases = [
        (["lexicon", "diff", bad, good, "-o", str(out)], "bad.txt:2"),
        (["lexicon", "merge", good, str(tmp_path / "missing.txt"), "-o", str(out)], "missing.txt"),
        (["lexicon", "filter", good, "--min-score", "1", "-o", str(out)], "no score named 'score'"),
        (["lexicon", "filter", good, "--min-len", "0", "-o", str(out)], "--min-len must be at least 1"),
        (["lexicon", "rescale", good, "--like", bad, "-o", str(out)], "bad.txt:2"),
        (["lexicon", "merge", good, "-o", str(tmp_path / "no" / "out.txt")], "no such file or directory"),
        (["lexicon", "merge", good, "-o", str(tmp_path)], "is a directory"),
    ]
    for argv, cause in cases:
        proc = run_cli(*argv)
        assert proc.returncode == 2, argv
        assert proc.stderr.count("\n") == 1 and cause in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt", "good.txt", "out.txt"]


def test_lexicon_commands_are_byte_identical_across_hash_seeds(tmp_path):
    from conftest import run_cli

    words = {chr(0x4e00 + (i * 7919) % 5000) + chr(0x4e00 + i % 300): i % 7 + 1 for i in range(3000)}
    Lexicon(words, scores={w: {"score": c / 3} for w, c in words.items()}).save_tsv(tmp_path / "a.tsv")
    Lexicon({w: 2 for w in list(words)[::3]}).save(tmp_path / "b.txt")
    outputs = []
    for seed in ("1", "2"):
        files = []
        for argv in (["diff", "a.tsv", "b.txt"], ["merge", "a.tsv", "b.txt"], ["filter", "a.tsv", "--min-score", "1"],
                     ["rescale", "a.tsv", "--like", "b.txt"]):
            for ext in (".tsv", ".txt"):
                target = tmp_path / f"{argv[0]}{seed}{ext}"
                proc = run_cli("lexicon", *argv, "-o", str(target), env={"PYTHONHASHSEED": seed}, cwd=tmp_path)
                assert proc.returncode == 0, proc.stderr
                files.append(target.read_bytes())
        outputs.append(files)
    assert outputs[0] == outputs[1]


def test_merge_is_the_old_spelling_of_plus_and_warns():
    a, b = Lexicon({"中国": 2}), Lexicon({"中国": 1, "人民": 1})
    with pytest.warns(DeprecationWarning, match="a \\+ b"):
        m = a.merge(b)
    assert dict(m) == dict(a + b) == {"中国": 3, "人民": 1} and dict(a) == {"中国": 2}
