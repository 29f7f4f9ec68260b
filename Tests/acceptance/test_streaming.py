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

# Issue 10 item 3: tool calls and permission decisions replayed into another file count once.

def tool_use_line(toolu, name, command, msg_id, at, session="s-1", sidechain=False):
    return json.dumps({
        "parentUuid": None, "isSidechain": sidechain, "userType": "external", "cwd": "/home/dev/shop",
        "sessionId": session, "version": "2.0.14", "type": "assistant", "requestId": "req-" + msg_id,
        "uuid": "u-" + toolu, "timestamp": "%sT%sZ" % (TODAY, at),
        "message": {"model": "claude-sonnet-4-5-20250929", "id": msg_id, "type": "message", "role": "assistant",
                    "content": [{"type": "tool_use", "id": toolu, "name": name, "input": {"command": command}}],
                    "stop_reason": "tool_use",
                    "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                              "output_tokens": 5}},
    }, separators=(",", ":"))


REJECTED = ("The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, "
            "the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how "
            "to proceed.")


def tool_result_line(toolu, outcome, at, session="s-1", sidechain=False):
    content, is_error, tur = {
        "ok": ("done", False, {"stdout": "done", "stderr": "", "interrupted": False, "isImage": False}),
        "error": ("Exit code 1\nerror: test failed", True, "Error: Exit code 1"),
        "rejected": (REJECTED, True, "User rejected tool use"),
    }[outcome]
    return json.dumps({
        "parentUuid": "u-" + toolu, "isSidechain": sidechain, "userType": "external", "cwd": "/home/dev/shop",
        "sessionId": session, "version": "2.0.14", "type": "user", "uuid": "r-" + toolu,
        "timestamp": "%sT%sZ" % (TODAY, at),
        "message": {"role": "user", "content": [{"tool_use_id": toolu, "type": "tool_result", "content": content,
                                                 "is_error": is_error}]},
        "toolUseResult": tur,
    }, separators=(",", ":"))


# The original transcript: A Bash rejected by the user, B Read ok, E Bash error, F the same Bash
# 18 s after E ended, its result not yet written.
MAIN = [
    tool_use_line("toolu_A", "Bash", "rm -rf build", "msg_1", "10:00:00.000"),
    tool_result_line("toolu_A", "rejected", "10:00:02.000"),
    tool_use_line("toolu_B", "Read", "README.md", "msg_2", "10:00:03.000"),
    tool_result_line("toolu_B", "ok", "10:00:04.000"),
    tool_use_line("toolu_E", "Bash", "cargo test", "msg_3", "10:00:10.000"),
    tool_result_line("toolu_E", "error", "10:00:12.000"),
    tool_use_line("toolu_F", "Bash", "cargo test", "msg_4", "10:00:30.000"),
]
# The resumed session's new file copies those lines (their sessionId kept), then F's result and
# its own Edit call C.
RESUMED = MAIN + [
    tool_result_line("toolu_F", "ok", "10:00:40.000", session="s-2"),
    tool_use_line("toolu_C", "Edit", "README.md", "msg_5", "10:01:00.000", session="s-2"),
    tool_result_line("toolu_C", "ok", "10:01:01.000", session="s-2"),
]
# A subagent transcript replaying A and its rejection as sidechain records.
SUBAGENT = [
    tool_use_line("toolu_A", "Bash", "rm -rf build", "msg_1", "10:00:00.000", sidechain=True),
    tool_result_line("toolu_A", "rejected", "10:00:02.000", sidechain=True),
]


def tools_by_name(tmp):
    out = {}
    for r in table(tmp, "tools_daily"):
        t = out.setdefault(r["tool"], [0, 0, 0, 0, 0, 0])
        for i, c in enumerate(("calls", "succeeded", "failed", "denied", "unknown", "retries")):
            t[i] += r[c]
    return out


def denials(tmp):
    return {(r["subject"], r["reason"]): r["denials"] for r in table(tmp, "permissions_daily")}


# Bash: A denied, E failed, F ok (its copy in the resumed file has the result: rank 3 against 1),
# 3 calls, 1 retry (F repeats E's arguments 18 s after E failed); Read 1; Edit 1; one denial.
# Duplicates: s-1.jsonl: F = 1; s-2.jsonl: llm calls msg_1..msg_4 (tie: s-1.jsonl sorts first) +
# tool calls A, B, E + A's denial = 8; agent-1.jsonl: msg_1 + A + its denial (sidechain) = 3.
EXPECTED_TOOLS = {"Bash": [3, 1, 1, 1, 0, 1], "Read": [1, 1, 0, 0, 0, 0], "Edit": [1, 1, 0, 0, 0, 0]}
EXPECTED_DENIALS = {("Bash", "user_rejected"): 1}
EXPECTED_DUPLICATES = {"s-1.jsonl": 1, "s-2.jsonl": 8, "agent-1.jsonl": 3}


def write_claude_session(tmp, which=("main", "resumed", "subagent")):
    proj = tmp / "projects" / "-home-dev-shop"
    paths = {"main": proj / "s-1.jsonl", "resumed": proj / "s-2.jsonl",
             "subagent": proj / "s-1" / "subagents" / "agent-1.jsonl"}
    lines = {"main": MAIN, "resumed": RESUMED, "subagent": SUBAGENT}
    for w in which:
        write_lines(paths[w], lines[w])
    return [str(paths[w]) for w in ("main", "resumed", "subagent")]


def test_resume_and_subagent_copies_of_tool_calls_and_denials_count_once(tmp_path):
    paths = write_claude_session(tmp_path)
    for jobs in ("1", "3"):
        for order in (paths, list(reversed(paths))):
            work = tmp_path / ("run-%s-%s" % (jobs, "rev" if order[0] != paths[0] else "fwd"))
            work.mkdir()
            run(work, *order, extra=("--jobs", jobs))
            assert tools_by_name(work) == EXPECTED_TOOLS, (jobs, order)
            assert denials(work) == EXPECTED_DENIALS, (jobs, order)
            assert duplicates(work) == EXPECTED_DUPLICATES, (jobs, order)
            assert usage_totals(work) == (5, 50, 25)  # msg_1..msg_5: 10 input + 5 output each


def test_copies_of_tool_calls_arriving_a_later_night_count_once(tmp_path):
    for first in (("main", "subagent"), ("resumed",), ("subagent",)):
        work = tmp_path / "-".join(first)
        work.mkdir()
        write_claude_session(work, first)
        run(work, "projects")
        write_claude_session(work)
        run(work, "projects")
        assert tools_by_name(work) == EXPECTED_TOOLS, first
        assert denials(work) == EXPECTED_DENIALS, first
        assert duplicates(work) == EXPECTED_DUPLICATES, first
        run(work, "projects")  # a night with nothing new changes nothing
        assert tools_by_name(work) == EXPECTED_TOOLS, first


def codex_line(at, type_, payload):
    return json.dumps({"timestamp": "%sT%sZ" % (TODAY, at), "type": type_, "payload": payload}, separators=(",", ":"))


def codex_call(call_id, command, at):
    return codex_line(at, "response_item", {"type": "function_call", "name": "shell",
                                            "arguments": json.dumps({"command": ["bash", "-lc", command]}),
                                            "call_id": call_id})


def codex_output(call_id, output, at):
    return codex_line(at, "response_item", {"type": "function_call_output", "call_id": call_id, "output": output})


def codex_meta(session, at, **extra):
    return codex_line(at, "session_meta", dict({"id": session, "timestamp": "%sT%sZ" % (TODAY, at),
                                                "cwd": "/home/dev/app", "originator": "codex_cli_rs",
                                                "cli_version": "0.50.0", "source": "cli"}, **extra))


OK_OUTPUT = "Exit code: 0\nWall time: 1 seconds\nOutput:\nok"
PARENT = [
    codex_meta("parent", "09:00:00.000"),
    codex_line("09:00:00.500", "turn_context", {"cwd": "/home/dev/app", "model": "gpt-5"}),
    codex_call("call_p1", "cargo build", "09:01:00.000"), codex_output("call_p1", OK_OUTPUT, "09:01:02.000"),
    codex_call("call_p2", "rm -rf target", "09:02:00.000"),
    codex_output("call_p2", "exec command rejected by user", "09:02:01.000"),
]


def test_codex_fork_replays_of_function_calls_count_once(tmp_path):
    # fork-a: the parent's history replayed right after the two session_meta lines, 0.5 s apart
    # for 3 s in all (longer than one second), then its own call 6 s later: the replay rule.
    replay = [PARENT[2], PARENT[3], PARENT[4], PARENT[5]]
    fork_a = [codex_meta("fork-a", "12:00:00.000", forked_from_id="parent"), PARENT[0]]
    for i, line in enumerate(replay + replay[:2]):
        rec = json.loads(line)
        rec["timestamp"] = "%sT12:00:%02d.%03dZ" % (TODAY, (500 * (i + 1)) // 1000, (500 * (i + 1)) % 1000)
        fork_a.append(json.dumps(rec, separators=(",", ":")))
    fork_a += [codex_call("call_a1", "cargo test", "12:00:09.000"), codex_output("call_a1", OK_OUTPUT, "12:00:10.000")]
    # fork-b: re-writes the parent's two calls 5 s after its start, too late for the replay rule:
    # their keys (call_id, name, arguments) are the parent's, so they count once.
    fork_b = [codex_meta("fork-b", "13:00:00.000", forked_from_id="parent"),
              codex_call("call_p1", "cargo build", "13:00:05.000"), codex_output("call_p1", OK_OUTPUT, "13:00:05.100"),
              codex_call("call_p2", "rm -rf target", "13:00:05.200"),
              codex_output("call_p2", "exec command rejected by user", "13:00:05.300"),
              codex_call("call_b1", "cargo fmt", "13:01:00.000"), codex_output("call_b1", OK_OUTPUT, "13:01:01.000")]
    day = TODAY.replace("-", "/")
    sessions = tmp_path / "sessions" / day
    write_lines(sessions / "rollout-parent.jsonl", PARENT)
    write_lines(sessions / "rollout-fork-a.jsonl", fork_a)
    write_lines(sessions / "rollout-fork-b.jsonl", fork_b)
    for jobs in ("1", "3"):
        work = tmp_path / ("run-" + jobs)
        work.mkdir()
        run(work, str(tmp_path / "sessions"), extra=("--jobs", jobs))
        # shell: parent p1 ok, p2 denied; fork-a a1 ok (its 6 replayed records add nothing);
        # fork-b b1 ok (its copies of p1, p2 lose to the parent's: rank 3 > 2) = 4 calls, 3 ok, 1 denied
        assert tools_by_name(work) == {"shell": [4, 3, 0, 1, 0, 0]}, jobs
        assert denials(work) == {("shell", "user_rejected"): 1}, jobs
        # fork-b: copies of p1, p2 and of p2's denial = 3 duplicates; fork-a: none (not offered)
        assert duplicates(work) == {"rollout-parent.jsonl": 0, "rollout-fork-a.jsonl": 0, "rollout-fork-b.jsonl": 3}, jobs


def test_a_stale_file_that_changed_counts_its_own_records(tmp_path):
    # b.jsonl holds m1 and m2 (lines 1-2). An interrupted run left it marked stale (simulated in
    # the state); then b.jsonl is rewritten with m0 in front, so m1 and m2 move to lines 2-3.
    # The next run reads it from the start: its old claims are void, so m1 and m2 are not taken
    # for copies of themselves. 3 requests, 30 input, 5 + 6 + 7 output.
    import sqlite3
    proj = tmp_path / "projects" / "-home-dev-shop"
    write_lines(proj / "b.jsonl", [claude_line("m1", "r1", 6, second=1), claude_line("m2", "r2", 7, second=2)])
    run(tmp_path, "projects")
    con = sqlite3.connect(tmp_path / "state.sqlite")
    path = con.execute("SELECT path FROM files").fetchone()[0]
    con.execute("INSERT INTO stale_files (path) VALUES (?)", (path,))
    con.commit()
    con.close()
    write_lines(proj / "b.jsonl", [claude_line("m0", "r0", 5), claude_line("m1", "r1", 6, second=1),
                                   claude_line("m2", "r2", 7, second=2)])
    run(tmp_path, "projects")
    assert usage_totals(tmp_path) == (3, 30, 18)
    assert duplicates(tmp_path) == {"b.jsonl": 0}
