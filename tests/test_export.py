"""Exports: tokenizer.json for HF tokenizers and .model/.vocab for sentencepiece, loaded by the real packages."""

from __future__ import annotations

import itertools
import json
import math
import random
import re

import pytest

from conftest import run_cli
from nlp_zero import Corpus, Lexicon, Tokenizer, WordFinder
from nlp_zero.corpus import demo_path
from nlp_zero.export import MAX_RUN, RUN_MORE, SPACE_MARK, WHITESPACE, hf_tokenizer, vocabulary
from nlp_zero.text import HAN, LAT, NUM, is_han, segments

SENTENCES = ["当事人对人民法院的判决不服的，可以向上一级人民法院提起上诉。",
             "iPhone8售价6888元，２５％的人 在1998年度……买了——吗？",
             "公司应当依法纳税，\t并接受政府及社会公众的监督。"]


@pytest.fixture(scope="module")
def demo_lexicon() -> Lexicon:
    lines = list(itertools.islice(Corpus(demo_path()), 1500))
    return WordFinder().train(lines).find()


@pytest.fixture(scope="module")
def demo_lines() -> list[str]:
    return list(itertools.islice(Corpus(demo_path()), 1500, 2500)) + SENTENCES


def han_words_only(lexicon: Lexicon) -> Tokenizer:
    """nlp_zero's tokenizer with the words an export keeps, and the same total N."""
    words = {w: c for w, c in lexicon.items() if all(map(is_han, w))}
    return Tokenizer(words | {"\n": lexicon.total - sum(words.values())})  # "\n" never matches


def cuts_in_han_chunks(line: str, tokens: list[str]) -> list[tuple[int, int, frozenset]]:
    """For every Han chunk of ``line``, the token boundaries from its start to its end."""
    assert "".join(tokens) == line
    ends = set(itertools.accumulate(map(len, tokens), initial=0))
    return [(s, e, frozenset(p for p in range(s, e + 1) if p in ends))
            for kind, s, e in segments(line) if kind == HAN]


def test_scores_are_nlp_zero_costs_and_class_words_are_left_out():
    lex = Lexicon({"中国": 6, "中": 1, "国": 0, NUM + "年": 3, "T恤": 2, "马克·吐温": 1, "零": 0})
    vocab = vocabulary(lex)
    scores = dict(vocab.pieces)
    n = math.log(13)
    assert scores["中国"] == math.log(6) - n
    assert scores["中"] == -n and scores["国"] == -n  # a unit counted 0 costs what an unknown one does
    assert scores["鑫"] == -n and scores["，"] == -n and scores["……"] == -n  # BMP Han and marks are pieces
    assert "零" in scores and scores["零"] == -n
    assert vocab.left_out == {"class": 2, "other": 1}
    assert not any(ch.isdigit() or ch.isascii() and ch.isalpha() for p in scores for ch in p)
    assert len(scores) == len(vocab.pieces)  # no piece twice


def test_whitespace_class_is_pythons():
    import re

    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert re.fullmatch(f"[{WHITESPACE}]+", spaces)
    assert not re.search(f"[{WHITESPACE}]", "".join(chr(c) for c in range(0x3100) if not chr(c).isspace()))


def test_class_words_are_spelt_for_every_run_length():
    lex = Lexicon({"中国": 6, NUM + "年": 5, "T恤": 2, "3D": 3, "4K": 4, "马克·吐温": 1})
    vocab = vocabulary(lex, classes="hf")
    scores = dict(vocab.pieces)
    n = math.log(21)
    assert scores[NUM + "年"] == scores[NUM + RUN_MORE * (MAX_RUN - 1) + "年"] == math.log(5) - n
    assert NUM + RUN_MORE * MAX_RUN + "年" not in scores
    assert scores[LAT + "恤"] == math.log(2) - n  # T恤 is <LAT>恤 to nlp_zero's tokenizer too
    assert scores[LAT] == scores[LAT + RUN_MORE * 5] == math.log(7) - n  # 3D and 4K: one key, counts summed
    assert scores[NUM] == -n  # a unit the lexicon lacks
    assert vocab.left_out == {"other": 1} and len(scores) == len(vocab.pieces)


def test_hf_tokenizer_matches_nlp_zero_on_random_text():
    tokenizers = pytest.importorskip("tokenizers")
    # distinct primes as counts: no two routes can tie exactly
    primes = [p for p in range(3, 400) if all(p % q for q in range(2, int(p ** 0.5) + 1))]
    words = ["中国", "人民", "中国人", "国人", "年", "年度", NUM + "年", NUM + "月", "第" + NUM + "条", LAT + "股",
             NUM, "月", "人", "度", "第", NUM + "年" + NUM + "月"]
    lexicon = Lexicon(dict(zip(words, primes[::3])))
    hf = tokenizers.Tokenizer.from_str(json.dumps(hf_tokenizer(lexicon)))
    ours = Tokenizer(lexicon)
    alphabet = list("中国人民年度月第条股x") + ["1", "９", "a", "Ｚ", ".", "．", "%", "％", " ", "\t", "…", "—", "-",
                                                  "\ue000", "\ue001", "\ue003", "〇"]
    # (not Han characters beyond the BMP that no word holds: the tools fuse adjacent unknowns)
    rng = random.Random(16)
    for _ in range(3000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        enc = hf.encode(line, add_special_tokens=False)
        assert [line[s:e] for s, e in enc.offsets] == ours.lcut(line), line


def test_hf_tokenizer_segments_as_nlp_zero(tmp_path, demo_lexicon, demo_lines):
    tokenizers = pytest.importorskip("tokenizers")
    demo_lexicon.save(tmp_path / "demo.dict.txt")
    proc = run_cli("export", str(tmp_path / "demo"), "--to", "hf-tokenizers")
    assert proc.returncode == 0, proc.stderr
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "demo.tokenizer.json"))
    assert hf.token_to_id("<unk>") == 0
    assert hf.get_vocab_size() == len(vocabulary(demo_lexicon, classes="hf").pieces) + 3
    ours = Tokenizer(demo_lexicon)
    for line in demo_lines:
        enc = hf.encode(line, add_special_tokens=False)
        assert [line[s:e] for s, e in enc.offsets] == ours.lcut(line)  # every token, with its offsets
    enc = hf.encode("iPhone8售价6888元")
    assert enc.offsets[0] == (0, 7) and enc.tokens[0] == LAT + RUN_MORE * 6  # one token, by class
    assert hf.decode(hf.encode("人民法院的判决").ids) == "人民法院的判决"


def sp_tokens(sp, line: str) -> list[str]:
    """The text of each sentencepiece piece (the export's normaliser writes one character for one).

    Whitespace pieces side by side are joined: sentencepiece gives each space a
    token (▁) where nlp_zero gives a whitespace run one.
    """
    ends = list(itertools.accumulate(map(len, sp.encode(line, out_type=str)), initial=0))
    assert ends[-1] == len(line)
    out: list[str] = []
    for a, b in zip(ends, ends[1:]):
        if out and out[-1].isspace() and line[a:b].isspace():
            out[-1] += line[a:b]
        else:
            out.append(line[a:b])
    return out


def test_sentencepiece_model_segments_as_nlp_zero(tmp_path, demo_lexicon, demo_lines):
    spm = pytest.importorskip("sentencepiece")
    demo_lexicon.save(tmp_path / "demo.dict.txt")
    proc = run_cli("export", str(tmp_path / "demo"), "--to", "sentencepiece", "-o", str(tmp_path / "sp"))
    assert proc.returncode == 0, proc.stderr
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "sp.model"))
    vocab_rows = (tmp_path / "sp.vocab").read_text(encoding="utf-8").splitlines()
    assert sp.get_piece_size() == len(vocab_rows)
    assert [sp.id_to_piece(i) for i in range(3)] == ["<unk>", "<s>", "</s>"] and sp.unk_id() == 0
    for i in (3, 100, len(vocab_rows) - 1):
        piece, score = vocab_rows[i].split("\t")
        assert sp.id_to_piece(i) == piece and sp.get_score(i) == pytest.approx(float(score), rel=1e-6)
    ours = Tokenizer(demo_lexicon)
    for line in demo_lines:
        assert sp_tokens(sp, line) == ours.lcut(line)


def test_sentencepiece_model_matches_nlp_zero_on_random_text(tmp_path):
    spm = pytest.importorskip("sentencepiece")
    primes = [p for p in range(3, 100) if all(p % q for q in range(2, int(p ** 0.5) + 1))]
    words = ["中国", "人民", "中国人", "国人", "年", "年度", NUM + "年", NUM + "月", "第" + NUM + "条", LAT + "股",
             NUM, "月", "人", "度", "第", NUM + "至" + NUM, "至"]
    lexicon = Lexicon(dict(zip(words, primes)))
    lexicon.save(tmp_path / "r.dict.txt")
    assert run_cli("export", str(tmp_path / "r"), "--to", "sentencepiece").returncode == 0
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "r.model"))
    ours = Tokenizer(lexicon)
    # runs of digits, of letters, letters then digits; not the cases the character map
    # documents it cannot see (a run that starts where another ends: 3.5kg, 5%5)
    alphabet = list("中国人民年度月第条股至x，") + ["1", "９", "0", "ab", "Ｚ", "5.5", "３％", " ", "\ue000", "〇"]
    rng = random.Random(16)
    for _ in range(3000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        line = re.sub(r"(?<=[%％])(?=[0-9０-９a-zＺ])", "，", line)  # no run right after a per-cent sign
        line = re.sub(r"(?<=[0-9０-９])(?=[a-zＺ])", "，", line)  # letters never right after digits
        assert sp_tokens(sp, line) == ours.lcut(line), line


def test_exports_are_byte_identical_across_hash_seeds(tmp_path, demo_lexicon):
    demo_lexicon.save(tmp_path / "d.dict.txt")
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        for to in ("hf-tokenizers", "sentencepiece"):
            proc = run_cli("export", str(tmp_path / "d"), "--to", to, "-o", str(out), env={"PYTHONHASHSEED": seed})
            assert proc.returncode == 0, proc.stderr
        outputs.append([(tmp_path / f"{seed}{ext}").read_bytes() for ext in (".tokenizer.json", ".model", ".vocab")])
    assert outputs[0] == outputs[1]


def test_export_bad_input_is_one_line_and_exit_2(tmp_path):
    proc = run_cli("export", str(tmp_path / "missing"), "--to", "sentencepiece")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "missing.dict.txt" in proc.stderr
    (tmp_path / "bad.dict.txt").write_text("中国 3\n人民 x\n", encoding="utf-8")
    proc = run_cli("export", str(tmp_path / "bad"), "--to", "hf-tokenizers")
    assert proc.returncode == 2 and "bad.dict.txt:2" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "ok.dict.txt").write_text("中国 3\n", encoding="utf-8")
    proc = run_cli("export", str(tmp_path / "ok"), "--to", "hf-tokenizers", "-o", str(tmp_path / "no" / "x"))
    assert proc.returncode == 2 and "no such file or directory" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.dict.txt", "ok.dict.txt"]
