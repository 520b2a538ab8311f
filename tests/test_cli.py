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
