"""Word discovery: finds the words of a corpus, additive and mergeable, deterministic files."""

from __future__ import annotations

import json
import lzma
import random

import pytest

from nlp_zero.compat import Word_Finder
from nlp_zero.discovery import WordFinder
from nlp_zero.errors import NlpZeroError
from nlp_zero.evaluation import evaluate
from nlp_zero.lexicon import Lexicon
from nlp_zero.text import NUM
from nlp_zero.tokenizer import Tokenizer

VOCAB = ("我们 喜欢 吃 葡萄 苹果 香蕉 今天 明天 天气 很好 不错 学校 老师 学生 朋友 一起 去 公园 "
         "散步 看书 电影 晚上 早上 中午 工作 休息 城市 农村 生活 幸福").split()


def corpus(n=400, seed=7):
    """Sentences of words drawn from VOCAB, written without spaces; and their gold words."""
    rng = random.Random(seed)
    lines, gold = [], []
    for _ in range(n):
        words = [rng.choice(VOCAB) for _ in range(rng.randint(4, 9))]
        gold.append(words + ["。"])
        lines.append("".join(words) + "。")
    return lines, gold


def test_recovers_the_words_of_a_corpus():
    lines, gold = corpus()
    lexicon = WordFinder().train(lines).find()
    assert sum(w in VOCAB for w in list(lexicon)[:25]) >= 23
    s = evaluate(gold, [Tokenizer(lexicon).lcut(line) for line in lines])
    assert s.f1 > 0.95


def test_learning_lowers_the_code_length():
    finder = WordFinder().train(corpus()[0])
    lexicon = finder.find()
    st = finder.stats
    assert st.bits_per_char_after < 0.6 * st.bits_per_char_before
    assert st.words == len(lexicon) and st.tokens == lexicon.total
    row = lexicon.scores["葡萄"]
    assert set(row) == {"score", "nvbe", "cohesion", "pmi"} and row["pmi"] > 1


def test_train_is_additive_and_shards_merge_exactly(tmp_path):
    lines = corpus()[0]
    one = WordFinder().train(lines)
    twice = WordFinder().train(lines[:150]).train(lines[150:])
    a, b = WordFinder().train(lines[:250]), WordFinder().train(lines[250:])
    a.save(str(tmp_path / "a.state"))
    merged = WordFinder.load(str(tmp_path / "a.state")) + b
    for path, finder in (("one", one), ("twice", twice), ("merged", merged)):
        finder.find().save(str(tmp_path / f"{path}.dict.txt"))
    ref = (tmp_path / "one.dict.txt").read_bytes()
    assert (tmp_path / "twice.dict.txt").read_bytes() == ref
    assert (tmp_path / "merged.dict.txt").read_bytes() == ref


def test_class_symbols_are_learned_as_units():
    lines = [f"{y}年{m}月是好时候，我们{y}年去了。" for y in range(1990, 2010) for m in range(1, 13)]
    lexicon = WordFinder().train(lines).find()
    assert NUM + "年" in lexicon or NUM in lexicon


@pytest.mark.parametrize("lines", [[], ["", "   "], ["123 abc, 456!", "hello world"]])
def test_nothing_to_learn_is_an_error(lines):
    with pytest.raises(NlpZeroError, match="no Han text"):
        WordFinder().train(lines).find()


def test_bad_state_file(tmp_path):
    p = tmp_path / "x.state"
    p.write_text("hello\n", encoding="utf-8")
    with pytest.raises(NlpZeroError, match=r"x.state:1:"):
        WordFinder.load(str(p))


def test_compat_word_finder():
    lines = corpus()[0]
    f = Word_Finder()
    f.train(lines)
    f.find(lines)
    assert f.words["葡萄"] > 10
    tok = f.export_tokenizer()
    assert tok.tokenize("我们喜欢吃葡萄") == ["我们", "喜欢", "吃", "葡萄"]


def test_cli_discover_outputs_are_deterministic(tmp_path, cli):
    src = tmp_path / "corpus.txt"
    src.write_text("\n".join(corpus()[0]) + "\n", encoding="utf-8")
    outs = []
    for seed in ("1", "2"):
        prefix = tmp_path / f"run{seed}"
        r = cli("discover", str(src), "-o", str(prefix), env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        outs.append([(tmp_path / f"run{seed}{ext}").read_bytes() for ext in (".dict.txt", ".tsv", ".meta.json")])
    assert outs[0] == outs[1]
    meta = json.loads(outs[0][2])
    assert meta["bits_per_char_after"] < meta["bits_per_char_before"]
    assert meta["inputs"][0]["sha256"] and meta["chars"] > 0
    lexicon = Lexicon.load(str(tmp_path / "run1.dict.txt"))
    assert "葡萄" in lexicon
    lines = outs[0][0].decode("utf-8").splitlines()
    keys = [(-int(line.split()[1]), line.split()[0]) for line in lines]
    assert keys == sorted(keys)
    r = cli("cut", "-l", str(tmp_path / "run1.dict.txt"), "-d", " ", input="我们喜欢吃葡萄。\n")
    assert r.stdout == "我们 喜欢 吃 葡萄 。\n"


def test_cli_discover_no_split_is_the_lexicon_before_the_bigram_split(tmp_path, cli):
    from nlp_zero.corpus import demo_path

    with lzma.open(demo_path(), "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()[:400]
    src = tmp_path / "corpus.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for flag, split in (("--no-split", False), (None, True)):
        prefix = tmp_path / ("no" if flag else "yes")
        r = cli("discover", str(src), "-o", str(prefix), *([flag] if flag else []))
        assert r.returncode == 0, r.stderr
        expected = WordFinder(split=split).train(lines).find()
        assert dict(Lexicon.load(str(prefix) + ".dict.txt").items()) == dict(expected.items())
        assert json.loads((tmp_path / f"{prefix.name}.meta.json").read_text())["parameters"]["split"] is split
    assert (tmp_path / "no.dict.txt").read_bytes() != (tmp_path / "yes.dict.txt").read_bytes()


@pytest.mark.parametrize("content", ["", "\n\n", "hello 123, world!\n"])
def test_cli_discover_bad_input(tmp_path, cli, content):
    src = tmp_path / "bad.txt"
    src.write_text(content, encoding="utf-8")
    r = cli("discover", str(src), "-o", str(tmp_path / "out"))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "bad.txt" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt"]


def test_pku_small_setting(shared_data, tmp_path):
    """Learning from the PKU test text alone segments it far better than chance (the small setting)."""
    d = shared_data / "sighan2005"
    test = (d / "pku_test.utf8").read_text(encoding="utf-8").splitlines()
    gold = (d / "pku_test_gold.utf8").read_text(encoding="utf-8").splitlines()
    lexicon = WordFinder().train(test).find()
    s = evaluate(gold, [Tokenizer(lexicon).lcut(line) for line in test])
    assert s.f1 > 0.74  # measured 0.761 (0.759 without the bigram split); the issue asked for >= 0.74


def test_cli_states_of_shards_merge_to_one_run(tmp_path, cli):
    lines = corpus()[0]
    (tmp_path / "a.txt").write_text("\n".join(lines[:200]) + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n".join(lines[200:]) + "\n", encoding="utf-8")
    for shard in ("a", "b"):
        r = cli("discover", str(tmp_path / f"{shard}.txt"), "-o", str(tmp_path / shard),
                "--save-state", str(tmp_path / f"{shard}.state"), "-q")
        assert r.returncode == 0, r.stderr
    r = cli("discover", "--load-state", str(tmp_path / "a.state"), "--load-state", str(tmp_path / "b.state"),
            "-o", str(tmp_path / "merged"), "-q")
    assert r.returncode == 0, r.stderr
    r = cli("discover", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-o", str(tmp_path / "one"), "-q")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "merged.dict.txt").read_bytes() == (tmp_path / "one.dict.txt").read_bytes()
    assert (tmp_path / "merged.tsv").read_bytes() == (tmp_path / "one.tsv").read_bytes()


@pytest.mark.parametrize("K", [1, 2, 4, 6])
def test_segmentation_gains_match_a_plain_lookup_at_every_position(K):
    # _gains makes strings of L > 2 symbols only where a candidate can start;
    # the result must be what looking up every substring gives
    from nlp_zero import passes

    rng = random.Random(K)
    chunks = ["".join(rng.choice("abcde") for _ in range(rng.randint(0, 12))) for _ in range(300)]
    text = "".join(c + "\n" for c in chunks)
    grams = {text[i:i + L] for L in range(1, K + 1) for i in range(len(text) - L + 1)} - {""}
    table = {g: rng.uniform(-3, 3) for g in sorted(grams) if "\n" not in g and rng.random() < 0.4}
    prefixes = [set(x[:L - 1] for x in table if len(x) >= L) for L in range(K + 1)]
    gains = passes._gains(text, K, table.get, prefixes)
    assert len(gains) == K
    for L in range(1, K + 1):
        expected = [table.get(text[i:i + L], float("-inf")) for i in range(len(text) - L + 1)]
        assert gains[L - 1] == expected
