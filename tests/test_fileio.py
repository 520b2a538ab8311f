"""Files: outputs are atomic (an interrupted run leaves the previous file and no temporary file);
saved files keep their formats (the fixtures in tests/data); every reader follows the one
byte-order-mark rule of nlp_zero.fileio."""

import codecs
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, TEST_DATA
from nlp_zero import Corpus, Lexicon, NgramCounter, WordFinder
from nlp_zero.evaluation import evaluate_files
from nlp_zero.fileio import BOM, atomic_write, bom_encoding, read_saved, strip_bom


def test_failed_write_keeps_previous_file(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_write(str(out)) as f:
            f.write("partial")
            raise RuntimeError("boom")
    assert out.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_new_file_gets_ordinary_permissions(tmp_path):
    out = tmp_path / "new.txt"
    with atomic_write(str(out)) as f:
        f.write("x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_count_exits_130_and_keeps_old_output(tmp_path, sig):
    line = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2000)) + "\n"
    out = tmp_path / "out.counts"
    out.write_text("previous\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # The text comes from a pipe that stays open, so the command is still at work when the signal comes.
    proc = subprocess.Popen([sys.executable, "-m", "nlp_zero", "count", "-", "-o", str(out), "-n", "6",
                             "--tmp-dir", str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True, encoding="utf-8")
    proc.stdin.write(line * 3000)
    proc.stdin.flush()
    time.sleep(1.5)  # let it count some of it (not a timing assertion: any moment must be safe)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert out.read_text() == "previous\n"
    assert sorted(os.listdir(tmp_path)) == ["out.counts"]  # no work area left behind


# -- saved files: the fixtures in tests/data, and the one byte-order-mark rule ----------------
#
# tests/data/laws_tiny.* were written by the commands in tests/data/README.md.

def _state(wf: WordFinder) -> tuple:
    return wf.order, wf.lines, dict(wf.chunks)


def _lexicon(lex: Lexicon) -> tuple:
    return lex.counts(), lex.scores, lex.tags


def _lines(path: str) -> list:
    return list(Corpus(path))


def _gold(path: str) -> int:
    """Words of ``path`` that match the fixture's (text that differs on a line is an error)."""
    return evaluate_files(path, str(TEST_DATA / "laws_tiny.dict.txt")).correct


# name -> (fixture, load, what of the loaded object is compared, whether the file has a header line)
SAVED = {
    "counts": ("laws_tiny.counts", NgramCounter.load, lambda c: c, True),
    "state": ("laws_tiny.state", WordFinder.load, _state, True),
    "lexicon-tsv": ("laws_tiny.tsv", Lexicon.load_tsv, _lexicon, True),
    "lexicon-dict": ("laws_tiny.dict.txt", Lexicon.load, _lexicon, False),
    "corpus": ("laws_tiny.txt", _lines, lambda x: x, False),
    "eval-gold": ("laws_tiny.dict.txt", _gold, lambda x: x, False),  # any text: words separated by spaces
}


def _save(name: str, obj, path: str) -> None:
    if name == "lexicon-tsv":
        obj.save_tsv(path)
    else:
        obj.save(path)


def test_the_fixtures_are_what_the_code_writes(test_data, tmp_path):
    """Counting and discovery on laws_tiny.txt write exactly the saved fixtures (formats and results unchanged)."""
    corpus = Corpus(str(test_data / "laws_tiny.txt"))
    counter = NgramCounter(order=2, min_count=1)
    counter.update(corpus)
    counter.save(str(tmp_path / "c"))
    finder = WordFinder().train(corpus)
    finder.save(str(tmp_path / "s"))
    lexicon = finder.find()
    lexicon.save(str(tmp_path / "d"))
    lexicon.save_tsv(str(tmp_path / "t"))
    for name, fixture in (("c", "laws_tiny.counts"), ("s", "laws_tiny.state"), ("d", "laws_tiny.dict.txt"),
                          ("t", "laws_tiny.tsv")):
        assert (tmp_path / name).read_bytes() == (test_data / fixture).read_bytes(), fixture


@pytest.mark.parametrize("name", ["counts", "state", "lexicon-tsv", "lexicon-dict"])
def test_saved_files_load_and_save_back_unchanged(test_data, tmp_path, name):
    fixture, load, _, _ = SAVED[name]
    out = tmp_path / fixture
    _save(name, load(str(test_data / fixture)), str(out))
    assert out.read_bytes() == (test_data / fixture).read_bytes()


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("name", sorted(SAVED))
def test_every_reader_drops_a_utf8_bom(test_data, tmp_path, name, crlf):
    """A UTF-8 byte-order mark (and CRLF) changes nothing, whether the file starts with a header line or not."""
    fixture, load, key, has_header = SAVED[name]
    data = (test_data / fixture).read_bytes()
    assert data.split(b"\n", 1)[0].startswith((b"#nlp-zero", b"word\tcount")) == has_header
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    p = tmp_path / fixture
    p.write_bytes(codecs.BOM_UTF8 + data)
    assert key(load(str(p))) == key(load(str(test_data / fixture)))


def test_read_saved_bom_with_and_without_a_header_line(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(codecs.BOM_UTF8 + "#nlp-zero counts 1\r\n#order 2\n".encode())
    assert list(read_saved(str(p))) == [(1, "#nlp-zero counts 1"), (2, "#order 2")]
    p.write_bytes(codecs.BOM_UTF8 + "[X]的[X]\t5\n好\t3\n".encode())
    assert list(read_saved(str(p))) == [(1, "[X]的[X]\t5"), (2, "好\t3")]


def test_only_a_leading_bom_is_dropped(tmp_path):
    """U+FEFF anywhere but the start of the file is text (a zero-width no-break space) and is kept."""
    p = tmp_path / "x"
    p.write_bytes((BOM + BOM + "好\n的" + BOM + "\n").encode())
    assert list(read_saved(str(p))) == [(1, BOM + "好"), (2, "的" + BOM)]
    q = tmp_path / "y.txt"
    q.write_bytes((BOM + "好\n" + BOM + "的\n").encode())
    assert list(Corpus(str(q))) == ["好", BOM + "的"]
    d = tmp_path / "z.dict"
    d.write_bytes((BOM + "好 3\n" + BOM + "的 2\n").encode())
    assert Lexicon.load(str(d)).counts() == {"好": 3, BOM + "的": 2}


def test_a_bom_alone_is_an_empty_file(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(codecs.BOM_UTF8)
    assert list(read_saved(str(p))) == [] and list(Corpus(str(p))) == []
    assert len(Lexicon.load(str(p))) == 0


def test_strip_bom_and_bom_encoding():
    assert strip_bom(BOM + "好") == "好" and strip_bom("好" + BOM) == "好" + BOM and strip_bom("") == ""
    assert strip_bom(codecs.BOM_UTF8 + b"x") == b"x" and strip_bom(b"x") == b"x"
    assert bom_encoding(codecs.BOM_UTF32_LE + b"x") == "utf-32"  # not utf-16: its mark is a prefix
    assert bom_encoding(codecs.BOM_UTF16_BE) == "utf-16"
    assert bom_encoding(codecs.BOM_UTF8 + b"x") is None and bom_encoding(b"") is None
