#!/usr/bin/env python3
"""Regenerate factorylog's shipped price snapshot from a pinned LiteLLM release.

Usage:
    python3 Scripts/update-prices.py [--version 1.110.2] [--output Sources/Analyze/Resources/prices.json]

What it does (standard library only):
  1. `pip download --no-deps --only-binary :all: litellm==VERSION` into a temporary folder: one wheel,
     no dependencies. The package is never installed and never imported; the wheel is only read as a
     zip archive.
  2. Reads `litellm/model_prices_and_context_window_backup.json` out of the wheel.
  3. Writes a compacted snapshot in the same LiteLLM format: only entries with at least one
     per-token price, only the fields factorylog prices with (`CONTRACT.md` "Money"), keys sorted,
     no whitespace, plus a metadata entry `__factorylog_snapshot__` recording the release, the wheel's
     file name and SHA-256, and the day it was retrieved.

Number values are re-emitted with Python's `repr`, the shortest decimal text that reads back as the
same IEEE double, i.e. the same text LiteLLM's own file (written by `json.dumps`) carries.

Refused releases: 1.82.7 and 1.82.8 (credential-stealing releases, BerriAI/litellm#24518) and
1.107.0 (reported compromised too).
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

DEFAULT_VERSION = "1.110.2"
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
# Long-context tiers of those prices: `<base>_above_<N>k_tokens` (LiteLLM also accepts `_above_<N>_tokens`).
TIER_FIELD = re.compile(
    r"^(" + "|".join(re.escape(f) for f in BASE_PRICE_FIELDS) + r")_above_\d+k?_tokens$"
)
TEXT_FIELDS = ("litellm_provider", "mode")
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


def compact(prices: dict) -> dict:
    """Keep only priced entries and the fields the contract uses."""
    out: dict = {}
    for key, entry in prices.items():
        if key == "sample_spec" or not isinstance(entry, dict):
            continue
        kept: dict = {}
        for field, value in entry.items():
            if (field in BASE_PRICE_FIELDS or TIER_FIELD.match(field)) and is_number(value):
                kept[field] = float(value) if isinstance(value, str) else value
        if not any(f in kept for f in BASE_PRICE_FIELDS):
            continue
        for field in TEXT_FIELDS:
            if isinstance(entry.get(field), str):
                kept[field] = entry[field]
        out[key] = kept
    return out


def download_wheel(version: str, folder: str) -> str:
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        "--disable-pip-version-check", f"litellm=={version}", "-d", folder,
    ]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)
    wheels = [f for f in os.listdir(folder) if f.endswith(".whl") and f.startswith("litellm-")]
    if len(wheels) != 1:
        sys.exit(f"expected one litellm wheel in {folder}, found {wheels}")
    return os.path.join(folder, wheels[0])


def main() -> int:
    parser = argparse.ArgumentParser(description="Regenerate the shipped LiteLLM price snapshot.")
    parser.add_argument("--version", default=DEFAULT_VERSION, help="litellm release on PyPI (default %(default)s).")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="snapshot path (default: the Analyze resource).")
    args = parser.parse_args()

    version = args.version.strip()
    if version in REFUSED_VERSIONS:
        sys.exit(f"refusing litellm {version}: a compromised release (BerriAI/litellm#24518); pick another version")
    if not re.fullmatch(r"\d+(\.\d+)*(\.post\d+)?", version):
        sys.exit(f"not an exact release number: {version!r}")

    with tempfile.TemporaryDirectory(prefix="factorylog-prices-") as folder:
        wheel = download_wheel(version, folder)
        with open(wheel, "rb") as f:
            sha256 = hashlib.sha256(f.read()).hexdigest()
        with zipfile.ZipFile(wheel) as z:
            info = z.getinfo(MEMBER)
            prices = json.loads(z.read(info))
    # Wheels are built reproducibly (zip entry dates of 1980), so record the day of retrieval.
    retrieved = datetime.datetime.now(datetime.timezone.utc).date().isoformat()

    snapshot = compact(prices)
    snapshot[METADATA_KEY] = {
        "id": f"litellm-{version}",
        "source": f"litellm {version} {os.path.basename(MEMBER)}",
        "date": retrieved,
        "wheel": os.path.basename(wheel),
        "wheel_sha256": sha256,
        "entries": len(snapshot),
    }
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    output = os.path.abspath(args.output)
    with open(output, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(f"wrote {output}: {len(snapshot) - 1} priced models, {len(text)} bytes, id litellm-{version}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
