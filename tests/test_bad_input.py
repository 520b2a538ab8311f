"""Hardening (issue #6): whatever text users point the tool at, a clear error or a correct result.

Corpus input under ``--errors strict/replace/skip``, every CLI subcommand
with bad input (one line naming file, line and cause; exit 2; no
traceback; no output left behind), outputs that cannot be written, lone
surrogates through the Python API, endless lines and decompression bombs
(bounded pieces, bounded memory), interrupted runs, and what is never done
with data from disk (unpickling, evaluating, importing).

The randomised damage to saved files is in test_fuzz_loaders.py, the
byte-identical outputs in test_determinism.py.
"""

from __future__ import annotations

import codecs
import gzip
import json
import lzma
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import REPO
from nlp_zero import Corpus, FormatError, InputError, NgramCounter, NlpZeroError
from nlp_zero.discovery import WordFinder
from nlp_zero.errors import OutputError
from nlp_zero.fileio import atomic_write
from nlp_zero.lexicon import Lexicon
from nlp_zero.templates import TemplateSet
from nlp_zero.tokenizer import Tokenizer

GOOD = "第一条 为了保护公民的合法权益，制定本法。"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4

# -- corpus files: every case, every --errors mode ---------------------------
#
# case -> bytes of the file; EXPECTED[case][mode] is either the list of lines
# read, or ("error", line, regex of the cause).


def _gz_truncated() -> bytes:
    data = gzip.compress(("好的\n" * 20000).encode())
    return data[: len(data) // 2]


def _xz_corrupt() -> bytes:
    data = bytearray(lzma.compress(("好的\n" * 20000).encode()))
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


FILES = {
    "invalid-utf8-mid-file": "好的\n中间".encode() + b"\xff\xfe\x80" + "坏了\n最后\n".encode(),
    "gbk-read-as-utf8": "第一行\n第二行\n".encode("gbk"),
    "utf16-with-bom": "好的\r\n中间\n".encode("utf-16"),
    "utf16-be-with-bom": codecs.BOM_UTF16_BE + "好的\n中间\n".encode("utf-16-be"),
    "png": PNG,
    "nul-bytes": "好的\n中\x00间\n最后\n".encode(),
    "empty": b"",
    "punctuation-and-space-only": "，。！？  \n\t  ...\n\n".encode(),
    "truncated-gz": _gz_truncated(),
    "corrupt-xz": _xz_corrupt(),
}

ANY = object()  # lines whose exact value does not matter (replacement characters)

EXPECTED = {
    "invalid-utf8-mid-file": {
        "strict": ("error", 2, r"cannot decode as utf-8 \(bytes ff fe 80"),
        "replace": ["好的", "中间\ufffd\ufffd\ufffd坏了", "最后"],
        "skip": ["好的", "最后"],
    },
    "gbk-read-as-utf8": {
        "strict": ("error", 1, r"cannot decode as utf-8.*try --encoding"),
        "replace": [ANY, ANY],
        "skip": [],
    },
    "utf16-with-bom": {m: ["好的", "中间"] for m in ("strict", "replace", "skip")},
    "utf16-be-with-bom": {m: ["好的", "中间"] for m in ("strict", "replace", "skip")},
    "png": {
        "strict": ("error", 1, r"cannot decode as utf-8 \(bytes 89 50 4e 47"),
        "replace": ANY,
        "skip": ANY,
    },
    "nul-bytes": {
        "strict": ("error", 2, r"NUL byte: this looks like a binary file"),
        "replace": ["好的", "中 间", "最后"],
        "skip": ["好的", "最后"],
    },
    "empty": {m: [] for m in ("strict", "replace", "skip")},
    "punctuation-and-space-only": {m: ["，。！？  ", "\t  ...", ""] for m in ("strict", "replace", "skip")},
    # Damaged compression is an error whatever --errors says: what was lost is unknown.
    "truncated-gz": {m: ("error", None, r"corrupt or truncated compressed data") for m in ("strict", "replace", "skip")},
    "corrupt-xz": {m: ("error", None, r"corrupt or truncated compressed data") for m in ("strict", "replace", "skip")},
}


def _write(tmp_path: Path, case: str) -> str:
    p = tmp_path / (case + (".gz" if case.endswith("gz") else ".xz" if case.endswith("xz") else ".txt"))
    p.write_bytes(FILES[case])
    return str(p)


@pytest.mark.parametrize("mode", ["strict", "replace", "skip"])
@pytest.mark.parametrize("case", sorted(FILES))
def test_corpus_reader_behaviour(tmp_path, case, mode):
    path = _write(tmp_path, case)
    want = EXPECTED[case][mode]
    if isinstance(want, tuple):
        _, line, cause = want
        with pytest.raises(InputError) as e:
            list(Corpus(path, errors=mode))
        assert e.value.path == path and re.search(cause, e.value.cause), str(e.value)
        if line is not None:
            assert e.value.line == line
        assert "\n" not in str(e.value)
        return
    lines = list(Corpus(path, errors=mode))
    if want is ANY:
        assert all(isinstance(x, str) and "\x00" not in x for x in lines)
        if mode == "skip":  # only lines that decoded cleanly are kept
            assert all("\ufffd" not in x for x in lines)
        return
    assert len(lines) == len(want)
    for got, exp in zip(lines, want):
        assert exp is ANY or got == exp
    if mode == "replace" and case == "gbk-read-as-utf8":
        assert all("\ufffd" in x for x in lines)


def test_skipped_lines_are_counted_and_logged(tmp_path, caplog):
    corpus = Corpus(_write(tmp_path, "invalid-utf8-mid-file"), errors="skip")
    with caplog.at_level("WARNING", logger="nlp_zero"):
        assert list(corpus) == ["好的", "最后"]
    assert corpus.skipped_lines == 1
    assert "left out 1 undecodable line" in caplog.text


def test_directory_with_non_text_files(tmp_path):
    d = tmp_path / "mixed"
    d.mkdir()
    (d / "a.txt").write_text("好的\n", encoding="utf-8")
    (d / "b.png").write_bytes(PNG)
    (d / "c.txt").write_text("中间\n", encoding="utf-8")
    with pytest.raises(InputError) as e:  # strict: the first non-text file stops the run, named
        list(Corpus(str(d)))
    assert e.value.path.endswith("b.png") and e.value.line == 1
    skipped = list(Corpus(str(d), errors="skip"))
    assert skipped[0] == "好的" and skipped[-1] == "中间" and "\ufffd" not in "".join(skipped)
    replaced = list(Corpus(str(d), errors="replace"))
    assert replaced[0] == "好的" and replaced[-1] == "中间"


def test_gbk_file_reads_with_the_right_encoding(tmp_path):
    p = tmp_path / "gbk.txt"
    p.write_bytes((GOOD + "\n").encode("gbk"))
    assert list(Corpus(str(p), encoding="gbk")) == [GOOD]


def test_counting_punctuation_only_gives_zero_and_discovery_says_why(tmp_path):
    p = _write(tmp_path, "punctuation-and-space-only")
    counter = NgramCounter().count(Corpus(p))
    assert counter.chars == 0 and len(counter) == 0
    with pytest.raises(NlpZeroError, match="no Han text"):
        WordFinder().train(Corpus(p)).find()


# -- lone surrogates through the Python API ---------------------------------

SURROGATE_LINE = "\ud800葡萄葡萄\udfff皮，葡萄\udc80"


def test_lone_surrogates_are_boundaries_in_counts():
    c = NgramCounter(order=2, min_count=1)
    c.update([SURROGATE_LINE])
    assert c["葡萄"] == 3 and c.chars == 7  # 葡萄葡萄, 皮, 葡萄
    assert all("\ud800" not in g and "\udfff" not in g for g in c)


def test_lone_surrogates_in_discovery_and_cut():
    wf = WordFinder(order=2).train([SURROGATE_LINE] * 5)
    assert all(not any(0xD800 <= ord(ch) <= 0xDFFF for ch in w) for w in wf.find())
    tok = Tokenizer({"葡萄": 5})
    tokens = tok.lcut(SURROGATE_LINE)
    assert "".join(tokens) == SURROGATE_LINE and "\ud800" in tokens and "葡萄" in tokens


def test_saving_a_lone_surrogate_is_a_package_error_and_leaves_nothing(tmp_path):
    out = tmp_path / "x.dict"
    out.write_text("previous\n", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write '\\\\ud800' as UTF-8"):
        Lexicon({"\ud800好": 3}).save(str(out))
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert os.listdir(tmp_path) == ["x.dict"]


# -- endless lines and decompression bombs -----------------------------------


def test_long_line_without_newline_is_hard_cut_in_bounded_pieces(tmp_path):
    # One block with no punctuation to cut at: the reader must hard-cut it.
    text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(300_000))
    p = tmp_path / "one-line.txt.gz"
    p.write_bytes(gzip.compress(text.encode()))
    pieces = list(Corpus(str(p), max_line_chars=10_000))
    assert "".join(pieces) == text
    assert max(map(len, pieces)) <= 10_000 and len(pieces) == 30


def test_long_line_with_punctuation_is_cut_at_block_boundaries(tmp_path):
    text = "中华人民共和国，" * 20_000
    p = tmp_path / "one-line.txt"
    p.write_bytes(text.encode())
    pieces = list(Corpus(str(p), max_line_chars=5_000))
    assert "".join(pieces) == text and max(map(len, pieces)) <= 5_000
    assert all(x.startswith("中华人民共和国") for x in pieces)  # no word cut in two


def test_multibyte_character_split_between_reads_stays_whole(tmp_path):
    # readline(limit) cuts bytes; the incremental decoder must keep characters whole.
    for pad in range(3):
        text = "a" * pad + "好" * 1000
        p = tmp_path / f"pad{pad}.txt"
        p.write_bytes(text.encode())
        assert "".join(Corpus(str(p), max_line_chars=64)) == text


BOMB_SCRIPT = textwrap.dedent("""
    import gzip, resource, sys
    from nlp_zero import Corpus

    def peak_rss_kb():
        # VmHWM: this process's own peak (Linux keeps ru_maxrss across exec: it would be pytest's)
        try:
            with open("/proc/self/status") as f:
                return next(int(x.split()[1]) for x in f if x.startswith("VmHWM:"))
        except (OSError, StopIteration):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    path, mode = sys.argv[1], sys.argv[2]
    before = peak_rss_kb()
    pieces = longest = chars = 0
    for piece in Corpus(path, errors=mode, max_line_chars=1 << 16):
        pieces += 1
        longest = max(longest, len(piece))
        chars += len(piece)
    after = peak_rss_kb()
    print(pieces, longest, chars, (after - before) * 1024)
""")


def _gzip_of_zeros(path: Path, megabytes: int) -> None:
    zero = bytes(1 << 20)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as g:
        for _ in range(megabytes):
            g.write(zero)


def test_gzip_bomb_is_read_as_a_stream_with_bounded_memory(tmp_path):
    """64 MB of zeros in a 65 kB .gz: read in bounded pieces, memory far below the expanded size.

    The mechanism: the file is decompressed as a stream (gzip.open over the
    raw file), read with ``readline(limit)`` so a line without newline
    arrives in reads of at most 4 x max_line_chars bytes, and handed out in
    pieces of at most max_line_chars characters.  Under --errors replace NUL
    bytes become spaces; under strict the first read already stops with an
    error naming line 1.
    """
    megabytes = 64  # benchmarks/adversarial.py reads a 2 GB one
    bomb = tmp_path / "bomb.gz"
    _gzip_of_zeros(bomb, megabytes)
    assert bomb.stat().st_size < megabytes * 2048  # the compressed file is small
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-c", BOMB_SCRIPT, str(bomb), "replace"], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    pieces, longest, chars, growth = map(int, r.stdout.split())
    assert chars == megabytes << 20 and longest <= 1 << 16 and pieces >= chars // (1 << 16)
    assert growth < (megabytes << 20) // 4, f"peak RSS grew by {growth / 2**20:.0f} MB"
    r = subprocess.run([sys.executable, "-c", BOMB_SCRIPT, str(bomb), "strict"], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode != 0 and "bomb.gz:1: NUL byte" in r.stderr


# -- every CLI subcommand: bad input is one line, exit 2, nothing written ----


@pytest.fixture(scope="module")
def lexicon_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("lex")
    Lexicon({"中华人民共和国": 5, "公民": 4, "合法": 3, "权益": 3, "保护": 3, "的": 9, "为了": 2}).save(str(d / "l.dict"))
    TemplateSet({"[X]的[X]": 5, "为了[X]": 2}).save(str(d / "t.templates.txt"))
    return d


def _bad_files(d: Path) -> None:
    (d / "good.txt").write_text(GOOD + "\n", encoding="utf-8")
    (d / "img.png").write_bytes(PNG)
    (d / "gbk.txt").write_bytes("好的\n".encode() + "第二行坏了".encode("gbk") + b"\n")
    (d / "nul.txt").write_bytes("好的\n中\x00间\n".encode())
    (d / "t.gz").write_bytes(_gz_truncated())
    (d / "empty.txt").write_bytes(b"")
    (d / "punct.txt").write_text("，。！\n", encoding="utf-8")
    (d / "counts-bad").write_text("#nlp-zero counts 1\n#order 2\n#min_count 1\n#chars 3\n1\t好\t-4\n",
                                  encoding="utf-8")
    (d / "dict-bad").write_text("好 3\n坏 x\n", encoding="utf-8")
    (d / "tmpl-bad").write_text("[X]的[X]\t5\n[X][X]\t3\n", encoding="utf-8")
    (d / "state-bad").write_text("#nlp-zero wordfinder 2\n", encoding="utf-8")
    (d / "gold.txt").write_text("为了  保护\n", encoding="utf-8")
    (d / "pred.txt").write_text("为了 保 护\n多 一行\n", encoding="utf-8")


# (name, argv with {d} for the data dir and {L} for the lexicon dir, expected text in the error line)
CLI_CASES = [
    ("count-missing", ["count", "{d}/missing.txt", "-o", "{d}/out"], "missing.txt: no such file"),
    ("count-png", ["count", "{d}/img.png", "-o", "{d}/out"], "img.png:1: cannot decode"),
    ("count-gbk", ["count", "{d}/gbk.txt", "-o", "{d}/out"], "gbk.txt:2: cannot decode"),
    ("count-nul", ["count", "{d}/nul.txt", "-o", "{d}/out"], "nul.txt:2: NUL byte"),
    ("count-truncated-gz", ["count", "{d}/t.gz", "-o", "{d}/out"], "t.gz:"),
    ("count-dir-with-non-text", ["count", "{d}", "-o", "{d}/out"], "gbk.txt:2"),  # first bad file, sorted
    ("count-bad-order", ["count", "{d}/good.txt", "-o", "{d}/out", "-n", "0"], "order"),
    ("count-output-in-missing-dir", ["count", "{d}/good.txt", "-o", "{d}/no/such/dir/out"], "no such file or directory"),
    ("count-output-is-a-directory", ["count", "{d}/good.txt", "-o", "{d}"], "is a directory"),
    ("merge-counts-bad", ["merge-counts", "{d}/counts-bad", "-o", "{d}/out"], "counts-bad:5:"),
    ("merge-counts-not-counts", ["merge-counts", "{d}/img.png", "-o", "{d}/out"], "img.png"),
    ("discover-png", ["discover", "{d}/img.png", "-o", "{d}/out"], "img.png:1: cannot decode"),
    ("discover-empty", ["discover", "{d}/empty.txt", "-o", "{d}/out"], "no text to learn from"),
    ("discover-punctuation-only", ["discover", "{d}/punct.txt", "-o", "{d}/out"], "no text to learn from"),
    ("discover-bad-state", ["discover", "--load-state", "{d}/state-bad", "-o", "{d}/out"], "state-bad:1:"),
    ("discover-png-state", ["discover", "--load-state", "{d}/img.png", "-o", "{d}/out"], "img.png"),
    ("cut-png", ["cut", "{d}/img.png", "-l", "{L}/l.dict", "-o", "{d}/out"], "img.png:1: cannot decode"),
    ("cut-bad-lexicon", ["cut", "{d}/good.txt", "-l", "{d}/dict-bad", "-o", "{d}/out"], "dict-bad:2:"),
    ("cut-png-lexicon", ["cut", "{d}/good.txt", "-l", "{d}/img.png", "-o", "{d}/out"], "img.png:1:"),
    ("cut-missing-lexicon", ["cut", "{d}/good.txt", "-l", "{d}/nope.dict", "-o", "{d}/out"], "nope.dict"),
    ("cut-jobs-0", ["cut", "{d}/good.txt", "-l", "{L}/l.dict", "-o", "{d}/out", "-j", "0"], "jobs"),
    ("templates-png", ["templates", "{d}/img.png", "-l", "{L}/l.dict", "-o", "{d}/out"], "img.png:1: cannot decode"),
    ("templates-bad-lexicon", ["templates", "{d}/good.txt", "-l", "{d}/dict-bad", "-o", "{d}/out"], "dict-bad:2:"),
    ("templates-empty-input", ["templates", "{d}/empty.txt", "-l", "{L}/l.dict", "-o", "{d}/out"], "empty.txt"),
    ("parse-bad-templates", ["parse", "{d}/good.txt", "-l", "{L}/l.dict", "-t", "{d}/tmpl-bad", "-o", "{d}/out"],
     "tmpl-bad:2:"),
    ("parse-png-templates", ["parse", "{d}/good.txt", "-l", "{L}/l.dict", "-t", "{d}/img.png", "-o", "{d}/out"],
     "img.png"),
    ("parse-png-input", ["parse", "{d}/img.png", "-l", "{L}/l.dict", "-t", "{L}/t.templates.txt", "-o", "{d}/out"],
     "img.png:1: cannot decode"),
    ("eval-line-count-differs", ["eval", "{d}/gold.txt", "{d}/pred.txt"], "pred.txt:2:"),
    ("eval-png", ["eval", "{d}/img.png", "{d}/pred.txt"], "img.png"),
]


@pytest.mark.parametrize("name,argv,expected", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input_one_line_exit_2_nothing_written(tmp_path, cli, lexicon_file, name, argv, expected):
    d = tmp_path / "data"
    d.mkdir()
    _bad_files(d)
    before = sorted(p.name for p in d.iterdir())
    args = [a.replace("{d}", str(d)).replace("{L}", str(lexicon_file)) for a in argv]
    r = cli(*args)
    assert "Traceback" not in r.stderr, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.startswith("nlp-zero") and "error:" in x]
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and expected in lines[-1], r.stderr
    assert sorted(p.name for p in d.iterdir()) == before  # no output, no temporary file


def test_errors_skip_and_replace_reach_the_cli(tmp_path, cli):
    p = tmp_path / "mixed.txt"
    p.write_bytes(("葡萄葡萄\n").encode() + "坏了".encode("gbk") + b"\n" + "葡萄\n".encode())
    for mode in ("skip", "replace"):
        r = cli("count", str(p), "-o", "-", "-n", "2", "--min-count", "1", "--errors", mode, "-q")
        assert r.returncode == 0, r.stderr
        assert "2\t葡萄\t3\n" in r.stdout
    r = cli("count", str(p), "-o", "-", "--errors", "skip")
    assert "nlp-zero: warning: left out 1 undecodable line(s)" in r.stderr  # never silent without -q


def test_a_string_is_not_a_list_of_lines():
    with pytest.raises(TypeError, match="wrap a single text in a list"):
        NgramCounter().update("葡萄葡萄")
    with pytest.raises(TypeError):
        NgramCounter().count(b"bytes")


def test_word_finder_refuses_a_string_for_lines():
    with pytest.raises(TypeError):
        WordFinder().train("葡萄葡萄皮，葡萄葡萄皮")


def test_output_to_dev_null_or_a_symlink_is_written_where_pointed(tmp_path, cli):
    """``-o /dev/null`` must not replace the device; ``-o link`` writes the link's target."""
    p = tmp_path / "in.txt"
    p.write_text(GOOD + "\n", encoding="utf-8")
    r = cli("count", str(p), "-o", os.devnull, "-q")
    assert r.returncode == 0, r.stderr
    assert not Path(os.devnull).is_file()  # still a device
    target = tmp_path / "target.counts"
    target.write_text("old\n")
    link = tmp_path / "link.counts"
    link.symlink_to(target)
    r = cli("count", str(p), "-o", str(link), "-q")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and target.read_text().startswith("#nlp-zero counts 1")


def test_atomic_write_refuses_a_directory_and_cleans_up(tmp_path):
    with pytest.raises(OutputError, match="is a directory"):
        with atomic_write(str(tmp_path)) as f:
            f.write("x")
    with pytest.raises(OutputError, match="no such file or directory"):
        with atomic_write(str(tmp_path / "missing" / "x")) as f:
            f.write("x")
    assert os.listdir(tmp_path) == []


def test_caller_errors_inside_atomic_write_pass_through_unchanged(tmp_path):
    out = tmp_path / "x.txt"
    with pytest.raises(FileNotFoundError):  # e.g. an input that vanished: not an output problem
        with atomic_write(str(out)) as f:
            f.write("x")
            open(tmp_path / "missing")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_disk_full_is_one_line(cli, tmp_path):
    p = tmp_path / "in.txt"
    p.write_text((GOOD + "\n") * 100, encoding="utf-8")
    r = cli("count", str(p), "-o", "/dev/full", "--min-count", "1")
    assert r.returncode == 2 and r.stderr.strip() == "nlp-zero: error: /dev/full: no space left on device", r.stderr
    assert not Path("/dev/full").is_file()


# -- saved files: specific damage and documented tolerance -------------------

def assert_format_error(load, path: Path, line: int, cause: str) -> None:
    """``load(path)`` raises FormatError naming this file and line, with ``cause`` in its message."""
    with pytest.raises(FormatError) as e:
        load(str(path))
    assert (e.value.path, e.value.line) == (str(path), line) and cause in e.value.cause, str(e.value)


COUNTS_HEAD = "#nlp-zero counts 1\n#order 2\n#min_count 1\n#chars 3\n#lines 1\n"


@pytest.mark.parametrize("content,line,cause", [
    ("", 1, "not an nlp-zero counts file"),  # empty / truncated to nothing
    ("#nlp-zero counts 2\n#order 2\n", 1, "not an nlp-zero counts file"),  # wrong version
    ("#nlp-zero counts 1\n#order 2\n#min_co", 3, "bad header line"),  # truncated in the header
    ("#nlp-zero counts 1\n#order ²\n", 2, "bad header line"),
    (COUNTS_HEAD + "1\t好\t3\n2\t好的", 7, "expected 'order<TAB>ngram<TAB>count'"),  # truncated row
    (COUNTS_HEAD + "1\t好\t-3\n", 6, "positive whole numbers"),
    (COUNTS_HEAD + "1\t好\t3.5\n", 6, "positive whole numbers"),
    (COUNTS_HEAD + "1\t好\t0\n", 6, "positive whole numbers"),
    (COUNTS_HEAD + "1\t好\t٣\n", 6, "positive whole numbers"),
    (COUNTS_HEAD + "2\t好 的\t3\n", 6, "does not fit"),  # an n-gram with whitespace
    (COUNTS_HEAD + "1\t好\t3\n1\t好\t4\n", 7, "listed twice"),
    (COUNTS_HEAD + "1\t__import__('os')\t3\n", 6, "does not fit"),  # text, never evaluated
])
def test_damaged_count_files(tmp_path, content, line, cause):
    p = tmp_path / "c.counts"
    p.write_text(content, encoding="utf-8")
    assert_format_error(NgramCounter.load, p, line, cause)


def test_count_file_tolerates_crlf_and_bom(tmp_path):
    p = tmp_path / "c.counts"
    p.write_bytes(codecs.BOM_UTF8 + (COUNTS_HEAD + "1\t好\t3\n2\t好好\t1\n").replace("\n", "\r\n").encode())
    c = NgramCounter.load(str(p))
    assert c["好"] == 3 and c["好好"] == 1


@pytest.mark.parametrize("content,line,cause", [
    ("好 3\n坏 x\n", 2, "not a non-negative integer"),
    ("好 3\n坏 -1\n", 2, "not a non-negative integer"),
    ("好 3\n坏 1.5\n", 2, "not a non-negative integer"),
    ("好 3 n extra\n", 1, "got 4 fields"),
    ("好 3\n".encode("utf-8") + "坏 3\n".encode("gbk"), 2, "not UTF-8"),
])
def test_damaged_lexicon_files(tmp_path, content, line, cause):
    p = tmp_path / "l.dict"
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert_format_error(Lexicon.load, p, line, cause)


def test_lexicon_tolerates_crlf_bom_blank_lines_and_tabs(tmp_path):
    p = tmp_path / "l.dict"
    p.write_bytes(codecs.BOM_UTF8 + "中国 3 ns\r\n\r\n人民\t2\r\n<NUM>年  4\r\n".encode())
    lex = Lexicon.load(str(p))
    assert lex.counts() == {"<NUM>年": 4, "中国": 3, "人民": 2} and lex.tags == {"中国": "ns"}


@pytest.mark.parametrize("content,line,cause", [
    ("[X]的[X]\t-5\n", 1, "bad count"),
    ("[X]的[X]\tfive\n", 1, "bad count"),
    ("[X]的[X]\n", 1, "expected 'template<TAB>count'"),
    ("的\t5\n", 1, "bad template"),  # no placeholder
    ("[X][X]的\t5\n", 1, "bad template"),
    ("[X]的[X]\t5\n[X]的[X]\t6\n", 2, "duplicate template"),
    ("# nlp-zero templates 1 tokens=x\n", 1, "bad header field"),
])
def test_damaged_template_files(tmp_path, content, line, cause):
    p = tmp_path / "t.templates.txt"
    p.write_text(content, encoding="utf-8")
    assert_format_error(TemplateSet.load, p, line, cause)


def test_template_file_tolerates_crlf_and_comments(tmp_path):
    p = tmp_path / "t.templates.txt"
    p.write_bytes("# hand-made\r\n[X]的[X]\t5\r\n\r\n[X]可以[X]吗\t2\r\n".encode())
    assert TemplateSet.load(str(p))["[X]可以[X]吗"] == 2


# (loader, file content)
LOAD_ERRORS = {
    "templates-not-utf8": (TemplateSet.load, "[X]的[X]\t5\n".encode("gbk")),
    "templates-negative-tokens": (TemplateSet.load, b"# nlp-zero templates 1 tokens=-5 entropy=1.0\n"),
    "state-unicode-digit": (WordFinder.load, "#nlp-zero wordfinder 1\n#order 4\n#lines 1\n²\t好的\n".encode()),
    "lexicon-tsv-whitespace-word": (Lexicon.load_tsv, "word\tcount\tprob\n好\x85的\t3\t1\n".encode()),
}


@pytest.mark.parametrize("case", sorted(LOAD_ERRORS))
def test_damaged_saved_file_is_a_format_error(tmp_path, case):
    load, content = LOAD_ERRORS[case]
    p = tmp_path / case
    p.write_bytes(content)
    with pytest.raises(FormatError):
        load(str(p))


def test_state_file_tolerates_crlf_and_bom(tmp_path):
    wf = WordFinder(order=2).train(["葡萄，葡萄皮"])
    p = tmp_path / "s.state"
    wf.save(str(p))
    p.write_bytes(codecs.BOM_UTF8 + p.read_bytes().replace(b"\n", b"\r\n"))
    assert WordFinder.load(str(p)).chunks == wf.chunks


def test_state_file_wrong_order_names_the_file(tmp_path):
    p = tmp_path / "s.state"
    p.write_text("#nlp-zero wordfinder 1\n#order 99\n#lines 1\n1\t好的\n", encoding="utf-8")
    with pytest.raises(NlpZeroError):
        WordFinder.load(str(p))


# -- interrupted runs: previous outputs intact, no partial file, exit 130 ----


def _noise(lines: int, width: int = 2000) -> str:
    line = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(width))
    return (line + "，" + line[::-1] + "\n") * lines


def _let_it_get_going(proc: subprocess.Popen, cpu_seconds: float = 0.8) -> None:
    """Wait until the process has used some CPU (past start-up and imports, even on a loaded machine).

    Not a timing assertion: any moment must be safe; this only makes the signal
    land in the middle of the work rather than before the handlers exist.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if (int(fields[11]) + int(fields[12])) / ticks >= cpu_seconds:  # utime + stime
                return
        except (OSError, IndexError):
            time.sleep(1.5)
            return
        time.sleep(0.05)


def _finish(proc: subprocess.Popen) -> str:
    """stderr of an interrupted run; a run that hangs is killed (with its workers) and fails the test."""
    try:
        return proc.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the interrupted run hung instead of exiting")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("command", ["discover", "discover-jobs-2", "cut", "count-jobs-2", "cut-jobs-2"])
def test_interrupted_run_keeps_previous_outputs(tmp_path, cli, lexicon_file, command, sig):
    corpus = tmp_path / "big.txt"
    if command.startswith("discover"):  # text with many distinct n-grams: the passes take a while
        rnd = random.Random(7)
        corpus.write_text("".join("".join(chr(0x4E00 + rnd.randrange(3000)) for _ in range(80)) + "。\n"
                                  for _ in range(6000)), encoding="utf-8")
    else:
        # cut -j 2 has to be still working when the parent has fed its workers for a while
        corpus.write_text(_noise(8000 if command == "cut-jobs-2" else 1500), encoding="utf-8")
    out = tmp_path / "out"
    if command.startswith("discover"):
        (tmp_path / "area").mkdir()  # the passes' work area must go too
        argv = ["discover", str(corpus), "-o", str(out), "--tmp-dir", str(tmp_path / "area")]
        argv += ["-j", "2"] if command.endswith("2") else []
        outputs = [tmp_path / f"out{s}" for s in (".dict.txt", ".tsv", ".meta.json")]
    elif command.startswith("cut"):
        argv = ["cut", str(corpus), "-l", str(lexicon_file / "l.dict"), "-o", str(out)]
        argv += ["-j", "2"] if command.endswith("2") else []
        outputs = [out]
    else:
        argv = ["count", str(corpus), "-o", str(out), "-n", "6", "-j", "2"]
        outputs = [out]
    for o in outputs:
        o.write_text("previous\n")
    before = sorted(os.listdir(tmp_path))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # A session of its own, and the signal to the whole group: what Ctrl-C in a terminal does.
    proc = subprocess.Popen([sys.executable, "-m", "nlp_zero", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True, start_new_session=True)
    if command.startswith("discover"):  # signal once the passes run (a parent with workers only waits)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and \
                not any((d / "chunks.txt").exists() for d in (tmp_path / "area").iterdir()):
            time.sleep(0.02)
        time.sleep(0.3)
    else:  # with count/cut workers the parent only feeds them
        _let_it_get_going(proc, cpu_seconds=0.2 if "jobs" in command else 0.8)
    if proc.poll() is not None:
        pytest.skip("finished before the signal (machine too fast for this input)")
    os.killpg(proc.pid, sig)
    err = _finish(proc)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["nlp-zero: interrupted"], err
    assert all(o.read_text() == "previous\n" for o in outputs)
    assert sorted(os.listdir(tmp_path)) == before
    if command.startswith("discover"):
        assert os.listdir(tmp_path / "area") == []


# -- security: nothing from disk is unpickled, evaluated or imported ----------


def test_no_unpickling_eval_or_import_of_data_in_the_package():
    forbidden = re.compile(r"\b(pickle\.loads?|marshal\.loads?|shelve|eval\(|exec\(|__import__\(|"
                           r"import_module\(|literal_eval|yaml\.load)")
    for path in sorted((REPO / "nlp_zero").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not forbidden.search(text), f"{path.name}: {forbidden.search(text).group()}"


def test_outputs_only_where_pointed(tmp_path, cli):
    """A run writes its named outputs and nothing else: not in the working or temporary directory."""
    work, tmp, out = tmp_path / "work", tmp_path / "tmp", tmp_path / "out"
    for d in (work, tmp, out):
        d.mkdir()
    text = (GOOD + "\n") * 30
    r = cli("count", "-", "-o", str(out / "x.counts"), "-q", input=text, cwd=work, env={"TMPDIR": str(tmp)})
    assert r.returncode == 0, r.stderr
    r = cli("discover", "-", "-o", str(out / "x"), "-q", input=text, cwd=work, env={"TMPDIR": str(tmp)})
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "x.meta.json").read_text(encoding="utf-8"))
    assert os.listdir(work) == [] and os.listdir(tmp) == []
    assert {p.name for p in out.iterdir()} <= {"x.counts", "x.dict.txt", "x.tsv", "x.meta.json"}


# -- adversarial text: structure of what count, discover and cut build -------
#
# Small versions of benchmarks/adversarial.py (which times 1M characters and
# reports memory): here the sizes of the tables and the shapes of the outputs
# are asserted, which is what keeps memory and time bounded.

HAN_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF),
              (0x2F800, 0x2FA1F), (0x30000, 0x323AF)]


def random_cjk(n: int, seed: int = 0) -> str:
    """n random characters from every CJK ideograph block (BMP and supplementary planes)."""
    import random

    rng = random.Random(seed)
    sizes = [b - a + 1 for a, b in HAN_RANGES]
    blocks = rng.choices(range(len(HAN_RANGES)), weights=sizes, k=n)
    return "".join(chr(HAN_RANGES[i][0] + rng.randrange(sizes[i])) for i in blocks)


ALTERNATING = "好a中1я안😀，ب字Z２ü語"  # Han, Latin, digits, Cyrillic, Hangul, emoji, punctuation, Arabic, ...

ADVERSARIAL = {
    "random-cjk": lambda n: random_cjk(n),
    "one-char-repeated": lambda n: "好" * n,
    "alternating-scripts": lambda n: (ALTERNATING * (n // len(ALTERNATING) + 1))[:n],
}


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_adversarial_text_counts_are_exact_and_tables_bounded(kind):
    n = 20_000
    text = ADVERSARIAL[kind](n)
    c = NgramCounter(order=4, min_count=1)
    c.update([text])
    from nlp_zero.text import stat_chunks

    chunks = stat_chunks(text)
    assert c.chars == sum(map(len, chunks))
    for k in range(1, 5):
        grams = c.ngrams(k)
        assert sum(grams.values()) == sum(max(0, len(ch) - k + 1) for ch in chunks)  # exact
        assert len(grams) <= max(1, c.chars - k + 1)
    if kind == "one-char-repeated":
        assert [c.ngrams(k) for k in range(1, 5)] == [{"好" * k: n - k + 1} for k in range(1, 5)]


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_adversarial_text_discover_and_cut(kind, tmp_path):
    n = 20_000
    text = ADVERSARIAL[kind](n)
    p = tmp_path / "adv.txt"
    p.write_text(text, encoding="utf-8")  # one line, no newline
    corpus = Corpus(str(p), max_line_chars=4096)
    assert max(map(len, corpus)) <= 4096
    wf = WordFinder(order=4).train(corpus)
    lex = wf.find()
    # Every word is at most 4 symbols (<NUM> is one) and the words tile the corpus exactly.
    from nlp_zero.text import from_readable

    assert all(1 <= len(from_readable(w)) <= 4 for w in lex)
    assert sum(len(from_readable(w)) * c for w, c in lex.items()) == wf.stats.chars == wf.chars
    tok = Tokenizer(lex)
    for line in corpus:
        tokens = tok.lcut(line)
        assert "".join(tokens) == line
        assert all(len(t) <= 4 for t in tokens if not any(ch.isascii() for ch in t))
    from nlp_zero.tokenizer import CACHE_GENERATION

    assert len(tok._cache) + len(tok._old_cache) <= 2 * CACHE_GENERATION


def test_random_code_points_through_every_stage():
    """Any string at all (all planes, controls, private use, noncharacters) goes through."""
    import random

    rng = random.Random(6)
    text = "".join(chr(rng.choice([rng.randrange(0xD800), rng.randrange(0xE000, 0x110000)])) for _ in range(5000))
    text += "\ue000\ue001<NUM><LAT>[X]"  # the class symbols and their names, literally
    c = NgramCounter(order=3, min_count=1)
    c.update([text])
    assert c.chars <= len(text)
    literal = NgramCounter(order=2, min_count=1)
    literal.update(["好\ue000好\ue001好"])  # literal class symbols in the input are boundaries
    assert literal.chars == 3 and literal["好\ue000"] == 0
    wf = WordFinder(order=3).train([text, "葡萄葡萄皮"])
    lex = wf.find()
    tok = Tokenizer(lex)
    assert "".join(tok.lcut(text)) == text
    assert "".join(w for w, _, _ in tok.tokenize(text)) == text


def test_output_over_its_own_input_is_safe(tmp_path, cli, lexicon_file):
    """The input is read whole before the rename replaces it: no truncated read, no lost text."""
    p = tmp_path / "text.txt"
    p.write_text((GOOD + "\n") * 2000, encoding="utf-8")
    r = cli("cut", str(p), "-l", str(lexicon_file / "l.dict"), "-o", str(p), "-q")
    assert r.returncode == 0, r.stderr
    lines = p.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2000 and lines[0].replace("  ", "") == GOOD.replace(" ", "")


def test_eval_lines_are_split_like_the_corpus_reader(tmp_path):
    from nlp_zero.evaluation import evaluate_files

    gold = tmp_path / "gold.txt"
    gold.write_text("好\u2028的  人\n我们\n", encoding="utf-8")
    pred = tmp_path / "pred.txt"
    pred.write_text("好  的  人\n我们\n", encoding="utf-8")
    assert evaluate_files(str(gold), str(pred)).lines == 2
