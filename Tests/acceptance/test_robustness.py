"""Issue 11: nothing crashes, nothing double counts.

Every input is generated here (no large committed files): Kong file-log records from
test_incremental.kong_record (one gpt-4o call: 2 000 prompt + 500 completion tokens, logged cost
$0.01), a first line nested 75 000 deep, a second run through a symlink or a hard link to the
state, an empty or cut state file, --strict with files left partial by an earlier run, and kills
(SIGKILL, SIGTERM) of a many-file run.
"""
import os
import random
import signal
import subprocess
import time

import pyarrow.parquet as pq

from test_incremental import BIN, PRICES, kong_record, run, table, totals, write_lines

TABLES = ("usage_daily", "latency_daily", "tools_daily", "permissions_daily", "cost_weekly", "unpriced_models", "ingest_files")


def cmd(tmp, *inputs, state="state.sqlite", out="out", extra=()):
    return [BIN, "run", *inputs, "--out", str(tmp / out), "--state", str(tmp / state), "--prices", PRICES,
            "--no-bundled-prices", "--tz", "UTC", "--quiet", *extra]


def test_a_first_line_nested_75000_deep_is_one_malformed_line(tmp_path):
    deep = "[" * 75_000 + "]" * 75_000
    write_lines(tmp_path / "logs" / "kong.jsonl", [deep, kong_record(1), kong_record(2)])
    p = subprocess.run(cmd(tmp_path, "logs"), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    [f] = table(tmp_path, "ingest_files")
    assert (f["format"], f["lines"], f["malformed_lines"], f["events"], f["status"]) == ("kong", 3, 1, 2, "partial")
    assert "json.too_deep" in f["error"] or "malformed" in f["error"]
    # 2 calls · 2 000 prompt tokens
    assert totals(tmp_path)[:2] == (2, 4_000)


def _many_files(tmp, n, per):
    for d in range(n):
        write_lines(tmp / "logs" / ("part-%03d.jsonl" % d), [kong_record(d * 1000 + i) for i in range(per)])


def _wait_for(path):
    for _ in range(500):
        if path.exists():
            return
        time.sleep(0.01)


def test_a_second_run_through_a_symlink_or_a_hard_link_is_refused_and_nothing_counts_twice(tmp_path):
    _many_files(tmp_path, 100, 400)
    first = subprocess.Popen(cmd(tmp_path, "logs", extra=("--jobs", "1")), cwd=tmp_path)
    seconds = []
    try:
        _wait_for(tmp_path / "state.sqlite")
        time.sleep(0.05)
        os.symlink(tmp_path / "state.sqlite", tmp_path / "link.sqlite")
        os.link(tmp_path / "state.sqlite", tmp_path / "hard.sqlite")
        # the old lock file, if an operator deletes it: there is none to delete
        assert not (tmp_path / "state.sqlite.lock").exists()
        for name in ("link.sqlite", "hard.sqlite"):
            p = subprocess.run(cmd(tmp_path, "logs", state=name, out="out-" + name), cwd=tmp_path, capture_output=True, text=True)
            seconds.append((first.poll() is None, p))
    finally:
        first.wait()
    assert first.returncode == 0
    for still_running, p in seconds:
        if still_running:
            assert p.returncode == 2, p.stderr
            assert "another factorylog run is using" in p.stderr
            assert "pid %d" % first.pid in p.stderr
    assert any(still_running for still_running, _ in seconds), "the first run ended too early to test the lock"
    # 100 files · 400 records, counted once
    run(tmp_path, "logs")
    assert totals(tmp_path)[0] == 100 * 400


def test_an_empty_or_cut_state_is_refused_and_kept_until_rebuild(tmp_path):
    write_lines(tmp_path / "logs" / "a.jsonl", [kong_record(i) for i in range(3)])
    run(tmp_path, "logs")
    size = (tmp_path / "state.sqlite").stat().st_size
    for cut in (0, size // 2):
        with open(tmp_path / "state.sqlite", "r+b") as f:
            f.truncate(cut)
        for command in (cmd(tmp_path, "logs"),
                        [BIN, "report", "--state", str(tmp_path / "state.sqlite"), "--out", str(tmp_path / "rep")],
                        [BIN, "trend", "--state", str(tmp_path / "state.sqlite")]):
            p = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
            assert p.returncode == 2, (command, p.stderr)
            assert "Restore" in p.stderr and "--rebuild" in p.stderr, p.stderr
            assert ("is empty (0 bytes)" if cut == 0 else "is damaged") in p.stderr, p.stderr
            assert (tmp_path / "state.sqlite").stat().st_size == cut  # never replaced
    p = subprocess.run(cmd(tmp_path, "logs", extra=("--rebuild",)), cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    # 3 calls · 2 000 prompt tokens, read again into the new state
    assert totals(tmp_path)[:2] == (3, 6_000)


def test_strict_fails_while_an_earlier_partial_file_is_not_fixed(tmp_path):
    write_lines(tmp_path / "logs" / "good.jsonl", [kong_record(1)])
    write_lines(tmp_path / "logs" / "bad.jsonl", [kong_record(2), '{"started_at": 1780000000000, "ai": {'])
    strict = cmd(tmp_path, "logs", extra=("--strict",))
    first = subprocess.run(strict, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert first.returncode == 1, first.stderr
    # nothing changed: bad.jsonl is skipped, but the state still lists it as partial
    second = subprocess.run(strict, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1, second.stderr
    assert "bad.jsonl: still partial from an earlier run (unchanged since)" in second.stderr
    assert {r["path"].rsplit("/", 1)[1]: r["status"] for r in table(tmp_path, "ingest_files")} == \
        {"good.jsonl": "skipped", "bad.jsonl": "skipped"}
    # ... and ingest_files keeps saying so in its error column
    errors = {r["path"].rsplit("/", 1)[1]: r["error"] for r in table(tmp_path, "ingest_files")}
    assert errors["good.jsonl"] == ""
    assert errors["bad.jsonl"].startswith("unchanged since an earlier run found it partial: ")
    # without --strict the same run succeeds
    assert subprocess.run(strict[:-1], cwd=tmp_path, capture_output=True, text=True, timeout=60).returncode == 0
    # fixed: the file is rewritten without the cut line, read again, and --strict passes
    write_lines(tmp_path / "logs" / "bad.jsonl", [kong_record(2)])
    fixed = subprocess.run(strict, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0, fixed.stderr
    assert totals(tmp_path)[:2] == (2, 4_000)


def _outputs_intact(tmp):
    """The output folder is absent or whole: every table readable in Parquet and CSV, and the
    usage rows agree between the two."""
    out = tmp / "out"
    if not out.exists():
        return
    for t in TABLES:
        pq.read_table(out / (t + ".parquet"))
        assert (out / (t + ".csv")).exists()
    assert (out / "summary.xlsx").exists()


def test_sigkill_and_sigterm_of_a_many_file_run_release_the_lock_and_keep_outputs_intact(tmp_path):
    _many_files(tmp_path, 200, 50)
    command = cmd(tmp_path, "logs", extra=("--jobs", "2"))
    rng = random.Random(11)
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGKILL, signal.SIGTERM):
        p = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 1.2))
        if p.poll() is None:
            os.kill(p.pid, sig)
        p.wait()
        _outputs_intact(tmp_path)
        # the lock died with the process: a report on the state is not refused
        r = subprocess.run([BIN, "report", "--state", str(tmp_path / "state.sqlite"), "--out", str(tmp_path / "rep"), "--quiet"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        _outputs_intact(tmp_path)
    run(tmp_path, "logs", extra=("--jobs", "2"))
    _outputs_intact(tmp_path)
    # 200 files · 50 requests = 10 000, each 2 000 prompt tokens = 20 000 000, whatever was hit
    assert totals(tmp_path)[:2] == (10_000, 20_000_000)
    assert all(r["status"] in ("ok", "skipped") for r in table(tmp_path, "ingest_files"))


def test_another_programs_database_is_refused_and_left_byte_for_byte(tmp_path):
    # An SQLite database of another program given as --state: refused before SQLite opens it
    # (opening would switch it to WAL mode and rewrite its header), for run, report and trend.
    import hashlib
    import sqlite3
    db = tmp_path / "app.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    (tmp_path / "logs").mkdir()
    for cmd in (["run", "logs", "--out", "out"], ["report", "--out", "out"], ["trend"]):
        p = subprocess.run([BIN, *cmd, "--state", "app.db"], cwd=tmp_path, capture_output=True, text=True)
        assert p.returncode == 2 and "not a factorylog state" in p.stderr, p.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db", "logs"]
