"""The command line as a whole: version, help, usage errors, the demo."""

from nlp_zero import __version__


def test_version(cli):
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"nlp-zero {__version__}"


def test_usage_error_exits_2_without_traceback(cli):
    r = cli("count")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = cli("no-such-command")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_unknown_encoding_is_one_line(cli, tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("好", encoding="utf-8")
    r = cli("count", str(p), "-o", str(tmp_path / "o"), "--encoding", "klingon")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "klingon" in r.stderr


def test_demo_runs(cli):
    r = cli("demo", "--top", "3")
    assert r.returncode == 0, r.stderr
    assert "人民法院" in r.stdout


def test_interrupt_during_start_up_is_exit_130(monkeypatch, capsys):
    from nlp_zero import cli as cli_module

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "build_parser", interrupted)
    assert cli_module.main(["count", "x", "-o", "y"]) == 130
    assert capsys.readouterr().err == "nlp-zero: interrupted\n"


def test_templates_and_parse_show_progress(tmp_path, cli):
    import json

    from nlp_zero import Corpus, Lexicon
    from nlp_zero.corpus import demo_path

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(list(Corpus(demo_path()))[:200]) + "\n", encoding="utf-8")
    Lexicon({"人民法院": 5, "当事人": 4, "应当": 6}).save(str(tmp_path / "l.dict"))
    r = cli("templates", str(corpus), "-l", str(tmp_path / "l.dict"), "-o", str(tmp_path / "t"), "--progress", "jsonl")
    assert r.returncode == 0, r.stderr
    r2 = cli("parse", str(corpus), "-l", str(tmp_path / "l.dict"), "-t", str(tmp_path / "t.templates.txt"),
             "-o", str(tmp_path / "p.txt"), "--progress", "jsonl")
    assert r2.returncode == 0, r2.stderr
    for proc, stage in ((r, "reading"), (r2, "parsing")):
        events = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
        assert events and events[-1]["stage"] == stage and events[-1]["final"]
        assert events[-1]["bytes"] == corpus.stat().st_size
