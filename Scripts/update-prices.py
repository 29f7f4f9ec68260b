#!/usr/bin/env python3
"""Regenerate factorylog's shipped price snapshot: the union of a range of LiteLLM releases, dated.

Usage:
    python3 Scripts/update-prices.py [--wheels DIR] [--output Sources/Analyze/Resources/prices.json]

What it does (standard library only):
  1. For each release of RELEASES (the first release of every quarter since 2024 that PyPI still
     holds a wheel of, plus the pinned newest), `pip download --no-deps --only-binary :all:
     litellm==VERSION`: one wheel, no dependencies (or take it from --wheels DIR). The package is
     never installed and never imported; the wheel is only read as a zip archive, and its SHA-256
     is checked against the one pinned here.
  2. Reads `litellm/model_prices_and_context_window_backup.json` out of each wheel.
  3. Keeps, per entry, only the fields factorylog prices with (`CONTRACT.md` "Money"): the base
     per-token prices, their `_above_<N>k_tokens` tiers and `_flex`/`_priority`/`_ultrafast`/
     `_balanced` service-tier forms, `output_cost_per_reasoning_token`, `tiered_pricing`,
     `off_peak_pricing`, the numeric members of `provider_specific_entry`, `litellm_provider`,
     `mode`. An entry is kept when it has a base price or a `tiered_pricing` tier with an input
     price (the Qwen family and some Doubao models are priced only that way).
  4. Unions the releases, oldest first: a key keeps every distinct version of its kept fields,
     each dated by the release (and that release's PyPI upload day) it first appeared in. A model
     that a later release dropped keeps its last known prices. The newest version is the entry
     itself, with `__since__` and `__release__`; older ones go in `__history__`.
  5. Writes the snapshot one entry per line, keys sorted (`PriceTable` indexes it by line and
     parses an entry only when a name resolves to it), after a first line holding the metadata
     entry `__factorylog_snapshot__`: id `litellm-<newest>`, the releases with their dates,
     wheels and SHA-256, and the day it was built.

Number values are re-emitted with Python's `repr`, the shortest decimal text that reads back as the
same IEEE double, i.e. the same text LiteLLM's own file (written by `json.dumps`) carries.

Refused releases: 1.82.7 and 1.82.8 (credential-stealing releases, BerriAI/litellm#24518) and
1.107.0 (reported compromised too).

PyPI holds no litellm wheel uploaded before 2024-11-28 that pip can fetch here, so the range
starts at 1.53.1.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

# (version, PyPI upload day of its wheel, wheel file name, wheel SHA-256). Oldest first; the last
# one is the pinned release `make parity` compares against.
RELEASES = (
    ("1.53.1", "2024-11-28", "litellm-1.53.1-py3-none-any.whl", "7a0b480c0bd4f9236910a426d8d8f46a517af4daae2a61d57e42bff4b4daf9b0"),
    ("1.56.6", "2025-01-02", "litellm-1.56.6-py3-none-any.whl", "dc04becae6b09b401edfc13e9e648443e425a52c1d7217351c7841811dc8dbec"),
    ("1.65.1", "2025-04-01", "litellm-1.65.1-py3-none-any.whl", "56478866373c4af13d86e71ab44fd337305dee39a82d742bc496bc56a2d732a1"),
    ("1.73.6.post1", "2025-07-04", "litellm-1.73.6.post1-py3-none-any.whl", "c7a9ac5be16e176a8005e9196446b5c0ead0f08436c12a80920734ce6fa604d4"),
    ("1.77.7", "2025-10-05", "litellm-1.77.7-py3-none-any.whl", "1b3a1b17bd521a0ad25226fb62a912602c803922aabb4a16adf83834673be574"),
    ("1.80.12", "2026-01-07", "litellm-1.80.12-py3-none-any.whl", "d602add4486cc32f30ebdf1a05c58e8074ef1e87838fb5f1306a862968496ff7"),
    ("1.83.1", "2026-04-03", "litellm-1.83.1-py3-none-any.whl", "2becb86c60e4d9738d321e563dc0a1bf4712f8f725c4d6e9d76a1f49a246bc42"),
    ("1.90.2", "2026-07-01", "litellm-1.90.2-py3-none-any.whl", "6fb46f485150cc861be62a62d670f94d33adbd26991091befeb51bcdfdad34f6"),
    ("1.101.4", "2026-10-01", "litellm-1.101.4-cp310-abi3-manylinux_2_28_x86_64.whl", "2130196fcbc2be07a8101c62dc7b8cc77ceab00e99e69fe2563ab2599051abc2"),
    ("1.110.2", "2026-11-20", "litellm-1.110.2-cp310-abi3-manylinux_2_28_x86_64.whl", "9d94d1c7d524b6fd10c14f9c8c6c4f0ac31705f9964ac59dcfd8337c046d8917"),
)
REFUSED_VERSIONS = {"1.82.7", "1.82.8", "1.107.0"}
MEMBER = "litellm/model_prices_and_context_window_backup.json"
METADATA_KEY = "__factorylog_snapshot__"

# The base per-token prices of CONTRACT.md "Money" (USD per token).
BASE_PRICE_FIELDS = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "cache_creation_input_token_cost_above_1hr",
)
REASONING_FIELD = "output_cost_per_reasoning_token"
SERVICE_TIER_SUFFIX = r"(?:_flex|_priority|_ultrafast|_balanced)?"
PRICE_FIELD = re.compile(
    r"^(?:" + "|".join(re.escape(f) for f in (*BASE_PRICE_FIELDS, REASONING_FIELD)) + r")" + SERVICE_TIER_SUFFIX + r"$"
)
# Long-context tiers: `<base>_above_<N>k_tokens` (LiteLLM also accepts `_above_<N>_tokens`), and their service-tier forms.
TIER_FIELD = re.compile(
    r"^(?:" + "|".join(re.escape(f) for f in BASE_PRICE_FIELDS) + r")_above_\d+k?_tokens" + SERVICE_TIER_SUFFIX + r"$"
)
TIERED_PRICING_FIELDS = ("range", *BASE_PRICE_FIELDS, REASONING_FIELD)
OFF_PEAK_FIELDS = (
    "hours_utc", "windows", "weekday_timezone", "input_cost_per_token", "output_cost_per_token",
    "cache_read_input_token_cost", "cache_creation_input_token_cost", REASONING_FIELD,
)
TEXT_FIELDS = ("litellm_provider", "mode")
# The vendors whose every model id of the range must stay priced (issue 10): their price keys as
# LiteLLM lists them for the first-party APIs and Vertex.
VENDOR_PROVIDERS = ("anthropic", "openai", "gemini", "vertex_ai-language-models", "vertex_ai-anthropic_models")
VENDOR_MODES = ("chat", "responses", "completion")
DEFAULT_IDS_OUTPUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "AnalyzeTests", "Fixtures", "pricing", "release-model-ids.json"
)
DEFAULT_OUTPUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "Analyze", "Resources", "prices.json"
)


def is_number(value: object) -> bool:
    """A JSON number, or a string holding one (LiteLLM tolerates "3e-7" strings)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
            return True
        except ValueError:
            return False
    return False


def number(value: object) -> float | int:
    return float(value) if isinstance(value, str) else value


def compact_entry(entry: dict) -> dict | None:
    """The fields the contract uses, or None when the entry prices nothing."""
    kept: dict = {}
    for field, value in entry.items():
        if (PRICE_FIELD.match(field) or TIER_FIELD.match(field)) and is_number(value):
            kept[field] = number(value)
    tiers = entry.get("tiered_pricing")
    if isinstance(tiers, list):
        kept_tiers = []
        for tier in tiers:
            if not isinstance(tier, dict) or "range" not in tier:
                continue
            t = {f: (number(v) if f != "range" else v) for f, v in tier.items() if f in TIERED_PRICING_FIELDS and (f == "range" or is_number(v))}
            kept_tiers.append(t)
        if any("input_cost_per_token" in t for t in kept_tiers):
            kept["tiered_pricing"] = kept_tiers
    off_peak = entry.get("off_peak_pricing")
    if isinstance(off_peak, dict):
        kept["off_peak_pricing"] = {f: v for f, v in off_peak.items() if f in OFF_PEAK_FIELDS}
    pse = entry.get("provider_specific_entry")
    if isinstance(pse, dict):
        numeric = {k: v for k, v in pse.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if numeric:
            kept["provider_specific_entry"] = numeric
    if not any(f in kept for f in BASE_PRICE_FIELDS) and "tiered_pricing" not in kept:
        return None
    for field in TEXT_FIELDS:
        if isinstance(entry.get(field), str):
            kept[field] = entry[field]
    return kept


def compact(prices: dict) -> dict:
    """Keep only priced entries and the fields the contract uses."""
    out: dict = {}
    for key, entry in prices.items():
        if key == "sample_spec" or key == METADATA_KEY or not isinstance(entry, dict):
            continue
        kept = compact_entry(entry)
        if kept is not None:
            out[key] = kept
    return out


def union(releases: list[tuple[str, str, dict]]) -> dict:
    """Dated union of compacted tables, oldest first: key → entry with `__history__`."""
    versions: dict[str, list[dict]] = {}
    for version, day, table in releases:
        for key, fields in table.items():
            history = versions.setdefault(key, [])
            if history and {k: v for k, v in history[-1].items() if not k.startswith("__")} == fields:
                continue
            history.append({**fields, "__since__": day, "__release__": version})
    out: dict = {}
    for key, history in versions.items():
        entry = dict(history[-1])
        if len(history) > 1:
            entry["__history__"] = history[:-1]
        out[key] = entry
    return out


def download_wheel(version: str, folder: str) -> str:
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        "--disable-pip-version-check", "-q", f"litellm=={version}", "-d", folder,
    ]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)
    wheels = [f for f in os.listdir(folder) if f.endswith(".whl") and f.startswith(f"litellm-{version}-")]
    if len(wheels) != 1:
        sys.exit(f"expected one litellm {version} wheel in {folder}, found {wheels}")
    return os.path.join(folder, wheels[0])


def write_snapshot(snapshot: dict, meta: dict, output: str) -> int:
    """One entry per line, keys sorted; the metadata entry first. Returns the byte count."""
    dumps = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    lines = ["{" + dumps(METADATA_KEY) + ":" + dumps(meta)]
    for key in sorted(snapshot):
        lines.append("," + dumps(key) + ":" + dumps(snapshot[key]))
    text = "\n".join(lines) + "\n}\n"
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)
    return len(text.encode())


def main() -> int:
    parser = argparse.ArgumentParser(description="Regenerate the shipped LiteLLM price snapshot (dated union of releases).")
    parser.add_argument("--wheels", help="folder that already holds the wheels (else pip downloads them).")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="snapshot path (default: the Analyze resource).")
    parser.add_argument("--pinned-version", action="store_true", help="print the newest release of the range (the one `make parity` uses) and exit.")
    args = parser.parse_args()
    if args.pinned_version:
        print(RELEASES[-1][0])
        return 0

    tables = []
    meta_releases = []
    with tempfile.TemporaryDirectory(prefix="factorylog-prices-") as tmp:
        for version, day, wheel_name, pinned_sha in RELEASES:
            if version in REFUSED_VERSIONS:
                sys.exit(f"refusing litellm {version}: a compromised release (BerriAI/litellm#24518)")
            wheel = os.path.join(args.wheels, wheel_name) if args.wheels else ""
            if not (wheel and os.path.exists(wheel)):
                wheel = download_wheel(version, tmp)
            with open(wheel, "rb") as f:
                sha256 = hashlib.sha256(f.read()).hexdigest()
            if pinned_sha and os.path.basename(wheel) == wheel_name and sha256 != pinned_sha:
                sys.exit(f"{wheel}: SHA-256 {sha256} is not the pinned {pinned_sha}")
            with zipfile.ZipFile(wheel) as z:
                prices = json.loads(z.read(z.getinfo(MEMBER)))
            table = compact(prices)
            tables.append((version, day, table))
            meta_releases.append({"version": version, "date": day, "wheel": os.path.basename(wheel), "wheel_sha256": sha256, "entries": len(table)})
            print(f"litellm {version} ({day}): {len(table)} priced entries", file=sys.stderr)

    snapshot = union(tables)
    newest = RELEASES[-1][0]
    dated = sum(1 for e in snapshot.values() if "__history__" in e)
    retired = sum(1 for k in snapshot if k not in tables[-1][2])
    meta = {
        "id": f"litellm-{newest}",
        "source": f"union of {len(RELEASES)} litellm releases ({RELEASES[0][0]} .. {newest}), {os.path.basename(MEMBER)}",
        "built": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
        "releases": meta_releases,
        "entries": len(snapshot),
        "entries_with_dated_versions": dated,
        "entries_retired": retired,
    }
    output = os.path.abspath(args.output)
    size = write_snapshot(snapshot, meta, output)
    # Every Anthropic, OpenAI and Gemini model id of any release, for the snapshot test.
    ids: dict[str, list[str]] = {}
    for version, day, table in tables:
        for key, entry in table.items():
            if entry.get("litellm_provider") in VENDOR_PROVIDERS and entry.get("mode", "chat") in VENDOR_MODES:
                ids.setdefault(key, []).append(version)
    with open(DEFAULT_IDS_OUTPUT, "w", encoding="utf-8") as f:
        json.dump({"releases": [r[0] for r in RELEASES], "ids": {k: ids[k] for k in sorted(ids)}}, f, indent=0, sort_keys=True)
        f.write("\n")
    print(f"wrote {output}: {len(snapshot)} priced models ({dated} with dated versions, {retired} retired), {size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
