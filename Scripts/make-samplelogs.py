#!/usr/bin/env python3
"""Writes SampleLogs/: realistic, synthetic logs for every format factorylog reads.

Modeled on the real sample records documented with the formats (field names and shapes as the
tools write them); every value here is invented. Deterministic: the same files every time.
Covers several days, models, teams, principals and tools; duplicates (split transcript lines,
a subagent replay, a re-emitted Codex snapshot, router retries, a stored-response retrieval);
denials (user rejection, deny rule, sandbox, MCP deny, HTTP 403, guardrails); failed tool calls;
one malformed line; and plain, gzip and zstd storage.

    python3 Scripts/make-samplelogs.py          # rewrites SampleLogs/
"""
import datetime as dt
import gzip
import json
import os
import random
import shutil
import subprocess
import uuid

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleLogs")
rng = random.Random(20261129)


def uid():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def hexid(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def ms(t):
    return int(t.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def text(n):
    words = ("the loader reads the override file from HOME and merges it with defaults before the "
             "service starts so a missing variable silently drops the override which explains the bug").split()
    return " ".join(rng.choice(words) for _ in range(n))


def write(path, lines, compression="none"):
    path = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = "".join(l + "\n" for l in lines).encode()
    if compression == "gzip":
        with open(path, "wb") as f:
            f.write(gzip.compress(data, mtime=0))
    elif compression == "zstd":
        p = subprocess.run(["zstd", "-q", "-3", "-c"], input=data, stdout=subprocess.PIPE, check=True)
        with open(path, "wb") as f:
            f.write(p.stdout)
    else:
        with open(path, "wb") as f:
            f.write(data)


def dumps(o):
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


# ----------------------------------------------------------------------------- Claude Code
def claude_session(cwd, session, day, plan, sidechain=False):
    """plan: list of steps (model, usage, blocks, results) → transcript lines."""
    lines = []
    t = day
    parent = None
    base = {"isSidechain": sidechain, "userType": "external", "cwd": cwd, "sessionId": session,
            "version": "2.0.76", "gitBranch": "main"}
    u = dict(base, parentUuid=None, type="user", message={"role": "user", "content": text(12)},
             uuid=uid(), timestamp=iso(t))
    lines.append(dumps(u))
    parent = u["uuid"]
    for step in plan:
        t += dt.timedelta(seconds=step.get("think", 4))
        msg_id = step.get("msg_id") or "msg_01" + hexid(22)
        req_id = step.get("req_id", "req_011C" + hexid(20))
        usage = {"input_tokens": step["input"], "cache_creation_input_tokens": step.get("cw5", 0) + step.get("cw1", 0),
                 "cache_read_input_tokens": step.get("cr", 0), "output_tokens": step["output"],
                 "cache_creation": {"ephemeral_5m_input_tokens": step.get("cw5", 0),
                                    "ephemeral_1h_input_tokens": step.get("cw1", 0)},
                 "service_tier": "standard"}
        blocks = [{"type": "text", "text": text(30)}] + [
            {"type": "tool_use", "id": tu["id"], "name": tu["name"], "input": tu["input"]} for tu in step.get("tools", [])]
        # Claude Code writes each content block on its own line, repeating the usage.
        for b in blocks:
            rec = dict(base, parentUuid=parent, message={
                "model": step["model"], "id": msg_id, "type": "message", "role": "assistant", "content": [b],
                "stop_reason": "tool_use" if step.get("tools") else "end_turn", "stop_sequence": None, "usage": usage},
                type="assistant", uuid=uid(), timestamp=iso(t))
            if req_id:
                rec["requestId"] = req_id
            lines.append(dumps(rec))
            parent = rec["uuid"]
        for tu in step.get("tools", []):
            t += dt.timedelta(seconds=tu.get("takes", 2))
            content, is_error, tur = tu["result"]
            rec = dict(base, parentUuid=parent, type="user", message={"role": "user", "content": [
                {"tool_use_id": tu["id"], "type": "tool_result", "content": content, "is_error": is_error}]},
                uuid=uid(), timestamp=iso(t), toolUseResult=tur)
            lines.append(dumps(rec))
            parent = rec["uuid"]
    return lines


def tool(name, inp, result, takes=2):
    return {"id": "toolu_01" + hexid(22), "name": name, "input": inp, "result": result, "takes": takes}


OK_BASH = ("ok  \tgit.example.invalid/acme/shop\t0.412s", False, {"stdout": "ok", "stderr": "", "interrupted": False, "isImage": False})
FAIL_BASH = ("Exit code 2\nmake: *** [Makefile:12: test] Error 2", True, "Error: Exit code 2\nmake: *** [Makefile:12: test] Error 2")
REJECT = ("The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.", True, "User rejected tool use")
DENY_RULE = ("Permission to use Bash with command rm -rf build has been denied.", True, "Error: Permission to use Bash with command rm -rf build has been denied.")
READ_OK = ("     1\tpackage config\n     2\t", False, {"type": "text", "file": {"filePath": "/home/dev/shop/config.go"}})
NOT_READ = ("<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>", True, "Error: File has not been read yet. Read it first before writing to it.")


def make_claude():
    d1 = dt.datetime(2026, 11, 23, 9, 12, 5, 120000)
    s1 = uid()
    shared_msg = "msg_01" + hexid(22)
    shared_req = "req_011C" + hexid(20)
    plan1 = [
        {"model": "claude-sonnet-4-5-20250929", "input": 6, "cw5": 18000, "cr": 0, "output": 240,
         "tools": [tool("Read", {"file_path": "/home/dev/shop/config.go"}, READ_OK)]},
        {"model": "claude-sonnet-4-5-20250929", "input": 4, "cr": 18000, "cw5": 900, "output": 180,
         "tools": [tool("Bash", {"command": "make test", "description": "Run the tests"}, FAIL_BASH, takes=9)]},
        {"model": "claude-sonnet-4-5-20250929", "input": 4, "cr": 18900, "cw5": 400, "output": 90,
         "tools": [tool("Bash", {"command": "make test", "description": "Run the tests"}, OK_BASH, takes=11)]},
        {"model": "claude-sonnet-4-5-20250929", "input": 4, "cr": 19300, "output": 310, "msg_id": shared_msg, "req_id": shared_req,
         "tools": [tool("Edit", {"file_path": "/home/dev/shop/config.go", "old_string": "a", "new_string": "b"}, REJECT),
                   tool("Write", {"file_path": "/home/dev/shop/notes.md", "content": "x"}, NOT_READ)]},
        {"model": "claude-sonnet-4-5-20250929", "input": 4, "cr": 19700, "output": 120,
         "tools": [tool("Bash", {"command": "rm -rf build"}, DENY_RULE),
                   tool("mcp__linear__create_issue", {"title": "Override file ignored"}, ("Created ENG-142", False, None))]},
        {"model": "claude-haiku-4-5-20251001", "input": 900, "output": 60, "req_id": None},
    ]
    lines = claude_session("/home/dev/shop", s1, d1, plan1)
    lines.insert(5, lines[5][: len(lines[5]) // 2])  # a line cut by a crashed writer: counted as malformed
    write("claude-code/projects/-home-dev-shop/%s.jsonl" % s1, lines)
    # A subagent file that replays the parent's shared message (a duplicate) and adds its own call.
    sub = claude_session("/home/dev/shop", s1, d1 + dt.timedelta(minutes=2), [
        {"model": "claude-sonnet-4-5-20250929", "input": 4, "cr": 19300, "output": 310, "msg_id": shared_msg, "req_id": "req_011C" + hexid(20)},
        {"model": "claude-haiku-4-5-20251001", "input": 3000, "cr": 12000, "output": 420,
         "tools": [tool("Grep", {"pattern": "override", "path": "/home/dev/shop"}, ("config.go:14: override", False, None))]},
    ], sidechain=True)
    write("claude-code/projects/-home-dev-shop/%s/subagents/agent-%s.jsonl" % (s1, hexid(8)), sub)

    d2 = dt.datetime(2026, 11, 24, 15, 40, 0, 0)
    s2 = uid()
    plan2 = [
        {"model": "claude-opus-4-5-20251101", "input": 12, "cw5": 2000, "cw1": 24000, "output": 900,
         "tools": [tool("Read", {"file_path": "/home/dev/billing/invoice.py"}, READ_OK)]},
        {"model": "claude-opus-4-5-20251101", "input": 8, "cr": 26000, "cw5": 1500, "output": 1400,
         "tools": [tool("Bash", {"command": "pytest -q"}, OK_BASH, takes=30)]},
        {"model": "claude-opus-4-5-20251101", "input": 8, "cr": 27500, "output": 650},
    ]
    write("claude-code/projects/-home-dev-billing/%s.jsonl.gz" % s2, claude_session("/home/dev/billing", s2, d2, plan2), "gzip")


# ----------------------------------------------------------------------------- Codex CLI
def make_codex():
    t = dt.datetime(2026, 11, 24, 10, 0, 0, 4000)
    sid = str(uuid.UUID(int=rng.getrandbits(128)))
    L = []

    def rec(kind, payload, dt_s=1.0):
        nonlocal t
        t += dt.timedelta(seconds=dt_s)
        L.append(dumps({"timestamp": iso(t), "type": kind, "payload": payload}))

    rec("session_meta", {"id": sid, "timestamp": iso(t), "cwd": "/home/dev/billing-api", "originator": "codex_cli_rs",
                         "cli_version": "0.46.0", "instructions": None, "source": "cli", "model_provider": "openai",
                         "git": {"commit_hash": hexid(40), "branch": "main", "repository_url": "git@git.example.invalid:acme/billing-api.git"}}, 0)
    rec("response_item", {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text(10)}]})
    rec("turn_context", {"cwd": "/home/dev/billing-api", "approval_policy": "on-request",
                         "sandbox_policy": {"type": "workspace-write", "network_access": False}, "model": "gpt-5", "effort": "medium", "summary": "auto"})
    total = {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_output_tokens": 0, "total_tokens": 0}

    def tokens(inp, cached, out, reasoning, repeat=False):
        last = {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": out,
                "reasoning_output_tokens": reasoning, "total_tokens": inp + out}
        if not repeat:
            for k in total:
                total[k] += last[k]
        rec("event_msg", {"type": "token_count", "info": {"total_token_usage": dict(total), "last_token_usage": last,
                                                           "model_context_window": 272000},
                          "rate_limits": {"primary": {"used_percent": 4.0, "window_minutes": 300, "resets_at": 1795000000}}})

    rec("response_item", {"type": "reasoning", "summary": [{"type": "summary_text", "text": "**Reading the loader**"}],
                          "content": None, "encrypted_content": "gAAAAB" + hexid(300)})
    rec("response_item", {"type": "function_call", "name": "shell", "arguments": dumps({"command": ["bash", "-lc", "rg override src"]}), "call_id": "call_" + hexid(24)})
    tokens(12000, 9000, 400, 180)
    L_call = json.loads(L[-2])["payload"]["call_id"]
    rec("response_item", {"type": "function_call_output", "call_id": L_call,
                          "output": dumps({"output": "src/config.rs:41: override", "metadata": {"exit_code": 0, "duration_seconds": 0.4}})})
    tokens(12000, 9000, 400, 180, repeat=True)  # an unchanged snapshot re-emitted: adds nothing
    cid = "call_" + hexid(24)
    rec("response_item", {"type": "function_call", "name": "shell", "arguments": dumps({"command": ["bash", "-lc", "cargo test"]}), "call_id": cid})
    tokens(15000, 12000, 600, 250)
    rec("response_item", {"type": "function_call_output", "call_id": cid,
                          "output": dumps({"output": "test result: FAILED. 41 passed; 1 failed", "metadata": {"exit_code": 101, "duration_seconds": 21.7}})}, 22)
    cid = "call_" + hexid(24)
    rec("response_item", {"type": "function_call", "name": "shell", "arguments": dumps({"command": ["bash", "-lc", "curl https://crates.example.invalid"]}), "call_id": cid})
    tokens(16000, 15000, 300, 100)
    rec("response_item", {"type": "function_call_output", "call_id": cid, "output": "sandbox denied exec error"})
    cid = "call_" + hexid(24)
    rec("response_item", {"type": "custom_tool_call", "name": "apply_patch", "input": "*** Begin Patch\n*** Update File: src/config.rs\n@@\n-a\n+b\n*** End Patch", "call_id": cid, "status": "completed"})
    tokens(17000, 16000, 900, 300)
    rec("response_item", {"type": "custom_tool_call_output", "call_id": cid, "output": dumps({"output": "Success. Updated the following files:\nM src/config.rs\n", "metadata": {"exit_code": 0, "duration_seconds": 0.1}})})
    rec("event_msg", {"type": "agent_message", "message": "Fixed: the loader now reads the override when HOME is unset."})
    write("codex/sessions/2026/11/24/rollout-2026-11-24T10-00-00-%s.jsonl.zst" % sid, L, "zstd")


# ----------------------------------------------------------------------------- LiteLLM
TEAMS = [("payments", "team-7f3a", "checkout-svc"), ("support", "team-91c2", "support-bot"), ("0042", "team-0042", "Ünïcode-app")]
LMODELS = [("gpt-4o", "openai", 2.5e-6, 1e-5), ("gpt-5", "openai", 1.25e-6, 1e-5), ("claude-sonnet-4-5", "anthropic", 3e-6, 1.5e-5)]


def spend_row(t, team, model, prompt, completion, cached=0, status="success", spend=None, call_type="acompletion",
              session_id=None, attempted=None, request_id=None):
    name, provider, pin, pout = model
    meta = {"applied_guardrails": [], "attempted_fallbacks": None, "mcp_tool_call_metadata": None, "guardrail_information": None,
            "usage_object": {"completion_tokens": completion, "prompt_tokens": prompt, "total_tokens": prompt + completion,
                             "completion_tokens_details": None, "prompt_tokens_details": {"cached_tokens": cached}},
            "user_api_key_alias": team[2], "user_api_key_team_id": team[1], "user_api_key_team_alias": team[0],
            "user_api_key_user_id": None, "status": status}
    if attempted is not None:
        meta["attempted_retries"] = attempted
        meta["max_retries"] = 2
    if status != "success":
        meta["error_information"] = {"error_code": "503", "error_class": "ServiceUnavailableError", "error_message": "upstream overloaded"}
    cost = spend if spend is not None else round((prompt - cached) * pin + cached * pin / 10 + completion * pout, 10)
    end = t + dt.timedelta(milliseconds=rng.randint(700, 4000))
    return dumps({"request_id": request_id or "chatcmpl-" + hexid(29), "call_type": call_type, "api_key": hexid(64),
                  "spend": cost if status == "success" else 0.0, "total_tokens": prompt + completion, "prompt_tokens": prompt,
                  "completion_tokens": completion, "startTime": t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
                  "endTime": end.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"), "completionStartTime": end.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
                  "model": name, "model_group": name, "custom_llm_provider": provider, "api_base": "https://api.example.invalid/v1",
                  "user": "", "metadata": json.dumps(meta), "cache_hit": "None", "cache_key": "Cache OFF",
                  "request_tags": "[]", "team_id": team[1], "end_user": "", "requester_ip_address": "10.20.3.%d" % rng.randint(2, 250),
                  "messages": {}, "response": {}, "session_id": session_id or uid(), "status": status, "proxy_server_request": {}})


def make_litellm():
    for day in (23, 24, 25):
        t = dt.datetime(2026, 11, day, 8, 0, 0)
        rows = []
        for i in range(24):
            t += dt.timedelta(minutes=rng.randint(5, 40))
            team = TEAMS[i % 3]
            model = LMODELS[(i + day) % 3]
            prompt = rng.randint(800, 9000)
            cached = prompt // 2 if i % 4 == 0 and model[0] != "claude-sonnet-4-5" else 0
            rows.append(spend_row(t, team, model, prompt, rng.randint(50, 900), cached))
        if day == 23:
            # Router retries: two failed attempts and the successful third share the trace (session_id).
            trace = uid()
            for a, st in enumerate(["failure", "failure", "success"]):
                rows.append(spend_row(t + dt.timedelta(seconds=a), TEAMS[0], LMODELS[1], 1000 if st == "success" else 0,
                                      100 if st == "success" else 0, status=st, session_id=trace, attempted=a))
            # /v1/responses: the generating call and a later retrieval with the same tokens (not billable).
            rows.append(spend_row(t + dt.timedelta(minutes=3), TEAMS[1], LMODELS[2], 121, 400, call_type="aresponses"))
            rows.append(spend_row(t + dt.timedelta(minutes=4), TEAMS[1], LMODELS[2], 121, 400, call_type="aget_responses"))
            rows.append(rows[2])  # an exported row written twice: same request_id, counted once
            rows.append('{"request_id": "chatcmpl-cut", "call_type": "acompletion", "spend": 0.0')  # malformed
        compression = {23: "none", 24: "gzip", 25: "zstd"}[day]
        ext = {"none": "", "gzip": ".gz", "zstd": ".zst"}[compression]
        write("litellm/spend_logs/2026-11-%d.jsonl%s" % (day, ext), rows, compression)


# ----------------------------------------------------------------------------- Kong AI Gateway
def make_kong():
    t = dt.datetime(2026, 11, 25, 7, 30, 0)
    rows = []
    consumers = [("6c95a611-9991-407b-b1c3-bc608d3bccc3", "billing-svc"), ("0b7c4d2e-1f3a-4b5c-8d9e-0a1b2c3d4e5f", "search-svc")]
    for i in range(18):
        t += dt.timedelta(minutes=rng.randint(3, 25))
        cid, cname = consumers[i % 2]
        rid = hexid(32)
        prompt = rng.randint(500, 6000)
        cached = prompt // 3 if i % 3 == 0 else 0
        comp = rng.randint(40, 700)
        status = 200
        req = rng.randint(600, 5000)
        rec = {"workspace": "b4a1e9a2-6b4a-4e91-9c2e-3b6a9d8f1c72", "workspace_name": "platform", "source": "upstream",
               "upstream_uri": "/v1/chat/completions", "upstream_status": status, "client_ip": "10.40.2.%d" % rng.randint(2, 250),
               "started_at": ms(t), "request": {"id": rid, "uri": "/v1/chat/completions", "method": "POST", "size": 900,
                                               "headers": {"host": "ai-gw.internal:8000", "authorization": "REDACTED"}},
               "response": {"status": status, "size": 1500, "headers": {"x-kong-request-id": rid, "x-kong-llm-model": "openai/gpt-4o"}},
               "latencies": {"kong": 2, "proxy": req - 2, "request": req, "receive": 0},
               "consumer": {"id": cid, "username": cname},
               "route": {"id": "8ae36805-da7a-55b9-b056-72bde6bb937d", "name": "openai-chat"},
               "ai": {"proxy": {"meta": {"request_mode": "stream" if i % 2 else "oneshot", "provider_name": "openai", "request_model": "gpt-4o",
                                         "response_model": "gpt-4o-2024-08-06", "operation_name": "chat", "llm_latency": req - 5},
                                "usage": {"prompt_tokens": prompt, "completion_tokens": comp, "total_tokens": prompt + comp,
                                          "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                                          "completion_tokens_details": {"reasoning_tokens": 0}, "cost": 0,
                                          "time_per_token": 30.5, "time_to_first_token": rng.randint(150, 600)}}}}
        if i == 7:  # a request refused by Kong's auth plugin
            rec.update(source="kong", upstream_status=None)
            rec["response"]["status"] = 403
            rec["ai"] = {"proxy": {"meta": {"provider_name": "openai", "request_model": "gpt-4o", "operation_name": "chat"}}}
        if i == 11:  # rate limited
            rec.update(source="kong")
            rec["response"]["status"] = 429
            rec["ai"] = {"proxy": {"meta": {"provider_name": "openai", "request_model": "gpt-4o", "operation_name": "chat"}}}
        rows.append(dumps(rec))
    # MCP traffic through the gateway: one allowed tools/call, one denied by the ACL.
    for action, tool_name in (("allow", "list_orders"), ("deny", "refund_order")):
        t += dt.timedelta(minutes=2)
        rows.append(dumps({"started_at": ms(t), "workspace_name": "platform", "consumer": {"id": consumers[0][0], "username": consumers[0][1]},
                           "response": {"status": 200 if action == "allow" else 403},
                           "latencies": {"request": 8},
                           "ai": {"mcp": {"mcp_session_id": uid(), "rpc": [{"method": "tools/call", "latency": 6, "id": "2", "response_body_size": 5030, "tool_name": tool_name}],
                                          "audit": [{"primitive_name": tool_name, "consumer": {"id": consumers[0][0], "name": consumers[0][1], "identifier": "consumer"},
                                                     "scope": "primitive", "primitive": "tool", "action": action}]}}}))
    write("kong/file-log/2026-11-25.jsonl.zst", rows, "zstd")


# ----------------------------------------------------------------------------- AWS Bedrock
def make_bedrock():
    t = dt.datetime(2026, 11, 25, 10, 0, 0)
    rows = []
    models = ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0", "amazon.nova-pro-v1:0"]
    for i in range(10):
        t += dt.timedelta(minutes=rng.randint(1, 9))
        inp = rng.randint(1000, 12000)
        out = rng.randint(100, 1500)
        usage = {"inputTokens": inp, "outputTokens": out, "totalTokens": inp + out}
        if i % 4 == 1:
            usage.update(cacheReadInputTokens=8000, cacheWriteInputTokens=2000)
        body = {"output": {"message": {"role": "assistant", "content": [{"text": text(20)}]}}, "stopReason": "end_turn",
                "metrics": {"latencyMs": rng.randint(400, 6000)}, "usage": usage}
        if i == 6:
            body["stopReason"] = "guardrail_intervened"
        rows.append(dumps({"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "accountId": "111122223333", "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/%s/session-%d" % (["support-assistant", "doc-summarizer"][i % 2], i)},
                           "region": "us-east-1", "requestId": uid(), "operation": "Converse", "modelId": models[i % 3],
                           "input": {"inputContentType": "application/json", "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": text(25)}]}]}, "inputTokenCount": inp},
                           "output": {"outputContentType": "application/json", "outputBodyJson": body, "outputTokenCount": out}}))
    write("bedrock/AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/11/25/10/20261125T1000Z_%s.json.gz" % hexid(16), rows, "gzip")


# ----------------------------------------------------------------------------- OpenTelemetry GenAI
def make_otel():
    t = dt.datetime(2026, 11, 25, 13, 0, 0)
    lines = []
    for i in range(6):
        t += dt.timedelta(minutes=7)
        start = ms(t) * 1_000_000
        spans = []
        trace = hexid(32)
        agent_span = hexid(16)
        total_in = total_out = 0
        for j in range(2):
            s = start + j * 4_000_000_000
            inp, out = rng.randint(800, 5000), rng.randint(80, 600)
            total_in += inp
            total_out += out
            spans.append({"traceId": trace, "spanId": hexid(16), "parentSpanId": agent_span, "name": "chat claude-sonnet-4-5", "kind": 3,
                          "startTimeUnixNano": str(s), "endTimeUnixNano": str(s + rng.randint(1500, 3800) * 1_000_000),
                          "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                         {"key": "gen_ai.provider.name", "value": {"stringValue": "anthropic"}},
                                         {"key": "gen_ai.request.model", "value": {"stringValue": "claude-sonnet-4-5"}},
                                         {"key": "gen_ai.response.model", "value": {"stringValue": "claude-sonnet-4-5-20250929"}},
                                         {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(inp)}},
                                         {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(out)}},
                                         {"key": "gen_ai.server.time_to_first_token", "value": {"doubleValue": round(rng.uniform(0.2, 0.9), 3)}}],
                          "status": {}})
            ts = s + 4_000_000_000 - 600_000_000
            failed = (i == 2 and j == 1)
            spans.append({"traceId": trace, "spanId": hexid(16), "parentSpanId": agent_span, "name": "execute_tool search_docs", "kind": 1,
                          "startTimeUnixNano": str(ts), "endTimeUnixNano": str(ts + 350_000_000),
                          "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
                                         {"key": "gen_ai.tool.name", "value": {"stringValue": "search_docs"}},
                                         {"key": "gen_ai.tool.call.id", "value": {"stringValue": "call_" + hexid(12)}}],
                          "status": {"code": 2, "message": "index unavailable"} if failed else {"code": 1}})
        # The agent span repeats its children's usage: it must add nothing.
        spans.append({"traceId": trace, "spanId": agent_span, "name": "invoke_agent release-notes", "kind": 1,
                      "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 9_000_000_000),
                      "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}},
                                     {"key": "gen_ai.agent.name", "value": {"stringValue": "release-notes"}},
                                     {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(total_in)}},
                                     {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(total_out)}}],
                      "status": {}})
        lines.append(dumps({"resourceSpans": [{"resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "release-notes-agent"}},
            {"key": "tenant.id", "value": {"stringValue": "docs-team"}}]},
            "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.anthropic", "version": "0.40.0"}, "spans": spans}]}]}))
    write("otel/collector/traces-2026-11-25.jsonl", lines)


# ----------------------------------------------------------------------------- issue 14 sources
# Their own generator, so that the files above stay byte for byte what they were.
rng14 = random.Random(20261204)


def make_envoy():
    """Envoy AI Gateway JSON access log (genai_* keys of the project's documented example)."""
    t = dt.datetime(2026, 11, 24, 8, 0, 0)
    rows = []
    for i in range(10):
        t += dt.timedelta(minutes=rng14.randint(4, 40))
        model = "gpt-4o-mini" if i % 3 else "gpt-4o"
        code, flags = 200, "-"
        tin, tout = rng14.randint(200, 4000), rng14.randint(20, 600)
        if i == 4:
            code, flags, tin, tout = 429, "RL", None, None   # local rate limit: no tokens
        if i == 7:
            code, flags, tin, tout = 503, "UH", None, None   # no healthy upstream
        rows.append(dumps({"start_time": iso(t), "method": "POST", "x-envoy-origin-path": "/v1/chat/completions",
                           "protocol": "HTTP/1.1", "response_code": code, "response_flags": flags,
                           "response_code_details": "via_upstream", "bytes_received": 300, "bytes_sent": 900,
                           "duration": rng14.randint(300, 4000), "x-request-id": str(uuid.UUID(int=rng14.getrandbits(128), version=4)),
                           "genai_model_name": model, "genai_model_name_override": None,
                           "genai_backend_name": "default/envoy-ai-gateway-basic-openai/route/envoy-ai-gateway-basic/rule/0/ref/0",
                           "genai_tokens_input": tin, "genai_tokens_output": tout,
                           "genai_tokens_total": None if tin is None else tin + tout,
                           "upstream_host": "162.159.140.245:443", "user-agent": "python-httpx/0.27.0"}))
    t += dt.timedelta(minutes=3)
    rows.append(dumps({"start_time": iso(t), "method": "POST", "x-envoy-origin-path": "/mcp", "response_code": 200,
                       "duration": 412, "x-request-id": str(uuid.UUID(int=rng14.getrandbits(128), version=4)),
                       "genai_model_name": None, "genai_tokens_input": None, "genai_tokens_output": None,
                       "mcp_backend": "context7", "mcp_method": "tools/call", "mcp_request_id": "5", "mcp_session_id": None}))
    write("envoy/access/2026-11-24.jsonl", rows)


def make_azure():
    """Azure API Management GatewayLogs (body logging on) and Azure OpenAI RequestResponse logs."""
    t = dt.datetime(2026, 11, 24, 13, 0, 0)
    apim, diag = [], []
    for i in range(8):
        t += dt.timedelta(minutes=rng14.randint(5, 50))
        cid = str(uuid.UUID(int=rng14.getrandbits(128), version=4))
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + "%07dZ" % (t.microsecond * 10)
        prompt, comp = rng14.randint(100, 3000), rng14.randint(10, 400)
        cached = prompt // 2 if i % 4 == 0 else 0
        code = 200
        body = {"id": "chatcmpl-" + hexid(20), "object": "chat.completion", "model": "gpt-4o-2024-08-06",
                "usage": {"prompt_tokens": prompt, "completion_tokens": comp, "total_tokens": prompt + comp,
                          "prompt_tokens_details": {"cached_tokens": cached}}}
        if i == 5:  # a content-filter block
            code = 400
            body = {"error": {"code": "content_filter", "status": 400, "param": "prompt",
                              "innererror": {"code": "ResponsibleAIPolicyViolation"}}}
        duration = rng14.randint(200, 3000)
        apim.append(dumps({"time": stamp, "category": "GatewayLogs", "operationName": "Microsoft.ApiManagement/GatewayLogs",
                           "correlationId": cid, "durationMs": duration, "isRequestSuccess": code == 200,
                           "resultType": "Succeeded" if code == 200 else "Failed", "callerIpAddress": "10.0.0.%d" % (i + 2),
                           "properties": {"apiId": "azure-openai-api", "operationId": "ChatCompletions_Create", "method": "POST",
                                          "responseCode": code, "backendResponseCode": code, "backendTime": duration - 3,
                                          "requestBody": json.dumps({"model": "prod-gpt4o", "messages": [{"role": "user", "content": text(6)}]}),
                                          "responseBody": json.dumps(body)}}))
        ticks = 621355968000000000 + ms(t) * 10000
        diag.append(dumps({"time": stamp, "category": "RequestResponse", "operationName": "ChatCompletions_Create",
                           "resultSignature": "429" if i == 3 else "200", "durationMs": duration,
                           "callerIpAddress": "81.2.69.***", "correlationId": str(uuid.UUID(int=rng14.getrandbits(128), version=4)),
                           "location": "eastus",
                           "properties": {"apiName": "Azure OpenAI API version 2024-10-21", "requestTime": ticks,
                                          "responseTime": ticks + duration * 10000, "streamType": "Non-Streaming",
                                          "modelDeploymentName": "prod-gpt4o", "modelName": "gpt-4o", "modelVersion": "2024-08-06"}}))
    write("azure/apim/GatewayLogs-2026-11-24.jsonl", apim)
    write("azure/openai/PT1H-2026-11-24.json", diag, "gzip")


def make_litellm_tags():
    """LiteLLM spend-log rows with request_tags and end_user (tags_daily, usage_daily.end_user)."""
    t = dt.datetime(2026, 11, 24, 9, 0, 0)
    rows = []
    tag_sets = [["job:nightly-etl", "env:prod"], ["job:support-bot", "env:prod"], ["env:staging"], []]
    for i in range(12):
        t += dt.timedelta(minutes=rng14.randint(5, 60))
        tags = tag_sets[i % 4]
        prompt, comp = rng14.randint(300, 5000), rng14.randint(30, 800)
        rows.append(dumps({"request_id": "chatcmpl-" + hexid(24), "call_type": "acompletion", "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
                           "spend": 0, "total_tokens": prompt + comp, "prompt_tokens": prompt, "completion_tokens": comp,
                           "startTime": t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
                           "endTime": (t + dt.timedelta(milliseconds=rng14.randint(400, 5000))).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
                           "model": "gpt-4o-mini", "custom_llm_provider": "openai", "user": "", "team_id": "team-data",
                           "metadata": {"user_api_key_alias": "data-pipelines", "user_api_key_team_alias": "data"},
                           "cache_hit": "False", "request_tags": tags, "end_user": ["acme-corp", "globex", ""][i % 3],
                           "status": "success"}))
    write("litellm/spend_logs/2026-11-24-tagged.jsonl", rows)


def make_gemini():
    """Gemini CLI: a chat recording (messages re-appended with their tool calls) and a telemetry outfile."""
    project = "9f2c4e1a7b3d5f6e8a0c2e4f6a8b0d1c3e5f7a9b1d3f5e7a9c1e3f5a7b9d1f3e"
    session = str(uuid.UUID(int=rng14.getrandbits(128), version=4))
    t = dt.datetime(2026, 11, 24, 14, 0, 0)
    lines = [dumps({"sessionId": session, "projectHash": project, "startTime": iso(t), "lastUpdated": iso(t), "kind": "main"})]
    for i in range(5):
        t += dt.timedelta(minutes=rng14.randint(1, 9))
        lines.append(dumps({"id": uid(), "timestamp": iso(t), "type": "user", "content": text(8)}))
        t += dt.timedelta(seconds=rng14.randint(3, 30))
        prompt = rng14.randint(8000, 40000)
        cached = prompt * 2 // 3 if i else 0
        out, thoughts = rng14.randint(20, 900), rng14.randint(0, 1500)
        msg = {"id": uid(), "timestamp": iso(t), "type": "gemini", "content": text(10), "model": "gemini-2.5-pro",
               "tokens": {"input": prompt, "output": out, "cached": cached, "thoughts": thoughts, "tool": 0,
                          "total": prompt + out + thoughts}}
        lines.append(dumps(msg))
        if i in (1, 3):  # the message again, now with its tool call's result (same id: counted once)
            status = "success" if i == 1 else "error"
            result = [{"functionResponse": {"response": {"output": text(5)}}}] if i == 1 else "Tool execution denied by policy."
            msg["toolCalls"] = [{"id": "call-%d" % i, "name": "run_shell_command" if i == 1 else "write_file",
                                 "args": {"command": "npm test"} if i == 1 else {"file_path": "src/app.ts"},
                                 "status": status, "result": result, "timestamp": iso(t + dt.timedelta(seconds=2))}]
            lines.append(dumps(msg))
    write("gemini/tmp/%s/chats/session-2026-11-24T14-00-%s.jsonl" % (project[:12], session[:8]), lines)

    common = {"session.id": session, "installation.id": str(uuid.UUID(int=rng14.getrandbits(128), version=4))}
    t = dt.datetime(2026, 11, 24, 16, 0, 0)
    objs = []
    for i in range(4):
        t += dt.timedelta(minutes=rng14.randint(1, 20))
        sec = int(t.replace(tzinfo=dt.timezone.utc).timestamp())
        prompt = rng14.randint(5000, 30000)
        cached, out, thoughts = prompt // 2, rng14.randint(20, 500), rng14.randint(0, 800)
        objs.append({"hrTime": [sec, 0], "attributes": dict(common, **{
            "event.name": "gemini_cli.api_response", "event.timestamp": iso(t), "model": "gemini-2.5-flash",
            "status_code": 200, "duration_ms": rng14.randint(800, 9000), "input_token_count": prompt,
            "output_token_count": out, "cached_content_token_count": cached, "thoughts_token_count": thoughts,
            "tool_token_count": 0, "total_token_count": prompt + out + thoughts, "prompt_id": "p-%d" % i}),
            "body": "API response from gemini-2.5-flash."})
        objs.append({"hrTime": [sec + 3, 0], "attributes": dict(common, **{
            "event.name": "gemini_cli.tool_call", "event.timestamp": iso(t + dt.timedelta(seconds=3)),
            "function_name": "read_file", "duration_ms": rng14.randint(2, 80), "success": i != 2,
            "decision": "reject" if i == 3 else "accept", "prompt_id": "p-%d" % i, "tool_type": "native"}),
            "body": "Tool call: read_file."})
    t += dt.timedelta(minutes=1)
    objs.append({"hrTime": [int(t.replace(tzinfo=dt.timezone.utc).timestamp()), 0], "attributes": dict(common, **{
        "event.name": "gemini_cli.api_error", "event.timestamp": iso(t), "model_name": "gemini-2.5-flash",
        "status_code": 429, "duration": 120, "error_type": "RESOURCE_EXHAUSTED", "error.message": "Resource exhausted"}),
        "body": "API error for gemini-2.5-flash."})
    path = os.path.join(ROOT, "gemini/telemetry/telemetry-2026-11-24.log")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for o in objs:
            f.write(json.dumps(o, indent=2) + "\n")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    make_claude()
    make_codex()
    make_litellm()
    make_kong()
    make_bedrock()
    make_otel()
    make_envoy()
    make_azure()
    make_litellm_tags()
    make_gemini()


if __name__ == "__main__":
    main()
