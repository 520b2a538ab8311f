"""The lexicon report on the laws corpus: its size, the time to open it in Chromium, a screenshot.

    python benchmarks/report_laws.py [--data ../shared/data] [--lexicon PREFIX] [--out DIR]
                                     [--screenshot docs/report_laws.png]

1. learns the laws lexicon (``nlp-zero discover laws_prc.txt.xz -o PREFIX -j 2``)
   unless ``--lexicon PREFIX`` names one, and templates from the bundled demo
   corpus with it (``nlp-zero templates``);
2. writes the report (``nlp-zero report PREFIX --corpus laws_prc.txt.xz``,
   reading the first 2M characters for contexts and template examples) and
   prints its size;
3. opens it in headless Chromium (``--dump-dom``, after its scripts ran) five
   times, each with a fresh profile, and prints the median wall time beside the
   same for an empty page in the same run (Chromium's own start-up), and the
   time the page's script says it took;
4. does the same for a synthetic lexicon of 200,000 words (two scores);
5. takes a screenshot (``--screenshot``; Chinese glyphs need a CJK font, e.g. Debian's
   ``fonts-wqy-zenhei``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def nlp_zero(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "nlp_zero", *args, "-q"], check=True, cwd=REPO, stdout=subprocess.DEVNULL)


def chromium(page: Path, work: Path, *extra: str) -> tuple[float, str]:
    profile = Path(tempfile.mkdtemp(dir=work, prefix="profile-"))
    t = time.perf_counter()
    proc = subprocess.run([shutil.which("chromium") or "chromium", *FLAGS, f"--user-data-dir={profile}", *extra,
                           page.resolve().as_uri()], capture_output=True, check=True, timeout=600)
    wall = time.perf_counter() - t
    shutil.rmtree(profile, ignore_errors=True)
    return wall, proc.stdout.decode("utf-8", "replace")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--lexicon", metavar="PREFIX", help="a laws lexicon already learned (PREFIX.dict.txt, .tsv, ...)")
    ap.add_argument("--out", help="keep the files here (default: a temp dir)")
    ap.add_argument("--screenshot", default=str(REPO / "docs" / "report_laws.png"))
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    laws = Path(a.data) / "corpora" / "laws_prc.txt.xz"
    out = Path(a.out or tempfile.mkdtemp(prefix="nlp-zero-report-"))
    out.mkdir(parents=True, exist_ok=True)
    prefix = a.lexicon or str(out / "laws")
    if not a.lexicon:
        nlp_zero("discover", str(laws), "-o", prefix, "-j", "2")
    if not Path(prefix + ".templates.txt").exists():
        from nlp_zero.corpus import demo_path

        nlp_zero("templates", demo_path(), "-l", prefix + ".dict.txt", "-o", prefix)
    page = Path(prefix + ".report.html")
    t = time.perf_counter()
    nlp_zero("report", prefix, "--corpus", str(laws), "-o", str(page))
    made = time.perf_counter() - t
    empty = out / "empty.html"
    empty.write_text("<!DOCTYPE html><title>empty</title>\n", encoding="utf-8")
    opened, blank, script_ms = [], [], []
    for _ in range(a.rounds):  # in turns, so that both see the same load
        wall, dom = chromium(page, out, "--dump-dom")
        opened.append(wall)
        script_ms.append(int(re.search(r'data-render-ms="(\d+)"', dom).group(1)))
        blank.append(chromium(empty, out, "--dump-dom")[0])
    words = sum(1 for _ in open(prefix + ".dict.txt", encoding="utf-8"))
    size = page.stat().st_size
    print(f"laws lexicon: {words:,} words; report {page} written in {made:.1f} s")
    print(f"report size: {size:,} bytes ({size / 1e6:.2f} MB)")
    print(f"open in headless Chromium (--dump-dom, median of {a.rounds}): {statistics.median(opened):.2f} s; "
          f"an empty page: {statistics.median(blank):.2f} s; difference {statistics.median(opened) - statistics.median(blank):.2f} s")
    print(f"the page's script (parse the data, sort, render the first page): median {statistics.median(script_ms)} ms")
    # 200k words (a synthetic lexicon with two scores): the table stays one page in the DOM
    from nlp_zero import Lexicon

    words = {chr(0x4E00 + i % 20000) + chr(0x4E00 + (i // 20000) * 7 % 20000) + "的" * (i % 3): 200_000 // (i + 1) + 1
             for i in range(200_000)}
    big = Lexicon(words, scores={w: {"score": (i % 97) / 7, "pmi": i % 13} for i, w in enumerate(words)})
    big.save(out / "big.dict.txt")
    big.save_tsv(out / "big.tsv")
    nlp_zero("report", str(out / "big"))
    big_page = out / "big.report.html"
    walls, ms = [], []
    for _ in range(a.rounds):
        wall, dom = chromium(big_page, out, "--dump-dom")
        walls.append(wall)
        ms.append(int(re.search(r'data-render-ms="(\d+)"', dom).group(1)))
    print(f"200,000 words (synthetic): report {big_page.stat().st_size:,} bytes; open {statistics.median(walls):.2f} s "
          f"(empty page {statistics.median(blank):.2f} s); the page's script {statistics.median(ms)} ms")
    if a.screenshot:
        shot = Path(a.screenshot)
        shot.parent.mkdir(parents=True, exist_ok=True)
        chromium(page, out, f"--screenshot={shot.resolve()}", "--window-size=1100,1500", "--hide-scrollbars")
        print(f"screenshot: {shot} ({shot.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
