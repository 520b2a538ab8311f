"""jieba user dictionaries: every form jieba reads, loaded here and into jieba 0.42.1 (docs/design.md §8).

The comparison needs jieba (a test extra) and its own 349k-word dict.txt as
the main dictionary; it skips when jieba is not installed.  The parsing
tests run everywhere.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
from pathlib import Path

import pytest

from nlp_zero.errors import FormatError
from nlp_zero.lexicon import read_userdict
from nlp_zero.tokenizer import Tokenizer

# Every form jieba's documentation and test files show: word only, word+freq,
# word+tag, word+freq+tag, words with spaces and with symbols.
USER_DICT = """\
云计算
创新办 3 i
凱特琳 nz
台中
韩玉赏鉴 5
八一双鹿 nz
New York 10
Edu Trust认证 2000
COVID-19
Wi-Fi 50 n
C++
AT&T 3 nz
"""
# A second file with a BOM and CRLF line ends.
USER_DICT_CRLF = "\ufeff石墨烯\r\n李小福 2 nr\r\n\r\n  中文分词器  \r\n"

SENTENCES = [
    "李小福是创新办主任也是云计算方面的专家; 什么是八一双鹿",
    "例如我输入一个带“韩玉赏鉴”的标题，在自定义词库中也增加了此词为N类",
    "「台中」正確應該不會被切開。mac上可分出「石墨烯」；此時又可以分出來凱特琳了。",
    "我学习C++和Wi-Fi，COVID-19期间的中文分词器。",
    "well-known的c++程序员用C#和AT&T，T&T不是词",
    "Wi-Fi是无线网络，COVID-19是疾病名称，C++是语言",
]
# Words with spaces: jieba loads them but its blocks never hold a space, so
# it can never give them; here they come out whole where the text has the
# same spaces (and only there).
SPACED = {"我在New York学习": ["我", "在", "New York", "学习"],
          "通过Edu Trust认证。": ["通过", "Edu Trust认证", "。"],
          "New  York": ["New", "  ", "York"]}


def test_every_jieba_line_form_parses(tmp_path):
    path = tmp_path / "user.txt"
    path.write_text(USER_DICT, encoding="utf-8")
    rows = list(read_userdict(path))
    assert rows[:4] == [("云计算", None, None), ("创新办", 3, "i"), ("凱特琳", None, "nz"), ("台中", None, None)]
    assert ("New York", 10, None) in rows and ("Edu Trust认证", 2000, None) in rows
    assert ("Wi-Fi", 50, "n") in rows and ("C++", None, None) in rows
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(USER_DICT_CRLF.encode("utf-8"))
    assert list(read_userdict(crlf)) == [("石墨烯", None, None), ("李小福", 2, "nr"), ("中文分词器", None, None)]
    # jieba's rule, odd cases included: a capitalised "tag" is part of the word
    assert list(read_userdict(io.StringIO("hello world\nC++ 5 NN\n<NUM>年 7\n"))) == [
        ("hello", None, "world"), ("C++ 5 NN", None, None), ("\ue000年", 7, None)]


@pytest.mark.parametrize("opener", [gzip.open, bz2.open, lzma.open])
def test_compressed_dictionaries_read_like_corpora(tmp_path, opener):
    path = tmp_path / "dict.txt.z"
    with opener(path, "wt", encoding="utf-8") as f:
        f.write("中华 20 ns\n人民 60\n中华人民 1\n")
    assert Tokenizer(path).lcut("中华人民") == ["中华", "人民"]
    assert Tokenizer(path, user_dicts=[path]).freq("人民") == 60


def test_user_words_with_symbols_come_out_whole():
    tok = Tokenizer({"学习": 10, "和": 20, "期间": 5, "的": 30})
    assert tok.lcut("学习C++和Wi-Fi") == ["学习", "C", "+", "+", "和", "Wi", "-", "Fi"]  # plain text: today's units
    for word in ("C++", "COVID-19", "Wi-Fi", "New York", "AT&T", "node.js", "a_b", "50%-off", "C#"):
        tok.add_word(word)
    assert tok.lcut("学习C++和Wi-Fi，COVID-19期间") == ["学习", "C++", "和", "Wi-Fi", "，", "COVID-19", "期间"]
    assert tok.lcut("用node.js和C#的a_b，50%-off") == ["用", "node.js", "和", "C#", "的", "a_b", "，", "50%-off"]
    assert tok.lcut("New York和New  York") == ["New York", "和", "New", "  ", "York"]
    # only where the word starts and ends at unit boundaries: AC is one run
    assert tok.lcut("AC++和C++11") == ["AC", "+", "+", "和", "C++", "11"]
    tok.del_word("C++")
    assert tok.lcut("学习C++") == ["学习", "C", "+", "+"]
    assert "".join(tok.lcut("Wi-Fi" * 50 + "和AT&T&T")) == "Wi-Fi" * 50 + "和AT&T&T"


def test_user_dicts_argument_adds_in_order(tmp_path):
    main = {"生命": 20, "起源": 10, "的": 50}
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("生命起源\n", encoding="utf-8")
    second.write_text("生命起源 0\n", encoding="utf-8")
    assert Tokenizer(main, user_dicts=[first]).lcut("生命起源的") == ["生命起源", "的"]
    assert Tokenizer(main, user_dicts=[first, second]).lcut("生命起源的") == ["生命", "起源", "的"]


def test_a_bad_user_dictionary_changes_nothing(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("好词 5\n".encode("utf-8") + b"\xc3\x28 1\n")
    tok = Tokenizer({"好": 1})
    with pytest.raises(FormatError, match=r"bad.txt:2: not UTF-8"):
        tok.load_userdict(bad)
    assert "好词" not in tok


# -- against real jieba -----------------------------------------------------


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    jieba = pytest.importorskip("jieba")
    import logging

    jieba.setLogLevel(logging.WARNING)
    folder = tmp_path_factory.mktemp("userdict")
    user, crlf = folder / "user.txt", folder / "crlf.txt"
    user.write_text(USER_DICT, encoding="utf-8")
    crlf.write_bytes(USER_DICT_CRLF.encode("utf-8"))
    main = str(Path(jieba.__file__).parent / "dict.txt")
    theirs = jieba.Tokenizer(main)
    theirs.tmp_dir = str(folder)  # jieba's cache file goes there, not to the shared temp dir
    theirs.load_userdict(str(user))
    theirs.load_userdict(str(crlf))
    ours = Tokenizer(main, user_dicts=[user, crlf])
    return ours, theirs


def test_same_segmentation_as_jieba_with_a_user_dictionary(both):
    ours, theirs = both
    for s in SENTENCES:
        assert ours.lcut(s) == theirs.lcut(s, HMM=False), s
    for word in ("凱特琳", "COVID-19", "Wi-Fi", "C++", "云计算"):
        assert ours.freq(word) >= 1 and theirs.FREQ[word] >= 1
    for s, expected in SPACED.items():
        assert ours.lcut(s) == expected
        assert "New York" not in theirs.lcut(s, HMM=False)  # jieba cannot give words with spaces


def test_same_modes_as_jieba(both):
    ours, theirs = both
    for s in SENTENCES + ["小明硕士毕业于中国科学院计算所，后在日本京都大学深造", "我来到北京清华大学"]:
        assert ours.lcut(s, cut_all=True) == [w for w in theirs.lcut(s, cut_all=True) if w], s
        assert ours.lcut_for_search(s) == theirs.lcut_for_search(s, HMM=False), s
        assert list(ours.tokenize(s, mode="search")) == list(theirs.tokenize(s, mode="search", HMM=False)), s


def test_words_added_in_place_cut_as_a_fresh_tokenizer_does():
    """add_word changes the index in place (no rebuild while N is unchanged): the plain reference
    is a tokenizer built from the final counts at once."""
    rng = random.Random(14)
    alphabet = "天地玄黄宇宙洪荒日月盈昃"
    for _ in range(60):
        counts = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))): rng.randint(1, 40)
                  for _ in range(rng.randint(1, 30))}
        tok = Tokenizer(counts)
        final = dict(counts)
        for _ in range(rng.randint(1, 8)):  # pairs of changes that keep N: +c on one word, -c on another
            word = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
            other = rng.choice(sorted(final))
            c = rng.randint(1, final[other]) if final[other] else 0
            if word == other:
                continue
            tok.add_word(word, final.get(word, 0) + c)
            tok.add_word(other, final[other] - c)
            final[word] = final.get(word, 0) + c
            final[other] -= c
        assert tok.total == sum(final.values()) == tok._built_total  # no rebuild happened
        fresh = Tokenizer(final)
        words = sorted(final)
        for _ in range(5):  # texts made of the words, so that new long words have a chance
            text = "".join(rng.choice(words) if rng.random() < 0.7 else rng.choice(alphabet)
                           for _ in range(rng.randint(1, 8)))
            assert tok.lcut(text) == fresh.lcut(text), (final, text)


def test_many_symbol_words_are_added_without_rebuilding_per_word(monkeypatch):
    """Adding words with symbols rebuilds their pattern once, at the next cut, not once per word
    (which made loading a user dictionary of many such words quadratic)."""
    from nlp_zero import tokenizer as tokenizer_module

    tok = tokenizer_module.Tokenizer({"我": 10, "来": 10})
    built = []
    real = tokenizer_module._symbol_regex
    monkeypatch.setattr(tokenizer_module, "_symbol_regex", lambda words: built.append(1) or real(words))
    for i in range(200):
        tok.add_word(f"W{i}-X{i}", 5)
    assert built == []
    assert tok.lcut("我来W12-X12了W199-X199") == ["我", "来", "W12-X12", "了", "W199-X199"]
    assert len(built) == 1
