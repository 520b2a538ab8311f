"""Word discovery on the SIGHAN 2005 PKU test set, the PKU-unsupervised protocol (docs/design.md §11).

    python benchmarks/sighan.py [--data ../shared/data] [--out DIR]
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
figures beside published reference points.  With ``--engine spark`` the
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
        top, wall, rss = run_measured(["discover", *inputs, "-o", str(prefix), "-q", "--top", str(a.top), *engine])
        _, cut_wall, _ = run_measured(["cut", str(test), "-l", f"{prefix}.dict.txt", "-d", " ",
                                       "-o", f"{prefix}.pred.txt", "-q"])
        figures, _, _ = run_measured(["eval", str(gold), f"{prefix}.pred.txt", "--words", str(words), "--json"])
        score = json.loads(figures)
        meta = json.loads(Path(f"{prefix}.meta.json").read_text(encoding="utf-8"))
        rows.append((label, meta, score, wall, rss, cut_wall))
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
    print(f"{'setting':38} {'chars':>9} {'words':>7} {'bits/char':>13} {'P':>6} {'R':>6} {'F1':>6} "
          f"{'OOV-R':>6} {'learn s':>8} {'RSS MB':>7}")
    for label, meta, s, wall, rss, _ in rows:
        bits = f"{meta['bits_per_char_before']:.2f}->{meta['bits_per_char_after']:.2f}"
        print(f"{label:38} {meta['chars']:>9,} {meta['words']:>7,} {bits:>13} {s['precision']:>6.3f} "
              f"{s['recall']:>6.3f} {s['f1']:>6.3f} {s['oov_recall']:>6.3f} {wall:>8.1f} {rss:>7.0f}")
    print("\nReference F1 on PKU (published / measured elsewhere):")
    for label, f1 in REFERENCE:
        print(f"  {label:48} {f1:.3f}")
    print(f"\noutputs in {out}")


if __name__ == "__main__":
    main()
