"""`--json` on run, trend and inspect (docs/json.md): the documented members, in order, with the
values of the Parquet tables and of hand-counted inputs.

Inputs: Kong records of test_incremental (one gpt-4o call each: 2 000 prompt + 500 completion
tokens, 2 000·$2.50 + 500·$10 per Mtok = $0.01, priced with the cases' prices.json).
"""
import gzip
import json
import subprocess

import pyarrow.parquet as pq

from test_incremental import BIN, PRICES, kong_record, write_lines

RUN_MEMBERS = ["schema", "version", "out", "elapsed_s", "bytes_read", "files", "problems", "first_day", "last_day",
               "cost_usd", "requests", "total_tokens", "failed_requests", "unpriced_requests", "unpriced_models",
               "top_models", "slowest_models", "least_stable_tools", "denials_by_reason"]


def factorylog(tmp, *args):
    return subprocess.run([BIN, *args], cwd=tmp, capture_output=True, text=True, timeout=120)


def run_json(tmp, *inputs):
    p = factorylog(tmp, "run", *inputs, "--out", "out", "--state", "state.sqlite", "--prices", PRICES, "--no-bundled-prices",
                   "--quiet", "--json")
    return p, json.loads(p.stdout)


def test_run_json_is_the_end_of_run_summary(tmp_path):
    # day 1: 3 calls, day 2: 2 calls and a malformed line (the file is partial)
    write_lines(tmp_path / "logs" / "a.jsonl", [kong_record(i, day="2026-06-01") for i in range(3)])
    write_lines(tmp_path / "logs" / "b.jsonl", [kong_record(10 + i, day="2026-06-02") for i in range(2)] + ["{not json"])
    p, j = run_json(tmp_path, "logs")
    assert p.returncode == 0, p.stderr
    assert list(j) == RUN_MEMBERS
    assert j["schema"] == "factorylog.run/1" and j["out"] == "out"
    assert j["files"] == {"total": 2, "ok": 1, "partial": 1, "failed": 0, "skipped": 0, "pruned": 0}
    assert [(x["path"].endswith("b.jsonl"), x["status"]) for x in j["problems"]] == [(True, "partial")]
    assert (j["first_day"], j["last_day"]) == ("2026-06-01", "2026-06-02")
    # 5 calls · $0.01 = $0.05; 5 · 2 500 tokens = 12 500
    assert abs(j["cost_usd"] - 0.05) < 1e-12 and j["requests"] == 5 and j["total_tokens"] == 12_500
    usage = pq.read_table(tmp_path / "out" / "usage_daily.parquet").to_pylist()
    assert j["cost_usd"] == sum(r["cost_usd"] for r in usage) or abs(j["cost_usd"] - sum(r["cost_usd"] for r in usage)) < 1e-12
    assert j["top_models"] == [{"model": "gpt-4o", "cost_usd": j["cost_usd"], "requests": 5, "total_tokens": 12_500}]
    # every call took 901 ms (latencies.request): p95 = 901
    assert [(m["model"], m["latency_ms_p95"], m["timed_requests"]) for m in j["slowest_models"]] == [("gpt-4o", 901, 5)]
    assert j["least_stable_tools"] == [] and j["denials_by_reason"] == [] and j["unpriced_models"] == 0
    # a second night reads nothing new: both files skipped, the same totals
    p, j2 = run_json(tmp_path, "logs")
    assert j2["files"]["skipped"] == 2 and j2["problems"] == [] and j2["requests"] == 5


def test_trend_json_rows_are_the_cost_weekly_rows(tmp_path):
    # 2026-06-01 is a Monday (W23); 2026-06-08 the next (W24): 2 calls, then 1
    write_lines(tmp_path / "logs" / "a.jsonl", [kong_record(0, day="2026-06-01"), kong_record(1, day="2026-06-01"),
                                                kong_record(2, day="2026-06-08")])
    run_json(tmp_path, "logs")
    p = factorylog(tmp_path, "trend", "--state", "state.sqlite", "--json")
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert list(j) == ["schema", "version", "tz", "weeks", "rows"]
    assert j["schema"] == "factorylog.trend/1" and j["tz"] == "UTC" and j["weeks"] == ["2026-W23", "2026-W24"]
    weekly = pq.read_table(tmp_path / "out" / "cost_weekly.parquet").to_pylist()
    for r in weekly:
        r["week_start"] = r["week_start"].isoformat()
    assert j["rows"] == weekly
    w24 = [r for r in j["rows"] if r["iso_week"] == "2026-W24" and r["model"] == "(all models)"][0]
    # $0.01 / 2 500 tokens · 1e6 = $4 per Mtok both weeks: change 0 %
    assert abs(w24["usd_per_mtok"] - 4.0) < 1e-9 and abs(w24["change_pct"]) < 1e-9
    # --weeks 1 keeps the last week only
    j = json.loads(factorylog(tmp_path, "trend", "--state", "state.sqlite", "--json", "--weeks", "1").stdout)
    assert j["weeks"] == ["2026-W24"] and {r["iso_week"] for r in j["rows"]} == {"2026-W24"}


def test_inspect_json_and_its_exit_codes(tmp_path):
    write_lines(tmp_path / "access.jsonl", [kong_record(i) for i in range(3)] + ["not json"])
    p = factorylog(tmp_path, "inspect", "access.jsonl", "--json", "-n", "2")
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert list(j) == ["schema", "file", "compression", "document", "format", "format_forced", "status", "message",
                       "lines_read", "malformed_lines", "events"]
    assert (j["format"], j["status"], j["compression"], j["format_forced"]) == ("kong", "recognized", "none", False)
    assert len(j["events"]) == 2 and j["lines_read"] == 2  # reading stops once 2 events are shown
    e = j["events"][0]
    # 2 000 prompt tokens, none cached: input 2 000; 500 output; latency 901 ms; logged cost $0.01
    assert (e["kind"], e["model"], e["provider"], e["principal"], e["input_tokens"], e["output_tokens"], e["latency_ms"],
            e["logged_cost_usd"], e["ttft_ms"]) == ("llm_call", "gpt-4o", "openai", "billing-svc", 2000, 500, 901, 0.01, None)
    # all four lines: 3 events and the malformed line
    j = json.loads(factorylog(tmp_path, "inspect", "access.jsonl", "--json").stdout)
    assert (len(j["events"]), j["lines_read"], j["malformed_lines"]) == (3, 4, 1)
    # unknown: exit 1
    write_lines(tmp_path / "notes.txt", ["hello", "world"])
    p = factorylog(tmp_path, "inspect", "notes.txt", "--json")
    assert p.returncode == 1 and json.loads(p.stdout)["status"] == "unknown"
    # empty: exit 0
    (tmp_path / "empty.jsonl").write_bytes(b"")
    p = factorylog(tmp_path, "inspect", "empty.jsonl", "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["status"] == "empty"
    # damaged before the first line: exit 1
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(b'{"a":1}\n' * 1000)[:30])
    p = factorylog(tmp_path, "inspect", "cut.jsonl.gz", "--json")
    assert p.returncode == 1 and json.loads(p.stdout)["status"] == "damaged", p.stdout
    # missing: exit 1, unreadable
    p = factorylog(tmp_path, "inspect", "missing.jsonl", "--json")
    assert p.returncode == 1 and json.loads(p.stdout)["status"] == "unreadable"
