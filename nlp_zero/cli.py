"""The ``nlp-zero`` command: parses arguments, calls the library, prints.

No algorithm lives here.  Each subcommand is a pair of functions registered
with :func:`command`: one adds its arguments, one runs it.  Errors the user
can fix (``NlpZeroError``) print one line and exit with status 2; Ctrl-C
exits with 130; nothing prints a traceback for those.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import os
import signal
import sys
from typing import Callable

from . import __version__
from .errors import NlpZeroError
from .progress import MODES as _PROGRESS_MODES
from .progress import Progress, count_from_process_start

log = logging.getLogger("nlp_zero")

# name -> (help, add_arguments, run)
_COMMANDS: dict[str, tuple[str, Callable, Callable]] = {}


def command(name: str, help: str):
    """Register ``run(args) -> int`` as subcommand ``name``; decorate the arguments function."""

    def register(add_arguments: Callable) -> Callable:
        def with_run(run: Callable) -> Callable:
            _COMMANDS[name] = (help, add_arguments, run)
            return run

        add_arguments.run = with_run
        return add_arguments

    return register


class UsageError(NlpZeroError):
    """A command line that cannot be carried out (exit status 2)."""


# --------------------------------------------------------------------------
# Shared options


def add_input_options(p: argparse.ArgumentParser, inputs: str = "+") -> None:
    p.add_argument("inputs", nargs=inputs, metavar="INPUT",
                   help="files, directories (recursive), globs, or - for stdin; .gz/.bz2/.xz read transparently")
    p.add_argument("--encoding", default="utf-8", help="text encoding of the inputs (default utf-8; e.g. gb18030, big5)")
    p.add_argument("--errors", default="strict", choices=("strict", "replace", "skip"),
                   help="undecodable input: stop with an error (strict), replace the bad bytes, or skip the line")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("-j", "--jobs", type=_positive_int, default=1, metavar="N", help="worker processes (default 1)")


def progress_mode(args: argparse.Namespace) -> str | None:
    """How progress goes to stderr: "tty" when it is a terminal or asked for, "jsonl" when asked for, or None."""
    if getattr(args, "quiet", False):
        return None
    mode = getattr(args, "progress", None)
    return mode or ("tty" if sys.stderr.isatty() else None)


def metered(args: argparse.Namespace, stage: str, corpus):
    """The corpus's lines, with a meter of the bytes read (stage ``stage``) when progress is shown."""
    mode = progress_mode(args)
    return Progress(stage, corpus, mode=mode).wrap(corpus) if mode else corpus


def _size(text: str) -> int:
    from .spill import MIN_MEMORY, parse_size

    try:
        value = parse_size(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if value < MIN_MEMORY:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_MEMORY >> 20}M, got {text!r}")
    return value


def add_memory_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-memory", type=_size, default=None, metavar="SIZE",
                   help="memory budget, e.g. 400M or 2G (default: an eighth of the RAM, between 256M and 1G); "
                        "the result does not depend on it")
    p.add_argument("--tmp-dir", metavar="DIR", help="where partial results are kept on disk "
                                                    "(default: the system's temp dir)")


def check_tmp_dir(args: argparse.Namespace) -> None:
    if args.tmp_dir is not None and not os.path.isdir(args.tmp_dir):
        raise UsageError(f"--tmp-dir {args.tmp_dir}: not a directory")


@contextlib.contextmanager
def work_area_errors(args: argparse.Namespace):
    """An OSError of the work area (a full disk, an unwritable --tmp-dir) is one line about it."""
    import tempfile

    from .errors import OutputError
    from .fileio import os_cause

    try:
        yield
    except OSError as e:
        raise OutputError(args.tmp_dir or tempfile.gettempdir(), os_cause(e)) from None


def open_inputs(args: argparse.Namespace):
    """The corpus lines named by ``args.inputs`` (a lazy iterator)."""
    from .corpus import Corpus

    return Corpus(args.inputs, encoding=args.encoding, errors=args.errors)


def check_outputs(*paths: str | None, prefix: bool = False) -> None:
    """Stop at once, before any work, when an output cannot be written (exit 2, one line); None: no output."""
    from .fileio import check_writable

    for path in paths:
        if path is not None:
            check_writable(path, prefix=prefix)


def say(args: argparse.Namespace, message: str) -> None:
    """A summary line for the user on stderr (silenced by -q)."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


# --------------------------------------------------------------------------
# count / merge-counts (streaming n-gram counting)


@command("count", help="count character n-grams of a corpus")
def _count_args(p: argparse.ArgumentParser) -> None:
    add_input_options(p)
    p.add_argument("-o", "--output", required=True, help="output counts file (- for stdout)")
    p.add_argument("-n", "--order", type=int, default=4, help="largest n-gram order (default 4)")
    p.add_argument("--min-count", type=int, default=2, help="drop n-grams seen fewer times (default 2)")
    add_memory_options(p)
    add_jobs_option(p)
    _add_engine_options(p)


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("local", "spark"), default="local",
                   help="local (default), or spark: run on Apache Spark (needs nlp-zero[spark] and Java 17+; "
                        "INPUT may then be any path Spark reads, hdfs:// or s3a:// included)")
    p.add_argument("--spark-master", metavar="URL", help="with --engine spark: the master "
                                                         "(default: that of spark-submit, else local[*])")
    p.add_argument("--spark-partitions", type=_positive_int, default=None, metavar="N",
                   help="with --engine spark: partitions of the shuffles (default: the cluster's parallelism)")


def _spark_lines(args: argparse.Namespace):
    """The Spark engine's input: the module, the lines read on the cluster (an RDD), the inputs' names."""
    if args.engine != "spark":
        raise UsageError("--spark-master and --spark-partitions need --engine spark")
    from . import spark

    spark.require()
    session = spark.session(args.spark_master)
    names = spark.input_names(args.inputs, session.sparkContext.master.startswith("local"))
    return spark, spark.read_text(session, names, args.encoding, args.errors), names


@_count_args.run
def _count(args: argparse.Namespace) -> int:
    from .counting import count_to_file

    check_outputs(args.output)
    check_tmp_dir(args)
    if args.engine == "spark" or args.spark_master or args.spark_partitions:
        if args.output == "-":
            raise UsageError("--engine spark writes a file: give -o PATH")
        spark, lines, _ = _spark_lines(args)
        with spark.errors_of(args.inputs):
            summary = spark.count_to_file(lines, args.output, order=args.order, min_count=args.min_count,
                                          partitions=args.spark_partitions)
    else:
        with work_area_errors(args):
            summary = count_to_file(metered(args, "counting", open_inputs(args)), args.output, order=args.order,
                                    min_count=args.min_count, max_memory=args.max_memory, jobs=args.jobs,
                                    tmp_dir=args.tmp_dir)
    say(args, f"{summary.chars:,} characters; "
        + ", ".join(f"{n:,} {k}-grams" for k, n in enumerate(summary.kept, 1))
        + f" -> {args.output}")
    return 0


@command("merge-counts", help="add up count files (e.g. counted on separate machines)")
def _merge_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("counts", nargs="+", metavar="COUNTS", help="count files written by 'nlp-zero count'")
    p.add_argument("-o", "--output", required=True, help="output counts file (- for stdout)")
    p.add_argument("--min-count", type=int, default=None,
                   help="prune the sum again at this count (default: the largest min_count of the inputs)")


@_merge_args.run
def _merge(args: argparse.Namespace) -> int:
    from .counting import NgramCounter

    check_outputs(args.output)
    total = NgramCounter.merge_files(args.counts, min_count=args.min_count)
    total.save(args.output)
    say(args, f"{len(args.counts)} files, {total.chars:,} characters -> {args.output}")
    return 0


# --------------------------------------------------------------------------
# demo (the README's main command)


@command("demo", help="run the whole pipeline on the bundled demo corpus (PRC statutes) and show the results")
def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--top", type=int, default=20, help="how many items of each kind to show (default 20)")


@_demo_args.run
def _demo(args: argparse.Namespace) -> int:
    from .corpus import Corpus, demo_path
    from .discovery import WordFinder
    from .parser import Parser
    from .templates import TemplateFinder
    from .text import from_readable
    from .tokenizer import Tokenizer

    corpus = Corpus(demo_path())
    print(f"Demo corpus: {demo_path()}\n(PRC statutes, outside copyright; see nlp_zero/data/README.md)\n")

    finder = WordFinder().train(corpus)
    lexicon = finder.find()
    stats = finder.stats
    print(f"1. Words learned from {stats.chars:,} characters: {stats.words:,} words; the corpus costs "
          f"{stats.bits_per_char_before:.2f} bits/char as single characters, "
          f"{stats.bits_per_char_after:.2f} with the words.")
    multi = [w for w in sorted(lexicon, key=lambda w: (-lexicon[w], w)) if len(from_readable(w)) > 1][: args.top]
    print("   most frequent words of two or more characters:")
    print("   " + "  ".join(f"{w}:{lexicon[w]}" for w in multi) + "\n")

    tokenizer = Tokenizer(lexicon)
    print("2. Segmentation with the learned lexicon:")
    for sentence in _DEMO_SENTENCES:
        print("   " + " / ".join(t for t in tokenizer.lcut(sentence) if not t.isspace()))
    print()

    templates = TemplateFinder(tokenizer.lcut).train(corpus).find()
    top = templates.most_common(args.top, trivial=False)
    print(f"3. Sentence templates: {len(templates):,} learned; the most frequent:")
    print("   " + "  ".join(f"{t}:{c}" for t, c in top) + "\n")

    tree = Parser(templates, tokenizer.lcut).parse(_DEMO_SENTENCES[0])
    print("4. Structure of the first sentence (nested templates):")
    print("   " + tree.bracket())
    print("\n".join("   " + line for line in tree.pretty().splitlines()))
    return 0


_DEMO_SENTENCES = (
    "当事人对人民法院的判决不服的，可以向上一级人民法院提起上诉。",
    "公司应当依法纳税，并接受政府及社会公众的监督。",
    "违反本法规定，构成犯罪的，依法追究刑事责任。",
)


# --------------------------------------------------------------------------
# cut (tokenizer: segment text with a lexicon)


@command("cut", help="segment text into words with a lexicon (unigram Viterbi); reads stdin when no INPUT is given")
def _cut_args(p: argparse.ArgumentParser) -> None:
    add_input_options(p, inputs="*")
    p.add_argument("-l", "--lexicon", required=True, action="append", metavar="LEXICON",
                   help="main dictionary, jieba format 'word [freq [tag]]' (e.g. written by 'nlp-zero discover'); "
                        ".gz/.bz2/.xz read transparently")
    p.add_argument("-u", "--user-dict", action="append", default=[], metavar="USER_DICT",
                   help="jieba user dictionary added to the main one, as jieba's load_userdict: lines "
                        "'word [freq] [tag]', a missing freq chosen to keep the word whole (repeatable, in order)")
    p.add_argument("--mode", default="default", choices=("default", "all", "search"),
                   help="default: the best segmentation; all: every dictionary word, overlapping (jieba's "
                        "cut_all); search: each word preceded by its dictionary words of 2 and 3 units "
                        "(jieba's cut_for_search)")
    p.add_argument("-d", "--delimiter", default="  ", metavar="DELIM",
                   help="text format: string between words (default two spaces, as SIGHAN gold files)")
    p.add_argument("--format", default="text", choices=("text", "jsonl"),
                   help="text: words joined by DELIM, one line per input line, whitespace left out; "
                        "jsonl: one JSON object per input line, {\"tokens\": [[word, start, end], ...]}, every token")
    p.add_argument("-o", "--output", default="-", help="output file (default - : stdout), written atomically")
    add_jobs_option(p)


@_cut_args.run
def _cut(args: argparse.Namespace) -> int:
    import gc

    from .fileio import atomic_write
    from .tokenizer import Tokenizer, as_json

    if len(args.lexicon) > 1:
        raise UsageError("give one main dictionary with -l; add user dictionaries with -u USER_DICT (repeatable)")
    check_outputs(args.output)
    if not args.inputs:
        args.inputs = ["-"]
    corpus = open_inputs(args)
    # A terminal or a pipe: each line is answered as soon as it is read.
    interactive = (args.inputs == ["-"] and args.output == "-" and args.jobs == 1 and _interactive_stdin()
                   and not corpus.encoding.lower().startswith(("utf-16", "utf-32")))
    mode = progress_mode(args)
    meter = Progress("loading", mode=mode) if mode else None
    # No cycle collection in this command: loading and cutting make no
    # reference cycles, and the collector would only walk the index again and
    # again (hundreds of thousands of containers).
    gc.disable()
    tokenizer = Tokenizer(args.lexicon[0], user_dicts=args.user_dict)
    if not interactive:
        tokenizer.initialize()  # the whole index at once costs less than unit by unit (Tokenizer.initialize)
    if meter:
        meter.update(final=True)
    # text: words joined by the delimiter; jsonl: as_json of every token
    fmt = {"format": as_json} if args.format == "jsonl" else {"delimiter": args.delimiter}
    lines = 0
    if interactive:
        for line in _stdin_lines(corpus.encoding, args.errors):
            print(next(tokenizer.cut_lines([line], mode=args.mode, **fmt)), flush=True)
            lines += 1
    else:
        source = metered(args, "cutting", corpus)
        with atomic_write(args.output) as out:
            for row in tokenizer.cut_lines(source, jobs=args.jobs, mode=args.mode, **fmt):
                out.write(row + "\n")
                lines += 1
    say(args, f"{lines:,} lines segmented with {args.lexicon[0]} -> {args.output}")
    return 0


def _interactive_stdin() -> bool:
    import stat

    return sys.stdin.isatty() or stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode)


def _stdin_lines(encoding: str, errors: str):
    """Lines of stdin as they come (no read-ahead), without their line ends; long lines in pieces of 1M bytes.

    An incremental decoder carries a character cut by a piece's end over to
    the next piece; a UTF-8 byte-order mark at the start is dropped (fileio's rule).
    """
    import codecs

    from .errors import InputError
    from .fileio import strip_bom

    decoder = codecs.getincrementaldecoder(encoding)("strict" if errors == "skip" else errors)
    read = sys.stdin.buffer.readline
    for lineno in itertools.count(1):
        raw = read(1 << 20)
        try:
            line = decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as e:
            if errors == "skip":
                decoder.reset()
                continue
            raise InputError("<stdin>", f"cannot decode as {encoding} (bytes {raw[e.start:e.start + 4].hex(' ')}); "
                             f"try --encoding (e.g. gb18030) or --errors replace/skip", lineno) from None
        if lineno == 1:
            line = strip_bom(line)
        if not raw:
            if line:
                yield line
            return
        if line.endswith("\n"):
            line = line[:-2] if line.endswith("\r\n") else line[:-1]
        yield line


# --------------------------------------------------------------------------
# templates / parse (docs/design.md §9)


@command("templates", help="learn sentence templates ([X]的[X], [X]可以[X]吗) from a corpus")
def _templates_args(p: argparse.ArgumentParser) -> None:
    add_input_options(p)
    p.add_argument("-l", "--lexicon", required=True, metavar="LEXICON",
                   help="jieba-format dictionary to tokenize with (e.g. written by 'nlp-zero discover')")
    p.add_argument("-o", "--output", required=True, metavar="PREFIX",
                   help="write PREFIX.templates.txt ('template<TAB>count') and PREFIX.templates.meta.json")
    p.add_argument("--window", type=int, default=5, help="largest distance of a skip-gram pair (default 5)")
    p.add_argument("--min-count", type=int, default=5, help="fewest occurrences of a pair or template (default 5)")
    p.add_argument("--min-pmi", type=float, default=1.0, help="least PMI of a strong pair, in nats (default 1)")
    p.add_argument("--max-literals", type=int, default=4, help="most words in a template (default 4)")
    p.add_argument("--top", type=int, default=30, help="non-trivial templates to show on stdout (default 30)")


@_templates_args.run
def _templates(args: argparse.Namespace) -> int:
    import json

    from . import __version__
    from .fileio import atomic_write
    from .templates import TemplateFinder
    from .tokenizer import Tokenizer

    if min(args.window, args.min_count, args.max_literals) < 1:
        raise UsageError("--window, --min-count and --max-literals must be at least 1")
    check_outputs(args.output, prefix=True)
    tokenizer = Tokenizer(args.lexicon)
    finder = TemplateFinder(tokenizer.lcut, window=args.window, min_count=args.min_count,
                            min_pmi=args.min_pmi, max_literals=args.max_literals)
    say(args, "counting words and skip-gram pairs")
    finder.train(metered(args, "reading", open_inputs(args)))
    if not finder.tokens:
        from .errors import InputError

        raise InputError(", ".join(args.inputs), "no words to learn templates from")
    say(args, "counting candidate templates")
    templates = finder.find()
    out = args.output + ".templates.txt"
    templates.save(out)
    meta = {"version": __version__, "inputs": args.inputs, "lexicon": args.lexicon,
            "parameters": {"window": args.window, "min_count": args.min_count, "min_pmi": args.min_pmi,
                           "max_literals": args.max_literals},
            "tokens": finder.tokens, "pieces": finder.pieces, "words": len(finder.words),
            "pairs": len(finder.pairs), "pairs_discarded": finder.pairs.discarded,
            "templates": len(templates), "entropy_nats": round(templates.entropy, 6)}
    with atomic_write(args.output + ".templates.meta.json") as f:
        f.write(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    trivial = sum(1 for t in templates.counts if t.trivial)
    print(f"{finder.tokens:,} tokens in {finder.pieces:,} sentences; {len(templates):,} templates "
          f"({trivial:,} one-word) -> {out}")
    if args.top:
        print("the most frequent, each construction by its general form ('|' between two touching words):")
    for t, c in templates.most_common(args.top, trivial=False, specific=False):
        print(f"{c:>8}  {t}")
    return 0


@command("parse", help="parse sentences into nested templates")
def _parse_args(p: argparse.ArgumentParser) -> None:
    add_input_options(p, inputs="*")
    p.add_argument("-l", "--lexicon", required=True, metavar="LEXICON", help="jieba-format dictionary to tokenize with")
    p.add_argument("-t", "--templates", required=True, metavar="TEMPLATES",
                   help="templates file written by 'nlp-zero templates'")
    p.add_argument("--format", default="tree", choices=("tree", "json", "bracket"),
                   help="tree: indented tree, blank line between sentences; json: one JSON object a line, "
                        "each node with character offsets (start, end) and its words; "
                        "bracket: (苹果)的(颜色)是(什么)呢, one line each")
    p.add_argument("-o", "--output", default="-", help="output file (default - : stdout), written atomically")


@_parse_args.run
def _parse(args: argparse.Namespace) -> int:
    from .fileio import atomic_write
    from .parser import Parser
    from .templates import TemplateSet
    from .tokenizer import Tokenizer

    check_outputs(args.output)
    if not args.inputs:
        args.inputs = ["-"]
    parser = Parser(TemplateSet.load(args.templates), Tokenizer(args.lexicon).lcut)
    render = {"tree": lambda t: t.pretty() + "\n", "json": lambda t: t.to_json(), "bracket": lambda t: t.bracket()}
    show = render[args.format]
    lines = 0
    with atomic_write(args.output) as out:
        for line in metered(args, "parsing", open_inputs(args)):
            out.write(show(parser.parse(line)) + "\n")
            lines += 1
    say(args, f"{lines:,} lines parsed with {args.templates} -> {args.output}")
    return 0


# --------------------------------------------------------------------------
# discover / eval (word discovery and segmentation scoring, docs/design.md §5, §11)


@command("discover", help="learn a lexicon from raw text (minimum-entropy word discovery)")
def _discover_args(p: argparse.ArgumentParser) -> None:
    add_input_options(p, inputs="*")
    p.add_argument("-o", "--output", metavar="PREFIX",
                   help="writes PREFIX.dict.txt (jieba format), PREFIX.tsv (all scores), PREFIX.meta.json "
                        "(may be left out with --save-state: then only the state is saved)")
    p.add_argument("-n", "--order", type=int, default=4, help="longest word, in characters (default 4)")
    p.add_argument("--no-split", action="store_true",
                   help="leave out the bigram split, discovery's last stage (docs/design.md §5.9)")
    p.add_argument("--load-state", action="append", default=[], metavar="STATE",
                   help="add a learner state saved with --save-state (repeatable: merges shards)")
    p.add_argument("--save-state", metavar="STATE", help="also save the learner state (to merge with other shards later)")
    add_memory_options(p)
    add_jobs_option(p)
    p.add_argument("--top", type=int, default=0, metavar="N", help="print the N most frequent words found")
    _add_engine_options(p)


def _sha256(path: str) -> str | None:
    import hashlib

    if path == "-":
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@_discover_args.run
def _discover(args: argparse.Namespace) -> int:
    from .errors import InputError

    if not args.inputs and not args.load_state:
        raise UsageError("give INPUT files (or - for stdin) or --load-state")
    if not args.output and not args.save_state:
        raise UsageError("give -o PREFIX (or --save-state STATE to save the learner state only)")
    check_tmp_dir(args)
    check_outputs(args.output, prefix=True)
    check_outputs(args.save_state)
    if args.engine == "spark" or args.spark_master or args.spark_partitions:
        return _discover_spark(args)
    finder, inputs = _discover_state(args)
    names = ", ".join(args.inputs + args.load_state)
    if not finder:
        raise InputError(names, "no text to learn from (empty input)")
    if not args.output:  # a shard: the state is the result
        finder.save(args.save_state)
        say(args, f"{finder.chars:,} characters in {finder.distinct_chunks():,} distinct chunks; "
            f"state saved to {args.save_state}")
        return 0
    mode = progress_mode(args)
    meter = Progress("learning", mode=mode).step if mode else None
    with work_area_errors(args):  # (outside: a full work area is about the work area, not the inputs)
        try:
            lexicon = finder.find(jobs=args.jobs, progress=meter)
        except NlpZeroError as e:
            raise InputError(names, str(e)) from None
    if args.save_state:
        finder.save(args.save_state)
    _write_lexicon(args, lexicon, finder, inputs)
    return 0


def _discover_spark(args: argparse.Namespace) -> int:
    """``discover --engine spark``: learn on Spark, write the same files on the driver (the dict and TSV
    streamed, sorted, from the executors: the driver never holds the lexicon)."""
    import json

    from .discovery import WordFinder
    from .errors import InputError
    from .fileio import atomic_write

    if not args.inputs:
        raise UsageError("--engine spark learns from INPUT paths (not --load-state)")
    if args.load_state or args.save_state:
        raise UsageError("--load-state and --save-state work with --engine local only")
    spark, lines, names = _spark_lines(args)
    inputs = [{"name": path, "sha256": _sha256(path) if os.path.isfile(path) else None} for path in names]
    try:
        with spark.errors_of(args.inputs):
            stats, top = spark.discover_to_files(lines, args.output, order=args.order,
                                                 partitions=args.spark_partitions, top=args.top,
                                                 split=not args.no_split)
    except InputError:
        raise
    except NlpZeroError as e:  # no text to learn from
        raise InputError(", ".join(args.inputs), str(e)) from None
    finder = WordFinder(order=args.order, split=not args.no_split)  # (what the run record is written from)
    finder.stats = stats
    with atomic_write(args.output + ".meta.json") as f:  # last: it marks a complete result
        f.write(json.dumps(finder.record(inputs), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    for word, count in top:
        print(f"{word}\t{count}")
    say(args, f"{stats.chars:,} characters -> {stats.words:,} words; "
        f"{stats.bits_per_char_before:.3f} -> {stats.bits_per_char_after:.3f} bits/char; "
        f"{args.output}.dict.txt, .tsv, .meta.json")
    return 0


def _write_lexicon(args: argparse.Namespace, lexicon, finder, inputs: list[dict]) -> None:
    """Write PREFIX.dict.txt, .tsv and .meta.json (the meta file last: it marks a complete result)."""
    import json

    from .fileio import atomic_write

    # Written last to first: the meta file marks a complete result.
    lexicon.save(args.output + ".dict.txt")
    lexicon.save_tsv(args.output + ".tsv")
    with atomic_write(args.output + ".meta.json") as f:
        f.write(json.dumps(finder.record(inputs), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    for word in list(lexicon)[: args.top]:
        print(f"{word}\t{lexicon[word]}")
    st = finder.stats
    say(args, f"{st.chars:,} characters -> {st.words:,} words; "
        f"{st.bits_per_char_before:.3f} -> {st.bits_per_char_after:.3f} bits/char; "
        f"{args.output}.dict.txt, .tsv, .meta.json")


def _discover_state(args: argparse.Namespace):
    """The learner with every --load-state and input added, and the inputs' records for the meta file."""
    from .discovery import WordFinder

    finder = WordFinder(order=args.order, max_memory=args.max_memory, tmp_dir=args.tmp_dir,
                        split=not args.no_split)
    inputs = []
    with work_area_errors(args):
        for state in args.load_state:
            finder.merge(state)
            inputs.append({"state": state, "sha256": _sha256(state)})
        if args.inputs:
            corpus = open_inputs(args)
            finder.train(metered(args, "reading", corpus))
            inputs.extend({"name": path, "sha256": _sha256(path)} for path in corpus.paths)
    return finder, inputs


@command("eval", help="score a segmentation against a gold one (bakeoff word P/R/F1, OOV recall)")
def _eval_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("gold", metavar="GOLD", help="gold segmentation: words separated by spaces, one sentence a line")
    p.add_argument("pred", metavar="PRED", help="segmentation to score, same lines and text")
    p.add_argument("--words", metavar="TRAINING_WORDS", help="training vocabulary, one word a line, for OOV recall")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")


@_eval_args.run
def _eval(args: argparse.Namespace) -> int:
    import json

    from .evaluation import evaluate_files

    score = evaluate_files(args.gold, args.pred, args.words)
    if args.json:
        print(json.dumps(score.as_dict(), sort_keys=True))
    else:
        print(score.table())
    return 0


# --------------------------------------------------------------------------
# report (one self-contained HTML page about a lexicon)


@command("report", help="an HTML report of a lexicon: summary, charts, a searchable table, words in context")
def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("prefix", metavar="PREFIX",
                   help="reads PREFIX.dict.txt, and PREFIX.tsv, .meta.json, .templates.txt when they exist")
    p.add_argument("--corpus", nargs="+", metavar="INPUT",
                   help="text to show the top words in context and template examples from (files, dirs, globs, -)")
    p.add_argument("--encoding", default="utf-8", help="text encoding of the corpus (default utf-8)")
    p.add_argument("--errors", default="strict", choices=("strict", "replace", "skip"),
                   help="undecodable corpus text: stop (strict), replace the bad bytes, or skip the line")
    p.add_argument("--reference", metavar="DICT", help="mark the words this dictionary lacks as new")
    p.add_argument("-o", "--output", metavar="HTML", help="the page (default PREFIX.report.html), written atomically")
    p.add_argument("--top", type=_positive_int, default=30, metavar="N", help="words shown in context (default 30)")
    p.add_argument("--contexts", type=_positive_int, default=3, metavar="K", help="contexts per word (default 3)")
    p.add_argument("--max-chars", type=_positive_int, default=2_000_000, metavar="C",
                   help="read at most about C characters of the corpus (default 2,000,000)")


@_report_args.run
def _report(args: argparse.Namespace) -> int:
    from .lexicon import Lexicon
    from .report import gather, save_report

    output = args.output or args.prefix + ".report.html"
    check_outputs(output)
    reference = Lexicon.load(args.reference) if args.reference else None
    corpus = None
    if args.corpus:
        from .corpus import Corpus

        corpus = Corpus(args.corpus, encoding=args.encoding, errors=args.errors)
    data = gather(args.prefix, corpus, reference, args.reference, top=args.top, contexts=args.contexts,
                  max_chars=args.max_chars)
    size = save_report(output, data)
    say(args, f"{len(data.lexicon):,} words, {len(data.contexts):,} in context, {len(data.templates):,} templates "
        f"-> {output} ({size / 1e6:.1f} MB)")
    return 0


# --------------------------------------------------------------------------
# lexicon diff / merge / filter / rescale (files in, a file out, same formats)


def _lexicon_file_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output lexicon, written atomically: OUT.tsv keeps every score, any other name is "
                        "jieba's format 'word freq [tag]' (- for stdout)")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no summary on stderr")


@command("lexicon", help="lexicon files: new words against a reference, merge, filter, rescale counts")
def _lexicon_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="operation", metavar="OPERATION")
    sub.required = True
    files = "lexicon file: jieba's format, or a .tsv written by 'nlp-zero discover' (with the scores)"
    d = sub.add_parser("diff", help="the words of NEW that REF lacks (new words only)")
    d.add_argument("new", metavar="NEW", help=files)
    d.add_argument("reference", metavar="REF", help="reference dictionary (jieba's format, or a word a line)")
    m = sub.add_parser("merge", help="add lexicons up (counts summed; scores and tags of earlier files win)")
    m.add_argument("inputs", nargs="+", metavar="LEXICON", help=files)
    f = sub.add_parser("filter", help="keep the words that pass every bound given")
    f.add_argument("input", metavar="LEXICON", help=files)
    f.add_argument("--min-count", type=int, metavar="N", help="at least N occurrences")
    f.add_argument("--min-score", type=float, metavar="X", help="score at least X (needs a .tsv input)")
    f.add_argument("--score", default="score", metavar="NAME",
                   help="the score --min-score reads: a TSV column (default score; also cohesion, nvbe, pmi)")
    f.add_argument("--min-len", type=int, metavar="L", help="at least L characters (a <NUM>/<LAT> run counts one)")
    f.add_argument("--max-len", type=int, metavar="L", help="at most L characters")
    r = sub.add_parser("rescale", help="scale the counts to a reference dictionary's total (probabilities kept)")
    r.add_argument("input", metavar="LEXICON", help=files)
    r.add_argument("--like", required=True, metavar="REF", help="reference dictionary whose total the counts take")
    for q in (d, m, f, r):
        _lexicon_file_args(q)


@_lexicon_args.run
def _lexicon(args: argparse.Namespace) -> int:
    from .lexicon import Lexicon, load_lexicon, save_lexicon

    op = args.operation
    if op == "filter":
        for name in ("min_count", "min_len", "max_len"):
            value = getattr(args, name)
            if value is not None and value < (1 if name != "min_count" else 0):
                raise UsageError(f"--{name.replace('_', '-')} must be at least {1 if name != 'min_count' else 0}, "
                                 f"got {value}")
    check_outputs(args.output)
    if op == "diff":
        new = load_lexicon(args.new)
        result = new.diff(Lexicon.load(args.reference))
        what = f"{len(result):,} of {len(new):,} words are not in {args.reference}"
    elif op == "merge":
        lexicons = [load_lexicon(path) for path in args.inputs]
        result = sum(lexicons[1:], lexicons[0])
        what = f"{len(args.inputs)} lexicons, {len(result):,} words"
    elif op == "filter":
        lexicon = load_lexicon(args.input)
        if args.min_score is not None and not any(args.score in row for row in lexicon.scores.values()):
            raise UsageError(f"{args.input}: no score named {args.score!r} "
                             "(--min-score reads the .tsv written by 'nlp-zero discover')")
        result = lexicon.filter(min_count=args.min_count, min_score=args.min_score, score=args.score,
                                min_len=args.min_len, max_len=args.max_len)
        what = f"{len(result):,} of {len(lexicon):,} words kept"
    else:
        lexicon = load_lexicon(args.input)
        reference = Lexicon.load(args.like)
        result = lexicon.rescale(reference.total)
        what = f"counts scaled from a total of {lexicon.total:,} to {result.total:,} ({args.like}: {reference.total:,})"
    save_lexicon(result, args.output)
    say(args, f"{what} -> {args.output}")
    return 0


# --------------------------------------------------------------------------
# export (a lexicon as HF tokenizers / sentencepiece files)


@command("export", help="export a lexicon for HF tokenizers (tokenizer.json) or sentencepiece (.model, .vocab)")
def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("prefix", metavar="PREFIX", help="reads PREFIX.dict.txt (as written by 'nlp-zero discover')")
    p.add_argument("--to", required=True, choices=("hf-tokenizers", "sentencepiece"),
                   help="hf-tokenizers: OUT.tokenizer.json; sentencepiece: OUT.model and OUT.vocab")
    p.add_argument("-o", "--output", metavar="OUT", help="output prefix (default: PREFIX)")


@_export_args.run
def _export(args: argparse.Namespace) -> int:
    from .export import save_hf_tokenizer, save_sentencepiece
    from .lexicon import Lexicon

    out = args.output or args.prefix
    paths = [out + ".tokenizer.json"] if args.to == "hf-tokenizers" else [out + ".model", out + ".vocab"]
    check_outputs(*paths)
    lexicon = Lexicon.load(args.prefix + ".dict.txt")
    save = save_hf_tokenizer if args.to == "hf-tokenizers" else save_sentencepiece
    vocab = save(lexicon, paths[0] if args.to == "hf-tokenizers" else out)
    left = ", ".join(f"{n:,} {why}" for why, n in vocab.left_out.items()) or "none"
    say(args, f"{len(lexicon):,} words -> {len(vocab.pieces):,} words and characters (words left out: {left}) -> "
        + ", ".join(paths))
    return 0


# --------------------------------------------------------------------------
# Entry point


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nlp-zero",
        description="Learn Chinese words, templates and structure from raw text (minimum-entropy principle).",
    )
    parser.add_argument("--version", action="version", version=f"nlp-zero {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (help_text, add_arguments, _) in _COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
        p.add_argument("-q", "--quiet", action="store_true", help="no summary or progress on stderr")
        p.add_argument("-v", "--verbose", action="store_true", help="log what happens on stderr")
        p.add_argument("--progress", dest="progress", action="store_const", const="tty",
                       help="show progress on stderr even when it is not a terminal; --progress jsonl: "
                            "one JSON object a line (stage, bytes, total_bytes, rate, eta, ...) for pipelines")
        p.add_argument("--progress-mode", dest="progress", choices=_PROGRESS_MODES, help=argparse.SUPPRESS)
    return parser


def _progress_words(argv: list[str]) -> list[str]:
    """``--progress jsonl`` and ``--progress=jsonl`` as ``--progress-mode=jsonl``.

    A bare ``--progress`` stays a flag, so that ``--progress corpus.txt``
    still reads corpus.txt.
    """
    out = list(argv)
    i = 0
    while i < len(out) and out[i] != "--":
        if out[i].startswith("--progress="):
            out[i] = "--progress-mode=" + out[i].partition("=")[2]
        elif out[i] == "--progress" and i + 1 < len(out) and out[i + 1] in _PROGRESS_MODES:
            out[i:i + 2] = ["--progress-mode=" + out[i + 1]]
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    try:  # everything, start-up included: Ctrl-C may come at any moment
        argv = _progress_words(sys.argv[1:] if argv is None else list(argv))
        args = build_parser().parse_args(argv)
        count_from_process_start()
        if args.verbose:
            logging.basicConfig(level=logging.INFO, format="nlp-zero: %(message)s")
        elif not args.quiet:  # warnings (e.g. lines left out by --errors skip) reach the user
            logging.basicConfig(level=logging.WARNING, format="nlp-zero: warning: %(message)s")
        _, _, run = _COMMANDS[args.command]
        return run(args)
    except NlpZeroError as e:
        print(f"nlp-zero: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nlp-zero: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our stdout went away (e.g. `| head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as e:
        # The system refused (disk full, I/O error, ...): one line, not a traceback.
        where = f"{e.filename}: " if e.filename else ""
        print(f"nlp-zero: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2


_MAIN_PID = 0  # the process that runs the command (set by console_main)


def _terminate(signum, frame):
    if os.getpid() != _MAIN_PID:
        # A forked child that has not (yet) set pool.worker_init's policy inherits this
        # handler.  Ctrl-C reaches the whole process group: the main process handles it
        # and ends the workers, so a child ignores it; SIGTERM ends it quietly.
        if signum == signal.SIGINT:
            return
        raise SystemExit(128 + signum)
    raise KeyboardInterrupt


def console_main() -> None:
    """Entry point of the console script."""
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    # SIGTERM is handled like Ctrl-C so that atomic writers clean up; both are
    # handled here so that forked workers exit without tracebacks.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    sys.exit(main())
