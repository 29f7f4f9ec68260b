"""Nightly incremental runs against the built binary (issue: SQLite state, idempotent re-runs).

Each test works in its own temporary folder with Kong AI Gateway file-log records (one gpt-4o call
each: 2 000 prompt + 500 completion tokens = 2 000·$2.50 + 500·$10 per Mtok = $0.01, priced with the
cases' prices.json) and reads the Parquet outputs back with pyarrow.
"""
import gzip
import json
import os
import pathlib
import signal
import subprocess
import time

import pyarrow.parquet as pq
import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = os.path.abspath(os.environ.get("FACTORYLOG_BIN", str(ROOT / ".build" / "debug" / "factorylog")))
PRICES = str(HERE / "cases" / "prices.json")


def kong_record(i, day="2026-06-03", hour=12):
    import datetime as dt
    t = dt.datetime.fromisoformat("%sT%02d:00:00+00:00" % (day, hour)) + dt.timedelta(seconds=i)
    return json.dumps({
        "workspace_name": "default", "source": "upstream", "upstream_status": 200, "started_at": int(t.timestamp() * 1000),
        "request": {"id": "%032x" % (i + 1)}, "response": {"status": 200},
        "latencies": {"kong": 1, "proxy": 900, "request": 901, "receive": 0},
        "consumer": {"id": "c1", "username": "billing-svc"},
        "ai": {"proxy": {"meta": {"provider_name": "openai", "request_model": "gpt-4o", "response_model": "gpt-4o",
                                  "operation_name": "chat"},
                         "usage": {"prompt_tokens": 2000, "completion_tokens": 500, "total_tokens": 2500, "cost": 0.01}}}},
        separators=(",", ":"))


def run(tmp, *inputs, extra=()):
    cmd = [BIN, "run", *inputs, "--out", str(tmp / "out"), "--state", str(tmp / "state.sqlite"), "--prices", PRICES, "--no-bundled-prices",
           "--tz", "UTC", "--quiet", *extra]
    p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def table(tmp, name):
    return pq.read_table(tmp / "out" / (name + ".parquet")).to_pylist()


def totals(tmp):
    rows = table(tmp, "usage_daily")
    return (sum(r["requests"] for r in rows), sum(r["input_tokens"] for r in rows), round(sum(r["cost_usd"] for r in rows), 9))


def write_lines(path, lines, mode="w"):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, mode) as f:
        for l in lines:
            f.write(l + "\n")


def test_run_twice_changes_nothing(tmp_path):
    write_lines(tmp_path / "logs" / "access.jsonl", [kong_record(i) for i in range(3)])
    run(tmp_path, "logs")
    first = {n: table(tmp_path, n) for n in ("usage_daily", "latency_daily", "cost_weekly")}
    run(tmp_path, "logs")
    for n, rows in first.items():
        assert table(tmp_path, n) == rows, n
    # 3 records · $0.01
    assert totals(tmp_path) == (3, 6000, 0.03)
    ingest = table(tmp_path, "ingest_files")
    assert [r["status"] for r in ingest] == ["skipped"]
    assert ingest[0]["lines"] == 3


def test_append_counts_only_new_lines(tmp_path):
    log = tmp_path / "logs" / "access.jsonl"
    write_lines(log, [kong_record(i) for i in range(3)])
    run(tmp_path, "logs")
    write_lines(log, [kong_record(i) for i in range(3, 5)], mode="a")
    run(tmp_path, "logs")
    # 5 records · $0.01 (re-reading the old lines would give 8 / $0.08)
    assert totals(tmp_path) == (5, 10000, 0.05)
    assert table(tmp_path, "ingest_files")[0]["lines"] == 5


def test_unterminated_last_line_is_read_whole_next_night(tmp_path):
    log = tmp_path / "logs" / "access.jsonl"
    log.parent.mkdir(parents=True)
    whole = kong_record(2)
    with open(log, "w") as f:
        f.write(kong_record(0) + "\n" + kong_record(1) + "\n" + whole[:40])  # a writer still busy with line 3
    run(tmp_path, "logs")
    assert totals(tmp_path)[0] == 2
    with open(log, "a") as f:
        f.write(whole[40:] + "\n")
    run(tmp_path, "logs")
    assert totals(tmp_path) == (3, 6000, 0.03)


def test_rewrite_replaces_old_contribution(tmp_path):
    log = tmp_path / "logs" / "access.jsonl"
    write_lines(log, [kong_record(i) for i in range(4)])
    run(tmp_path, "logs")
    time.sleep(0.01)
    write_lines(log, [kong_record(100 + i) for i in range(2)])  # same name, different content
    run(tmp_path, "logs")
    assert totals(tmp_path) == (2, 4000, 0.02)


def test_kill_9_then_rerun_equals_one_clean_run(tmp_path):
    files = 200
    for d in range(files):
        lines = [kong_record(d * 1000 + i, hour=(i % 20)) for i in range(400)]
        write_lines(tmp_path / "logs" / ("part-%03d.jsonl" % d), lines)
    cmd = [BIN, "run", "logs", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite"), "--prices", PRICES, "--no-bundled-prices",
           "--tz", "UTC", "--quiet", "--jobs", "1"]
    killed = False
    for delay in (0.5, 1.0, 2.0, 4.0):
        p = subprocess.Popen(cmd, cwd=tmp_path)
        time.sleep(delay)
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            killed = True
            break
        p.wait()
    run(tmp_path, "logs")
    # 200 files · 400 records · $0.01 = $800, whatever the kill interrupted
    assert totals(tmp_path) == (files * 400, files * 400 * 2000, round(files * 400 * 0.01, 9))
    assert killed or True  # on a very fast machine the run may finish before the kill; the totals hold either way


def test_since_until_opens_only_files_in_window(tmp_path):
    import datetime as dt
    d0 = dt.date(2026, 1, 1)
    for i in range(1000):
        d = d0 + dt.timedelta(days=i)
        path = tmp_path / "logs" / ("%s.jsonl.gz" % d.isoformat())
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt") as f:
            f.write(kong_record(i, day=d.isoformat()) + "\n")
    run(tmp_path, "logs", extra=("--since", "2026-09-01", "--until", "2026-09-07"))
    ingest = table(tmp_path, "ingest_files")
    opened = [r for r in ingest if r["status"] not in ("pruned",)]
    # 7 days in the window, widened by one day on each side for time zones: at most 9 files opened
    assert 7 <= len(opened) <= 9
    assert totals(tmp_path) == (7, 14000, 0.07)


def test_time_zone_change_is_refused(tmp_path):
    write_lines(tmp_path / "logs" / "access.jsonl", [kong_record(0)])
    run(tmp_path, "logs")
    cmd = [BIN, "run", "logs", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite"), "--prices", PRICES, "--no-bundled-prices",
           "--tz", "Europe/Berlin", "--quiet"]
    p = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode != 0
    assert "--rebuild" in p.stderr


def test_second_run_on_the_same_state_is_refused(tmp_path):
    for d in range(100):
        write_lines(tmp_path / "logs" / ("part-%03d.jsonl" % d), [kong_record(d * 1000 + i) for i in range(400)])
    cmd = [BIN, "run", "logs", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite"), "--prices", PRICES, "--no-bundled-prices",
           "--tz", "UTC", "--quiet", "--jobs", "1"]
    first = subprocess.Popen(cmd, cwd=tmp_path)
    try:
        # Wait until the first run holds the state (the state file appears, complete, only once
        # it is locked a moment later), then start a second.
        lock = tmp_path / "state.sqlite"
        for _ in range(200):
            if lock.exists():
                break
            time.sleep(0.01)
        time.sleep(0.05)
        second = subprocess.run(cmd[:-2] + ["--out", str(tmp_path / "out2")], cwd=tmp_path, capture_output=True, text=True)
        still_running = first.poll() is None
    finally:
        first.wait()
    assert first.returncode == 0
    if still_running:
        assert second.returncode == 2, second.stderr
        assert "another factorylog run" in second.stderr
    # Either way the state holds exactly one count of everything: 100 files · 400 records.
    run(tmp_path, "logs")
    assert totals(tmp_path)[0] == 100 * 400


def test_results_do_not_depend_on_jobs_or_input_order(tmp_path):
    """SampleLogs with --jobs 1 and --jobs 3, and with the inputs named in another order: same tables."""
    import shutil
    samples = ROOT / "SampleLogs"
    outs = []
    for n, (jobs, inputs) in enumerate([("1", [str(samples)]),
                                        ("3", sorted((str(p) for p in samples.iterdir()), reverse=True))]):
        d = tmp_path / ("r%d" % n)
        d.mkdir()
        cmd = [BIN, "run", *inputs, "--out", str(d / "out"), "--state", str(d / "state.sqlite"), "--tz", "UTC",
               "--quiet", "--jobs", jobs]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        outs.append({t: pq.read_table(d / "out" / (t + ".parquet")).to_pylist()
                     for t in ("usage_daily", "latency_daily", "tools_daily", "permissions_daily", "cost_weekly", "unpriced_models")})
    for t in outs[0]:
        assert outs[0][t] == outs[1][t], t
    assert sum(r["requests"] for r in outs[0]["usage_daily"]) > 0


def test_own_state_and_outputs_are_not_read_as_logs(tmp_path):
    """`factorylog run .` with the state and outputs inside the input folder reads only the logs."""
    write_lines(tmp_path / "access.jsonl", [kong_record(i) for i in range(2)])
    for _ in range(2):
        p = subprocess.run([BIN, "run", ".", "--out", "out", "--state", "st.sqlite", "--prices", PRICES, "--no-bundled-prices", "--quiet"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
    paths = [r["path"] for r in table(tmp_path, "ingest_files")]
    assert paths == ["./access.jsonl"]
    assert totals(tmp_path) == (2, 4000, 0.02)


def test_one_file_reached_by_several_spellings_counts_once(tmp_path):
    """The ledger keys a file by its canonical path: the same Kong log reached relative, absolute,
    through `..` and through a linked folder is one file (Kong records carry no key shared across
    files, so a second reading would double every figure: 2 requests, not 4)."""
    write_lines(tmp_path / "logs" / "access.jsonl", [kong_record(i) for i in range(2)])
    os.symlink(tmp_path / "logs", tmp_path / "linked")
    for spelling in ["logs", str(tmp_path / "logs"), "logs/../logs/access.jsonl", "linked", str(tmp_path / "linked" / "access.jsonl")]:
        run(tmp_path, spelling)
        # 2 records × 2000 input tokens = 4000; 2 × $0.01 = $0.02
        assert totals(tmp_path) == (2, 4000, 0.02), spelling
        [row] = table(tmp_path, "ingest_files")  # one file, shown as this run spelled it
        assert row["path"].endswith("/access.jsonl") and row["path"].startswith(spelling.removesuffix("/access.jsonl")), (spelling, row)
    # Both spellings in one run are still one file.
    run(tmp_path, "logs", "linked")
    assert totals(tmp_path) == (2, 4000, 0.02)


def test_report_and_trend_use_the_state_and_refuse_a_missing_one(tmp_path):
    write_lines(tmp_path / "logs" / "access.jsonl", [kong_record(0)])
    p = subprocess.run([BIN, "run", "logs", "--out", "out", "--state", "st.sqlite", "--prices", PRICES, "--no-bundled-prices", "--quiet",
                        "--tz", "Europe/Berlin"], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    # No --tz: report and trend take the state's own time zone.
    p = subprocess.run([BIN, "report", "--state", "st.sqlite", "--out", "again", "--quiet"], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert pq.read_table(tmp_path / "again" / "usage_daily.parquet").to_pylist() == table(tmp_path, "usage_daily")
    p = subprocess.run([BIN, "trend", "--state", "st.sqlite"], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0 and "2026-W23" in p.stdout, p.stdout + p.stderr
    # A mistyped state is an error, not a new empty state.
    p = subprocess.run([BIN, "report", "--state", "typo.sqlite", "--out", "out"], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 2 and "no state at typo.sqlite" in p.stderr
    assert not (tmp_path / "typo.sqlite").exists()
    assert table(tmp_path, "usage_daily")  # the earlier outputs are untouched


def test_out_of_range_numbers_are_counted_not_fatal(tmp_path):
    good = kong_record(0)
    bad = [good.replace('"completion_tokens":500', '"completion_tokens":5000000000000000000'),
           good.replace('"started_at":', '"started_at":1e30,"x":'),
           good.replace('"prompt_tokens":2000', '"prompt_tokens":-2000')]
    write_lines(tmp_path / "logs" / "access.jsonl", [good] + bad)
    run(tmp_path, "logs")
    assert totals(tmp_path) == (1, 2000, 0.01)
    row = table(tmp_path, "ingest_files")[0]
    assert row["status"] == "partial" and row["malformed_lines"] == 3, row


def test_truncated_stream_with_no_complete_line_is_named(tmp_path):
    """A zstd file cut inside its only block: failed for the damage, not as an unknown format."""
    data = "".join(kong_record(i) + "\n" for i in range(5)).encode()
    whole = subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True, check=True).stdout
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "cut.jsonl.zst").write_bytes(whole[: len(whole) // 2])
    cmd = [BIN, "run", "logs", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite"), "--quiet"]
    p = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    row = table(tmp_path, "ingest_files")[0]
    assert row["status"] == "failed"
    assert row["error"].startswith("damaged zstd stream"), row["error"]
    assert row["bytes_read"] == len(whole) // 2


def test_an_old_archive_read_again_under_another_name_counts_once(tmp_path):
    # Three LiteLLM spend-log rows of 2026-11-23 (SampleLogs), older than --dedup-days before
    # today: night 1 reads logs/spend.jsonl (3 requests); night 2 finds a gzip copy under another
    # name (logrotate) and the folder spelled as an absolute path. Keys stored by night 1 are kept
    # --dedup-days after that run, whatever the events' age, so the copy adds nothing:
    # 3 requests. logs/spend.jsonl spelled absolute is the same file, unchanged (skipped: 0
    # duplicates, from night 1); the gzip copy read in night 2 has 3 duplicate events.
    import gzip
    sample = ROOT / "SampleLogs" / "litellm" / "spend_logs" / "2026-11-23.jsonl"
    lines = sample.read_text().splitlines()[:3]
    write_lines(tmp_path / "logs" / "spend.jsonl", lines)
    run(tmp_path, "logs")
    assert totals(tmp_path)[0] == 3
    with gzip.open(tmp_path / "logs" / "spend.jsonl.1.gz", "wt") as f:
        f.write("\n".join(lines) + "\n")
    run(tmp_path, str(tmp_path / "logs"))
    assert totals(tmp_path)[0] == 3
    assert sorted(r["duplicate_events"] for r in table(tmp_path, "ingest_files")) == [0, 3]
    assert sorted(r["status"] for r in table(tmp_path, "ingest_files")) == ["ok", "skipped"]


def test_an_out_folder_holding_other_files_is_never_replaced(tmp_path):
    # --out is replaced as a whole, so a folder that holds anything factorylog did not write (the
    # inputs, the state, a note) is refused before any log is read, and left as it was.
    write_lines(tmp_path / "logs" / "access.jsonl", [kong_record(0)])
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "notes.txt").write_text("keep me")
    for out in ("srv", "logs", "."):
        p = subprocess.run([BIN, "run", "logs", "--out", out, "--state", "st.sqlite", "--prices", PRICES,
                            "--no-bundled-prices", "--quiet"], cwd=tmp_path, capture_output=True, text=True)
        assert p.returncode == 2 and "holds files factorylog did not write" in p.stderr, p.stderr
    assert (tmp_path / "srv" / "notes.txt").read_text() == "keep me"
    assert (tmp_path / "logs" / "access.jsonl").exists()
    # A symlink to an output folder: the folder it names is written, the link stays.
    (tmp_path / "real").mkdir()
    os.symlink("real", tmp_path / "link")
    for _ in range(2):
        p = subprocess.run([BIN, "run", "logs", "--out", "link", "--state", "st.sqlite", "--prices", PRICES,
                            "--no-bundled-prices", "--quiet"], cwd=tmp_path, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
    assert os.path.islink(tmp_path / "link") and (tmp_path / "real" / "usage_daily.parquet").exists()
    p = subprocess.run([BIN, "report", "--state", "st.sqlite", "--out", "."], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 2 and (tmp_path / "st.sqlite").exists()


def test_a_compressed_file_cut_short_then_completed_becomes_ok(tmp_path):
    # Night 1: a gzip file cut at 1 800 bytes (its writer still busy): partial, the complete lines
    # before the cut counted. Night 2: the file is complete: read to its end, 20 lines and 20
    # requests in all, status ok, and --strict passes (the earlier stream error no longer holds).
    import gzip
    sample = ROOT / "SampleLogs" / "litellm" / "spend_logs" / "2026-11-23.jsonl"
    full = gzip.compress(("\n".join(sample.read_text().splitlines()[:20]) + "\n").encode())
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.jsonl.gz").write_bytes(full[:1800])
    run(tmp_path, "logs")
    assert [r["status"] for r in table(tmp_path, "ingest_files")] == ["partial"]
    (tmp_path / "logs" / "a.jsonl.gz").write_bytes(full)
    run(tmp_path, "logs", extra=("--strict",))
    rows = table(tmp_path, "ingest_files")
    assert [(r["status"], r["error"], r["lines"]) for r in rows] == [("ok", "", 20)]
    assert totals(tmp_path)[0] == 20
