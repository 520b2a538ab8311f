"""Bakeoff scoring: spans, P/R/F1, OOV recall, misaligned input."""

from __future__ import annotations

import json

import pytest

from nlp_zero.errors import InputError
from nlp_zero.evaluation import evaluate, evaluate_files


def test_perfect_segmentation_scores_one():
    s = evaluate(["共同  创造  美好  的  新  世纪"], ["共同 创造 美好 的 新 世纪"])
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)


def test_words_match_by_character_span():
    # gold: 共同|创造|美好 ; pred: 共同|创|造美好 -> only 共同 is right
    s = evaluate(["共同  创造  美好"], [["共同", "创", "造美好"]])
    assert (s.gold_words, s.pred_words, s.correct) == (3, 3, 1)
    assert s.f1 == pytest.approx(1 / 3)


def test_same_word_at_another_place_is_not_correct():
    s = evaluate(["中国  中国人"], ["中国中 国人"])
    assert s.correct == 0


def test_oov_recall_uses_training_words():
    s = evaluate(["我们  喜欢  葡萄"], ["我们 喜欢 葡 萄"], words=["我们", "喜欢"])
    assert (s.oov_words, s.oov_correct, s.iv_words, s.iv_correct) == (1, 0, 2, 2)
    assert s.oov_recall == 0.0 and s.iv_recall == 1.0
    assert evaluate(["我们"], ["我们"]).oov_recall is None


def test_text_mismatch_names_the_line():
    with pytest.raises(InputError, match=r"pred:2: text differs"):
        evaluate(["a  b", "中国  人民"], ["a b", "中国 人"], pred_name="pred")


def test_line_count_mismatch_is_an_error():
    with pytest.raises(InputError, match="different number of lines"):
        evaluate(["中国", "人民"], ["中国"])


def test_files_and_cli(tmp_path, cli):
    gold = tmp_path / "gold.txt"
    pred = tmp_path / "pred.txt"
    words = tmp_path / "words.txt"
    gold.write_text("共同  创造  \r\n美好  的  世纪\r\n", encoding="utf-8")  # CRLF, trailing spaces as SIGHAN
    pred.write_text("共同 创造\n美好 的世纪\n", encoding="utf-8")
    words.write_text("共同\n的\n", encoding="utf-8")
    s = evaluate_files(str(gold), str(pred), str(words))
    assert (s.gold_words, s.pred_words, s.correct) == (5, 4, 3)
    r = cli("eval", str(gold), str(pred), "--words", str(words), "--json")
    assert r.returncode == 0, r.stderr
    figures = json.loads(r.stdout)
    assert figures["f1"] == pytest.approx(s.f1) and figures["oov_recall"] == pytest.approx(2 / 3)
    r = cli("eval", str(gold), str(pred))
    assert "F1" in r.stdout and r.returncode == 0


def test_cli_bad_input_is_one_line_exit_2(tmp_path, cli):
    gold = tmp_path / "gold.txt"
    pred = tmp_path / "pred.txt"
    gold.write_text("共同  创造\n美好\n", encoding="utf-8")
    pred.write_text("共同 创造\n", encoding="utf-8")
    r = cli("eval", str(gold), str(pred))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "different number of lines" in r.stderr
    pred.write_text("共同 创造\n美女\n", encoding="utf-8")
    r = cli("eval", str(gold), str(pred))
    assert r.returncode == 2 and f"{pred}:2: text differs" in r.stderr
    r = cli("eval", str(gold), str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and "missing.txt" in r.stderr and "Traceback" not in r.stderr
