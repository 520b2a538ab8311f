"""The lexicon report: one self-contained HTML page (parsed, and rendered in headless Chromium)."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run_cli
from nlp_zero import Corpus, Lexicon
from nlp_zero.corpus import demo_path
from nlp_zero.report import PAGE_SIZE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page(HTMLParser):
    """What the tests look at: rows of each table body, SVG charts, scripts, URLs, the data blob."""

    def __init__(self, text: str):
        super().__init__()
        self.rows: dict[str, int] = {}
        self.table: list[str] = []
        self.in_body = False
        self.charts: list[dict] = []
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self.script: dict | None = None
        self.data = ""
        self.attributes: dict[str, dict] = {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table.append(a.get("id") or a.get("class") or "table")
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.table:
            name = self.table[-1] + (":body" if self.in_body else "")
            self.rows[name] = self.rows.get(name, 0) + 1
        elif tag == "svg":
            self.charts.append(a)
        elif tag == "script":
            self.script = a
        elif tag == "body":
            self.attributes["body"] = a
        self.urls += [v for k, v in attrs if k in ("src", "href", "xmlns", "action") and v]

    def handle_endtag(self, tag):
        if tag == "table" and self.table:
            self.table.pop()
        elif tag == "tbody":
            self.in_body = False
        elif tag == "script":
            self.scripts.append(self.script.get("type", "text/javascript"))
            self.script = None

    def handle_data(self, data):
        if self.script is not None and self.script.get("id") == "lexicon-data":
            self.data += data


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """A lexicon (dict, TSV, meta) and templates learned from 3000 lines of the demo corpus."""
    d = tmp_path_factory.mktemp("report")
    text = d / "demo.txt"
    text.write_text("\n".join(itertools.islice(Corpus(demo_path()), 3000)) + "\n", encoding="utf-8")
    assert run_cli("discover", str(text), "-o", str(d / "demo"), "-q").returncode == 0
    assert run_cli("templates", str(text), "-l", str(d / "demo.dict.txt"), "-o", str(d / "demo"),
                   "-q").returncode == 0
    (d / "ref.txt").write_text("".join(f"{w}\n" for w in itertools.islice(Lexicon.load(d / "demo.dict.txt"), 0, None, 2)),
                               encoding="utf-8")
    proc = run_cli("report", str(d / "demo"), "--corpus", str(text), "--reference", str(d / "ref.txt"))
    assert proc.returncode == 0, proc.stderr
    return d


def test_report_is_one_self_contained_page(demo):
    text = (demo / "demo.report.html").read_text(encoding="utf-8")
    page = Page(text)
    lexicon = Lexicon.load(demo / "demo.dict.txt")
    assert page.rows["words:body"] == min(PAGE_SIZE, len(lexicon))  # the first page is in the HTML
    titles = [c.get("data-chart") for c in page.charts]
    assert {"words by length", "frequency against rank (log-log)", "score: score", "score: cohesion"} <= set(titles)
    assert "parse tree" in titles and page.rows["kwic"] >= 30 and page.rows["templates"] >= 2
    assert page.urls == [] and not re.search(r"https?:|//[a-z]|url\(|@import", text, re.I)
    assert page.scripts == ["application/json", "text/javascript"]
    data = json.loads(page.data)
    assert data["word"][: 3] == list(lexicon)[:3]
    assert len(data["word"]) == len(lexicon) == len(data["count"]) == len(data["score"])
    assert sum(data["new"]) == len(lexicon) // 2  # every other word is in the reference
    assert "bits per character" in text and "new words only" in text


def test_report_is_byte_identical_across_hash_seeds(demo, tmp_path):
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.html"
        proc = run_cli("report", str(demo / "demo"), "--corpus", str(demo / "demo.txt"), "--reference",
                       str(demo / "ref.txt"), "-o", str(out), env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        pages.append(out.read_bytes())
    assert pages[0] == pages[1] == (demo / "demo.report.html").read_bytes()


def test_report_bad_input_is_one_line_and_exit_2(demo, tmp_path):
    (tmp_path / "x.dict.txt").write_text("中国 3\n", encoding="utf-8")
    (tmp_path / "x.meta.json").write_text("{not json", encoding="utf-8")
    cases = [(["report", str(tmp_path / "missing")], "missing.dict.txt"),
             (["report", str(tmp_path / "x")], "x.meta.json"),
             (["report", str(demo / "demo"), "-o", str(tmp_path / "no" / "r.html")], "no such file or directory"),
             (["report", str(demo / "demo"), "--reference", str(tmp_path / "none.txt"), "-o", str(tmp_path / "r.html")],
              "none.txt"),
             (["report", str(demo / "demo"), "--corpus", str(tmp_path / "none.txt"), "-o", str(tmp_path / "r.html")],
              "none.txt")]
    for argv, cause in cases:
        proc = run_cli(*argv)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and cause in proc.stderr, proc.stderr
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "x.report.html").exists()


def chromium_dom(page: Path, tmp_path: Path) -> str:
    """The DOM of ``page`` after its scripts ran, from headless Chromium."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (CI installs the Debian package chromium: see .ci/run)")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", page.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    return proc.stdout.decode("utf-8")


def rendered_sizes(dom: str) -> dict[str, tuple[int, int]]:
    page = Page(dom)
    sizes = {}
    for chart in page.charts:
        w, h = map(int, chart["data-rendered"].split("x"))
        sizes[chart["data-chart"]] = (w, h)
    table = re.search(r'<table id="words"[^>]*data-rendered="(\d+)x(\d+)"', dom)
    sizes["table"] = (int(table.group(1)), int(table.group(2))) if table else (0, 0)
    return sizes


def test_report_renders_in_chromium(demo, tmp_path):
    dom = chromium_dom(demo / "demo.report.html", tmp_path)
    assert "data-render-ms" in dom  # the script ran to its end
    assert re.search(r'<span id="page-info">page 1 of \d+ \([\d,]+ words\)</span>', dom)
    page = Page(dom)
    assert page.rows["words:body"] == PAGE_SIZE
    sizes = rendered_sizes(dom)
    assert len(sizes) >= 7 and all(w > 0 and h > 0 for w, h in sizes.values()), sizes


def test_report_with_200k_words_renders_in_chromium(tmp_path):
    words = {}
    for i in range(200_000):  # distinct two- to four-character words
        w = chr(0x4E00 + i % 20000) + chr(0x4E00 + (i // 20000) * 7 % 20000) + "的" * (i % 3)
        words[w] = 200_000 // (i + 1) + 1
    lexicon = Lexicon(words, scores={w: {"score": (i % 97) / 7, "pmi": i % 13} for i, w in enumerate(words)})
    lexicon.save(tmp_path / "big.dict.txt")
    lexicon.save_tsv(tmp_path / "big.tsv")
    proc = run_cli("report", str(tmp_path / "big"))
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "big.report.html").read_text(encoding="utf-8")
    assert Page(html).rows["words:body"] == PAGE_SIZE  # one page in the DOM, not 200k rows
    dom = chromium_dom(tmp_path / "big.report.html", tmp_path)
    assert re.search(r'page 1 of 4,000 \(200,000 words\)', dom)
    sizes = rendered_sizes(dom)
    assert all(w > 0 and h > 0 for w, h in sizes.values()), sizes
    assert Page(dom).rows["words:body"] == PAGE_SIZE


def test_class_words_are_found_in_context():
    from nlp_zero.report import ReportInput, _scan

    lexicon = Lexicon({"<NUM>年": 5, "中国": 4, "人民": 3})
    data = ReportInput(name="t", lexicon=lexicon, meta={})
    _scan(data, ["中国人民在1998年，２００１年。"], None, top=10, contexts=3, max_chars=10_000)
    assert [token for _, token, _ in data.contexts["<NUM>年"]] == ["1998年", "２００１年"]
