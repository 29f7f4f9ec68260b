"""Issue 14 part B: incidents and availability_daily through the binary, and --pseudonymize.

The logs are LiteLLM spend-log rows written here, with the fields of the real spend-log sample
(request_id, startTime/endTime, model, custom_llm_provider, metadata.user_api_key_alias,
metadata.user_api_key_team_alias, metadata.status, metadata.error_information); one gpt-4o call
of 1 000 prompt + 100 completion tokens each, 500 ms, on 2026-06-03 (UTC):

    12:00  10 ok (alice-key, team-a)
    12:05   6 ok (alice-key) + 4 failures 503 ServiceUnavailableError (bob-key, team-b)
            4 ≥ 3 failures and 4·100 = 400 ≥ 20·10 = 200   → a bad window (errors)
    12:10   5 ok (alice-key)                                → fine: the incident ends at 12:10
    second file: a copy of one failed row and of one ok row (same request_id): counted once
"""
import datetime as dt
import hashlib
import hmac
import json
import os
import subprocess
import zipfile

import pyarrow.parquet as pq

from test_incremental import BIN, PRICES, write_lines

NAMES = ("alice-key", "bob-key")


def row(rid, minute, second, alias, team, failed=False):
    t = dt.datetime(2026, 6, 3, 12, minute, second, tzinfo=dt.timezone.utc)
    meta = {"user_api_key_alias": alias, "user_api_key_team_alias": team,
            "status": "failure" if failed else "success",
            "error_information": {"error_code": "503", "error_class": "ServiceUnavailableError", "llm_provider": "openai",
                                  "error_message": "upstream connect error"} if failed else None}
    return json.dumps({
        "request_id": "req-%04d" % rid, "call_type": "acompletion", "spend": 0.0 if failed else 0.0035,
        "total_tokens": 0 if failed else 1100, "prompt_tokens": 0 if failed else 1000,
        "completion_tokens": 0 if failed else 100,
        "startTime": t.isoformat(), "endTime": (t + dt.timedelta(milliseconds=500)).isoformat(),
        "model": "gpt-4o", "custom_llm_provider": "openai", "metadata": meta}, separators=(",", ":"))


def write_logs(tmp):
    rows = [row(i, 0, i, "alice-key", "team-a") for i in range(10)]
    rows += [row(10 + i, 5, i, "alice-key", "team-a") for i in range(6)]
    rows += [row(16 + i, 5, 10 + i, "bob-key", "team-b", failed=True) for i in range(4)]
    rows += [row(20 + i, 10, i, "alice-key", "team-a") for i in range(5)]
    write_lines(tmp / "logs" / "spend-2026-06-03.jsonl", rows)
    write_lines(tmp / "logs" / "spend-2026-06-03-copy.jsonl", [rows[16], rows[0]])


def run(tmp, *extra, expect=0, state="state.sqlite", out="out"):
    cmd = [BIN, "run", "logs", "--out", str(tmp / out), "--state", str(tmp / state), "--prices", PRICES,
           "--no-bundled-prices", "--tz", "UTC", "--quiet", "--parquet-codec", "none", *extra]
    p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300)
    assert p.returncode == expect, p.stdout + p.stderr
    return p


def table(tmp, name, out="out"):
    return pq.read_table(tmp / out / (name + ".parquet")).to_pylist()


def test_incidents_and_availability_by_hand(tmp_path):
    write_logs(tmp_path)
    run(tmp_path)
    # the two copies count once: whichever file counts them (the path that sorts first), the
    # other one lists them as duplicates
    assert sum(r["duplicate_events"] for r in table(tmp_path, "ingest_files")) == 2
    [inc] = table(tmp_path, "incidents")
    utc = dt.timezone.utc
    assert (inc["provider"], inc["model"], inc["day"]) == ("openai", "gpt-4o", dt.date(2026, 6, 3))
    assert inc["started_at"].replace(tzinfo=utc) == dt.datetime(2026, 6, 3, 12, 5, tzinfo=utc)
    assert inc["ended_at"].replace(tzinfo=utc) == dt.datetime(2026, 6, 3, 12, 10, tzinfo=utc)
    # the copies count once: 6 ok + 4 failed in the window
    assert (inc["windows"], inc["reasons"], inc["requests"], inc["failed_requests"], inc["rate_limited_requests"],
            inc["affected_requests"]) == (1, "errors", 10, 4, 0, 4)
    assert inc["error_kinds"] == "ServiceUnavailableError: 4"
    assert (inc["teams_affected"], inc["principals_affected"], inc["sources_affected"]) == (1, 1, 1)
    # window p95 of 10 × 500 ms, rounded down to 4 significant bits: 500 = 0b111110100 → 0b111100000 = 480;
    # one earlier window only, so no baseline (3 are needed) and no latency verdict
    assert (inc["latency_ms_p95"], inc["baseline_latency_ms_p95"]) == (480.0, None)
    [av] = table(tmp_path, "availability_daily")
    # 10 + 10 + 5 = 25 requests, 4 failed, 21 ok: 21 / 25 = 0.84
    assert (av["requests"], av["succeeded"], av["failed"], av["rate_limited"], av["denied"]) == (25, 21, 4, 0, 0)
    assert av["successful_share"] == 21 / 25 and av["rate_limited_share"] == 0.0
    assert (av["timed_requests"], av["latency_ms_p95"], av["bad_windows"]) == (25, 500.0, 1)
    # a second night with nothing new leaves both tables as they were
    run(tmp_path)
    assert table(tmp_path, "incidents") == [inc] and table(tmp_path, "availability_daily") == [av]
    # report.html shows the incident: one row, with the table's requests and affected requests
    import re
    page = (tmp_path / "out" / "report.html").read_text()
    assert 'id="incidents-total" data-v="1"' in page
    body = page[page.index('<table id="t-incidents">'):]
    body = body[:body.index("</table>")]
    assert body.count("<tr>") == 2  # the heading row and the incident
    assert re.search(r'data-col="requests" data-v="%d"' % inc["requests"], body)
    assert re.search(r'data-col="affected_requests" data-v="%d"' % inc["affected_requests"], body)


KEY = "3f1c0d5e9a7b44c2b8e16d0f2a9c7e5b" + "a4d2c6e8f0b1a3c5e7d9f1b3a5c7e9d1"


def pseudonym(name, key=KEY):
    return "p_" + hmac.new(key.encode(), name.encode(), hashlib.sha256).hexdigest()[:16]


def write_key(path, key=KEY):
    path.write_text(key + "\n")
    os.chmod(path, 0o600)
    return str(path)


def all_bytes(folder):
    """Every byte of the files under folder, with the workbook's members unzipped."""
    for root, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(root, n)
            if n.endswith(".xlsx"):
                with zipfile.ZipFile(p) as z:
                    for m in z.namelist():
                        yield p + ":" + m, z.read(m)
            else:
                yield p, open(p, "rb").read()


def assert_no_names(*folders_or_files):
    for f in folders_or_files:
        items = all_bytes(f) if os.path.isdir(f) else [(f, open(f, "rb").read())]
        for path, data in items:
            for name in NAMES:
                assert name.encode() not in data, "%s holds %s" % (path, name)


def test_pseudonymize_run_outputs_and_state(tmp_path):
    write_logs(tmp_path)
    key = write_key(tmp_path / "key")
    run(tmp_path, "--pseudonymize", key)
    usage = table(tmp_path, "usage_daily")
    assert sorted({r["principal"] for r in usage}) == sorted([pseudonym("alice-key"), pseudonym("bob-key")])
    assert {r["team"] for r in usage} == {"team-a", "team-b"}  # teams are not pseudonymized
    assert sum(r["requests"] for r in usage) == 25
    [inc] = table(tmp_path, "incidents")
    assert inc["principals_affected"] == 1
    state_files = [str(p) for p in tmp_path.iterdir() if p.name.startswith("state.sqlite")]
    assert state_files
    assert_no_names(str(tmp_path / "out"), *state_files)
    # the clear names are in the logs, so the check above could fail
    assert b"alice-key" in open(tmp_path / "logs" / "spend-2026-06-03.jsonl", "rb").read()

    # the next night, same key: the same pseudonyms; a new file adds to the same rows
    write_lines(tmp_path / "logs" / "spend-2026-06-04.jsonl", [row(100, 0, 0, "alice-key", "team-a").replace("2026-06-03", "2026-06-04")])
    run(tmp_path, "--pseudonymize", key)
    assert {r["principal"] for r in table(tmp_path, "usage_daily")} == {pseudonym("alice-key"), pseudonym("bob-key")}
    assert_no_names(str(tmp_path / "out"), *[str(p) for p in tmp_path.iterdir() if p.name.startswith("state.sqlite")])

    # never mixed: without the key, or with another key, the run is refused and changes nothing
    p = run(tmp_path, expect=2)
    assert "pseudonymized with the key" in p.stderr and "never mixes" in p.stderr
    other = write_key(tmp_path / "other", "f" * 64)
    p = run(tmp_path, "--pseudonymize", other, expect=2)
    assert "never mixes" in p.stderr
    assert_no_names(*[str(p) for p in tmp_path.iterdir() if p.name.startswith("state.sqlite")])
    run(tmp_path, "--pseudonymize", key)
    assert sum(r["requests"] for r in table(tmp_path, "usage_daily")) == 26  # 25 + the next night's 1

    # report needs no key for a pseudonymized state, and refuses another one
    r = subprocess.run([BIN, "report", "--state", str(tmp_path / "state.sqlite"), "--out", str(tmp_path / "rep"), "--quiet"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert {x["principal"] for x in table(tmp_path, "usage_daily", out="rep")} == {pseudonym("alice-key"), pseudonym("bob-key")}
    r = subprocess.run([BIN, "report", "--state", str(tmp_path / "state.sqlite"), "--out", str(tmp_path / "rep"), "--quiet",
                        "--pseudonymize", other], capture_output=True, text=True)
    assert r.returncode == 2 and "never mixes" in r.stderr


def test_a_clear_state_refuses_pseudonyms_and_report_can_pseudonymize_it(tmp_path):
    write_logs(tmp_path)
    key = write_key(tmp_path / "key")
    run(tmp_path)
    p = run(tmp_path, "--pseudonymize", key, expect=2)
    assert "in clear" in p.stderr and "--rebuild --pseudonymize" in p.stderr
    # report --pseudonymize on a clear state: the outputs carry pseudonyms, the state stays clear
    r = subprocess.run([BIN, "report", "--state", str(tmp_path / "state.sqlite"), "--out", str(tmp_path / "rep"), "--quiet",
                        "--parquet-codec", "none", "--pseudonymize", key], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert {x["principal"] for x in table(tmp_path, "usage_daily", out="rep")} == {pseudonym("alice-key"), pseudonym("bob-key")}
    assert_no_names(str(tmp_path / "rep"))
    assert b"alice-key" in open(tmp_path / "state.sqlite", "rb").read()
    # --rebuild starts a pseudonymized state on purpose
    run(tmp_path, "--rebuild", "--pseudonymize", key)
    assert_no_names(str(tmp_path / "out"), *[str(p) for p in tmp_path.iterdir() if p.name.startswith("state.sqlite")])


def test_a_short_key_is_a_usage_error(tmp_path):
    write_logs(tmp_path)
    short = tmp_path / "short"
    short.write_text("too short\n")
    p = run(tmp_path, "--pseudonymize", str(short), expect=64)
    assert "at least 32" in p.stderr
