#!/usr/bin/env python3
"""End-to-end benchmark: factorylog vs a DuckDB query computing the same usage_daily sums.

Generates (once) a corpus of at least 1 GB uncompressed JSON lines under Benchmarks/.corpus/e2e:
LiteLLM logging payloads (zstd), Kong AI Gateway file-log records (gzip) and Claude Code transcripts
(gzip), in several files, lines of 1-3 KB that are mostly prompt/response text. Then it runs

    factorylog run <corpus> --out <tmp> --state <tmp>/state.sqlite --jobs 2 --quiet
    python Benchmarks/duckdb_baseline.py <corpus>          (DuckDB, 2 threads)

and prints wall time, MB/s of uncompressed input, CPU seconds and peak RSS for both, with the
targets (faster than DuckDB on the same input; peak RSS under 256 MB). This is a benchmark, not a
test: it asserts nothing.

    make bench                # or: python3 Benchmarks/e2e.py [--gb 1.0] [--bin PATH]
"""
import argparse
import datetime as dt
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, ".corpus", "e2e")

WORDS = ("the of and to in is that for it as with was on be by this are or an from at which have not they but "
         "function return value error request response token model cache latency stream retry config").split()


def prose(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def litellm_line(rng, i, t):
    prompt, comp = rng.randint(200, 9000), rng.randint(20, 900)
    model = ("gpt-4o", "gpt-5", "claude-sonnet-4-5")[i % 3]
    start = t.timestamp()
    return json.dumps({
        "id": "chatcmpl-%08d" % i, "trace_id": None, "call_type": "acompletion", "stream": True, "status": "success",
        "custom_llm_provider": "anthropic" if model.startswith("claude") else "openai",
        "startTime": start, "endTime": start + 2.5, "completionStartTime": start + 0.4, "model": model,
        "metadata": {"user_api_key_alias": "key-%d" % (i % 7), "user_api_key_team_alias": "team-%d" % (i % 5),
                     "usage_object": {"prompt_tokens": prompt, "completion_tokens": comp, "total_tokens": prompt + comp,
                                      "prompt_tokens_details": {"cached_tokens": 0}}},
        "response_cost": None, "prompt_tokens": prompt, "completion_tokens": comp, "total_tokens": prompt + comp,
        "messages": [{"role": "user", "content": prose(rng, rng.randint(120, 330))}],
        "response": {"choices": [{"message": {"role": "assistant", "content": prose(rng, rng.randint(40, 120))}}]},
    }, separators=(",", ":"))


def kong_line(rng, i, t):
    prompt, comp = rng.randint(200, 9000), rng.randint(20, 900)
    return json.dumps({
        "workspace_name": "platform", "source": "upstream", "upstream_status": 200, "started_at": int(t.timestamp() * 1000),
        "request": {"id": "%032x" % i, "method": "POST", "size": 900, "headers": {"user-agent": prose(rng, 6)}},
        "response": {"status": 200, "size": 1500, "headers": {"x-kong-request-id": "%032x" % i}},
        "latencies": {"kong": 2, "proxy": 1400, "request": 1402, "receive": 0},
        "consumer": {"id": "c-%d" % (i % 4), "username": "svc-%d" % (i % 4)},
        "ai": {"payload": {"request": prose(rng, rng.randint(150, 380))},
               "proxy": {"meta": {"provider_name": "openai", "request_model": "gpt-4o", "response_model": "gpt-4o-2024-08-06",
                                  "operation_name": "chat", "llm_latency": 1390},
                         "usage": {"prompt_tokens": prompt, "completion_tokens": comp, "total_tokens": prompt + comp,
                                   "prompt_tokens_details": {"cached_tokens": 0}, "cost": 0, "time_to_first_token": 300}}},
    }, separators=(",", ":"))


def claude_line(rng, i, t):
    return json.dumps({
        "parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/home/dev/proj%d" % (i % 6),
        "sessionId": "sess-%d" % (i // 50), "version": "2.0.76", "type": "assistant", "requestId": "req_%08d" % i,
        "message": {"model": "claude-sonnet-4-5-20250929", "id": "msg_%08d" % i, "type": "message", "role": "assistant",
                    "content": [{"type": "text", "text": prose(rng, rng.randint(150, 420))}],
                    "usage": {"input_tokens": rng.randint(1, 50), "cache_creation_input_tokens": 1000,
                              "cache_read_input_tokens": rng.randint(0, 50000), "output_tokens": rng.randint(20, 900),
                              "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 0}}},
        "uuid": "u-%d" % i, "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }, separators=(",", ":"))


def generate(gb):
    marker = os.path.join(CORPUS, ".complete-%.2f" % gb)
    if os.path.exists(marker):
        return
    shutil.rmtree(CORPUS, ignore_errors=True)
    os.makedirs(CORPUS)
    rng = random.Random(7)
    target = int(gb * 1e9)
    kinds = [("litellm", litellm_line, "zst"), ("kong", kong_line, "gz"), ("claude", claude_line, "gz")]
    per_file = 110_000_000
    written = 0
    n = 0
    i = 0
    t0 = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)
    while written < target:
        name, fn, ext = kinds[n % 3]
        path = os.path.join(CORPUS, name, "part-%03d.jsonl.%s" % (n, ext))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        cmd = ["zstd", "-q", "-3", "-c"] if ext == "zst" else ["gzip", "-6", "-c"]
        with open(path, "wb") as out:
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out)
            size = 0
            buf = []
            while size < per_file:
                t = t0 + dt.timedelta(seconds=i * 7)
                line = fn(rng, i, t) + "\n"
                buf.append(line)
                size += len(line)
                i += 1
                if len(buf) >= 2000:
                    p.stdin.write("".join(buf).encode())
                    buf = []
            p.stdin.write("".join(buf).encode())
            p.stdin.close()
            p.wait()
        written += size
        n += 1
        print("  generated %s (%.0f MB uncompressed, %.2f GB total)" % (os.path.relpath(path, ROOT), size / 1e6, written / 1e9), flush=True)
    with open(os.path.join(CORPUS, ".uncompressed-bytes"), "w") as f:
        f.write(str(written))
    open(marker, "w").close()


def timed(cmd, env=None):
    """Runs cmd; returns (wall s, cpu s, peak RSS MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    p = subprocess.Popen(cmd, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t
    if os.waitstatus_to_exitcode(status) != 0:
        print("command failed: %s" % " ".join(cmd))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def main():
    global CORPUS
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "factorylog"))
    ap.add_argument("--corpus", default=CORPUS, help="where the generated corpus lives")
    a = ap.parse_args()
    CORPUS = os.path.abspath(a.corpus)
    print("corpus: %s" % os.path.relpath(CORPUS, ROOT))
    generate(a.gb)
    with open(os.path.join(CORPUS, ".uncompressed-bytes")) as f:
        total = int(f.read())
    mb = total / 1e6
    tmp = tempfile.mkdtemp(prefix="factorylog-bench-")
    try:
        fl = timed([a.bin, "run", CORPUS, "--out", os.path.join(tmp, "out"), "--state", os.path.join(tmp, "state.sqlite"),
                    "--jobs", "2", "--quiet", "--tz", "UTC"])
        db = timed([sys.executable, os.path.join(HERE, "duckdb_baseline.py"), CORPUS])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print("%-28s %10s %10s %10s %12s" % ("end to end (%.0f MB)" % mb, "wall s", "MB/s", "CPU s", "peak RSS MB"))
    for name, (w, c, r) in (("factorylog run --jobs 2", fl), ("DuckDB 2 threads", db)):
        print("%-28s %10.2f %10.0f %10.2f %12.0f" % (name, w, mb / w, c, r))
    print()
    print("targets: factorylog faster than DuckDB (%s); peak RSS under 256 MB (%s)" % (
        "met" if fl[0] < db[0] else "NOT met", "met" if fl[2] < 256 else "NOT met"))


if __name__ == "__main__":
    main()
