"""Parser and SentTree: nested template parses, strictness, renderings, bounded work, CLI."""

from __future__ import annotations

import json
import random

import pytest

from nlp_zero.parser import LITERAL, SEQUENCE, TEMPLATE, WORDS, Parser, SentTree
from nlp_zero.templates import Template, TemplateFinder, TemplateSet

# The hand-made demo set of the original nlp-zero (docs/design.md §9).
DEMO = ["[X]呢", "[X]可以[X]吗", "我[X]", "[X]的[X]是[X]", "[X]的[X]是[X]呢", "[X]的[X]", "[X]和[X]"]


@pytest.fixture(scope="module")
def demo() -> Parser:
    return Parser(TemplateSet({t: 1 for t in DEMO}), str.split)


@pytest.mark.parametrize("sentence, expected", [
    ("鸡蛋 可以 吃 吗", "(鸡蛋)可以(吃)吗"),
    ("牛肉 鸡蛋 可以 吃 吗", "(牛肉鸡蛋)可以(吃)吗"),
    ("苹果 的 颜色 是 什么 呢", "(苹果)的(颜色)是(什么)呢"),
])
def test_demo_set_parses_as_the_original(demo, sentence, expected):
    assert demo.parse(sentence).bracket() == expected


def test_demo_tree_structure(demo):
    tree = demo.parse("牛肉 鸡蛋 可以 吃 吗")
    assert tree.kind == TEMPLATE and str(tree.template) == "[X]可以[X]吗"
    assert [c.content for c in tree.children] == ["牛肉鸡蛋", "可以", "吃", "吗"]
    assert [c.kind for c in tree.children] == [WORDS, LITERAL, WORDS, LITERAL]
    assert tree.content == "牛肉鸡蛋可以吃吗"
    assert (tree.start, tree.end) == (0, 5)


def test_templates_nest(demo):
    tree = demo.parse("我 的 苹果 和 你 的 鸡蛋 可以 吃 吗")
    assert tree.depth >= 3
    nested = [str(t.template) for t in tree.walk() if t.kind == TEMPLATE]
    assert "[X]可以[X]吗" in nested and "[X]和[X]" in nested


def leaves(tree: SentTree) -> list:
    if not tree.children:
        return list(tree.tokens)
    return [tok for c in tree.children for tok in leaves(c)]


def check_strict(tree: SentTree, tokens: list) -> None:
    """Every token is covered once, in order; every match is a strict match of its span."""
    assert leaves(tree) == tokens
    for t in tree.walk():
        assert t.tokens == tokens[t.start:t.end]
        if t.kind == TEMPLATE:
            contents = tuple(tuple(c.tokens) for c in t.children if c.kind != LITERAL)
            assert contents in list(t.template.matches(t.tokens))
            for c, item in zip(t.children, t.template.items):
                assert (c.kind == LITERAL) == (item is not None)


def test_parses_are_strict_matches(demo):
    rng = random.Random(1)
    vocab = "我 的 苹果 和 你 鸡蛋 可以 吃 吗 呢 是 颜色 什么".split()
    for _ in range(200):
        tokens = [rng.choice(vocab) for _ in range(rng.randrange(1, 14))]
        check_strict(demo.parse_tokens(tokens), tokens)


def test_parsing_is_deterministic_whatever_the_set_order():
    counts = {t: 1 for t in DEMO}
    a = Parser(TemplateSet(counts), str.split)
    b = Parser(TemplateSet(dict(reversed(list(counts.items())))), str.split)
    s = "我 的 苹果 和 你 的 鸡蛋 可以 吃 吗 ？ 苹果 的 颜色 是 什么 呢"
    assert a.parse(s).to_json() == b.parse(s).to_json() == a.parse(s).to_json()


def test_renderings(demo):
    tree = demo.parse("苹果 的 颜色 是 什么 呢")
    d = json.loads(tree.to_json())
    assert d["template"] == "[X]的[X]是[X]呢" and d["content"] == "苹果的颜色是什么呢"
    assert [c["content"] for c in d["children"]] == ["苹果", "的", "颜色", "是", "什么", "呢"]
    assert d == tree.to_dict()
    text = tree.pretty()
    assert text.splitlines()[0].startswith("[X]的[X]是[X]呢")
    assert len(text.splitlines()) == 7
    assert str(tree) == text


def test_levels_are_coarse_to_fine(demo):
    tree = demo.parse("我 的 苹果 和 你 的 鸡蛋 可以 吃 吗")
    levels = tree.levels()
    assert levels[0] == [(0, 10)]
    assert levels[-1] == [(i, i + 1) for i in range(10)]
    for level in levels:  # each level tiles the sentence
        assert level[0][0] == 0 and level[-1][1] == 10
        assert all(a[1] == b[0] for a, b in zip(level, level[1:]))
    assert "".join(tree.segmentation(1)) == "我的苹果和你的鸡蛋可以吃吗"
    assert len(tree.segmentation(1)) < len(tree.segmentation(99)) == 10


def test_constituents_group_literals_with_their_side():
    # 的 closes phrases (seen before punctuation), 在 opens them (seen after it).
    ts = TemplateSet({"[X]的[X]": 50, "[X]的": 9, "的[X]": 1, "在[X]": 9, "[X]在": 1, "[X]在[X]": 40})
    p = Parser(ts, str.split)
    tree = p.parse("苹果 的 颜色")
    assert (0, 2) in tree.constituents()  # 苹果的
    tree = p.parse("我 在 北京 的 大学")
    spans = tree.constituents()
    assert (1, 5) in spans or (1, 3) in spans  # 在 + what follows


def test_brackets_and_quotes_close_their_phrase():
    p = Parser(TemplateSet({"[X]《[X]》[X]": 10, "[X]的[X]": 5}), str.split)
    tree = p.parse("他 读 了 《 红楼梦 》 的 故事")
    assert (3, 6) in tree.constituents()  # 《红楼梦》


def test_chains_of_a_list_template_are_one_flat_list():
    p = Parser(TemplateSet({"[X]，[X]": 10, "[X]的[X]": 5}), str.split)
    tokens = "甲 ， 乙 的 丙 ， 丁 ， 戊".split()
    tree = p.parse_tokens(tokens)
    check_strict(tree, tokens)
    assert str(tree.template) == "[X]，[X]，[X]，[X]"
    assert [c.content for c in tree.children if c.kind != LITERAL] == ["甲", "乙的丙", "丁", "戊"]
    assert (2, 9) not in tree.constituents() and (0, 7) not in tree.constituents()


def test_empty_and_one_token_lines(demo):
    assert demo.parse("").bracket() == ""
    assert demo.parse("吗").bracket() == "吗"


def long_templates() -> TemplateSet:
    return TemplateSet({"[X]的[X]": 50, "[X]，[X]": 40, "[X]和[X]": 20, "[X]在[X]上[X]": 10, "[X]的": 5,
                        "在[X]": 5, "[X]可以[X]吗": 3, "[X]是[X]": 30}, tokens=1000, entropy=7.0)


def test_a_300_token_sentence_parses(demo):
    unit = "我 的 苹果 和 你 的 鸡蛋 在 桌子 上 ，".split()
    tokens = (unit * 30)[:300]
    tree = Parser(long_templates()).parse_tokens(tokens)
    check_strict(tree, tokens)
    assert tree.depth >= 3
    assert sum(1 for t in tree.walk() if t.kind == TEMPLATE) >= 50


def test_a_10000_token_line_parses():
    sentence = "苹果 的 颜色 是 什么 呢 ？ 我 的 苹果 和 你 的 鸡蛋 在 桌子 上 ， 鸡蛋 可以 吃 吗 。".split()
    tokens = (sentence * 500)[:10000]
    tree = Parser(long_templates()).parse_tokens(tokens)
    assert leaves(tree) == tokens
    ends = sum(1 for t in tokens if t in ("？", "。"))
    assert tree.kind == SEQUENCE and len(tree.children) == ends + 1  # one part per piece, the last unfinished
    assert all(c.end - c.start <= 64 for c in tree.children)


def test_a_10000_token_line_without_punctuation_parses():
    tokens = ("我 的 苹果 和 你 的 鸡蛋 在 桌子 上".split() * 1000)[:10000]
    tree = Parser(long_templates(), max_span=16, max_piece=64).parse_tokens(tokens)
    assert leaves(tree) == tokens
    assert all(c.end - c.start <= 64 for c in tree.children)  # the documented fallback: pieces of max_piece


def test_learned_templates_parse_what_they_were_learned_from():
    from tests.test_templates import corpus

    lines = corpus(1500)
    finder = TemplateFinder(str.split).train(lines)
    parser = Parser(finder.find(), str.split)
    tree = parser.parse("牛肉 鸡蛋 可以 吃 吗 ？")
    assert tree.kind == TEMPLATE and "可以" in tree.template.literals and "吗" in tree.template.literals
    assert tree.bracket().startswith("(牛肉鸡蛋)可以(吃)吗")


def test_a_saved_and_loaded_set_parses_identically(tmp_path):
    from tests.test_templates import corpus

    lines = corpus(1500)
    finder = TemplateFinder(str.split).train(lines)
    templates = finder.find()
    templates.save(str(tmp_path / "t.txt"))
    a = Parser(templates, str.split)
    b = Parser(TemplateSet.load(str(tmp_path / "t.txt")), str.split)
    for line in lines[:50]:
        assert a.parse(line).to_json() == b.parse(line).to_json()


# -- the command line ---------------------------------------------------------------


@pytest.fixture
def files(tmp_path):
    from tests.test_templates import corpus

    lines = corpus(1500)
    text = tmp_path / "corpus.txt"
    text.write_text("\n".join(line.replace(" ", "") for line in lines) + "\n", encoding="utf-8")
    words = sorted({w for line in lines for w in line.split()})
    lexicon = tmp_path / "words.dict.txt"
    lexicon.write_text("".join(f"{w} 10\n" for w in words), encoding="utf-8")
    return tmp_path, text, lexicon


def test_cli_templates_and_parse(cli, files):
    tmp, text, lexicon = files
    r = cli("templates", str(text), "-l", str(lexicon), "-o", str(tmp / "t"), "--top", "40", "-q")
    assert r.returncode == 0, r.stderr
    assert "[X]可以[X]吗" in r.stdout
    listed = [line.split(None, 1)[1] for line in r.stdout.strip().splitlines()[2:]]
    assert 0 < len(listed) <= 40
    for a in listed:  # each construction once, by its general form
        assert not any(b != a and Template.parse(b).match(list(Template.parse(a).items)) for b in listed)
    saved = TemplateSet.load(str(tmp / "t.templates.txt"))
    assert saved[Template.parse("[X]可以[X]吗 ？")] > 0
    meta = json.loads((tmp / "t.templates.meta.json").read_text(encoding="utf-8"))
    assert meta["parameters"]["window"] == 5
    args = ["parse", "-l", str(lexicon), "-t", str(tmp / "t.templates.txt"), "-q"]
    r = cli(*args, "--format", "bracket", input="牛肉鸡蛋可以吃吗？\n\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("(牛肉鸡蛋)可以(吃)吗")
    assert r.stdout.splitlines()[1] == ""
    r = cli(*args, "--format", "json", input="苹果的颜色是什么呢？\n")
    assert json.loads(r.stdout)["content"] == "苹果的颜色是什么呢？"
    r = cli(*args, input="苹果的颜色是什么呢？\n")
    assert "苹果" in r.stdout and "├─" in r.stdout


def test_cli_bad_templates_file(cli, files):
    tmp, _, lexicon = files
    bad = tmp / "bad.txt"
    bad.write_text("[X]的[X]\t3\n[X]的[X] 3\n", encoding="utf-8")
    r = cli("parse", "-l", str(lexicon), "-t", str(bad), input="苹果\n")
    assert r.returncode == 2
    assert f"{bad}:2:" in r.stderr and "Traceback" not in r.stderr


def test_runs_of_bare_words_are_bracketed_in_two_where_a_boundary_is_likeliest():
    # 了 closes phrases (seen before punctuation), the other words are seen inside them: the run splits after 了.
    ts = TemplateSet({"[X]的[X]是[X]": 50, "[X]了": 9, "了[X]": 1, "[X]我[X]": 20, "[X]吃[X]": 20,
                      "[X]苹果[X]": 20, "[X]面条[X]": 20})
    tokens = "我 吃 了 苹果 面条 的 颜色 是 红".split()
    tree = Parser(ts, trivial=False).parse_tokens(tokens)
    run = tree.children[0]
    assert run.kind == WORDS and run.content == "我吃了苹果面条"
    assert run.inner == [(0, 2), (0, 3), (3, 5)]
    assert (0, 3) in tree.constituents()
    flat = Parser(ts, trivial=False, binarize=False).parse_tokens(tokens)
    assert flat.children[0].inner == [] and (0, 3) not in flat.constituents()
    assert flat.bracket() == tree.bracket()


def test_json_gives_character_offsets_and_words(demo):
    text = "我 的 苹果  和 你 的 鸡蛋 可以 吃 吗"
    tree = demo.parse(text)
    nodes = [json.loads(tree.to_json())]
    while nodes:
        d = nodes.pop()
        assert text[d["start"]:d["end"]].replace(" ", "") == d["content"] == "".join(d["words"])
        assert not text[d["start"]:d["end"]].startswith(" ") and not text[d["start"]:d["end"]].endswith(" ")
        nodes.extend(d.get("children", []))
    assert json.loads(demo.parse_tokens(text.split()).to_json())["end"] == len(text.replace(" ", ""))
