"""Chunking: what counts as a block, a class symbol, a boundary."""

import random

from nlp_zero.text import (ALNUM, HAN, LAT, NUM, OTHER, SPACE, blocks, from_readable, readable,
                           segments, stat_chunks, symbolize, unit_spans)


def pieces(s):
    return [(kind, s[a:b]) for kind, a, b in segments(s)]


def test_mixed_text_keeps_alnum_runs_whole():
    assert pieces("iPhone8售价6888元") == [(ALNUM, "iPhone8"), (HAN, "售价"), (ALNUM, "6888"), (HAN, "元")]


def test_full_width_digits_decimals_percent_and_zero_signs():
    assert pieces("１９９８年增长３．５％") == [(ALNUM, "１９９８"), (HAN, "年增长"), (ALNUM, "３．５％")]
    assert stat_chunks("二○○一年，二〇〇二年") == ["二○○一年", "二〇〇二年"]


def test_punctuation_and_spaces_are_boundaries():
    assert stat_chunks("我们，你们 他们。\n她们") == ["我们", "你们", "他们", "她们"]
    assert [k for k, _ in pieces("好， \t好")] == [HAN, OTHER, SPACE, HAN]


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


def test_segments_tile_any_string():
    rng = random.Random(7)
    alphabet = "中文abc１２3 \t\r\n，。\x00\x07😀𠀀\ue000\ud7ff\u0301"
    for _ in range(300):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        spans = list(segments(s))
        assert "".join(s[a:b] for _, a, b in spans) == s
        assert all(a < b for _, a, b in spans)
        assert all(b1 == a2 for (_, _, b1), (_, a2, _) in zip(spans, spans[1:]))


def test_readable_round_trip():
    w = NUM + "年" + LAT
    assert readable(w) == "<NUM>年<LAT>"
    assert from_readable(readable(w)) == w
    assert blocks("ab，中") == ["ab", "中"]


def test_ellipsis_and_dash_stay_whole():
    assert [s for _, s in pieces("他说——好……！！")] == ["他说", "——", "好", "……", "！", "！"]
