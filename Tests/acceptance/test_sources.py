"""Issue 14: the new sources' real samples end to end, and LiteLLM tags and end users.

The samples are the project's copies under Tests/IngestTests/Fixtures/samples/gateway (their
SOURCE notes say where each comes from). Costs use the bundled LiteLLM price snapshot:
gpt-4o-mini $0.15 in / $0.60 out per Mtok; azure/gpt-35-turbo $0.50 in / $1.50 out per Mtok
(`factorylog prices gpt-4o-mini azure/gpt-35-turbo`).
"""
import json
import subprocess

import pyarrow.parquet as pq

from test_incremental import BIN, PRICES, ROOT, write_lines

SAMPLES = ROOT / "Tests" / "IngestTests" / "Fixtures" / "samples" / "gateway"


def run(tmp, *inputs, bundled=True):
    cmd = [BIN, "run", *[str(i) for i in inputs], "--out", str(tmp / "out"), "--state", str(tmp / "state.sqlite"),
           "--tz", "UTC", "--quiet"]
    if not bundled:
        cmd += ["--prices", PRICES, "--no-bundled-prices"]
    p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def table(tmp, name):
    return pq.read_table(tmp / "out" / (name + ".parquet")).to_pylist()


def test_new_gateway_samples_end_to_end(tmp_path):
    run(tmp_path, SAMPLES / "envoy-ai-gateway-accesslog.jsonl", SAMPLES / "azure-apim-gatewaylogs.jsonl",
        SAMPLES / "azure-openai-diagnostic-requestresponse.jsonl")
    files = {r["format"]: r for r in table(tmp_path, "ingest_files")}
    assert set(files) == {"envoy", "azure_apim", "azure_openai"}
    assert all(r["status"] == "ok" for r in files.values())
    # Envoy: an llm call and an MCP tool call; APIM: two calls and a guardrail denial; Azure
    # OpenAI: Create_Thread (no model) ignored, two ChatCompletions sharing a correlationId
    assert [files[f]["events"] for f in ("envoy", "azure_apim", "azure_openai")] == [2, 3, 2]
    assert files["azure_openai"]["duplicate_events"] == 1

    usage = {(r["source"], r["model"]): r for r in table(tmp_path, "usage_daily")}
    assert set(usage) == {("envoy", "gpt-4o-mini"), ("azure_apim", "azure/gpt-35-turbo"),
                          ("azure_apim", "gpt-chat-pilot"), ("azure_openai", "azure/gpt-35-turbo")}
    e = usage[("envoy", "gpt-4o-mini")]
    assert (str(e["day"]), e["requests"], e["input_tokens"], e["output_tokens"], e["total_tokens"]) == ("2025-08-30", 1, 15, 7, 22)
    # 15 × 0.15e-6 + 7 × 0.6e-6 = 2.25e-6 + 4.2e-6
    assert abs(e["cost_usd"] - 6.45e-06) < 1e-12
    a = usage[("azure_apim", "azure/gpt-35-turbo")]
    assert (str(a["day"]), a["requests"], a["input_tokens"], a["output_tokens"], a["failed_requests"]) == ("2024-07-02", 1, 14, 8, 0)
    # 14 × 0.5e-6 + 8 × 1.5e-6 = 7e-6 + 12e-6
    assert abs(a["cost_usd"] - 1.9e-05) < 1e-12
    blocked = usage[("azure_apim", "gpt-chat-pilot")]
    assert (blocked["requests"], blocked["denied_requests"], blocked["total_tokens"], blocked["unpriced_requests"]) == (1, 1, 0, 1)
    d = usage[("azure_openai", "azure/gpt-35-turbo")]
    assert (str(d["day"]), d["requests"], d["total_tokens"], d["cost_usd"]) == ("2024-05-24", 1, 0, 0.0)
    assert all(r["end_user"] == "" for r in usage.values())

    lat = {(r["source"], r["model"]): r for r in table(tmp_path, "latency_daily")}
    assert lat[("envoy", "gpt-4o-mini")]["latency_ms_max"] == 1526
    assert lat[("azure_apim", "azure/gpt-35-turbo")]["latency_ms_max"] == 176
    assert lat[("azure_apim", "gpt-chat-pilot")]["latency_ms_max"] == 453
    assert lat[("azure_openai", "azure/gpt-35-turbo")]["latency_ms_max"] == 1021

    [deny] = table(tmp_path, "permissions_daily")
    assert (deny["source"], deny["subject"], deny["reason"], deny["denials"]) == ("azure_apim", "gpt-chat-pilot", "guardrail", 1)
    [tool] = table(tmp_path, "tools_daily")
    assert (tool["source"], tool["tool"], tool["calls"], tool["succeeded"], tool["duration_ms_p50"]) == ("envoy", "context7", 1, 1, 653)
    assert table(tmp_path, "tags_daily") == []


def spend_row(rid, start, tags, end_user, prompt, completion, encoded=False):
    row = {"request_id": rid, "call_type": "acompletion", "startTime": start, "endTime": start, "model": "gpt-5",
           "custom_llm_provider": "openai", "prompt_tokens": prompt, "completion_tokens": completion,
           "total_tokens": prompt + completion, "spend": 0, "request_tags": json.dumps(tags) if encoded else tags,
           "end_user": end_user, "metadata": {"user_api_key_alias": "key-a"}, "status": "success"}
    return json.dumps(row)


def test_tags_and_end_users_count_once_across_files(tmp_path):
    # gpt-5 in cases/prices.json: $1.25 in, $10 out per Mtok
    day = "2026-03-02T09:00:00.000000+00:00"
    a = [spend_row("r1", day, ["job:etl", "prod"], "cust-1", 1000, 100),   # 1 250 + 1 000 µ$ = $0.00225
         spend_row("r2", day, ["prod"], "cust-2", 2000, 200, encoded=True),  # 2 500 + 2 000 µ$ = $0.0045
         spend_row("r3", day, [], "", 100, 0)]                             # 125 µ$
    write_lines(tmp_path / "logs" / "a.jsonl", a)
    # a copy of r1 in another file (an export read twice): counts once, in tags too
    write_lines(tmp_path / "logs" / "b.jsonl", [a[0]])
    run(tmp_path, tmp_path / "logs", bundled=False)

    tags = {r["tag"]: r for r in table(tmp_path, "tags_daily")}
    assert set(tags) == {"job:etl", "prod"}
    assert (tags["job:etl"]["requests"], tags["job:etl"]["input_tokens"], tags["job:etl"]["total_tokens"]) == (1, 1000, 1100)
    assert abs(tags["job:etl"]["cost_usd"] - 0.00225) < 1e-12
    # prod: r1 + r2 = 2 requests, 3 000 in, 300 out, $0.00225 + $0.0045
    assert (tags["prod"]["requests"], tags["prod"]["input_tokens"], tags["prod"]["output_tokens"]) == (2, 3000, 300)
    assert abs(tags["prod"]["cost_usd"] - 0.00675) < 1e-12
    assert all(str(r["day"]) == "2026-03-02" and r["source"] == "litellm" for r in tags.values())

    usage = {r["end_user"]: r for r in table(tmp_path, "usage_daily")}
    assert set(usage) == {"", "cust-1", "cust-2"}
    assert [usage[u]["requests"] for u in ("", "cust-1", "cust-2")] == [1, 1, 1]
    assert abs(usage["cust-1"]["cost_usd"] - 0.00225) < 1e-12
    assert all(r["principal"] == "key-a" for r in usage.values())
    assert sum(r["duplicate_events"] for r in table(tmp_path, "ingest_files")) == 1
    # the column is the last one, also in the CSV header
    header = (tmp_path / "out" / "usage_daily.csv").read_text().splitlines()[0]
    assert header.endswith(",unpriced_requests,end_user")


def test_gemini_cli_chat_sample_end_to_end(tmp_path):
    sample = ROOT / "Tests" / "IngestTests" / "Fixtures" / "samples" / "agent" / "gemini-cli-chat-fixture.jsonl"
    run(tmp_path, sample)
    [f] = table(tmp_path, "ingest_files")
    assert (f["format"], f["lines"], f["events"], f["status"]) == ("gemini_cli", 2, 1, "ok")
    [u] = table(tmp_path, "usage_daily")
    assert (str(u["day"]), u["source"], u["provider"], u["model"], u["principal"]) == (
        "2026-05-17", "gemini_cli", "gemini", "gemini/gemini-3-flash-preview", "project-a")
    # 15 327 input − 11 526 cached + 7 tool = 3 808 uncached; 23 output + 919 thoughts = 942
    assert (u["input_tokens"], u["cache_read_tokens"], u["output_tokens"], u["reasoning_tokens"], u["total_tokens"]) == (
        3808, 11526, 942, 919, 16276)
    # $0.50 / $0.05 / $3.00 per Mtok (in, cache read, out and reasoning):
    # 3 808 × 0.5 + 11 526 × 0.05 + 942 × 3 = 1 904 + 576.3 + 2 826 = 5 306.3 µ$
    assert abs(u["cost_usd"] - 0.0053063) < 1e-12


def test_gemini_cli_telemetry_outfile_end_to_end(tmp_path):
    import gzip
    sample = ROOT / "Tests" / "IngestTests" / "Fixtures" / "samples" / "agent" / "gemini-cli-telemetry.log"
    data = sample.read_bytes()
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "telemetry.log.gz").write_bytes(gzip.compress(data, mtime=0))
    run(tmp_path, tmp_path / "logs")
    [f] = table(tmp_path, "ingest_files")
    # 9 concatenated pretty-printed objects: 7 log records (1 api_request ignored), a span, a metric export
    assert (f["format"], f["compression"], f["lines"], f["events"], f["malformed_lines"], f["status"]) == (
        "gemini_cli_telemetry", "gzip", 9, 8, 0, "ok")
    [u] = table(tmp_path, "usage_daily")
    assert (u["model"], u["requests"], u["rate_limited_requests"]) == ("gemini/gemini-2.5-pro", 2, 1)
    # 12 000 − 8 000 cached + 40 tool = 4 040 in; 300 + 700 thoughts = 1 000 out
    assert (u["input_tokens"], u["cache_read_tokens"], u["output_tokens"], u["reasoning_tokens"]) == (4040, 8000, 1000, 700)
    # gemini-2.5-pro $1.25 in, $0.125 cache read, $10 out and reasoning per Mtok:
    # 4 040 × 1.25 + 8 000 × 0.125 + 1 000 × 10 = 5 050 + 1 000 + 10 000 = 16 050 µ$
    assert abs(u["cost_usd"] - 0.01605) < 1e-12
    tools = {r["tool"]: r for r in table(tmp_path, "tools_daily")}
    assert {k: (v["succeeded"], v["failed"], v["denied"]) for k, v in tools.items()} == {
        "run_shell_command": (1, 0, 0), "write_file": (0, 0, 1), "docs/search": (0, 1, 0), "replace": (0, 0, 1)}
    assert sorted((r["subject"], r["reason"]) for r in table(tmp_path, "permissions_daily")) == [
        ("replace", "policy_rule"), ("write_file", "user_rejected")]


def test_a_telemetry_outfile_cut_inside_its_last_object_is_partial(tmp_path):
    sample = ROOT / "Tests" / "IngestTests" / "Fixtures" / "samples" / "agent" / "gemini-cli-telemetry.log"
    text = sample.read_text()
    cut = text[: text.rindex('"resourceMetrics"')]  # the writer is busy with the metric export
    (tmp_path / "telemetry.log").write_text(cut)
    run(tmp_path, tmp_path / "telemetry.log")
    [f] = table(tmp_path, "ingest_files")
    assert (f["format"], f["lines"], f["events"], f["malformed_lines"], f["status"]) == ("gemini_cli_telemetry", 9, 8, 1, "partial")
