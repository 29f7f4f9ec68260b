"""The streaming engine (issue 9): which duplicate counts does not depend on the night a copy
arrives, `report` equals `run`, and kills at random points of a many-file run lose nothing.

Claude Code records of claude-sonnet-4-5 are priced with the cases' prices.json; totals are compared
as (requests, input tokens, output tokens) so that no price arithmetic is needed.
"""
import datetime as dt
import json
import os
import random
import signal
import subprocess
import time

import pyarrow.parquet as pq

from test_incremental import BIN, PRICES, kong_record, run, table, write_lines


def claude_line(msg_id, request_id, output_tokens, session="s-1", sidechain=False, second=0):
    return json.dumps({
        "parentUuid": None, "isSidechain": sidechain, "userType": "external", "cwd": "/home/dev/shop",
        "sessionId": session, "version": "2.0.14", "type": "assistant", "requestId": request_id,
        "uuid": "u-%s-%d" % (msg_id, output_tokens), "timestamp": "%sT10:00:%02d.000Z" % (TODAY, second),
        "message": {"model": "claude-sonnet-4-5-20250929", "id": msg_id, "type": "message", "role": "assistant",
                    "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
                    "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                              "output_tokens": output_tokens}},
    }, separators=(",", ":"))


# Keys are remembered for --dedup-days (7) counted back from now, so the records are of today.
TODAY = dt.datetime.now(dt.timezone.utc).date().isoformat()


def usage_totals(tmp):
    rows = table(tmp, "usage_daily")
    return (sum(r["requests"] for r in rows), sum(r["input_tokens"] for r in rows), sum(r["output_tokens"] for r in rows))


def duplicates(tmp):
    return {os.path.basename(r["path"]): r["duplicate_events"] for r in table(tmp, "ingest_files")}


def test_better_copy_in_a_later_night_replaces_the_earlier_winner(tmp_path):
    # Night 1: b.jsonl holds message m1 with 50 output tokens (an early, partial copy).
    # Night 2: a.jsonl holds the same (message.id, requestId) with 400 output tokens: it ranks
    # higher (larger token total), so it counts and b.jsonl's copy becomes its duplicate.
    # One request: 10 input + 400 output, whatever the nights.
    proj = tmp_path / "projects" / "-home-dev-shop"
    write_lines(proj / "b.jsonl", [claude_line("m1", "r1", 50), claude_line("m2", "r2", 7, second=5)])
    run(tmp_path, "projects")
    assert usage_totals(tmp_path) == (2, 20, 57)
    write_lines(proj / "a.jsonl", [claude_line("m1", "r1", 400, session="s-2")])
    run(tmp_path, "projects")
    # m1: 10 + 400 from a.jsonl; m2: 10 + 7 from b.jsonl
    assert usage_totals(tmp_path) == (2, 20, 407)
    assert duplicates(tmp_path) == {"a.jsonl": 0, "b.jsonl": 1}
    # The same as one night over both files.
    one = tmp_path / "one"
    one.mkdir()
    run(one, str(tmp_path / "projects"))
    assert usage_totals(one) == (2, 20, 407)
    assert duplicates(one) == {"a.jsonl": 0, "b.jsonl": 1}


def test_equal_copies_go_to_the_path_that_sorts_first_whatever_the_night(tmp_path):
    # The same record in b.jsonl (night 1) and a.jsonl (night 2): a tie, so a.jsonl (sorts first)
    # counts it and b.jsonl is read again, its copy now a duplicate.
    proj = tmp_path / "projects" / "-home-dev-shop"
    write_lines(proj / "b.jsonl", [claude_line("m1", "r1", 90)])
    run(tmp_path, "projects")
    write_lines(proj / "a.jsonl", [claude_line("m1", "r1", 90)])
    run(tmp_path, "projects")
    assert usage_totals(tmp_path) == (1, 10, 90)
    assert duplicates(tmp_path) == {"a.jsonl": 0, "b.jsonl": 1}
    # A third night with nothing new changes nothing.
    run(tmp_path, "projects")
    assert usage_totals(tmp_path) == (1, 10, 90)


def test_a_sidechain_copy_read_first_yields_to_the_main_record(tmp_path):
    # Night 1: only the subagent's sidechain copy of message m9 (counted: nothing better known).
    # Night 2: the main transcript carries m9 with another requestId: the sidechain copy is a
    # duplicate of it (CONTRACT "De-duplication"), so one request remains: 10 input + 30 output.
    proj = tmp_path / "projects" / "-home-dev-shop"
    write_lines(proj / "s-1" / "subagents" / "agent-1.jsonl", [claude_line("m9", "r-side", 30, sidechain=True)])
    run(tmp_path, "projects")
    assert usage_totals(tmp_path) == (1, 10, 30)
    write_lines(proj / "s-1.jsonl", [claude_line("m9", "r-main", 30)])
    run(tmp_path, "projects")
    assert usage_totals(tmp_path) == (1, 10, 30)
    assert duplicates(tmp_path) == {"s-1.jsonl": 0, "agent-1.jsonl": 1}


def test_report_equals_run(tmp_path):
    for d in range(6):
        write_lines(tmp_path / "logs" / ("day-%d.jsonl" % d), [kong_record(d * 100 + i, day="2026-06-0%d" % (d + 1)) for i in range(30)])
    run(tmp_path, "logs")
    p = subprocess.run([BIN, "report", "--state", str(tmp_path / "state.sqlite"), "--out", str(tmp_path / "rep"), "--quiet"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    for name in ("usage_daily", "latency_daily", "tools_daily", "permissions_daily", "cost_weekly", "unpriced_models"):
        assert pq.read_table(tmp_path / "out" / (name + ".parquet")).to_pylist() == \
            pq.read_table(tmp_path / "rep" / (name + ".parquet")).to_pylist(), name


def test_kills_at_random_points_of_a_many_file_run_then_a_rerun_equal_one_clean_run(tmp_path):
    files = 300
    for d in range(files):
        ids = list(range(d * 1000, d * 1000 + 60))
        write_lines(tmp_path / "logs" / ("part-%03d.jsonl" % d), [kong_record(i, hour=(i % 20)) for i in ids])
    cmd = [BIN, "run", "logs", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite"), "--prices", PRICES,
           "--no-bundled-prices", "--tz", "UTC", "--quiet", "--jobs", "2"]
    rng = random.Random(9)
    for _ in range(3):
        p = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.5))
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        p.wait()
    run(tmp_path, "logs", extra=("--jobs", "2"))
    # 300 files · 60 requests = 18 000, each 2 000 input tokens = 36 000 000, whatever the kills hit
    rows = table(tmp_path, "usage_daily")
    assert (sum(r["requests"] for r in rows), sum(r["input_tokens"] for r in rows)) == (18_000, 36_000_000)
    assert all(r["status"] in ("ok", "skipped") for r in table(tmp_path, "ingest_files"))


def sheet_rows(tmp, name):
    import openpyxl
    wb = openpyxl.load_workbook(tmp / "out" / "summary.xlsx", read_only=True)
    return [list(r) for r in wb[name].iter_rows(values_only=True)]


def test_a_night_with_nothing_new_takes_the_unchanged_tables_over(tmp_path):
    # Night 1 reads a.jsonl (2 requests). Night 2 finds nothing new: the six aggregate tables are
    # taken over from night 1's folder (the same files, hard-linked), only ingest_files is
    # written again (status ok -> skipped), in the CSV, the Parquet file and the workbook's sheet.
    proj = tmp_path / "projects" / "-home-dev-shop"
    write_lines(proj / "a.jsonl", [claude_line("m1", "r1", 50), claude_line("m2", "r2", 7, second=5)])
    run(tmp_path, "projects")
    usage = tmp_path / "out" / "usage_daily.parquet"
    inode = os.stat(usage).st_ino
    usage_sheet = sheet_rows(tmp_path, "usage_daily")
    assert [r["status"] for r in table(tmp_path, "ingest_files")] == ["ok"]

    run(tmp_path, "projects")
    assert os.stat(usage).st_ino == inode
    assert usage_totals(tmp_path) == (2, 20, 57)  # 2 requests, 10 + 10 input, 50 + 7 output
    assert [r["status"] for r in table(tmp_path, "ingest_files")] == ["skipped"]
    assert sheet_rows(tmp_path, "usage_daily") == usage_sheet
    ingest = sheet_rows(tmp_path, "ingest_files")
    assert ingest[1][ingest[0].index("status")] == "skipped"

    # Night 3 brings a new file: the aggregate tables are written again and equal a fresh run.
    write_lines(proj / "b.jsonl", [claude_line("m3", "r3", 5, session="s-2")])
    run(tmp_path, "projects")
    assert os.stat(usage).st_ino != inode
    assert usage_totals(tmp_path) == (3, 30, 62)  # + 10 input, + 5 output
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    run(fresh, str(tmp_path / "projects"))
    for name in ("usage_daily", "latency_daily", "cost_weekly"):
        assert table(tmp_path, name) == table(fresh, name)
    assert sheet_rows(tmp_path, "usage_daily") == sheet_rows(fresh, "usage_daily")
