#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (issue 11 item 6) from the test fixtures and SampleLogs.

    Scripts/fuzz-seeds.py OUTDIR

OUTDIR/<target>/ gets one file per seed:

* scanner: each line of every log file (at most 64 KB);
* detect: each log file as stored (plain, gzip or zstd, at most 256 KB);
* litellm, kong, bedrock, otel, claude_code, codex, envoy, azure_apim, azure_openai, gemini_cli,
  gemini_cli_telemetry: the file's lines in runs of 1 and 8 (at most
  64 KB), sorted to the decoder whose format the line looks like; a file that is one JSON
  document is also a seed of its own.

Seeds are named by content hash, so re-running adds nothing twice. Nothing here is committed:
the corpora are made anew from the fixtures.
"""
import gzip
import hashlib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ["SampleLogs", "Tests/IngestTests/Fixtures", "Tests/acceptance/cases"]
TARGETS = ["scanner", "detect", "litellm", "kong", "bedrock", "otel", "claude_code", "codex",
           "envoy", "azure_apim", "azure_openai", "gemini_cli", "gemini_cli_telemetry", "metrics"]
MAX_LINE_SEED = 64 << 10
MAX_FILE_SEED = 256 << 10


def log_files():
    for source in SOURCES:
        for folder, _, names in os.walk(os.path.join(ROOT, source)):
            for name in sorted(names):
                if name.endswith((".jsonl", ".json", ".jsonl.gz", ".json.gz", ".jsonl.zst", ".gz", ".zst", ".log")):
                    if name in ("prices.json", "expected.json") or name.startswith("expected"):
                        continue
                    yield os.path.join(folder, name)


def decoded(path, raw):
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except Exception:
            return b""
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        try:
            return subprocess.run(["zstd", "-dc"], input=raw, capture_output=True, check=True).stdout
        except Exception:
            return b""
    return raw


def guess(path, line):
    """The decoder a line (or its file's path) looks like, or None."""
    p = path.lower()
    if b'"gemini_cli.' in line or "telemetry" in p:
        return "gemini_cli_telemetry"
    if b'"projectHash"' in line or b'"type":"gemini"' in line or "gemini" in p:
        return "gemini_cli"
    if b'"GatewayLogs"' in line or "apim" in p:
        return "azure_apim"
    if b'"RequestResponse"' in line or "azure-openai" in p:
        return "azure_openai"
    if b'"genai_model_name"' in line or b'"mcp_method"' in line or "envoy" in p:
        return "envoy"
    if b'"resourceSpans"' in line or b'"spanId"' in line or "otel" in p or "openinference" in p or "otlp" in p:
        return "otel"
    if b'"session_meta"' in line or b'"turn_context"' in line or b'"event_msg"' in line or "codex" in p:
        return "codex"
    if b'"sessionId"' in line or "claude" in p:
        return "claude_code"
    if b'"modelId"' in line and b'"schemaType"' in line or "bedrock" in p:
        return "bedrock"
    if b'"started_at"' in line or b'"ai-proxy"' in line or "kong" in p:
        return "kong"
    if b'"request_id"' in line or b'"custom_llm_provider"' in line or "litellm" in p or "spend" in p:
        return "litellm"
    return None


def put(out, target, data):
    if not data:
        return 0
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(out, target, name)
    if os.path.exists(path):
        return 0
    with open(path, "wb") as f:
        f.write(data)
    return 1


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    for t in TARGETS:
        os.makedirs(os.path.join(out, t), exist_ok=True)
    added = dict.fromkeys(TARGETS, 0)
    for path in log_files():
        with open(path, "rb") as f:
            raw = f.read()
        if len(raw) <= MAX_FILE_SEED:
            added["detect"] += put(out, "detect", raw)
        text = decoded(path, raw)
        lines = [l for l in text.split(b"\n") if l.strip()]
        for l in lines:
            if len(l) <= MAX_LINE_SEED:
                added["scanner"] += put(out, "scanner", l)
        stripped = text.lstrip()
        if stripped[:1] in (b"[", b"{") and len(text) <= MAX_LINE_SEED and len(lines) > 1:
            t = guess(path, text)
            if t:
                added[t] += put(out, t, text)
        for run in (1, 8):
            for i in range(0, len(lines), run):
                chunk = b"\n".join(lines[i:i + run]) + b"\n"
                t = guess(path, chunk)
                if t and len(chunk) <= MAX_LINE_SEED:
                    added[t] += put(out, t, chunk)
    # metrics (issue 17): the energy samples' openings, behind a chunk-size byte
    for folder, _, names in os.walk(os.path.join(ROOT, "SampleLogs", "energy")):
        for name in sorted(names):
            with open(os.path.join(folder, name), "rb") as f:
                head = f.read(16 << 10)
            for step in (b"\x00", b"\x06", b"\xff"):
                added["metrics"] += put(out, "metrics", step + head)
    added["metrics"] += put(out, "metrics", b"\x03# TYPE DCGM_FI_DEV_POWER_USAGE gauge\n"
                            b'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",Hostname="n"} 231.5 1764000000000\n'
                            b'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",Hostname="n"} 232 1764000015000\n')
    for t in TARGETS:
        total = len(os.listdir(os.path.join(out, t)))
        print(f"fuzz seeds: {t}: {total} ({added[t]} new)")


if __name__ == "__main__":
    main()
