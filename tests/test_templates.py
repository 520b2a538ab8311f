"""Templates: strict matching, learning from skip-gram statistics, the text format."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from nlp_zero.errors import FormatError, InputError
from nlp_zero.templates import Template, TemplateFinder, TemplateSet, pieces
from nlp_zero.text import NUM


def corpus(n: int = 3000, seed: int = 0) -> list:
    """Pre-segmented lines (space-separated words) built from a few constructions."""
    rng = random.Random(seed)
    nouns = "鸡蛋 牛肉 苹果 香蕉 米饭 面条 豆腐 白菜 猪肉 鱼 桌子 电脑 手机 汽车 房子".split()
    verbs = "吃 喝 买 卖 做 看 洗 切 煮 修".split()
    attrs = "颜色 价格 味道 重量 名字 大小".split()
    people = "我 你 他 她 老师 妈妈".split()
    lines = []
    for _ in range(n):
        k = rng.randrange(4)
        if k == 0:
            line = [rng.choice(nouns), "可以", rng.choice(verbs), "吗", "？"]
        elif k == 1:
            line = [rng.choice(nouns), "的", rng.choice(attrs), "是", "什么", "呢", "？"]
        elif k == 2:
            line = [rng.choice(people), "在", rng.choice(nouns), "上", rng.choice(verbs), "了", "。"]
        else:
            line = [rng.choice(people), rng.choice(verbs), "了", rng.choice(nouns), "和", rng.choice(nouns), "。"]
        lines.append(" ".join(line))
    return lines


@pytest.fixture(scope="module")
def learned():
    finder = TemplateFinder(str.split)
    lines = corpus()
    finder.train(lines)
    return finder, finder.find()


# -- templates and strict matching ------------------------------------------


def test_template_text_round_trip():
    for text in ["[X]的[X]", "[X]可以[X]吗", "我[X]", "[X]的|时候[X]", "[X]<NUM>月[X]"]:
        assert str(Template.parse(text)) == text
    assert Template.parse("[X]的|时候[X]").items == (None, "的", "时候", None)
    assert Template.parse("[X]的 时候[X]").items == (None, "的", "时候", None)  # as nlp_zero 0.2.0 wrote it
    assert Template.parse("[X]<NUM>月").items == (None, NUM + "月")


@pytest.mark.parametrize("bad", ["[X]", "的", "[X][X]的", "", "的 是", "的|是"])
def test_malformed_templates_are_refused(bad):
    with pytest.raises(ValueError):
        Template.parse(bad)


def test_literal_matches_one_identical_token_and_nothing_is_skipped():
    t = Template.parse("[X]可以[X]吗")
    assert t.match("鸡蛋 可以 吃 吗".split()) == (("鸡蛋",), ("吃",))
    assert t.match("牛肉 鸡蛋 可以 吃 吗".split()) == (("牛肉", "鸡蛋"), ("吃",))
    assert t.match("鸡蛋 可以 吃 吗 呢".split()) is None  # a trailing token may not be skipped
    assert t.match("可以 吃 吗".split()) is None  # a placeholder holds at least one token
    assert t.match("鸡蛋 可以 吗".split()) is None
    assert t.match("鸡蛋 能 可以 吃 吗".split()) == (("鸡蛋", "能"), ("吃",))
    assert Template.parse("[X]的[X]").match("可以的话".split()) is None  # 的 must be a whole token


def test_all_matches_are_listed_in_a_fixed_order():
    t = Template.parse("[X]的[X]")
    assert list(t.matches("我 的 妈妈 的 手机".split())) == [
        (("我",), ("妈妈", "的", "手机")),
        (("我", "的", "妈妈"), ("手机",)),
    ]


def test_a_hopeless_match_fails_without_exponential_search():
    # Backtracking over 6 placeholders on 300 tokens would never end; dead ends are remembered.
    assert Template.parse("[X]a[X]a[X]a[X]a[X]a[X]c").match(["a"] * 300) is None


def test_trivial_templates_are_recognisable():
    assert Template.parse("[X]的[X]").trivial
    assert Template.parse("[X]了").trivial
    assert not Template.parse("[X]可以[X]吗").trivial


def test_pieces_end_after_sentence_punctuation():
    assert pieces("a 。 b ！ ？ c".split()) == [["a", "。"], ["b", "！", "？"], ["c"]]
    assert pieces([]) == []


# -- learning -----------------------------------------------------------------


def test_learns_the_constructions_of_the_text(learned):
    _, templates = learned
    # Each construction and its sub-paths come first (ties), before anything with a content word.
    top = [str(t) for t, _ in templates.most_common(44, trivial=False)]
    for expected in ["[X]可以[X]吗|？", "[X]的[X]是|什么|呢[X]", "[X]在[X]上[X]了|。"]:
        assert expected in top, top
    assert not any("鸡蛋" in t or "吃" in t for t in top)
    assert all(not t.trivial for t, _ in templates.most_common(trivial=False))
    assert any(t.trivial for t in templates.counts)


def test_counts_are_counts_of_occurrences(learned):
    finder, templates = learned
    lines = corpus()
    questions = sum(1 for line in lines if "可以" in line)
    assert templates["[X]可以[X]吗|？"] == questions
    assert finder.words["可以"] == questions
    assert finder.tokens == sum(len(line.split()) for line in lines)


def test_training_is_additive_and_repeatable():
    lines = corpus(600)
    whole = TemplateFinder(str.split).train(lines)
    parts = TemplateFinder(str.split).train(lines[:250])
    parts.train(lines[250:])  # a second train() adds, never fails
    assert parts.words == whole.words
    assert dict(parts.pairs) == dict(whole.pairs)
    summed = TemplateFinder(str.split).train(lines[:100]) + TemplateFinder(str.split).train(lines[100:])
    assert dict(summed.pairs) == dict(whole.pairs)
    assert summed.find().counts == whole.find().counts


def test_pair_table_stays_under_its_budget_and_reports_what_it_dropped():
    lines = corpus(600)
    exact = TemplateFinder(str.split).train(lines)
    small = TemplateFinder(str.split, max_pairs=200).train(lines)
    assert len(small.pairs) <= 200
    assert small.pairs.discarded > 0
    for pair, count in small.pairs.items():
        assert count <= exact.pairs[pair]


def test_candidates_per_sentence_are_bounded():
    # Every word strongly linked to every other: the predecessor's path enumeration explodes here.
    finder = TemplateFinder(str.split, window=5, max_literals=4, min_count=1, min_pmi=-100)
    lines = [" ".join(f"w{i % 7}" for i in range(k, k + 60)) for k in range(20)]
    finder.train(lines)
    piece = lines[0].split()
    n = sum(1 for _ in finder.candidates(piece))
    assert n <= 3 * len(piece) * (1 + 5 + 5 ** 2 + 5 ** 3)


def test_find_before_train_is_an_error():
    with pytest.raises(ValueError):
        TemplateFinder(str.split).find()


def test_the_two_pass_call_still_works_with_a_deprecation_warning(learned):
    finder, templates = learned
    with pytest.warns(DeprecationWarning, match="find"):
        again = finder.find(corpus())
    assert again.counts == templates.counts


# -- the text format ------------------------------------------------------------


def test_save_load_round_trip_is_byte_identical(learned, tmp_path):
    _, templates = learned
    a = tmp_path / "a.txt"
    templates.save(str(a))
    loaded = TemplateSet.load(str(a))
    assert loaded.counts == templates.counts
    assert loaded.tokens == templates.tokens
    b = tmp_path / "b.txt"
    loaded.save(str(b))
    assert a.read_bytes() == b.read_bytes()
    rows = [line.split("\t") for line in a.read_text(encoding="utf-8").splitlines()[1:]]
    keys = [(-int(c), t) for t, c in rows]
    assert keys == sorted(keys)


def test_hand_written_file_loads(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("# my templates\n[X]的[X]\t10\n\n[X]可以[X]吗\t3\n", encoding="utf-8")
    ts = TemplateSet.load(str(f))
    assert ts["[X]的[X]"] == 10 and ts["[X]可以[X]吗"] == 3 and len(ts) == 2


@pytest.mark.parametrize("line, cause", [
    ("[X]的[X] 10", "expected 'template<TAB>count'"),
    ("[X]的[X]\tmany", "bad count"),
    ("[X]的[X]\t0", "bad count"),
    ("[X][X]\t4", "bad template"),
    ("[X]的[X]\t4\n[X]的[X]\t5", "duplicate template"),
])
def test_malformed_file_names_file_and_line(tmp_path, line, cause):
    f = tmp_path / "bad.txt"
    f.write_text("[X]是[X]\t20\n" + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError) as e:
        TemplateSet.load(str(f))
    assert str(e.value).startswith(f"{f}:")
    assert cause in str(e.value)
    assert e.value.line in (2, 3)


def test_undecodable_or_bad_header_names_the_line(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_bytes(b"\xff\xfe[X]\t3\n")
    with pytest.raises(FormatError, match="not UTF-8") as e:
        TemplateSet.load(str(f))
    assert e.value.line == 1
    f.write_text("# nlp-zero templates 1 tokens=-3 entropy=2\n[X]的[X]\t3\n", encoding="utf-8")
    with pytest.raises(FormatError, match="bad header field") as e:
        TemplateSet.load(str(f))
    assert e.value.line == 1


@pytest.mark.parametrize("header", [True, False])
def test_a_utf8_bom_is_read_with_or_without_header(tmp_path, header):
    f = tmp_path / "bom.txt"
    text = ("# nlp-zero templates 1 tokens=100 entropy=3.000000\n" if header else "") + "[X]的[X]\t10\r\n[X]吗\t2\n"
    f.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    ts = TemplateSet.load(str(f))
    assert ts["[X]的[X]"] == 10 and ts["[X]吗"] == 2 and len(ts) == 2
    assert ts.tokens == (100 if header else 12)


def test_a_literal_never_holds_the_separator():
    with pytest.raises(ValueError):
        Template((None, "a|b"))


def test_general_listing_shows_each_construction_once():
    ts = TemplateSet({"[X]、[X]、[X]、[X]": 30, "[X]、[X]、[X]": 20, "[X]<NUM>月|<NUM>|日电[X]": 9,
                      "[X]<NUM>|日电[X]": 9, "[X]的[X]": 50, "[X]在[X]上[X]": 5})
    assert [str(t) for t, _ in ts.most_common(trivial=False, specific=False)] == [
        "[X]、[X]、[X]", "[X]<NUM>|日电[X]", "[X]在[X]上[X]"]
    assert len(ts.most_common(2, trivial=False, specific=False)) == 2
    assert len(ts.most_common(trivial=False)) == 5


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        TemplateSet.load(str(tmp_path / "nope.txt"))


def test_learning_is_independent_of_hash_seed(tmp_path):
    code = (
        "import sys; sys.path.insert(0, %r); from tests.test_templates import corpus;"
        "from nlp_zero.templates import TemplateFinder;"
        "f = TemplateFinder(str.split); L = corpus(800); f.train(L); f.find().save(sys.argv[1])"
    ) % str(__import__("pathlib").Path(__file__).resolve().parents[1])
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"s{seed}.txt"
        subprocess.run([sys.executable, "-c", code, str(out)], check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": ""})
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_min_pmi_must_be_finite():
    from nlp_zero import NlpZeroError

    with pytest.raises(NlpZeroError, match="finite"):
        TemplateFinder(str.split, min_pmi=float("nan"))
