"""Do the exported tokenizers segment as ``nlp-zero cut`` does?  (issue 16)

    python benchmarks/export_agreement.py [--data ../shared/data] [--lexicon PREFIX] [--out DIR]

1. learns a lexicon by the PKU-unsupervised protocol of ``benchmarks/sighan.py``
   (``nlp-zero discover pd199801_raw.txt.xz pku_test.utf8``; or takes
   ``--lexicon PREFIX``, reading ``PREFIX.dict.txt``);
2. exports it with ``nlp-zero export PREFIX --to hf-tokenizers`` and
   ``--to sentencepiece``;
3. segments the PKU test text with ``nlp-zero cut --format jsonl``, with the
   exported ``tokenizer.json`` loaded by the real ``tokenizers`` package and
   with the exported ``.model`` loaded by the real ``sentencepiece`` package
   (both test extras);
4. prints the share of Han chunks (maximal runs of Han characters, as
   ``nlp_zero.text`` defines them) that each tool cuts exactly as nlp_zero does
   -- the same cuts at every position from the chunk's start to its end, as
   ``benchmarks/cut_vs_jieba.py`` counts them -- and the disagreements by cause:
   chunks that touch a Latin/digit run (where nlp_zero may use a class word
   such as ``<NUM>年``, which the exports leave out) and the others.

Both exports read Latin/digit runs by class, as nlp_zero does (see
``nlp_zero.export``); a control compares nlp_zero's tokenizer given only the
Han words of the lexicon (no class words, the same total N) with
``nlp-zero cut``, to show how much the class words matter.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from cut_vs_jieba import boundaries, pieces  # noqa: E402

from nlp_zero import Corpus, Lexicon, Tokenizer  # noqa: E402
from nlp_zero.text import ALNUM, HAN, is_han, segments  # noqa: E402


def nlp_zero_cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "nlp_zero", *args, "-q"], check=True, cwd=REPO)


def slices(line: str, pieces: list[str]) -> list[str]:
    """The text of each piece: the export's normaliser writes one character for one."""
    ends = list(itertools.accumulate(map(len, pieces), initial=0))
    if ends[-1] != len(line):
        raise SystemExit(f"sentencepiece pieces do not cover the line: {line!r}")
    return [line[a:b] for a, b in zip(ends, ends[1:])]


class Agreement:
    """Han chunks cut identically, and the others by cause."""

    def __init__(self, name: str):
        self.name = name
        self.same = self.inner = self.total = self.touching = self.same_apart = self.lines = self.lines_same = 0
        self.causes: dict[str, int] = {}
        self.examples: dict[str, list] = {}

    def add(self, line: str, ours: list[str], theirs: list[str]) -> None:
        if "".join(theirs) != line:
            raise SystemExit(f"{self.name}: the tokens do not give the line back: {line!r}")
        self.lines += 1
        self.lines_same += ours == theirs
        bo, bt = boundaries(ours), boundaries(theirs)
        for kind, s, e in segments(line):
            if kind != HAN:
                continue
            self.total += 1
            near = line[max(s - 1, 0):s] + line[e:e + 1]
            touches = bool(near) and (any(k == ALNUM for k, _, _ in segments(near)) or near[0] in "%\uff05")
            self.touching += touches
            if all((p in bo) == (p in bt) for p in range(s, e + 1)):
                self.same += 1
                self.inner += 1
                self.same_apart += not touches
                continue
            self.inner += all((p in bo) == (p in bt) for p in range(s + 1, e))
            cause = ("the chunk touches a Latin/digit run (nlp_zero joined it with a class word such as <NUM>年)"
                     if touches else "other (ties, float precision)")
            self.causes[cause] = self.causes.get(cause, 0) + 1
            ex = self.examples.setdefault(cause, [])
            if len(ex) < 3:
                ex.append((" ".join(pieces(line, bo, s, e)), " ".join(pieces(line, bt, s, e))))

    def report(self) -> None:
        print(f"{self.name}: Han chunks cut identically: {self.same:,} / {self.total:,} = "
              f"{100 * self.same / max(self.total, 1):.3f} %")
        print(f"    the same cuts inside the chunk (its two ends left out): {self.inner:,} / {self.total:,} = "
              f"{100 * self.inner / max(self.total, 1):.3f} %")
        print(f"    whole lines with the very same tokens (punctuation, spaces, Latin/digit runs too): "
              f"{self.lines_same:,} / {self.lines:,}")
        apart = self.total - self.touching
        print(f"    chunks that touch no Latin/digit run: {self.same_apart:,} / {apart:,} = "
              f"{100 * self.same_apart / max(apart, 1):.3f} % cut identically")
        for cause, n in sorted(self.causes.items(), key=lambda kv: -kv[1]):
            print(f"    {n:>5,}  {cause}")
            for ours, theirs in self.examples[cause]:
                print(f"           nlp_zero: {ours}   |   export: {theirs}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"), help="the shared data folder")
    ap.add_argument("--lexicon", metavar="PREFIX", help="use PREFIX.dict.txt instead of learning one")
    ap.add_argument("--out", help="keep the files here (default: a temp dir)")
    a = ap.parse_args()
    import sentencepiece
    import tokenizers

    data = Path(a.data)
    test = data / "sighan2005" / "pku_test.utf8"
    out = Path(a.out or tempfile.mkdtemp(prefix="nlp-zero-export-"))
    out.mkdir(parents=True, exist_ok=True)
    prefix = a.lexicon
    if prefix is None:
        prefix = str(out / "pku_unsup")
        nlp_zero_cli("discover", str(data / "corpora" / "pd199801_raw.txt.xz"), str(test), "-o", prefix)
    exported = str(out / "export")
    nlp_zero_cli("export", prefix, "--to", "hf-tokenizers", "-o", exported)
    nlp_zero_cli("export", prefix, "--to", "sentencepiece", "-o", exported)
    nlp_zero_cli("cut", str(test), "-l", prefix + ".dict.txt", "--format", "jsonl", "-o", str(out / "cut.jsonl"))

    lines = list(Corpus(str(test)))
    with open(out / "cut.jsonl", encoding="utf-8") as f:
        cut = [[t for t, _, _ in json.loads(row)["tokens"]] for row in f]
    assert len(cut) == len(lines)
    hf = tokenizers.Tokenizer.from_file(exported + ".tokenizer.json")
    sp = sentencepiece.SentencePieceProcessor(model_file=exported + ".model")
    lexicon = Lexicon.load(prefix + ".dict.txt")
    words = {w: c for w, c in lexicon.items() if all(map(is_han, w))}
    # The same N as the export, where the left-out words still count: a key with a
    # newline adds to the total but never matches (the tokenizer's scan ends at "\n").
    kept = Tokenizer(words | {"\n": lexicon.total - sum(words.values())})

    results = [Agreement("HF tokenizers (tokenizer.json) against nlp-zero cut"),
               Agreement("sentencepiece (.model) against nlp-zero cut"),
               Agreement("control: nlp_zero given the Han words only against nlp-zero cut")]
    for line, ours in zip(lines, cut):
        enc = hf.encode(line, add_special_tokens=False)
        hf_tokens = [line[s:e] for s, e in enc.offsets]
        sp_tokens = slices(line, sp.encode(line, out_type=str))
        results[0].add(line, ours, hf_tokens)
        results[1].add(line, ours, sp_tokens)
        results[2].add(line, ours, kept.lcut(line))
    print(f"lexicon {prefix}.dict.txt: {len(lexicon):,} words; PKU test text: {len(lines):,} lines; "
          f"tokenizers {tokenizers.__version__}, sentencepiece {sentencepiece.__version__}\n")
    for r in results:
        r.report()
    print(f"\nfiles in {out}")


if __name__ == "__main__":
    main()
