"""Tokenizer: unigram Viterbi over a lexicon, jieba-like API, offsets (docs/design.md §8)."""

from __future__ import annotations

import json
import math
import random
import threading

import pytest

from nlp_zero.errors import FormatError
from nlp_zero.lexicon import Lexicon
from nlp_zero.text import NUM
from nlp_zero.tokenizer import Tokenizer

WORDS = {"售价": 50, "元": 40, "中华人民共和国": 30, "中华": 20, "人民": 60, "共和国": 25, "宪法": 30,
         "规定": 45, "第": 80, "条": 70, NUM + "年": 35, "研究": 30, "研究生": 12, "生命": 20,
         "命": 5, "起源": 15, "的": 200, "是": 150}


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer(Lexicon(WORDS))


def test_mixed_text_keeps_latin_and_number_runs_whole(tok):
    assert tok.lcut("iPhone8售价6888元") == ["iPhone8", "售价", "6888", "元"]
    assert tok.lcut("价格3.5元，涨25%") == ["价", "格", "3.5", "元", "，", "涨", "25%"]


def test_class_symbol_words_match_half_and_full_width_digits(tok):
    assert tok.lcut("1998年的宪法") == ["1998年", "的", "宪法"]
    assert tok.lcut("１９９８年") == ["１９９８年"]


def test_full_width_digits_and_ling_are_not_dropped(tok):
    for text in ("二〇〇一年", "第１２３条", "○○七", "ＡＢＣ１２３"):
        assert "".join(tok.lcut(text)) == text
    assert "〇" in tok.lcut("二〇〇一年")


def test_viterbi_prefers_the_cheapest_route(tok):
    assert tok.lcut("中华人民共和国宪法第3条规定") == ["中华人民共和国", "宪法", "第", "3", "条", "规定"]
    assert tok.lcut("研究生命的起源") == ["研究", "生命", "的", "起源"]


def test_punctuation_spaces_and_symbols_are_tokens_of_their_own(tok):
    assert tok.lcut("规定：  人民\r\n的。😀") == ["规定", "：", "  ", "人民", "\r\n", "的", "。", "😀"]


def test_tokenize_offsets_map_back_to_the_original(tok):
    text = "第１条　iPhone8售价6888元（含税）。\r\n二〇〇一年𠀀𠀁研究生\x00"
    spans = list(tok.tokenize(text))
    assert [w for w, _, _ in spans] == tok.lcut(text) == list(tok.cut(text))
    pos = 0
    for w, s, e in spans:
        assert (s, e) == (pos, pos + len(w)) and text[s:e] == w
        pos = e
    assert pos == len(text)


def _random_string(rng: random.Random, n: int) -> str:
    pools = [
        "中华人民共和国宪法第条规定研究生命的起源售价元是〇○",
        "0123456789０１２３４５６７８９.%％",
        "abcXYZｉＰｈｏｎｅ",
        " \t\r\n\u3000\x0b\x0c\x1c\x85\u2028",
        "\x00\x01\x07\x1b\x7f",
        "，。！？、；：“”（）《》-—…·",
        "\ue000\ue001\ue123\uf8ff",  # private use, including the class symbols themselves
        "\U00020000\U0002a700\U00030000\U0001f600\U0010fffd",  # ext B..G, emoji, plane 16
        "\u0301\u0308\u200d\ufe0f",  # combining marks, ZWJ, variation selector
        "\ud800\udfff",  # lone surrogates (possible in Python strings)
    ]
    return "".join(rng.choice(rng.choice(pools)) for _ in range(n))


def test_join_gives_back_any_string(tok):
    rng = random.Random(20261122)
    empty = Tokenizer()
    for _ in range(600):
        s = _random_string(rng, rng.randrange(0, 60))
        assert "".join(tok.lcut(s)) == s
        assert "".join(empty.lcut(s)) == s
        assert tok.lcut(s) == list(tok.cut(s))  # lcut's own split of pure Han blocks cuts the same
        assert all(s[a:b] == w for w, a, b in tok.tokenize(s))
        assert all(tok.lcut(s))  # no empty tokens


def _best_cost(text: str, cost: dict[str, float], unknown: float) -> float:
    """Exhaustive minimum of -Σ ln p(w) over all segmentations (no lattice tricks)."""
    best = {len(text): 0.0}
    for i in range(len(text) - 1, -1, -1):
        options = [cost.get(text[i], unknown) + best[i + 1]]
        options += [cost[text[i:j]] + best[j] for j in range(i + 2, len(text) + 1) if text[i:j] in cost]
        best[i] = min(options)
    return best[0]


def test_segmentation_minimises_code_length_on_random_lexicons():
    rng = random.Random(7)
    alphabet = "天地玄黄宇宙洪荒"
    for _ in range(200):
        counts = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))): rng.randint(1, 50)
                  for _ in range(rng.randint(0, 25))}
        tok = Tokenizer(counts)
        total = sum(counts.values())
        cost = {w: math.log(total) - math.log(c) for w, c in counts.items()}
        unknown = math.log(total) if total else 0.0
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        words = tok.lcut(text)
        got = sum(cost.get(w, unknown) if len(w) == 1 else cost[w] for w in words)
        assert got == pytest.approx(_best_cost(text, cost, unknown), abs=1e-9)


def _plain_lcut(tok: Tokenizer, text: str) -> list[str]:
    """The segmentation the module docstring describes, written plainly (no index, no cache, no fast paths).

    Pieces as nlp_zero.text reads them; in each block, right-to-left over its
    units: ``best[i] = min over j of cost(units i..j) + best[j]``, the single
    unit first, then longer words in order, a tie going to the longer word.
    The same floats in the same order as the tokenizer, so the result must be
    identical, not just as cheap.
    """
    import re

    from nlp_zero.text import BLOCK_RE, OTHER_TOKEN, symbolize, unit_spans

    freq, logtotal = tok._freq, tok._logtotal

    def cost(key: str) -> float:
        c = freq.get(key, 0)
        return -(math.log(c) - logtotal) if c > 0 else math.inf

    out = []
    for m in re.finditer(f"({BLOCK_RE.pattern})|(\\s+)|({OTHER_TOKEN})", text, re.DOTALL):
        piece = m.group()
        if m.lastindex != 1:
            out.append(piece)
            continue
        spans, s = unit_spans(piece), symbolize(piece)
        n = len(s)
        best, ends = [0.0] * (n + 1), [0] * n
        for i in range(n - 1, -1, -1):
            c = cost(s[i])
            best[i], ends[i] = (c if c < math.inf else logtotal) + best[i + 1], i + 1
            for j in range(i + 2, n + 1):
                c = cost(s[i:j]) + best[j]
                if c <= best[i]:
                    best[i], ends[i] = c, j
        i = 0
        while i < n:
            out.append(piece[spans[i][0]:spans[ends[i] - 1][1]])
            i = ends[i]
    return out


def test_segmentation_is_the_plain_viterbi_with_ties():
    """Random lexicons full of equal counts (ties everywhere) and texts with digits and Latin runs."""
    rng = random.Random(14)
    alphabet = "天地玄黄宇宙洪荒日月"
    for _ in range(300):
        counts = {"".join(rng.choice(alphabet + "\ue000\ue001") for _ in range(rng.randint(1, 6))): rng.choice((1, 2, 4, 8))
                  for _ in range(rng.randint(0, 40))}
        if rng.random() < 0.3:
            counts[rng.choice(list(counts) or ["天"])] = 0  # a deleted word (count 0)
        tok = Tokenizer(counts)
        for _ in range(5):
            text = "".join(rng.choice(alphabet + "12a，。 ") for _ in range(rng.randint(0, 40)))
            assert tok.lcut(text) == _plain_lcut(tok, text), (counts, text)


def test_segmentation_with_jiebas_dictionary_is_the_plain_viterbi(shared_data):
    """jieba's 349k-word dictionary on People's Daily text: every line as the plain reference cuts it."""
    import lzma

    jieba = pytest.importorskip("jieba")
    from pathlib import Path

    tok = Tokenizer(Path(jieba.__file__).parent / "dict.txt")
    with lzma.open(shared_data / "corpora" / "pd199801_raw.txt.xz", "rt", encoding="utf-8") as f:
        lines = [line.rstrip("\n") for _, line in zip(range(1500), f)]
    expected = [_plain_lcut(tok, line) for line in lines]
    assert [tok.lcut(line) for line in lines] == expected  # the index built as the text needs it
    tok = Tokenizer(Path(jieba.__file__).parent / "dict.txt")
    tok.initialize()  # the whole index at once
    assert [tok.lcut(line) for line in lines] == expected


def test_empty_lexicon_gives_units():
    tok = Tokenizer(Lexicon())
    assert tok.lcut("中文ABC123，好") == ["中", "文", "ABC123", "，", "好"]
    assert tok.lcut("") == []


def _count_lookups(tok: Tokenizer):
    """Make every dict lookup of the tokenizer's scan count itself (a test of work, not time)."""

    class Counter:
        lookups = 0

    class Counting(dict):
        def get(self, key, default=None):
            Counter.lookups += 1
            return dict.get(self, key, default)

    def counting(index):  # the same index, every level counting
        return Counting({k: (v[0], None if v[1] is None else counting(v[1])) if isinstance(v, tuple) else v
                         for k, v in index.items()})

    tok.initialize()
    tok._first = counting(tok._first)
    return Counter


def test_long_block_of_one_character_is_linear():
    """A 1M-character line of one repeated character: no crash, linear work."""
    tok = Tokenizer({"哈": 10, "哈哈": 5, "哈哈哈": 2})

    counter = _count_lookups(tok)
    work = []
    for n in (10_000, 20_000):
        counter.lookups = 0
        assert "".join(tok.lcut("哈" * n)) == "哈" * n
        work.append(counter.lookups)
    assert work[0] >= 2 * 10_000 and work[1] <= 2.01 * work[0]  # not quadratic
    big = Tokenizer({"哈": 10, "哈哈": 5, "哈哈哈": 2}).lcut("哈" * 1_000_000)
    assert sum(map(len, big)) == 1_000_000


def test_long_chunk_without_punctuation_is_linear():
    """A 100k-character chunk of varied Han text: work grows linearly with its length."""
    rng = random.Random(11)
    alphabet = [chr(0x4E00 + i) for i in range(300)]
    counts = {"".join(rng.choice(alphabet) for _ in range(rng.randint(2, 8))): rng.randint(1, 99)
              for _ in range(20_000)}
    counts.update({ch: rng.randint(1, 99) for ch in alphabet})
    tok = Tokenizer(counts)
    text = "".join(rng.choice(alphabet) for _ in range(100_000))
    counter = _count_lookups(tok)
    work = []
    for n in (50_000, 100_000):
        counter.lookups = 0
        assert "".join(tok.lcut(text[:n])) == text[:n]
        work.append(counter.lookups)
    assert work[0] > 50_000 and work[1] <= 2.05 * work[0]


def test_add_word_del_word_and_independent_instances():
    lex = Lexicon({"研究": 30, "生命": 20, "的": 100, "起源": 10})
    a, b = Tokenizer(lex), Tokenizer(lex)
    assert a.lcut("生命起源") == ["生命", "起源"]
    a.add_word("生命起源")  # default count: just enough to be kept whole
    assert a.lcut("生命起源") == ["生命起源"]
    assert b.lcut("生命起源") == ["生命", "起源"]  # the other instance is untouched
    assert "生命起源" not in lex
    a.del_word("起源")
    assert a.lcut("起源") == ["起", "源"]
    a.add_word("起源", 10, tag="n")
    assert a.lcut("起源") == ["起源"]
    with pytest.raises(ValueError):
        a.add_word("", 3)


def test_suggest_freq_like_jieba():
    tok = Tokenizer({"中": 10, "将": 10, "中将": 30})
    assert tok.lcut("中将") == ["中将"]
    freq = tok.suggest_freq(("中", "将"), tune=True)
    assert freq <= 30 and tok.lcut("中将") == ["中", "将"]


def test_load_userdict(tmp_path):
    tok = Tokenizer({"生命": 20, "起源": 10, "的": 50})
    path = tmp_path / "user.txt"
    path.write_text("\ufeff生命起源\r\n云计算 5 n\n", encoding="utf-8")
    tok.load_userdict(path)
    assert tok.lcut("生命起源的云计算") == ["生命起源", "的", "云计算"]
    bad = tmp_path / "bad.txt"
    bad.write_bytes("好 1\n".encode("utf-8") + b"\xff\xfe 3\n")
    with pytest.raises(FormatError, match=r"bad.txt:2: not UTF-8"):
        tok.load_userdict(bad)
    assert "好" not in tok  # nothing was added from a file with a bad line
    tok.load_userdict({"好": 3})
    assert "好" in tok


def test_dictionary_path_and_malformed_dictionary(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("中华 20 ns\n人民 60\n<NUM>年 9\n", encoding="utf-8")
    tok = Tokenizer(path)
    assert tok.lcut("中华人民2024年") == ["中华", "人民", "2024年"]
    path.write_text("中华 20 ns\n人民 -60\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"dict.txt:2:"):
        Tokenizer(path)


def test_jieba_style_arguments(tok):
    assert tok.lcut("人民的", HMM=False) == tok.lcut("人民的", HMM=True) == ["人民", "的"]
    with pytest.raises(ValueError):
        list(tok.tokenize("人民", mode="full"))


def test_concurrent_reads_agree_with_sequential(tok):
    rng = random.Random(3)
    texts = [_random_string(rng, 40) for _ in range(300)]
    expected = [Tokenizer(Lexicon(WORDS)).lcut(t) for t in texts]
    results: dict[int, list] = {}

    def work(k):
        results[k] = [tok.lcut(t) for t in texts]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results.values())


def test_cut_lines_in_parallel_keeps_order(tok):
    lines = [f"第{i}条规定售价{i}元" for i in range(5000)]
    assert list(tok.cut_lines(lines, jobs=2, batch=700)) == [tok.lcut(x) for x in lines]


def test_cut_lines_as_text_is_as_text_of_lcut():
    from nlp_zero.tokenizer import as_text

    rng = random.Random(5)
    lines = [_random_string(rng, rng.randrange(0, 50)).replace("\n", "") for _ in range(400)]
    for words in (WORDS, {**WORDS, "C++": 5, "New York": 3}):  # the second with words that hold symbols
        tok = Tokenizer(words)
        lines += ["C++ 和 New York  ", " \t规定：C++"]
        for delimiter in ("  ", "/", ""):
            expected = [as_text(tok.lcut(x), delimiter) for x in lines]
            assert list(tok.cut_lines(lines, delimiter=delimiter)) == expected
        assert list(tok.cut_lines(lines, delimiter="|", jobs=2, batch=150)) == [as_text(tok.lcut(x), "|") for x in lines]
    with pytest.raises(ValueError):
        next(tok.cut_lines(lines, format=as_text, delimiter=" "))
    # a region around a word with a space, cut apart there: the space is a token, and left out
    tok = Tokenizer({"New York": 1, "New": 10**7, "York": 10**7, " ": 10**8, "好": 5})
    assert tok.lcut("好New York好") == ["好", "New", " ", "York", "好"]
    assert list(tok.cut_lines(["好New York好"], delimiter="/")) == ["好/New/York/好"]


def test_cli_cut_text_and_jsonl(cli, tmp_path):
    lex = tmp_path / "lex.dict.txt"
    Lexicon(WORDS).save(lex)
    text = "iPhone8售价6888元\n中华人民共和国宪法 第3条\n"
    r = cli("cut", "-l", str(lex), input=text)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "iPhone8  售价  6888  元\n中华人民共和国  宪法  第  3  条\n"
    src = tmp_path / "in.txt"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = cli("cut", str(src), "-l", str(lex), "--format", "jsonl", "-o", str(out), "--jobs", "2", "-q")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2
    assert rows[1]["tokens"][:3] == [["中华人民共和国", 0, 7], ["宪法", 7, 9], [" ", 9, 10]]
    r = cli("cut", str(src), "-l", str(lex), "-d", "/")
    assert r.stdout.splitlines()[0] == "iPhone8/售价/6888/元"


def test_cli_cut_errors(cli, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("中国 abc\n", encoding="utf-8")
    r = cli("cut", "-l", str(bad), input="中国\n")
    assert r.returncode == 2
    assert r.stderr.strip() == f"nlp-zero: error: {bad}:1: frequency 'abc' of '中国' is not a non-negative integer"
    r = cli("cut", "-l", str(tmp_path / "none.txt"), input="中国\n")
    assert r.returncode == 2 and "none.txt" in r.stderr and "Traceback" not in r.stderr
    r = cli("cut", "-l", str(bad), "-d")
    assert r.returncode == 2  # -d needs a value
