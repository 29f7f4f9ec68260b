"""Issue 17: GPU energy from a DCGM + vLLM query_range export and an nvidia-smi log, joined with
the tokens of the self-hosted models (SampleLogs/energy, SampleLogs/litellm/selfhosted, written by
Scripts/make-energy-samples.py, whose docstring derives every number below).
"""
import gzip
import shutil
import subprocess

import openpyxl
import pyarrow.parquet as pq

from test_incremental import BIN, ROOT

SAMPLES = ROOT / "SampleLogs"
CONFIG = ROOT / "SampleConfig"


def energy_run(tmp, *inputs, extra=()):
    cmd = [BIN, "run", *[str(i) for i in inputs], "--out", str(tmp / "out"), "--state", str(tmp / "state.sqlite"),
           "--placement", str(CONFIG / "placement.csv"), "--model-aliases", str(CONFIG / "model-aliases.json"),
           "--power-price", "0.12", "--pue", "1.3", "--tz", "UTC", "--quiet", *extra]
    p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return p


def rows(tmp):
    return {(r["host"], r["model"]): r for r in pq.read_table(tmp / "out" / "energy_daily.parquet").to_pylist()}


def inputs(tmp):
    logs = tmp / "logs"
    shutil.copytree(SAMPLES / "energy", logs / "energy")
    shutil.copytree(SAMPLES / "litellm" / "selfhosted", logs / "selfhosted")
    return logs


def check_sample_rows(r):
    llama = r[("gpu-node-1", "meta-llama/Llama-3.1-8B-Instruct")]
    # GPU 0: 160 × 6 000 J + 80 × 1 500 J = 1 080 000 J; GPU 1 (reset at 10:30): 1 077 000 J
    assert llama["gpus"] == 2
    assert abs(llama["energy_kwh"] - 2_157_000 / 3.6e6) < 1e-12
    # active slots 10:00..10:35: 960 000 + 957 000 J
    assert abs(llama["energy_kwh_active"] - 1_917_000 / 3.6e6) < 1e-12
    # 160 × (3 000 + 600) tokens
    assert llama["tokens"] == 576_000 and llama["token_source"] == "server"
    assert abs(llama["tokens_per_kwh"] - 576_000 / (2_157_000 / 3.6e6)) < 1e-6
    # 0.599166… kWh × 1.3 × $0.12
    assert abs(llama["energy_cost_usd"] - 2_157_000 / 3.6e6 * 1.3 * 0.12) < 1e-12
    assert abs(llama["energy_cost_per_mtok_usd"] - llama["energy_cost_usd"] / 576_000 * 1e6) < 1e-9
    # deepinfra list prices $0.03 / $0.05 per Mtok: (480 000 × 0.03 + 96 000 × 0.05) / 576 000
    assert abs(llama["api_price_per_mtok_usd"] - (480_000 * 0.03 + 96_000 * 0.05) / 576_000) < 1e-9
    assert llama["counter_resets"] == 1

    idle = r[("gpu-node-1", "(unassigned)")]
    # 60 W × (3 600 − 600) s, the 600 s hole counted as one gap
    assert abs(idle["energy_kwh"] - 180_000 / 3.6e6) < 1e-12
    assert idle["energy_kwh_active"] is None and idle["tokens"] == 0 and idle["tokens_per_kwh"] is None
    assert (idle["data_gaps"], idle["gap_minutes"]) == (1, 10.0)

    qwen = r[("gpu-node-2", "Qwen/Qwen2.5-7B-Instruct")]
    # (250 + 150) W × 1 800 s = 720 000 J = 0.2 kWh; 6 000 gateway tokens
    assert qwen["gpus"] == 2 and abs(qwen["energy_kwh"] - 0.2) < 1e-12
    assert qwen["tokens"] == 6_000 and qwen["token_source"] == "gateway"
    assert abs(qwen["tokens_per_kwh"] - 30_000) < 1e-6
    assert qwen["energy_kwh_active"] is None


def test_energy_daily_from_the_samples(tmp_path):
    logs = inputs(tmp_path)
    energy_run(tmp_path, logs)
    r = rows(tmp_path)
    assert len(r) == 3
    check_sample_rows(r)
    files = {f["path"].split("/")[-1]: f for f in pq.read_table(tmp_path / "out" / "ingest_files.parquet").to_pylist()}
    smi = files["gpu-node-2.csv"]
    # header + 361 rows × 2 GPUs
    assert (smi["format"], smi["lines"], smi["events"], smi["status"]) == ("nvidia_smi_csv", 723, 722, "ok")
    prom = files["2026-11-24-dcgm-vllm.json"]
    # 4 × 241 samples + 241 − 39 (the gap) = 1 166
    assert (prom["format"], prom["events"], prom["status"]) == ("prometheus_query_range", 1_166, "ok")
    # the workbook has the sheet, the CSV the same energy
    wb = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx", read_only=True)
    assert "energy_daily" in wb.sheetnames
    csv = (tmp_path / "out" / "energy_daily.csv").read_text().splitlines()
    assert len(csv) == 4 and csv[0].startswith("day,host,model,gpus,energy_kwh,energy_kwh_active,tokens,")


def test_compressed_exports_give_the_same_rows(tmp_path):
    logs = inputs(tmp_path)
    src = logs / "energy" / "prometheus" / "2026-11-24-dcgm-vllm.json"
    with open(src, "rb") as f, gzip.open(str(src) + ".gz", "wb") as g:
        g.write(f.read())
    subprocess.run(["zstd", "-q", "--rm", str(logs / "energy" / "nvidia-smi" / "gpu-node-2.csv")], check=True)
    src.unlink()
    energy_run(tmp_path, logs)
    check_sample_rows(rows(tmp_path))


def test_incremental_runs_skip_unchanged_and_replace_rewritten_logs(tmp_path):
    logs = inputs(tmp_path)
    energy_run(tmp_path, logs)
    energy_run(tmp_path, logs)
    check_sample_rows(rows(tmp_path))
    status = {f["path"].split("/")[-1]: f["status"] for f in pq.read_table(tmp_path / "out" / "ingest_files.parquet").to_pylist()}
    assert status["gpu-node-2.csv"] == "skipped"
    # keep the header and 10:00:00..10:15:00 (181 rows per GPU): (250 + 150) W × 900 s = 0.1 kWh
    smi = logs / "energy" / "nvidia-smi" / "gpu-node-2.csv"
    lines = smi.read_text().splitlines()
    smi.write_text("\n".join(lines[: 1 + 181 * 2]) + "\n")
    energy_run(tmp_path, logs)
    r = rows(tmp_path)
    assert abs(r[("gpu-node-2", "Qwen/Qwen2.5-7B-Instruct")]["energy_kwh"] - 0.1) < 1e-12
    assert abs(r[("gpu-node-1", "meta-llama/Llama-3.1-8B-Instruct")]["energy_kwh"] - 2_157_000 / 3.6e6) < 1e-12
    # report rebuilds the same table from the state alone
    out2 = tmp_path / "out2"
    p = subprocess.run([BIN, "report", "--state", str(tmp_path / "state.sqlite"), "--out", str(out2), "--quiet",
                        "--placement", str(CONFIG / "placement.csv"), "--power-price", "0.12", "--pue", "1.3"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    again = {(x["host"], x["model"]): x for x in pq.read_table(out2 / "energy_daily.parquet").to_pylist()}
    assert abs(again[("gpu-node-2", "Qwen/Qwen2.5-7B-Instruct")]["energy_kwh"] - 0.1) < 1e-12


def test_without_placement_the_nvidia_smi_gpus_are_unassigned_never_dropped(tmp_path):
    logs = inputs(tmp_path)
    cmd = [BIN, "run", str(logs), "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite"), "--quiet"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    r = rows(tmp_path)
    # no host label in nvidia-smi logs: host empty; 0.2 kWh kept as (unassigned)
    assert abs(r[("", "(unassigned)")]["energy_kwh"] - 0.2) < 1e-12
    assert r[("", "(unassigned)")]["energy_cost_usd"] is None


def test_trend_prints_tokens_per_kwh_by_week(tmp_path):
    logs = inputs(tmp_path)
    energy_run(tmp_path, logs)
    p = subprocess.run([BIN, "trend", "--state", str(tmp_path / "state.sqlite"), "--placement", str(CONFIG / "placement.csv"),
                        "--model-aliases", str(CONFIG / "model-aliases.json")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    block = p.stdout.split("tokens per kWh of GPU energy by ISO week")[1].splitlines()
    assert "2026-W48" in block[1]
    by_model = {line.split()[0]: line.split()[1] for line in block[2:] if line.strip()}
    # (576 000 + 6 000) tokens / ((2 157 000 + 180 000 + 720 000) J / 3.6e6) = 685 378 (unassigned energy counts in the total)
    assert "685378" in block[2]
    # 6 000 / 0.2 kWh; 576 000 / 0.599166… kWh
    assert by_model["Qwen/Qwen2.5-7B-Instruct"] == "30000"
    assert by_model["meta-llama/Llama-3.1-8B-Instruct"] == "961335"
