"""The ``nlp-zero`` command: parses arguments, calls the library, prints.

No algorithm lives here.  Each subcommand is a pair of functions registered
with :func:`command`: one adds its arguments, one runs it.  Errors the user
can fix (``NlpZeroError``) print one line and exit with status 2; Ctrl-C
exits with 130; nothing prints a traceback for those.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Callable

from . import __version__
from .errors import NlpZeroError

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


def add_jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes (default 1)")


def progress_enabled(args: argparse.Namespace) -> bool:
    """Progress goes to stderr when it is a terminal, or when asked for."""
    if getattr(args, "quiet", False):
        return False
    return bool(getattr(args, "progress", False)) or sys.stderr.isatty()


def open_inputs(args: argparse.Namespace):
    """The corpus lines named by ``args.inputs`` (a lazy iterator)."""
    from .corpus import Corpus

    return Corpus(args.inputs, encoding=args.encoding, errors=args.errors)


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
    add_jobs_option(p)


@_count_args.run
def _count(args: argparse.Namespace) -> int:
    from .counting import NgramCounter

    counter = NgramCounter(order=args.order, min_count=args.min_count)
    counter.count(open_inputs(args), jobs=args.jobs, progress=progress_enabled(args))
    counter.save(args.output)
    say(args, f"{counter.chars:,} characters; "
        + ", ".join(f"{len(counter.ngrams(k)):,} {k}-grams" for k in range(1, counter.order + 1))
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
    from .counting import NgramCounter
    from .text import readable

    corpus = Corpus(demo_path())
    print(f"Demo corpus: {demo_path()} (PRC statutes, see nlp_zero/data/README.md)")
    counter = NgramCounter(order=4, min_count=2).count(corpus, progress=progress_enabled(args))
    print(f"{counter.chars:,} characters in {counter.lines:,} lines")
    for k in range(2, counter.order + 1):
        top = counter.most_common(args.top, order=k)
        print(f"most frequent {k}-grams: " + "  ".join(f"{readable(g)}:{c}" for g, c in top))
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
        p.add_argument("--progress", action="store_true", help="show progress on stderr even when it is not a terminal")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="nlp-zero: %(message)s")
    _, _, run = _COMMANDS[args.command]
    try:
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


def _terminate(signum, frame):
    raise KeyboardInterrupt


def console_main() -> None:
    """Entry point of the console script."""
    # SIGTERM is handled like Ctrl-C so that atomic writers clean up.
    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(main())
