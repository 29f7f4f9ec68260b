#!/usr/bin/env python3
"""Pricing parity with LiteLLM (issue 16): our cost per request against `litellm.completion_cost`.

    python3 Scripts/parity.py generate --table FULL.json --out Tests/acceptance/parity   # needs litellm
    python3 Scripts/parity.py check --bin .build/debug/factorylog --dir Tests/acceptance/parity [--table FULL.json]

`generate` (run by `make parity` in the venv that holds the pinned litellm release) writes, from a
fixed seed, requests over every rule of CONTRACT.md "Money" and every source that carries cost
fields, as real log records (LiteLLM spend logs, Claude Code transcripts, Bedrock invocation logs,
OTel spans, Codex rollouts, Kong file logs) under DIR/logs, and DIR/requests.json: per request its
id, source, logged model and provider, and the cost `litellm.completion_cost` gives for the usage
block LiteLLM builds from the provider's usage, with the request's served service tier, at the
request's instant (`pinned_billing_time`, for off-peak windows).

`check` runs our binary on DIR/logs with `--prices TABLE --no-bundled-prices --cost-source priced`
(TABLE: the release's full table under `make parity`; DIR/prices.json, the entries our binary
resolved to, under `make test`), reads `usage_daily.csv` (one principal per request) and reports
the requests whose cost differs by more than 1e-9 relative and those LiteLLM prices but we leave
unpriced. `--write-subset` stores the resolved entries of TABLE as DIR/prices.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile

TOLERANCE = 1e-9
# Names LiteLLM 1.110.2 leaves unpriced or at $0 that our chain prices (listed in CONTRACT.md).
OUR_CHAIN_ONLY = (
    ("claude-sonnet-4-6@20260301", "vertex_ai"),  # a Vertex @date LiteLLM's table lacks: $0 there
    ("mistral-large-2411", "mistral"),          # not in 1.110.2's table at all: stays unpriced for both
)
DAY = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.timezone.utc)  # a Wednesday


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ---------------------------------------------------------------------------------------------
# Request generation


class Gen:
    def __init__(self, table: dict, seed: int = 16):
        self.table = {k: v for k, v in table.items() if isinstance(v, dict) and k != "sample_spec"}
        self.rng = random.Random(seed)
        self.requests: list[dict] = []

    def entries(self, pred, n, exclude=()):
        keys = sorted(k for k, v in self.table.items() if k not in exclude and pred(k, v))
        self.rng.shuffle(keys)
        return keys[:n]

    @staticmethod
    def chat(v):
        return v.get("mode") in ("chat", "responses", None) and isinstance(v.get("input_cost_per_token"), (int, float)) \
            and isinstance(v.get("output_cost_per_token"), (int, float)) and v["input_cost_per_token"] >= 5e-8 \
            and v["output_cost_per_token"] >= 5e-8

    def name_and_provider(self, key):
        provider = self.table[key].get("litellm_provider", "")
        if provider and key.startswith(provider + "/"):
            return key[len(provider) + 1:], provider
        return key, provider

    def add(self, source, model, provider, usage, rule, when=DAY, tier=None, extra=None):
        rid = f"req-{len(self.requests):04d}"
        self.requests.append({
            "id": rid, "source": source, "model": model, "provider": provider, "usage": usage, "rule": rule,
            "instant": when.isoformat(), "service_tier": tier, **(extra or {}),
        })

    def usage(self, prompt, reads=0, writes=0, w1h=0, out=2000, reasoning=0, tier=None, geo=None, speed=None):
        """A LiteLLM usage object (OpenAI shape + Anthropic cache fields), prompt including cache."""
        u = {
            "prompt_tokens": prompt + reads + writes, "completion_tokens": out,
            "total_tokens": prompt + reads + writes + out,
        }
        details = {}
        if reads:
            details["cached_tokens"] = reads
            u["cache_read_input_tokens"] = reads
        if writes:
            details["cache_creation_tokens"] = writes
            u["cache_creation_input_tokens"] = writes
            if w1h:
                details["cache_creation_token_details"] = {"ephemeral_5m_input_tokens": writes - w1h, "ephemeral_1h_input_tokens": w1h}
        if details:
            u["prompt_tokens_details"] = details
        if reasoning:
            u["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        if tier:
            u["service_tier"] = tier
        if geo:
            u["inference_geo"] = geo
        if speed:
            u["speed"] = speed
        return u

    def generate(self):
        r = self.rng
        used: set[str] = set()
        # A. many models, provider given apart from the name
        for key in self.entries(lambda k, v: self.chat(v) and "tiered_pricing" not in v and "off_peak_pricing" not in v
                                and v.get("litellm_provider") not in ("xai",), 115):
            v = self.table[key]
            model, provider = self.name_and_provider(key)
            reads = r.choice([0, r.randint(1000, 20000)]) if "cache_read_input_token_cost" in v else 0
            self.add("litellm", model, provider, self.usage(r.randint(20000, 90000), reads=reads, out=r.randint(1000, 8000)), "provider key")
            used.add(key)
        # B. Anthropic 1-hour writes
        for key in self.entries(lambda k, v: self.chat(v) and "cache_creation_input_token_cost_above_1hr" in v
                                and v.get("litellm_provider") == "anthropic", 8):
            model, provider = self.name_and_provider(key)
            self.add("litellm", model, provider, self.usage(30000, reads=5000, writes=8000, w1h=3000), "1h cache writes")
        # C. service tiers
        for key in self.entries(lambda k, v: self.chat(v) and ("input_cost_per_token_priority" in v or "input_cost_per_token_flex" in v), 12):
            v = self.table[key]
            tier = "priority" if "input_cost_per_token_priority" in v else "flex"
            model, provider = self.name_and_provider(key)
            reads = 4000 if "cache_read_input_token_cost" in v else 0
            self.add("litellm", model, provider, self.usage(40000, reads=reads, out=3000, tier=tier), "service tier", tier=tier)
        # D. long-context tiers
        for key in self.entries(lambda k, v: self.chat(v) and "input_cost_per_token_above_200k_tokens" in v, 10):
            model, provider = self.name_and_provider(key)
            v = self.table[key]
            reads = 20000 if "cache_read_input_token_cost" in v else 0
            self.add("litellm", model, provider, self.usage(215000, reads=reads, out=4000), "above 200k")
        # E. tiered_pricing
        for key in self.entries(lambda k, v: isinstance(v.get("tiered_pricing"), list) and v.get("mode") == "chat"
                                and any("range" in t and "input_cost_per_token" in t for t in v["tiered_pricing"]), 10):
            model, provider = self.name_and_provider(key)
            for prompt in (50000, 300000):
                self.add("litellm", model, provider, self.usage(prompt, out=3000, reasoning=1000), "tiered_pricing")
        # F. off-peak windows (Wednesday 12:00 and 07:00 UTC, Saturday 12:00 UTC, Friday 17:00 UTC)
        for key in self.entries(lambda k, v: isinstance(v.get("off_peak_pricing"), dict), 10):
            model, provider = self.name_and_provider(key)
            for when in (DAY, DAY.replace(hour=7), DAY + dt.timedelta(days=3), DAY + dt.timedelta(days=2, hours=5)):
                self.add("litellm", model, provider, self.usage(60000, reads=10000, out=3000), "off-peak", when=when)
        # G. provider_specific_entry multipliers
        for key in self.entries(lambda k, v: self.chat(v) and isinstance(v.get("provider_specific_entry"), dict)
                                and "us" in v["provider_specific_entry"], 10):
            model, provider = self.name_and_provider(key)
            fast = "fast" in self.table[key]["provider_specific_entry"]
            self.add("litellm", model, provider, self.usage(30000, reads=2000, out=2000, geo="us", speed="fast" if fast else None), "geo/speed multiplier")
        # H. Fireworks without a cache price
        for key in self.entries(lambda k, v: self.chat(v) and v.get("litellm_provider") == "fireworks_ai"
                                and "cache_read_input_token_cost" not in v, 5):
            model, provider = self.name_and_provider(key)
            self.add("litellm", model, provider, self.usage(40000, reads=20000, out=3000), "fireworks cache default")
        # I. xAI inclusive thresholds
        for key in self.entries(lambda k, v: self.chat(v) and v.get("litellm_provider") == "xai"
                                and any(f.startswith("input_cost_per_token_above_") for f in v), 5):
            v = self.table[key]
            t = min(int(f.split("_above_")[1].split("k_tokens")[0]) for f in v if f.startswith("input_cost_per_token_above_") and f.endswith("k_tokens"))
            model, provider = self.name_and_provider(key)
            self.add("litellm", model, provider, self.usage(t * 1000, out=2000), "xai inclusive threshold")
            self.add("litellm", model, provider, self.usage(t * 1000 - 1, out=2000), "xai inclusive threshold")
        # J. reasoning prices
        for key in self.entries(lambda k, v: self.chat(v) and "output_cost_per_reasoning_token" in v, 8):
            model, provider = self.name_and_provider(key)
            self.add("litellm", model, provider, self.usage(30000, out=6000, reasoning=4000), "reasoning price")
        # K. Claude Code
        for key in self.entries(lambda k, v: self.chat(v) and v.get("litellm_provider") == "anthropic"
                                and k.startswith("claude-") and "cache_creation_input_token_cost" in v, 8):
            fast = "fast" in (self.table[key].get("provider_specific_entry") or {})
            self.add("claude_code", key, "anthropic", self.usage(3000, reads=40000, writes=9000, w1h=4000, out=1500,
                                                                  speed="fast" if fast else None), "claude code split")
        # L. Bedrock invocation logs
        for key in self.entries(lambda k, v: self.chat(v) and v.get("litellm_provider") == "bedrock_converse"
                                and k.startswith(("us.", "eu.", "global.", "anthropic.", "amazon.")), 8):
            self.add("bedrock", key, "bedrock", self.usage(30000, out=2000), "bedrock ids")
        # M. OTel spans
        for key in self.entries(lambda k, v: self.chat(v) and v.get("litellm_provider") in ("openai", "anthropic", "gemini")
                                and "/" not in k, 6):
            self.add("otel", key, self.table[key]["litellm_provider"], self.usage(40000, reads=8000 if "cache_read_input_token_cost" in self.table[key] else 0, out=2500), "otel")
        # N. Codex
        for key in self.entries(lambda k, v: self.chat(v) and v.get("litellm_provider") == "openai" and k.startswith("gpt-5") and "/" not in k, 4):
            self.add("codex", key, "openai", self.usage(30000, reads=60000, out=3000, reasoning=1200), "codex")
        # O. Kong
        for key in self.entries(lambda k, v: self.chat(v) and v.get("litellm_provider") == "openai" and "/" not in k, 4):
            self.add("kong", key, "openai", self.usage(25000, reads=5000, out=2000), "kong")
        # P. names only our resolution chain prices (CONTRACT.md "Money", priced where LiteLLM is not)
        for model, provider in OUR_CHAIN_ONLY:
            self.add("litellm", model, provider, self.usage(30000, out=2000), "our chain only")
        return self.requests


# ---------------------------------------------------------------------------------------------
# Log records


def write_logs(requests: list[dict], folder: str):
    os.makedirs(folder, exist_ok=True)
    by: dict[str, list[str]] = {}
    for i, q in enumerate(requests):
        t = dt.datetime.fromisoformat(q["instant"])
        u = q["usage"]
        rid = q["id"]
        reads = u.get("cache_read_input_tokens", 0)
        writes = u.get("cache_creation_input_tokens", 0)
        w1h = (u.get("prompt_tokens_details", {}).get("cache_creation_token_details") or {}).get("ephemeral_1h_input_tokens", 0)
        reasoning = (u.get("completion_tokens_details") or {}).get("reasoning_tokens", 0)
        uncached = u["prompt_tokens"] - reads - writes
        if q["source"] == "litellm":
            row = {
                "request_id": rid, "call_type": "acompletion", "startTime": t.isoformat(),
                "endTime": (t + dt.timedelta(seconds=2)).isoformat(), "model": q["model"],
                "custom_llm_provider": q["provider"], "spend": 0.0,
                "metadata": {"usage_object": u, "user_api_key_alias": rid, "status": "success"},
            }
            by.setdefault("litellm/spend.jsonl", []).append(json.dumps(row))
        elif q["source"] == "claude_code":
            usage = {"input_tokens": uncached, "cache_creation_input_tokens": writes, "cache_read_input_tokens": reads,
                     "output_tokens": u["completion_tokens"],
                     "cache_creation": {"ephemeral_5m_input_tokens": writes - w1h, "ephemeral_1h_input_tokens": w1h},
                     "service_tier": "standard"}
            if u.get("speed"):
                usage["speed"] = u["speed"]
            rec = {"type": "assistant", "cwd": f"/work/{rid}", "sessionId": f"s-{rid}", "requestId": f"r-{rid}",
                   "timestamp": iso(t), "uuid": f"u-{rid}",
                   "message": {"id": f"msg_{rid}", "model": q["model"], "role": "assistant", "type": "message",
                               "content": [{"type": "text", "text": "ok"}], "usage": usage}}
            by.setdefault(f"claude/projects/-work-{rid}/{rid}.jsonl", []).append(json.dumps(rec))
        elif q["source"] == "bedrock":
            rec = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "accountId": "111122223333", "identity": {"arn": f"arn:aws:sts::111122223333:assumed-role/{rid}/s"},
                   "region": "us-east-1", "requestId": f"b-{rid}", "operation": "Converse", "modelId": q["model"],
                   "input": {"inputContentType": "application/json", "inputTokenCount": uncached},
                   "output": {"outputContentType": "application/json",
                              "outputBodyJson": {"stopReason": "end_turn", "usage": {"inputTokens": uncached, "outputTokens": u["completion_tokens"], "totalTokens": uncached + u["completion_tokens"]}},
                              "outputTokenCount": u["completion_tokens"]}}
            by.setdefault("bedrock/AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/11/25/invocations.json", []).append(json.dumps(rec))
        elif q["source"] == "otel":
            ns = int(t.timestamp()) * 1_000_000_000
            attrs = [("gen_ai.operation.name", {"stringValue": "chat"}), ("gen_ai.provider.name", {"stringValue": q["provider"]}),
                     ("gen_ai.request.model", {"stringValue": q["model"]}), ("gen_ai.response.model", {"stringValue": q["model"]}),
                     ("gen_ai.usage.input_tokens", {"intValue": str(u["prompt_tokens"])}),
                     ("gen_ai.usage.output_tokens", {"intValue": str(u["completion_tokens"])}), ("enduser.id", {"stringValue": rid})]
            if reads:
                attrs.append(("gen_ai.usage.cache_read.input_tokens", {"intValue": str(reads)}))
            span = {"traceId": f"{i:032x}", "spanId": f"{i:016x}", "name": f"chat {q['model']}", "kind": 3,
                    "startTimeUnixNano": str(ns), "endTimeUnixNano": str(ns + 2_000_000_000),
                    "attributes": [{"key": k, "value": v} for k, v in attrs], "status": {}}
            doc = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "parity"}}]},
                                      "scopeSpans": [{"scope": {"name": "parity"}, "spans": [span]}]}]}
            by.setdefault("otel/traces.jsonl", []).append(json.dumps(doc))
        elif q["source"] == "codex":
            tot = {"input_tokens": u["prompt_tokens"], "cached_input_tokens": reads, "output_tokens": u["completion_tokens"],
                   "reasoning_output_tokens": reasoning, "total_tokens": u["prompt_tokens"] + u["completion_tokens"]}
            lines = [
                {"timestamp": iso(t), "type": "session_meta", "payload": {"id": f"00000000-0000-0000-0000-{i:012d}", "timestamp": iso(t), "cwd": f"/work/{rid}", "originator": "codex_cli_rs", "cli_version": "0.46.0", "source": "cli", "model_provider": "openai"}},
                {"timestamp": iso(t + dt.timedelta(seconds=2)), "type": "turn_context", "payload": {"cwd": f"/work/{rid}", "model": q["model"]}},
                {"timestamp": iso(t + dt.timedelta(seconds=5)), "type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": tot, "last_token_usage": tot, "model_context_window": 272000}}},
            ]
            by.setdefault(f"codex/sessions/2026/11/25/rollout-2026-11-25T12-00-00-00000000-0000-0000-0000-{i:012d}.jsonl", []).extend(json.dumps(x) for x in lines)
        elif q["source"] == "kong":
            usage = {"prompt_tokens": u["prompt_tokens"], "completion_tokens": u["completion_tokens"], "total_tokens": u["total_tokens"],
                     "prompt_tokens_details": {"cached_tokens": reads}, "cost": 0}
            rec = {"workspace_name": "platform", "started_at": int(t.timestamp() * 1000), "upstream_status": 200,
                   "request": {"id": f"k-{rid}"}, "response": {"status": 200}, "latencies": {"request": 2000, "proxy": 1990},
                   "consumer": {"username": rid},
                   "ai": {"proxy": {"meta": {"provider_name": q["provider"], "request_model": q["model"], "response_model": q["model"], "operation_name": "chat"}, "usage": usage}}}
            by.setdefault("kong/file-log.jsonl", []).append(json.dumps(rec))
    for rel, lines in by.items():
        path = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------
# LiteLLM's costs


def litellm_cost(q: dict) -> float | None:
    import litellm
    from litellm._internal_context import pinned_billing_time
    from litellm.types.utils import ModelResponse, Usage

    u = dict(q["usage"])
    if q["source"] in ("bedrock",):
        u.pop("service_tier", None)
    usage = Usage(**u)
    response = ModelResponse(model=q["model"], usage=usage)
    provider = q["provider"]
    with pinned_billing_time(dt.datetime.fromisoformat(q["instant"])):
        try:
            return float(litellm.completion_cost(completion_response=response, model=q["model"],
                                                 custom_llm_provider=provider, service_tier=q["service_tier"]))
        except Exception as e:  # noqa: BLE001  LiteLLM raises a bare Exception for an unmapped model
            q["litellm_error"] = str(e)[:200]
            return None


def generate(args):
    with open(args.table) as f:
        table = json.load(f)
    requests = Gen(table).generate()
    for q in requests:
        q["litellm_cost"] = litellm_cost(q)
    out = args.out
    if os.path.isdir(os.path.join(out, "logs")):
        import shutil
        shutil.rmtree(os.path.join(out, "logs"))
    write_logs(requests, os.path.join(out, "logs"))
    import litellm
    version = getattr(litellm, "__version__", None)
    if version is None:
        from importlib.metadata import version as v
        version = v("litellm")
    with open(os.path.join(out, "requests.json"), "w") as f:
        json.dump({"litellm": version, "requests": requests}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"generated {len(requests)} requests over {len({q['model'] for q in requests})} model names "
          f"({sum(q['litellm_cost'] is not None for q in requests)} priced by litellm {version})")


# ---------------------------------------------------------------------------------------------
# Check


def run_ours(binary: str, folder: str, table: str) -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="factorylog-parity-") as tmp:
        cmd = [binary, "run", os.path.join(folder, "logs"), "--out", os.path.join(tmp, "out"), "--state",
               os.path.join(tmp, "state.sqlite"), "--prices", table, "--no-bundled-prices", "--cost-source", "priced", "--quiet"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode not in (0,):
            sys.exit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-2000:]}")
        rows = {}
        with open(os.path.join(tmp, "out", "usage_daily.csv")) as f:
            for row in csv.DictReader(f):
                rows[row["principal"]] = row
        return rows


def check(args) -> int:
    with open(os.path.join(args.dir, "requests.json")) as f:
        data = json.load(f)
    requests = data["requests"]
    table = args.table or os.path.join(args.dir, "prices.json")
    rows = run_ours(args.bin, args.dir, table)
    differ, unpriced, missing = [], [], []
    for q in requests:
        row = rows.get(q["id"])
        theirs = q["litellm_cost"]
        if row is None:
            missing.append(q["id"])
            continue
        ours = float(row["cost_usd"])
        if q["rule"] == "our chain only" or theirs is None:
            continue
        if int(row["unpriced_requests"]) > 0 and theirs > 0:
            unpriced.append((q, row))
        elif abs(ours - theirs) > TOLERANCE * max(abs(theirs), abs(ours)):
            differ.append((q, ours, theirs, row["model"]))
    we_only = [q for q in requests if not q["litellm_cost"] and q["id"] in rows and int(rows[q["id"]]["unpriced_requests"]) == 0
               and float(rows[q["id"]]["cost_usd"]) > 0]
    print(f"parity with litellm {data['litellm']}: {len(requests)} requests, {len({q['model'] for q in requests})} model names, "
          f"sources {sorted({q['source'] for q in requests})}")
    print(f"  differing by more than {TOLERANCE} relative: {len(differ)}")
    print(f"  priced by litellm, unpriced by us: {len(unpriced)}")
    print(f"  priced by us, unpriced by litellm: {len(we_only)}")
    print(f"  missing from our output: {len(missing)}")
    for q, ours, theirs, key in differ[:40]:
        print(f"    DIFF {q['id']} {q['source']} {q['provider']}/{q['model']} -> {key} [{q['rule']}] ours {ours!r} litellm {theirs!r} ({(ours - theirs) / theirs if theirs else 0:+.3e})")
    for q, row in unpriced[:20]:
        print(f"    UNPRICED {q['id']} {q['source']} {q['provider']}/{q['model']} [{q['rule']}] litellm {q['litellm_cost']!r}")
    for q in we_only[:20]:
        print(f"    WE-ONLY {q['id']} {q['provider']}/{q['model']} -> {rows[q['id']]['model']} ours {rows[q['id']]['cost_usd']} litellm {q['litellm_cost']!r} {q.get('litellm_error', '')[:60]}")
    for m in missing[:20]:
        print(f"    MISSING {m}")
    if args.write_subset:
        with open(table) as f:
            full = json.load(f)
        keys = sorted({row["model"] for row in rows.values()} & set(full))
        subset = {k: full[k] for k in keys}
        with open(os.path.join(args.dir, "prices.json"), "w") as f:
            json.dump(subset, f, indent=0, sort_keys=True)
            f.write("\n")
        print(f"  wrote {len(subset)} resolved entries to {os.path.join(args.dir, 'prices.json')}")
    return 1 if differ or unpriced or missing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--table", required=True)
    g.add_argument("--out", required=True)
    c = sub.add_parser("check")
    c.add_argument("--bin", required=True)
    c.add_argument("--dir", required=True)
    c.add_argument("--table")
    c.add_argument("--write-subset", action="store_true")
    args = parser.parse_args()
    if args.cmd == "generate":
        generate(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
