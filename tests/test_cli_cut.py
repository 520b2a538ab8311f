"""The CLI as a jieba user meets it: cut with user dictionaries and modes, outputs checked first,
progress with true elapsed times, wrong kinds of file named, line-by-line answers."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time

import pytest

from conftest import REPO
from nlp_zero.counting import NgramCounter
from nlp_zero.lexicon import Lexicon

WORDS = {"中华": 20, "人民": 60, "共和国": 25, "中华人民共和国": 30, "学习": 10, "和": 50, "的": 80}


@pytest.fixture
def lex(tmp_path):
    path = tmp_path / "main.dict.txt"
    Lexicon(WORDS).save(path)
    return path


def test_cut_with_user_dictionaries_and_modes(cli, lex, tmp_path):
    user = tmp_path / "user.txt"
    user.write_text("C++\nWi-Fi 5 n\n学习和 nz\n", encoding="utf-8")
    r = cli("cut", "-l", str(lex), "-u", str(user), input="学习C++和Wi-Fi\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "学习  C++  和  Wi-Fi\n"
    r = cli("cut", "-l", str(lex), "-l", str(user), input="中华\n")
    assert r.returncode == 2 and "-u" in r.stderr and "Traceback" not in r.stderr
    r = cli("cut", "-l", str(lex), "--mode", "all", "-d", "/", input="中华人民共和国\n")
    assert r.stdout == "中华/中华人民共和国/人民/共和国\n"
    r = cli("cut", "-l", str(lex), "--mode", "search", "--format", "jsonl", input="中华人民共和国\n")
    tokens = json.loads(r.stdout)["tokens"]
    assert tokens == [["中华", 0, 2], ["人民", 2, 4], ["共和国", 4, 7], ["中华人民共和国", 0, 7]]


def _counts_file(path):
    counter = NgramCounter(order=2, min_count=1)
    counter.update(["中华人民"])
    counter.save(path)


def _prepare(tmp_path, lex):
    """Inputs that every command accepts, and its arguments with OUT for the output."""
    text = tmp_path / "in.txt"
    text.write_text("中华人民共和国\n" * 20, encoding="utf-8")
    counts = tmp_path / "c.counts"
    _counts_file(counts)
    templates = tmp_path / "t.templates.txt"
    templates.write_text("# nlp-zero templates 1 tokens=1 entropy=0\n[X]的[X]\t3\n", encoding="utf-8")
    return {
        "count": ["count", str(text), "-o", "OUT"],
        "merge-counts": ["merge-counts", str(counts), "-o", "OUT"],
        "cut": ["cut", str(text), "-l", str(lex), "-o", "OUT"],
        "parse": ["parse", str(text), "-l", str(lex), "-t", str(templates), "-o", "OUT"],
        "templates": ["templates", str(text), "-l", str(lex), "-o", "OUT"],
        "discover": ["discover", str(text), "-o", "OUT"],
    }


@pytest.mark.parametrize("command", ["count", "merge-counts", "cut", "parse", "templates", "discover"])
def test_outputs_are_checked_before_any_work(cli, lex, tmp_path, command):
    args = _prepare(tmp_path, lex)[command]
    missing = str(tmp_path / "no" / "such" / "out")
    # an input that does not exist either: the output is named first, so nothing was read
    bad = [missing if a == "OUT" else a for a in args]
    bad.insert(1, str(tmp_path / "nope.txt"))
    r = cli(*bad)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "no such file or directory" in r.stderr and "out" in r.stderr
    assert "nope.txt" not in r.stderr
    r = cli(*[str(tmp_path) + os.sep if a == "OUT" else a for a in args])
    assert r.returncode == 2 and "is a directory" in r.stderr
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no hidden files like DIR/.dict.txt


def test_cut_progress_has_every_stage_and_true_elapsed_times(tmp_path):
    rng = random.Random(5)
    alphabet = [chr(0x4E00 + i) for i in range(400)]
    words = {"".join(rng.choice(alphabet) for _ in range(rng.randint(2, 5))): rng.randint(1, 500)
             for _ in range(150_000)}
    words.update({ch: rng.randint(1, 500) for ch in alphabet})
    lex = tmp_path / "big.dict.txt"
    Lexicon(words).save(lex)
    text = tmp_path / "big.txt"
    with open(text, "w", encoding="utf-8") as f:
        for _ in range(25_000):
            f.write("，".join("".join(rng.choices(alphabet, k=rng.randint(3, 20))) for _ in range(6)) + "\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "nlp_zero", "cut", str(text), "-l", str(lex), "-o",
                        str(tmp_path / "out.txt"), "--progress", "jsonl"], capture_output=True, text=True, env=env)
    wall = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stderr.splitlines() if line.startswith("{")]
    assert [s for s in ("loading", "cutting") if any(row["stage"] == s for row in rows)] == ["loading", "cutting"]
    elapsed = [row["elapsed"] for row in rows]
    assert elapsed == sorted(elapsed)
    assert rows[-1]["final"] and rows[-1]["stage"] == "cutting"
    assert abs(elapsed[-1] - wall) <= 0.1 * wall, (elapsed[-1], wall)


@pytest.mark.parametrize("kind", ["counts", "state", "templates", "tsv"])
def test_a_file_of_another_kind_is_named_for_what_it_is(cli, lex, tmp_path, kind):
    from nlp_zero.discovery import WordFinder

    path = tmp_path / f"x.{kind}"
    if kind == "counts":
        _counts_file(path)
    elif kind == "state":
        WordFinder(order=2).train(["中华人民共和国"]).save(path)
    elif kind == "templates":
        path.write_text("# nlp-zero templates 1 tokens=1 entropy=0\n[X]的[X]\t3\n", encoding="utf-8")
    else:
        Lexicon(WORDS).save_tsv(path)
    for flag in ("-l", "-u"):
        args = ("-l", str(path)) if flag == "-l" else ("-l", str(lex), "-u", str(path))
        r = cli("cut", *args, input="中华\n")
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert f"{path}: this is " in r.stderr and "not a dictionary" in r.stderr


def test_empty_dictionary_is_an_error_and_compressed_ones_load(cli, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    r = cli("cut", "-l", str(empty), input="中华\n")
    assert r.returncode == 2 and "no words" in r.stderr
    import lzma

    packed = tmp_path / "d.txt.xz"
    with lzma.open(packed, "wt", encoding="utf-8") as f:
        f.write("中华 20\n人民 60\n")
    r = cli("cut", "-l", str(packed), input="中华人民\n")
    assert r.returncode == 0 and r.stdout == "中华  人民\n"


def test_interactive_cut_answers_each_line_before_the_next(lex):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.Popen([sys.executable, "-m", "nlp_zero", "cut", "-l", str(lex), "-q"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, env=env)
    answers: list[bytes] = []
    reader = threading.Thread(target=lambda: answers.append(p.stdout.readline()), daemon=True)
    reader.start()
    p.stdin.write("中华人民共和国的\n".encode("utf-8"))
    p.stdin.flush()
    reader.join(timeout=60)  # stdin is still open: the answer must not wait for its end
    try:
        assert answers == ["中华人民共和国  的\n".encode("utf-8")]
    finally:
        p.stdin.close()
        p.wait(timeout=60)


def test_eval_json_without_words_has_no_oov_figures(cli, tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_text("中华  人民\n", encoding="utf-8")
    r = cli("eval", str(gold), str(gold), "--json")
    figures = json.loads(r.stdout)
    assert figures["f1"] == 1.0 and not any("oov" in k or k.startswith("iv") for k in figures)


def test_piped_stdin_keeps_characters_cut_by_long_line_pieces(cli, lex):
    # a 1.2 MB line is read in pieces of 1M bytes: a character split between two pieces must survive
    line = "中" * 400_000
    r = cli("cut", "-l", str(lex), "-d", "", input=b"\xef\xbb\xbf" + (line + "\n").encode())
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace("\n", "") == line
