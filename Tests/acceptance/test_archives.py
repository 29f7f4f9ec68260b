"""Issue 10 (real archives), end to end against the built binary: detection that skips lines it
cannot decide on and falls back to the agents' folders, and empty files.

Prices: the cases' prices.json (claude-sonnet-4-5 is not needed: these tests check counts and
statuses, not costs).
"""
import gzip
import json
import subprocess

from test_incremental import kong_record, run, table, write_lines


def assistant(i, day="2026-06-30"):
    # one Anthropic response: 10 uncached input + 20 output tokens
    return json.dumps({
        "type": "assistant", "timestamp": "%sT10:00:%02d.000Z" % (day, i), "sessionId": "s-1", "cwd": "/home/dev/shop",
        "requestId": "req_%d" % i, "uuid": "u-%d" % i,
        "message": {"id": "msg_%d" % i, "model": "claude-sonnet-4-5", "role": "assistant", "content": [],
                    "usage": {"input_tokens": 10, "output_tokens": 20}}}, separators=(",", ":"))


def by_name(rows):
    return {r["path"].rsplit("/", 1)[-1]: r for r in rows}


def test_empty_files_are_ok_with_zero_lines(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "empty.jsonl").write_bytes(b"")
    (logs / "blank.jsonl").write_bytes(b"\n\n  \n")
    (logs / "empty.jsonl.gz").write_bytes(gzip.compress(b""))
    (logs / "empty.jsonl.zst").write_bytes(subprocess.run(["zstd", "-q", "-c"], input=b"", capture_output=True, check=True).stdout)
    write_lines(logs / "kong.jsonl", [kong_record(0)])
    run(tmp_path, "logs")
    rows = by_name(table(tmp_path, "ingest_files"))
    for name, compression in [("empty.jsonl", "none"), ("blank.jsonl", "none"), ("empty.jsonl.gz", "gzip"),
                              ("empty.jsonl.zst", "zstd")]:
        r = rows[name]
        assert (r["status"], r["lines"], r["events"], r["malformed_lines"], r["error"]) == ("ok", 0, 0, 0, ""), (name, r)
        assert r["compression"] == compression, (name, r)
    assert rows["kong.jsonl"]["events"] == 1


def test_an_oversized_first_line_does_not_hide_the_format(tmp_path):
    # a 17 MiB first snapshot line (longer than the 16 MiB the detector holds), then one response
    snapshot = json.dumps({"type": "file-history-snapshot", "messageId": "m-0",
                           "snapshot": {"blob": "x" * (17 << 20)}}, separators=(",", ":"))
    log = tmp_path / "logs" / "transcript.jsonl"
    write_lines(log, [snapshot, "not json {", json.dumps({"foreign": True}), assistant(1)])
    run(tmp_path, "logs")
    r = by_name(table(tmp_path, "ingest_files"))["transcript.jsonl"]
    assert r["format"] == "claude_code", r
    # "not json {" is malformed, {"foreign": true} is no transcript record: 2 malformed of 4 lines
    assert r["status"] == "partial"
    assert (r["lines"], r["malformed_lines"], r["oversized_lines"]) == (4, 2, 0), r
    usage = table(tmp_path, "usage_daily")
    # one response: 10 input + 20 output = 30 tokens
    assert [(u["requests"], u["total_tokens"]) for u in usage] == [(1, 30)]


def test_the_agent_folder_decides_when_no_line_does(tmp_path):
    # 70 title lines no decoder claims (more than the 64 lines looked at), then one response
    titles = [json.dumps({"type": "ai-title", "title": "t%d" % i}) for i in range(70)]
    inside = tmp_path / "home" / ".claude" / "projects" / "-home-dev-shop" / "s-1.jsonl"
    outside = tmp_path / "elsewhere" / "s-1.jsonl"
    for p in (inside, outside):
        write_lines(p, titles + [assistant(1)])
    run(tmp_path, str(tmp_path / "home" / ".claude" / "projects"), str(tmp_path / "elsewhere"))
    rows = {r["path"]: r for r in table(tmp_path, "ingest_files")}
    r_in = next(r for p, r in rows.items() if "/.claude/projects/" in p)
    r_out = next(r for p, r in rows.items() if "/elsewhere/" in p)
    assert (r_in["format"], r_in["status"], r_in["lines"], r_in["events"]) == ("claude_code", "ok", 71, 1), r_in
    assert (r_out["format"], r_out["status"]) == ("", "failed"), r_out
    assert [(u["requests"], u["total_tokens"]) for u in table(tmp_path, "usage_daily")] == [(1, 30)]


def test_inferred_instants_are_counted_and_kept_in_the_state(tmp_path):
    no_ts = json.loads(assistant(2))
    del no_ts["timestamp"]
    log = tmp_path / "logs" / "s-1.jsonl"
    # response 1 at 2026-06-30T10:00:01Z; response 2 has no timestamp: it takes 10:00:01 (same session)
    write_lines(log, [assistant(1), json.dumps(no_ts)])
    run(tmp_path, "logs")
    r = table(tmp_path, "ingest_files")[-1]
    assert list(table(tmp_path, "ingest_files")[0].keys())[-1] == "inferred_instants"
    assert (r["status"], r["events"], r["malformed_lines"], r["inferred_instants"]) == ("ok", 2, 0, 1), r
    usage = table(tmp_path, "usage_daily")
    # two responses of 10 + 20 tokens on 2026-06-30
    assert [(str(u["day"]), u["requests"], u["total_tokens"]) for u in usage] == [("2026-06-30", 2, 60)]
    run(tmp_path, "logs")  # unchanged: the count comes back from the state
    r = table(tmp_path, "ingest_files")[-1]
    assert (r["status"], r["inferred_instants"]) == ("skipped", 1), r


def otlp_export():
    # one chat span: 1 000 input tokens (200 of them cache reads) + 100 output, 1.5 s
    attrs = [{"key": k, "value": v} for k, v in [
        ("gen_ai.operation.name", {"stringValue": "chat"}), ("gen_ai.provider.name", {"stringValue": "openai"}),
        ("gen_ai.request.model", {"stringValue": "gpt-4o"}), ("gen_ai.usage.input_tokens", {"intValue": "1000"}),
        ("gen_ai.usage.cache_read.input_tokens", {"intValue": "200"}), ("gen_ai.usage.output_tokens", {"intValue": "100"})]]
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "chat gpt-4o", "kind": 3,
            "startTimeUnixNano": "1782813600000000000", "endTimeUnixNano": "1782813601500000000", "attributes": attrs}
    return {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "bot"}}]},
                               "scopeSpans": [{"scope": {"name": "x"}, "spans": [span]}]}]}


def test_a_json_document_is_read_as_its_records(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "export.json").write_text(json.dumps(otlp_export(), indent=2))  # pretty-printed: 40-odd lines
    (logs / "kong-array.json").write_text("[\n" + ",\n".join(kong_record(i) for i in range(3)) + "\n]\n")
    (logs / "kong-array.json.gz").write_bytes(gzip.compress(("[" + ",".join(kong_record(i, hour=13) for i in range(2)) + "]").encode()))
    run(tmp_path, "logs")
    rows = by_name(table(tmp_path, "ingest_files"))
    e = rows["export.json"]
    assert (e["format"], e["status"], e["lines"], e["events"], e["malformed_lines"]) == ("otel", "ok", 1, 1, 0), e
    k = rows["kong-array.json"]
    assert (k["format"], k["status"], k["lines"], k["events"]) == ("kong", "ok", 3, 3), k
    z = rows["kong-array.json.gz"]
    assert (z["format"], z["compression"], z["status"], z["lines"], z["events"]) == ("kong", "gzip", "ok", 2, 2), z
    usage = {(u["source"], u["model"]): u for u in table(tmp_path, "usage_daily")}
    o = usage[("otel", "gpt-4o")]
    # uncached input 1 000 − 200 = 800, cache read 200, output 100: total 1 100
    assert (o["requests"], o["input_tokens"], o["cache_read_tokens"], o["output_tokens"], o["total_tokens"]) == (1, 800, 200, 100, 1100)
    # Kong: 3 + 2 records of 2 000 prompt + 500 completion tokens
    kg = usage[("kong", "gpt-4o")]
    assert (kg["requests"], kg["total_tokens"]) == (5, 5 * 2500)
    # a document longer than --max-line-bytes is not read
    (logs / "export.json").write_text(json.dumps(otlp_export(), indent=2) + " " * 3000)  # > 3 000 bytes
    run(tmp_path, "logs", extra=("--max-line-bytes", "1024"))
    assert by_name(table(tmp_path, "ingest_files"))["export.json"]["status"] == "failed"
