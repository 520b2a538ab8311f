"""Randomised damage to saved files: every loader succeeds or raises NlpZeroError.

Valid files (counts, lexicon, lexicon TSV, templates, word-finder state, and
the gold/prediction/vocabulary files of ``eval``) are written from a small
corpus, then mutated with fixed seeds: bytes flipped, inserted (tabs, line
ends, NUL, BOM, invalid UTF-8, Unicode digits and spaces, minus signs, huge
numbers), deleted, lines duplicated, swapped or truncated.  A loader must
either load the file -- and then what it loaded must save and load back
unchanged -- or raise the package's own error (``NlpZeroError``, in
practice ``FormatError``/``InputError`` naming the file); any other
exception (ValueError, UnicodeError, IndexError, ...) is a bug that would
reach the user as a traceback.
"""

from __future__ import annotations

import random

import pytest

from nlp_zero import FormatError, NgramCounter, NlpZeroError
from nlp_zero.discovery import WordFinder
from nlp_zero.evaluation import evaluate_files
from nlp_zero.lexicon import Lexicon, read_dictionary
from nlp_zero.templates import TemplateSet
from nlp_zero.tokenizer import Tokenizer

ITERATIONS = 250  # per loader; each load is a few milliseconds

TEXT = [
    "第3条 为了规范口岸开放，提高口岸通行效率，制定本条例。",
    "苹果的颜色是什么呢？鸡蛋可以吃吗？",
    "1998年1月，iPhone8售价6888元，涨了25％。",
    "我喜欢吃苹果，我喜欢吃葡萄，你喜欢吃什么呢？",
    "中华人民共和国的法律，中华人民共和国的公民。",
] * 4

# Bytes that make loaders stumble: separators, line ends, NUL, BOM, bad UTF-8,
# digits that str.isdigit() accepts but int() does not, Unicode spaces, signs.
NASTY = [
    b"\t", b"\n", b"\r", b"\r\n", b" ", b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf",
    b"-", b"-1", b"0", b"+", b"9" * 40, "²".encode(), "٣".encode(), "３".encode(), b"#", b"#order x",
    b"<NUM>", b"<LAT>", b"[X]", b"[X][X]", b"nan", b"inf", b"1e9", b"1_000", "\u3000".encode(),
    "\u2028".encode(), "\x85".encode(), b"\x1c", b"\x0b", "好".encode(), "\ue000".encode(),
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three random kinds of damage."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(7)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:  # flip a byte
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif op == 1:  # insert something nasty
            b[pos:pos] = rng.choice(NASTY)
        elif op == 2 and b:  # delete a range
            del b[pos:pos + rng.randint(1, 12)]
        elif op == 3:  # truncate
            del b[pos:]
        else:  # line-level: duplicate, swap, replace a field with something nasty
            lines = bytes(b).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if op == 4:
                lines.insert(i, lines[j])
            elif op == 5:
                lines[i], lines[j] = lines[j], lines[i]
            else:
                fields = lines[i].split(b"\t" if b"\t" in lines[i] else b" ")
                fields[rng.randrange(len(fields))] = rng.choice(NASTY)
                lines[i] = (b"\t" if b"\t" in lines[i] else b" ").join(fields)
            b = bytearray(b"\n".join(lines))
    return bytes(b)


# -- valid files and what "loaded correctly" means for each ----------------


def make_counts(d):
    c = NgramCounter(order=3, min_count=1)
    c.update(TEXT)
    c.save(str(d / "valid.counts"))
    return d / "valid.counts"


def check_counts(path, tmp):
    c = NgramCounter.load(str(path))
    c.save(str(tmp / "again.counts"))
    assert NgramCounter.load(str(tmp / "again.counts")) == c


def make_lexicon(d):
    lex = Lexicon({"中华人民共和国": 4, "苹果": 8, "<NUM>年": 4, "喜欢": 3, "吃": 12})
    lex.tags["苹果"] = "n"
    lex.save(str(d / "valid.dict"))
    return d / "valid.dict"


def check_lexicon(path, tmp):
    lex = Lexicon.load(str(path))
    lex.save(str(tmp / "again.dict"))
    assert Lexicon.load(str(tmp / "again.dict")).counts() == lex.counts()


def make_tsv(d):
    lex = Lexicon({"中华人民共和国": 4, "苹果": 8, "\ue000年": 4}, {"苹果": {"score": 1.5, "pmi": 2.0}})
    lex.save_tsv(str(d / "valid.tsv"))
    return d / "valid.tsv"


def check_tsv(path, tmp):
    lex = Lexicon.load_tsv(str(path))
    lex.save_tsv(str(tmp / "again.tsv"))
    again = Lexicon.load_tsv(str(tmp / "again.tsv"))
    assert again.counts() == lex.counts()


def make_templates(d):
    ts = TemplateSet({"[X]的[X]": 9, "[X]可以[X]吗": 3, "[X]喜欢 吃[X]": 2, "[X]<NUM>年[X]": 2}, tokens=100,
                     entropy=3.5)
    ts.save(str(d / "valid.templates.txt"))
    return d / "valid.templates.txt"


def check_templates(path, tmp):
    ts = TemplateSet.load(str(path))
    ts.save(str(tmp / "again.templates.txt"))
    again = TemplateSet.load(str(tmp / "again.templates.txt"))
    assert again.counts == ts.counts and again.tokens == ts.tokens


def make_state(d):
    wf = WordFinder(order=3)
    wf.train(TEXT)
    wf.save(str(d / "valid.state"))
    return d / "valid.state"


def check_state(path, tmp):
    wf = WordFinder.load(str(path))
    wf.save(str(tmp / "again.state"))
    assert WordFinder.load(str(tmp / "again.state")).chunks == wf.chunks


def check_tokenizer(path, tmp):
    tok = Tokenizer(str(path))
    assert "".join(tok.lcut(TEXT[0])) == TEXT[0]


def check_read_dictionary(path, tmp):
    for word, freq, tag in read_dictionary(str(path)):
        assert word and (freq is None or freq >= 0)


def make_gold(d):
    (d / "valid.gold").write_text("中华人民共和国  的  法律\n苹果  的  颜色  是  什么  呢\n", encoding="utf-8")
    return d / "valid.gold"


def check_eval(path, tmp):
    pred = tmp / "pred.txt"
    pred.write_text("中华 人民 共和国 的 法律\n苹果 的 颜色 是 什么 呢\n", encoding="utf-8")
    score = evaluate_files(str(path), str(pred))
    assert 0.0 <= score.f1 <= 1.0


def check_eval_vocabulary(path, tmp):
    gold = make_gold(tmp)
    score = evaluate_files(str(gold), str(gold), str(path))
    assert score.f1 == 1.0


LOADERS = {
    "counts": (make_counts, check_counts),
    "lexicon": (make_lexicon, check_lexicon),
    "lexicon-tsv": (make_tsv, check_tsv),
    "templates": (make_templates, check_templates),
    "wordfinder-state": (make_state, check_state),
    "tokenizer-dictionary": (make_lexicon, check_tokenizer),
    "read_dictionary": (make_lexicon, check_read_dictionary),
    "eval-gold": (make_gold, check_eval),
    "eval-vocabulary": (make_lexicon, check_eval_vocabulary),
}


def fuzz(name, tmp_path):
    """Failures as (seed, exception) for damaged files that raise anything but NlpZeroError."""
    make, check = LOADERS[name]
    valid = make(tmp_path).read_bytes()
    failures = []
    for seed in range(ITERATIONS):
        rng = random.Random(f"{name}-{seed}")
        path = tmp_path / f"damaged-{name}"
        path.write_bytes(mutate(valid, rng))
        try:
            check(path, tmp_path)
        except NlpZeroError as e:
            assert str(path) in str(e), f"seed {seed}: error does not name the file: {e}"
        except Exception as e:  # noqa: BLE001 -- the point of the test
            failures.append((seed, f"{type(e).__name__}: {e}"[:200]))
    return failures


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_valid_files_load(name, tmp_path):
    make, check = LOADERS[name]
    check(make(tmp_path), tmp_path)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_damaged_files_load_or_raise_the_package_error(name, tmp_path):
    failures = fuzz(name, tmp_path)
    assert not failures, f"{len(failures)} of {ITERATIONS} damaged files raised a foreign exception: {failures[:5]}"


def test_mutations_are_reproducible():
    assert mutate(b"abc\tdef\n1\t2\n", random.Random(1)) == mutate(b"abc\tdef\n1\t2\n", random.Random(1))


def test_format_error_is_an_input_error_naming_file_and_line(tmp_path):
    p = tmp_path / "bad.counts"
    p.write_text("#nlp-zero counts 1\n#order 2\n#min_count 1\n#chars 3\n1\t好\t²\n", encoding="utf-8")
    with pytest.raises(FormatError) as e:
        NgramCounter.load(str(p))
    assert e.value.path == str(p) and e.value.line == 5
