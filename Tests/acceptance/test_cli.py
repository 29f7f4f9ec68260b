"""Command-line rough edges (issue 12 item 4): an unknown option is named; a bad value names its
option and shows the usage of the subcommand that was run (exit 64); report and trend accept
only the state's --tz and say why; the summary's columns stay aligned for long model names."""
import json
import re
import subprocess

from test_incremental import BIN, PRICES, kong_record, write_lines


def fl(tmp, *args):
    return subprocess.run([BIN, *args], cwd=tmp, capture_output=True, text=True, timeout=120)


def usage_error(p, option, sub):
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert option in p.stderr, p.stderr
    assert "Usage: factorylog %s " % sub in p.stderr, p.stderr
    assert "Usage: factorylog <subcommand>" not in p.stderr


def test_bad_options_and_values_name_the_option_and_show_the_subcommand_usage(tmp_path):
    write_lines(tmp_path / "logs" / "a.jsonl", [kong_record(0)])
    usage_error(fl(tmp_path, "run", "logs", "--bogus"), "'--bogus'", "run")
    usage_error(fl(tmp_path, "run", "logs", "--dedup-days", "-3"), "--dedup-days must be 0 or more (got -3)", "run")
    usage_error(fl(tmp_path, "run", "logs", "--jobs", "0"), "--jobs", "run")
    usage_error(fl(tmp_path, "run", "logs", "--tz", "Mars/Base"), "--tz: unknown time zone 'Mars/Base'", "run")
    usage_error(fl(tmp_path, "run", "logs", "--prices", "missing.json"), "--prices 'missing.json'", "run")
    usage_error(fl(tmp_path, "run", "logs", "--model-aliases", "missing.json"), "--model-aliases 'missing.json'", "run")
    usage_error(fl(tmp_path, "prices", "gpt-4o", "--prices", "missing.json"), "--prices 'missing.json'", "prices")
    usage_error(fl(tmp_path, "inspect", "logs/a.jsonl", "-n", "-2"), "-n/--events must be 0 or more", "inspect")
    # nothing was written by the refused runs
    assert not (tmp_path / "factorylog-out").exists()


def test_report_and_trend_take_only_the_states_time_zone(tmp_path):
    write_lines(tmp_path / "logs" / "a.jsonl", [kong_record(0)])
    assert fl(tmp_path, "run", "logs", "--state", "s.sqlite", "--out", "out", "--tz", "Europe/Berlin", "--quiet",
              "--prices", PRICES, "--no-bundled-prices").returncode == 0
    # the state's own zone: fine
    assert fl(tmp_path, "trend", "--state", "s.sqlite", "--tz", "Europe/Berlin").returncode == 0
    assert fl(tmp_path, "report", "--state", "s.sqlite", "--out", "out", "--tz", "Europe/Berlin", "--quiet").returncode == 0
    # another zone: refused (exit 2), saying that re-bucketing needs the events and how to get them
    for cmd in (["trend"], ["report", "--out", "out2"]):
        p = fl(tmp_path, *cmd, "--state", "s.sqlite", "--tz", "UTC")
        assert p.returncode == 2, p.stderr
        assert "has its days in --tz Europe/Berlin" in p.stderr and "needs the events" in p.stderr
        assert "factorylog run LOGS --tz UTC" in p.stderr
    assert not (tmp_path / "out2").exists()
    # an unknown zone: a usage error of that subcommand
    usage_error(fl(tmp_path, "trend", "--state", "s.sqlite", "--tz", "Nowhere/X"), "--tz: unknown time zone", "trend")


def test_summary_columns_stay_aligned_for_long_model_names(tmp_path):
    long_name = "us.anthropic.claude-sonnet-4-5-20250929-v1:0-with-a-very-long-deployment-suffix"
    recs = []
    for i, model in enumerate(["gpt-4o", long_name]):
        r = json.loads(kong_record(i))
        r["ai"]["proxy"]["meta"]["response_model"] = r["ai"]["proxy"]["meta"]["request_model"] = model
        recs.append(json.dumps(r))
    write_lines(tmp_path / "logs" / "a.jsonl", recs)
    p = fl(tmp_path, "run", "logs", "--state", "s.sqlite", "--out", "out", "--prices", PRICES, "--no-bundled-prices")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    top = lines[lines.index("top models by cost:") + 1:lines.index("top models by cost:") + 3]
    slow = lines[lines.index("p95 latency (slowest):") + 1:lines.index("p95 latency (slowest):") + 3]
    # the numbers end at the same offset on every line of a list (a long name widens the name
    # column instead of pushing its own line's numbers out)
    assert len({re.search(r"\$ *[0-9.]+", l).end() for l in top}) == 1, top
    assert len({re.search(r"[0-9]+ ms", l).end() for l in slow}) == 1, slow
    assert any(long_name in l for l in top)
