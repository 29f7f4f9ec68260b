"""Issue 16: every cost equals LiteLLM's for the same price data.

`Tests/acceptance/parity/` is written by `make parity` (`Scripts/parity.py generate`, with the pinned
litellm release installed): real log records of every source that carries cost fields
(`logs/`), and `requests.json` with, per request, the cost `litellm.completion_cost` gave for it.
`prices.json` holds the entries of that release's table our binary resolved the requests to, so
this test needs no litellm: it runs the binary on the logs with that table and compares the cost of
each request (one principal per request in `usage_daily`) with LiteLLM's, to 1e-9 relative.
"""
import importlib.util
import json
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.path.abspath(os.environ.get("FACTORYLOG_BIN", str(ROOT / ".build" / "debug" / "factorylog")))
DIR = ROOT / "Tests" / "acceptance" / "parity"

spec = importlib.util.spec_from_file_location("parity", ROOT / "Scripts" / "parity.py")
parity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parity)


def load():
    return json.loads((DIR / "requests.json").read_text())


def test_fixture_covers_every_source_and_rule():
    data = load()
    requests = data["requests"]
    assert data["litellm"] == "1.110.2"
    assert len(requests) >= 150
    assert len({q["model"] for q in requests}) >= 100
    assert {q["source"] for q in requests} == {"litellm", "claude_code", "bedrock", "otel", "codex", "kong"}
    rules = {q["rule"] for q in requests}
    for rule in ("provider key", "1h cache writes", "service tier", "above 200k", "tiered_pricing", "off-peak",
                 "geo/speed multiplier", "fireworks cache default", "xai inclusive threshold", "reasoning price"):
        assert rule in rules
    assert all(q["litellm_cost"] is not None for q in requests if q["rule"] != "our chain only")


def test_every_request_costs_what_litellm_says():
    data = load()
    rows = parity.run_ours(BIN, str(DIR), str(DIR / "prices.json"))
    differ, unpriced = [], []
    for q in data["requests"]:
        if q["rule"] == "our chain only":
            continue
        row = rows[q["id"]]
        ours, theirs = float(row["cost_usd"]), q["litellm_cost"]
        if int(row["unpriced_requests"]) > 0:
            unpriced.append(q["id"])
        elif abs(ours - theirs) > 1e-9 * max(abs(ours), abs(theirs)):
            differ.append((q["id"], q["model"], q["rule"], ours, theirs))
    assert unpriced == []
    assert differ == []


def test_off_peak_windows_change_the_bill():
    # The fixture is not vacuous: each off-peak model is asked at four instants (Wednesday 12:00
    # and 07:00 UTC, Friday 17:00, Saturday 12:00) with the same usage, and LiteLLM's costs differ
    # between them only through the window (deepseek: "10:00-00:00" on weekdays is open at 12:00,
    # "04:00-06:00" is not open at 07:00; the whole Saturday is open).
    requests = load()["requests"]
    by_model = {}
    for q in requests:
        if q["rule"] == "off-peak":
            by_model.setdefault(q["provider"] + "/" + q["model"], []).append(q["litellm_cost"])
    assert by_model and all(len(set(costs)) == 2 for costs in by_model.values())


def test_names_only_our_chain_prices():
    # CONTRACT.md "Money", priced where LiteLLM is not: 30 000 input + 2 000 output tokens.
    data = load()
    rows = parity.run_ours(BIN, str(DIR), str(DIR / "prices.json"))
    only = {q["model"]: q for q in data["requests"] if q["rule"] == "our chain only"}
    assert only["claude-sonnet-4-6@20260301"]["litellm_cost"] == 0.0
    sonnet = rows[only["claude-sonnet-4-6@20260301"]["id"]]
    assert sonnet["model"] == "claude-sonnet-4-6"
    # claude-sonnet-4-6: 3e-06 in, 1.5e-05 out: 30 000 × 3e-06 + 2 000 × 1.5e-05 = 0.09 + 0.03 = 0.12
    assert abs(float(sonnet["cost_usd"]) - 0.12) < 1e-12
    mistral = rows[only["mistral-large-2411"]["id"]]
    assert int(mistral["unpriced_requests"]) == 1
