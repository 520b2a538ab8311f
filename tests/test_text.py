"""Chunking: what counts as a block, a class symbol, a boundary."""

from nlp_zero.text import BLOCK_RE, LAT, NUM, from_readable, readable, stat_chunks, symbolize, unit_spans
from nlp_zero.tokenizer import Tokenizer


def units(s):
    """The tokens of an empty tokenizer: Han characters, alphanumeric runs, whitespace runs, other characters."""
    return Tokenizer().lcut(s)


def test_mixed_text_keeps_alnum_runs_whole():
    block = "iPhone8售价6888元"
    assert [block[a:b] for a, b in unit_spans(block)] == ["iPhone8", "售", "价", "6888", "元"]


def test_full_width_digits_decimals_percent_and_zero_signs():
    assert units("１９９８年增长３．５％") == ["１９９８", "年", "增", "长", "３．５％"]
    assert stat_chunks("二○○一年，二〇〇二年") == ["二○○一年", "二〇〇二年"]


def test_punctuation_and_spaces_are_boundaries():
    assert stat_chunks("我们，你们 他们。\n她们") == ["我们", "你们", "他们", "她们"]
    assert units("好， \t好") == ["好", "，", " \t", "好"]
    assert BLOCK_RE.findall("ab，中") == ["ab", "中"]


def test_class_symbols_in_statistics():
    assert stat_chunks("1998年1月，iPhone8售价") == [NUM + "年" + NUM + "月", LAT + "售价"]
    assert symbolize("GDP增长7.8%") == LAT + "增长" + NUM


def test_literal_private_use_input_is_not_a_class_symbol():
    assert stat_chunks("甲" + NUM + "乙") == ["甲", "乙"]


def test_unit_spans_map_symbols_to_original_text():
    block = "iPhone8售价6888元"
    spans = unit_spans(block)
    assert len(spans) == len(symbolize(block))
    assert [block[a:b] for a, b in spans] == ["iPhone8", "售", "价", "6888", "元"]


def test_astral_plane_han_is_han():
    assert stat_chunks("𠀀𪚥好") == ["𠀀𪚥好"]


def test_readable_round_trip():
    w = NUM + "年" + LAT
    assert readable(w) == "<NUM>年<LAT>"
    assert from_readable(readable(w)) == w


def test_ellipsis_and_dash_stay_whole():
    assert units("他说——好……！！") == ["他", "说", "——", "好", "……", "！", "！"]
