"""Word discovery on the SIGHAN 2005 PKU test set, the PKU-unsupervised protocol (docs/design.md §11).

    python benchmarks/sighan.py [--data ../shared/data] [--out DIR]
    python benchmarks/sighan.py --ablation         # and every ingredient's contribution (ablation rows)
    python benchmarks/sighan.py --engine spark     # learning on Spark local[2] (needs nlp-zero[spark])
    python benchmarks/sighan.py --engine spark --spark-partitions 1,3,7   # one run a partition count

Two settings, both with the CLI defaults (nothing tuned, nothing read from gold):

* **PKU-unsupervised**: ``nlp-zero discover pd199801_raw.txt.xz pku_test.utf8``
  (People's Daily Jan. 1998 raw text + the raw test text, 1.9M characters);
* **small**: ``nlp-zero discover pku_test.utf8`` alone (173k characters).

Each then runs ``nlp-zero cut pku_test.utf8 -l PREFIX.dict.txt -d ' '`` and
``nlp-zero eval pku_test_gold.utf8 PRED --words pku_training_words.utf8``.
Every step is a fresh process; the table shows the learning step's wall time
and peak RSS (the machine is shared: times are indicative), and the bakeoff
figures beside published reference points.

Two checks follow, with the same commands (``--no-checks`` leaves them out):

* **more text of the same kind**: the PKU test raw text alone, then with the
  first half of pd199801's lines added, then with all of it; F1 on the PKU
  gold must rise at each step (the script says whether it does);
* **a second standard**: UD Chinese GSDSimp dev (``ud/gsdsimp_zh_gsdsimp-ud-dev.conllu``:
  Wikipedia, other segmentation guidelines): its sentences as raw text (the
  words joined), learned from alone and with pd199801 added, cut and scored
  against its gold words (no OOV list).

With ``--ablation``, the ingredients of discovery follow, each taken out or
replaced in turn, on both PKU settings, UD alone and UD with pd199801
(``benchmarks/discovery_trials.py`` runs them, in this process).

With ``--engine spark`` the
learning runs on Spark once per ``--spark-partitions`` count, and once with the
local engine on the same (decompressed) files: the script prints whether dict,
tsv and meta are byte-identical.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"

REFERENCE = [  # F1 on PKU; see README for the sources
    ("nlp-zero 0.1.6, defaults (small setting)", 0.371),
    ("nlp-zero 0.1.6, tuned on gold (small setting)", 0.690),
    ("sentencepiece unigram (small setting)", 0.64),
    ("ESA (Wang et al. 2011)", 0.778),
    ("nVBE (Magistry & Sagot 2012)", 0.800),
    ("SLM (Sun & Deng 2018)", 0.802),
    ("best joint model (Chen et al. 2014)", 0.811),
]


def run_measured(args: list[str]) -> tuple[str, float, float]:
    """Like :func:`run` but with the child's own rusage (wait4 before communicate's reap)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "nlp_zero", *args], stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            sys.exit(f"failed: nlp-zero {' '.join(args)}\n{err.read().decode()}")
        return out.read().decode("utf-8"), wall, usage.ru_maxrss / 1024


def write_lines(path: Path, lines: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)


def ud_sentences(path: Path) -> list[list[str]]:
    """The gold words of each sentence of a CoNLL-U file (multiword ranges and empty nodes skipped)."""
    sents, words = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if words:
                    sents.append(words)
                words = []
            elif not line.startswith("#"):
                cols = line.split("\t")
                if "-" not in cols[0] and "." not in cols[0]:
                    words.append(cols[1])
    if words:
        sents.append(words)
    return sents


def learn_and_score(prefix: Path, inputs: list[str], text: str, gold: str, words: str | None,
                    options: list[str] | tuple = ()) -> tuple[str, dict, dict, float, float]:
    """``discover`` from ``inputs`` (with ``options``), ``cut`` ``text``, ``eval`` against ``gold``:
    what discover printed, the run record, the scores, the learning's seconds and peak RSS (MB)."""
    printed, wall, rss = run_measured(["discover", *inputs, "-o", str(prefix), "-q", *options])
    run_measured(["cut", text, "-l", f"{prefix}.dict.txt", "-d", " ", "-o", f"{prefix}.pred.txt", "-q"])
    figures, _, _ = run_measured(["eval", gold, f"{prefix}.pred.txt", "--json"] + (["--words", words] if words else []))
    meta = json.loads(Path(f"{prefix}.meta.json").read_text(encoding="utf-8"))
    return printed, meta, json.loads(figures), wall, rss


def print_rows(rows: list) -> None:
    """The table of ``(label, meta, scores, learn s, learn RSS MB, ...)`` rows."""
    print(f"{'setting':38} {'chars':>9} {'words':>7} {'bits/char':>13} {'P':>6} {'R':>6} {'F1':>6} "
          f"{'OOV-R':>6} {'learn s':>8} {'RSS MB':>7}")
    for label, meta, s, wall, rss, *_ in rows:
        bits = f"{meta['bits_per_char_before']:.2f}->{meta['bits_per_char_after']:.2f}"
        oov = "-" if s.get("oov_recall") is None else f"{s['oov_recall']:.3f}"
        print(f"{label:38} {meta['chars']:>9,} {meta['words']:>7,} {bits:>13} {s['precision']:>6.3f} "
              f"{s['recall']:>6.3f} {s['f1']:>6.3f} {oov:>6} {wall:>8.1f} {rss:>7.0f}")


def checks(data: Path, out: Path, pd: Path, test: Path, gold: Path, words: Path, rows: list) -> None:
    """The more-text steps on PKU and the UD GSDSimp dev rows (see the module's docstring)."""
    import lzma

    with lzma.open(pd, "rt", encoding="utf-8") as f:
        pd_lines = [line.rstrip("\n") for line in f]
    half = out / "pd199801_first_half.txt"
    write_lines(half, pd_lines[:len(pd_lines) // 2])
    _, *step = learn_and_score(out / "pku_half", [str(half), str(test)], str(test), str(gold), str(words))
    steps = [rows[1], ("PKU test + first half of pd199801", *step), rows[0]]  # test alone, + half, + all
    print("\nMore raw text of the same kind (PKU gold):")
    print_rows(steps)
    f1 = [row[2]["f1"] for row in steps]
    print(f"F1 rises at each step: {all(x < y for x, y in zip(f1, f1[1:]))} "
          f"({' -> '.join(f'{x:.4f}' for x in f1)})")
    ud = data / "ud" / "gsdsimp_zh_gsdsimp-ud-dev.conllu"
    if not ud.exists():
        print(f"\n{ud}: not found, no UD rows")
        return
    sents = ud_sentences(ud)
    raw, ud_gold = out / "ud_dev_raw.txt", out / "ud_dev_gold.txt"
    write_lines(raw, ["".join(ws) for ws in sents])
    write_lines(ud_gold, [" ".join(ws) for ws in sents])
    ud_rows = []
    for label, name, inputs in [("UD dev raw text alone", "ud_alone", [str(raw)]),
                                ("pd199801 + UD dev raw text", "ud_pd", [str(pd), str(raw)])]:
        _, *row = learn_and_score(out / name, inputs, str(raw), str(ud_gold), None)
        ud_rows.append((label, *row))
    print(f"\nUD Chinese GSDSimp dev segmentation ({len(sents)} sentences, its own gold words):")
    print_rows(ud_rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="the shared data folder")
    ap.add_argument("--out", default=None, help="keep the lexicons and segmentations here (default: a temp dir)")
    ap.add_argument("--top", type=int, default=100, help="list this many top words of the big setting")
    ap.add_argument("--engine", choices=("local", "spark"), default="local",
                    help="learn with the local engine or on Spark (the .xz corpus is decompressed first: "
                         "Spark does not read .xz); the lexicon is the same")
    ap.add_argument("--spark-master", default="local[2]", help="with --engine spark (default local[2])")
    ap.add_argument("--spark-partitions", default="", metavar="N[,N...]",
                    help="with --engine spark: partitions of the shuffles, one run each (default: Spark's "
                         "parallelism); each run's dict, tsv and meta are compared with a local run's")
    ap.add_argument("--no-checks", action="store_true",
                    help="leave out the more-text steps and the UD GSDSimp dev rows (which run with the local "
                         "engine only)")
    ap.add_argument("--ablation", action="store_true",
                    help="then learn again with each ingredient of discovery taken out or replaced (PKU-unsupervised, "
                         "small, UD alone, UD with pd199801; see benchmarks/discovery_trials.py)")
    a = ap.parse_args()
    data = Path(a.data)
    sighan = data / "sighan2005"
    test, gold, words = sighan / "pku_test.utf8", sighan / "pku_test_gold.utf8", sighan / "pku_training_words.utf8"
    pd = data / "corpora" / "pd199801_raw.txt.xz"
    out = Path(a.out or tempfile.mkdtemp(prefix="nlp-zero-sighan-"))
    out.mkdir(parents=True, exist_ok=True)
    settings = [("PKU-unsupervised (pd199801 + test)", "pku_unsup", [str(pd), str(test)]),
                ("small (test text alone)", "pku_small", [str(test)])]
    runs = [(label, name, inputs, []) for label, name, inputs in settings]
    if a.engine == "spark":
        import lzma
        import shutil

        plain = out / pd.name.removesuffix(".xz")
        with lzma.open(pd, "rb") as f, open(plain, "wb") as g:
            shutil.copyfileobj(f, g)
        settings = [(label, name, [str(plain) if p == str(pd) else p for p in inputs])
                    for label, name, inputs in settings]
        runs = []
        for n in [int(p) for p in a.spark_partitions.split(",") if p] or [None]:
            engine = ["--engine", "spark", "--spark-master", a.spark_master]
            engine += ["--spark-partitions", str(n)] if n else []
            runs += [(f"{label}, Spark, {n or 'default'} part.", f"{name}_spark{n or ''}", inputs, engine)
                     for label, name, inputs in settings]
    rows, shown = [], False
    for label, name, inputs, engine in runs:
        prefix = out / name
        top, *row = learn_and_score(prefix, inputs, str(test), str(gold), str(words), ["--top", str(a.top), *engine])
        rows.append((label, *row))
        if name.startswith("pku_unsup") and not shown:  # (once)
            shown = True
            print(f"Top {a.top} words learned on pd199801 + PKU test (word, count):")
            print("  ".join(line.replace("\t", ":") for line in top.splitlines()))
            print()
    if a.engine == "spark":  # the same files as the local engine's, learning from the same (plain) files
        for label, name, inputs in settings:
            local = out / f"{name}_local"
            run_measured(["discover", *inputs, "-o", str(local), "-q", "-j", "2"])
            for _, spark_name, _, engine in runs:
                if spark_name.startswith(name + "_spark"):
                    same = all(Path(f"{out / spark_name}{ext}").read_bytes() == Path(f"{local}{ext}").read_bytes()
                               for ext in (".dict.txt", ".tsv", ".meta.json"))
                    print(f"{spark_name}: dict, tsv and meta byte-identical to the local engine's: {same}")
        print()
    print_rows(rows)
    if a.engine == "local" and not a.no_checks:
        checks(data, out, pd, test, gold, words, rows)
    if a.ablation:
        import discovery_trials

        cases = discovery_trials.settings(data)
        for name in ("pku", "small", "ud", "ud_pd"):
            if name in cases:  # (the UD settings need its data)
                discovery_trials.ingredients(*cases[name])
    print("\nReference F1 on PKU (published / measured elsewhere):")
    for label, f1 in REFERENCE:
        print(f"  {label:48} {f1:.3f}")
    print(f"\noutputs in {out}")


if __name__ == "__main__":
    main()
