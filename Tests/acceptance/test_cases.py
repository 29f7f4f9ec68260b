"""Acceptance cases from real user reports of similar tools, run against the built binary.

Each folder under `cases/` holds input logs as real tools write them, `case.json` (the runs and the
expected values in the output tables of the contract) and a README with the arithmetic. The runner
logic lives in `casecheck.py` (a copy of the cases' own runner, kept with the cases).
The binary is `$FACTORYLOG_BIN` (default `.build/debug/factorylog`).
"""
import os
import pathlib

import pytest

import casecheck

HERE = pathlib.Path(__file__).resolve().parent
CASES = HERE / "cases"
ROOT = HERE.parent.parent
BIN = os.environ.get("FACTORYLOG_BIN", str(ROOT / ".build" / "debug" / "factorylog"))

CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "case.json").is_file())


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case(name):
    binary = casecheck.resolve_bin(BIN)
    assert os.path.exists(binary), "build the binary first (make test does): %s" % binary
    failures, _ = casecheck.run_case(str(CASES / name), str(CASES), binary, keep=False, verbose=True)
    assert not failures, "\n".join(failures)
