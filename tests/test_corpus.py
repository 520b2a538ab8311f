"""Corpus reading: formats, compression, encodings and bad input."""

import bz2
import codecs
import gzip
import lzma
import os

import pytest

from nlp_zero import Corpus, InputError, NlpZeroError
from nlp_zero.corpus import demo_path

TEXT = "第一条 为了保护公民的合法权益，制定本法。\n第二条 本法适用于中华人民共和国。\n"


def write(path, data: bytes):
    path.write_bytes(data)
    return str(path)


def test_lines_crlf_and_bom(tmp_path):
    p = write(tmp_path / "a.txt", codecs.BOM_UTF8 + TEXT.replace("\n", "\r\n").encode())
    assert list(Corpus(p)) == TEXT.splitlines()


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "utf_8", "utf-8-sig", "gb18030"])
def test_the_bom_rule_whatever_the_encoding_is_called(tmp_path, encoding):
    """A UTF-8 mark is dropped under any name of UTF-8; a UTF-16 mark means UTF-16 whatever was asked for."""
    if encoding != "gb18030":
        p = write(tmp_path / "a.txt", codecs.BOM_UTF8 + TEXT.encode())
        assert list(Corpus(p, encoding=encoding)) == TEXT.splitlines()
    p16 = write(tmp_path / "b.txt", TEXT.encode("utf-16"))
    assert list(Corpus(p16, encoding=encoding)) == TEXT.splitlines()


def test_the_fixture_corpus_reads_the_same_compressed(test_data, tmp_path):
    plain = test_data / "laws_tiny.txt"
    lines = list(Corpus(str(plain)))
    assert len(lines) == 43 and lines[0] == "中华人民共和国刑法"
    assert list(Corpus(write(tmp_path / "t.txt.xz", lzma.compress(plain.read_bytes())))) == lines


@pytest.mark.parametrize("opener,suffix", [(gzip.compress, ".gz"), (bz2.compress, ".bz2"), (lzma.compress, ".xz")])
def test_compressed_inputs_are_transparent(tmp_path, opener, suffix):
    p = write(tmp_path / ("a.txt" + suffix), opener(TEXT.encode()))
    assert list(Corpus(p)) == TEXT.splitlines()


def test_directories_globs_and_rereading(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "b.txt", "乙\n".encode())
    write(tmp_path / "sub" / "a.txt", "甲\n".encode())
    write(tmp_path / ".hidden", "丙\n".encode())
    corpus = Corpus([str(tmp_path)])
    assert list(corpus) == ["乙", "甲"]
    assert list(corpus) == ["乙", "甲"]  # a second pass reads again
    assert list(Corpus([str(tmp_path / "*.txt")])) == ["乙"]


def test_other_encodings(tmp_path):
    p = write(tmp_path / "gbk.txt", TEXT.encode("gb18030"))
    assert list(Corpus(p, encoding="gb18030")) == TEXT.splitlines()
    p16 = write(tmp_path / "u16.txt", TEXT.encode("utf-16"))  # with a byte-order mark
    assert list(Corpus(p16)) == TEXT.splitlines()


def test_missing_file_and_glob():
    with pytest.raises(InputError, match="no such file"):
        Corpus(["/no/such/file.txt"])
    with pytest.raises(InputError, match="no file matches"):
        Corpus(["/no/such/*.txt"])


def test_gbk_read_as_utf8_names_the_line(tmp_path):
    p = write(tmp_path / "gbk.txt", "好的\n".encode() + TEXT.encode("gbk"))
    with pytest.raises(InputError) as e:
        list(Corpus(p))
    assert e.value.line == 2 and e.value.path == p
    assert "cannot decode as utf-8" in str(e.value)


def test_errors_replace_and_skip(tmp_path):
    p = write(tmp_path / "mixed.txt", "好\n".encode() + "坏".encode("gbk") + b"\n" + "好\n".encode())
    assert list(Corpus(p, errors="skip")) == ["好", "好"]
    replaced = list(Corpus(p, errors="replace"))
    assert len(replaced) == 3 and "\ufffd" in replaced[1]


def test_binary_file(tmp_path):
    p = write(tmp_path / "img.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    with pytest.raises(InputError, match="binary|cannot decode"):
        list(Corpus(p))


def test_truncated_gzip(tmp_path):
    data = gzip.compress(TEXT.encode() * 50)
    p = write(tmp_path / "t.gz", data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated"):
        list(Corpus(p))


def test_unreadable_directory_is_an_input_error(tmp_path, monkeypatch):
    def walk(top, onerror=None):
        onerror(PermissionError(13, "Permission denied", str(top)))
        return iter(())

    monkeypatch.setattr(os, "walk", walk)
    with pytest.raises(InputError, match="permission denied"):
        Corpus([str(tmp_path)])


def test_long_line_comes_in_bounded_pieces_cut_between_blocks(tmp_path):
    sentence = "中华人民共和国，" * 5000  # 40,000 characters, no newline
    p = write(tmp_path / "long.txt", sentence.encode())
    pieces = list(Corpus(p, max_line_chars=1000))
    assert "".join(pieces) == sentence
    assert max(map(len, pieces)) <= 1000
    assert all(piece.startswith("中华人民共和国") for piece in pieces)


def test_empty_file_and_bad_arguments(tmp_path):
    assert list(Corpus(write(tmp_path / "e.txt", b""))) == []
    with pytest.raises(NlpZeroError):
        Corpus([])
    with pytest.raises(NlpZeroError, match="encoding"):
        Corpus([str(tmp_path)], encoding="no-such-codec")


def test_demo_corpus_is_bundled():
    lines = list(Corpus(demo_path()))
    assert len(lines) > 1000 and sum(map(len, lines)) > 300_000
