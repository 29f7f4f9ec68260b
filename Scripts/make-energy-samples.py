#!/usr/bin/env python3
"""Writes the GPU energy samples of SampleLogs/ (issue 17), with values chosen to be checked by hand.

    python3 Scripts/make-energy-samples.py

* SampleLogs/energy/prometheus/2026-11-24-dcgm-vllm.json: a Prometheus query_range export (matrix,
  15 s step, 10:00:00..11:00:00 UTC, 241 samples per series) of host gpu-node-1:
  - GPU 0 and GPU 1 (pod inference/vllm-llama-0), DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ):
    +6 000 000 mJ (400 W) per step until 10:40, then +1 500 000 mJ (100 W);
    GPU 1's counter resets at 10:30:00 (value 3 000 000 mJ: 3 000 J counted for that step).
    GPU 0: 160 x 6 000 J + 80 x 1 500 J = 1 080 000 J; GPU 1: 1 080 000 - 6 000 + 3 000 = 1 077 000 J.
  - GPU 2 (no pod), DCGM_FI_DEV_POWER_USAGE 60 W, samples 10:20:15..10:29:45 missing (a 600 s gap):
    60 W x (3 600 - 600) s = 180 000 J, to model (unassigned).
  - vLLM vllm:prompt_tokens_total +3 000 and vllm:generation_tokens_total +600 per step until 10:40
    (pod inference/vllm-llama-0, model_name meta-llama/Llama-3.1-8B-Instruct): 480 000 + 96 000 tokens.
* SampleLogs/energy/nvidia-smi/gpu-node-2.csv: nvidia-smi --query-gpu=timestamp,index,uuid,name,power.draw
  --format=csv -l 5, 10:00:00..10:30:00 UTC (361 rows per GPU): GPU 0 250 W, GPU 1 150 W:
  (250 + 150) W x 1 800 s = 720 000 J, placed on Qwen/Qwen2.5-7B-Instruct by SampleConfig/placement.csv.
* SampleLogs/litellm/selfhosted/2026-11-24.jsonl: four LiteLLM spend-log rows of that model
  (hosted_vllm, spend 0): prompt 5 000, completion 1 000 tokens.
"""
import datetime as dt
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
T0 = int(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc).timestamp())
STEP = 15
N = 241  # 10:00:00 .. 11:00:00
BUSY_END = T0 + 40 * 60
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
QWEN = "Qwen/Qwen2.5-7B-Instruct"
H100 = "NVIDIA H100 80GB HBM3"


def dcgm_labels(name, gpu, uuid, pod=True):
    m = {"__name__": name, "gpu": str(gpu), "UUID": uuid, "pci_bus_id": "00000000:%02X:00.0" % (0x18 + gpu),
         "device": "nvidia%d" % gpu, "modelName": H100, "Hostname": "gpu-node-1",
         "DCGM_FI_DRIVER_VERSION": "570.124.06", "instance": "10.42.0.5:9400", "job": "dcgm-exporter"}
    if pod:
        m.update({"container": "vllm", "namespace": "inference", "pod": "vllm-llama-0"})
    return m


def fmt(v):
    return repr(float(v)) if v != int(v) else str(int(v))


def energy_series(gpu, uuid, reset_at=None):
    values = []
    v = 5_000_000_000_000 + gpu * 1_000_000_000
    for i in range(N):
        t = T0 + i * STEP
        if i > 0:
            step = 6_000_000 if t <= BUSY_END else 1_500_000
            v = 3_000_000 if t == reset_at else v + step
        values.append([t, fmt(v)])
    return {"metric": dcgm_labels("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", gpu, uuid), "values": values}


def power_series(gpu, uuid):
    values = []
    for i in range(N):
        t = T0 + i * STEP
        if T0 + 20 * 60 < t < T0 + 30 * 60:
            continue
        values.append([t, "60"])
    return {"metric": dcgm_labels("DCGM_FI_DEV_POWER_USAGE", gpu, uuid, pod=False), "values": values}


def token_series(name, per_step):
    values = []
    v = 1_250_000 if "prompt" in name else 310_000
    for i in range(N):
        t = T0 + i * STEP
        if i > 0 and t <= BUSY_END:
            v += per_step
        values.append([t, str(v)])
    return {"metric": {"__name__": name, "model_name": LLAMA, "engine": "0", "instance": "10.42.0.17:8000", "job": "vllm",
                       "namespace": "inference", "pod": "vllm-llama-0"}, "values": values}


def write_prometheus():
    result = [
        energy_series(0, "GPU-5f3c2a10-6b1e-4d2f-9a41-0c7e8d9b1a01"),
        energy_series(1, "GPU-5f3c2a10-6b1e-4d2f-9a41-0c7e8d9b1a02", reset_at=T0 + 30 * 60),
        power_series(2, "GPU-5f3c2a10-6b1e-4d2f-9a41-0c7e8d9b1a03"),
        token_series("vllm:prompt_tokens_total", 3000),
        token_series("vllm:generation_tokens_total", 600),
    ]
    doc = {"status": "success", "data": {"resultType": "matrix", "result": result}}
    path = os.path.join(ROOT, "SampleLogs", "energy", "prometheus", "2026-11-24-dcgm-vllm.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(json.dumps(doc, separators=(",", ":")) + "\n")


def write_nvidia_smi():
    gpus = [(0, "GPU-7a61e0c2-93d4-4b8e-8f25-3c1d2e4f5a01", 250.0), (1, "GPU-7a61e0c2-93d4-4b8e-8f25-3c1d2e4f5a02", 150.0)]
    lines = ["timestamp, index, uuid, name, power.draw [W]"]
    for i in range(361):
        t = dt.datetime.fromtimestamp(T0 + 5 * i, dt.timezone.utc)
        for idx, uuid, w in gpus:
            lines.append("%s.%03d, %d, %s, NVIDIA L40S, %.2f W" % (t.strftime("%Y/%m/%d %H:%M:%S"), 0, idx, uuid, w))
    path = os.path.join(ROOT, "SampleLogs", "energy", "nvidia-smi", "gpu-node-2.csv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(ROOT, "SampleConfig", "placement.csv"), "w") as f:
        f.write("# which model each GPU served (factorylog run --placement); nvidia-smi logs carry no host\n")
        f.write("host,gpu_uuid,model,start,end\n")
        for _, uuid, _ in gpus:
            f.write("gpu-node-2,%s,%s,2026-11-01T00:00:00Z,\n" % (uuid, QWEN))


def write_gateway():
    rows = [("10:05:00", 1200, 300), ("10:12:30", 800, 200), ("10:18:10", 2000, 400), ("10:26:45", 1000, 100)]
    out = []
    for i, (hms, p, c) in enumerate(rows):
        start = "2026-11-24T%s.000000+00:00" % hms
        end = "2026-11-24T%s.900000+00:00" % hms
        meta = {"usage_object": {"completion_tokens": c, "prompt_tokens": p, "total_tokens": p + c},
                "user_api_key_alias": "support-bot", "user_api_key_team_id": "team-2c91", "user_api_key_team_alias": "support",
                "status": "success"}
        out.append(json.dumps({
            "request_id": "chatcmpl-qwen-%04d" % i, "call_type": "acompletion", "api_key": "%064x" % (0xabc + i), "spend": 0.0,
            "total_tokens": p + c, "prompt_tokens": p, "completion_tokens": c, "startTime": start, "endTime": end,
            "completionStartTime": end, "model": QWEN, "model_group": QWEN, "custom_llm_provider": "hosted_vllm",
            "api_base": "http://vllm-qwen.inference.svc:8000/v1", "user": "", "metadata": json.dumps(meta),
            "cache_hit": "None", "cache_key": "Cache OFF", "request_tags": "[]", "team_id": "team-2c91", "end_user": "",
            "requester_ip_address": "10.20.3.%d" % (40 + i), "messages": {}, "response": {},
            "session_id": "5d7c%04d-1a2b-4c3d-8e9f-000000000000" % i, "status": "success", "proxy_server_request": {}},
            separators=(",", ":")))
    path = os.path.join(ROOT, "SampleLogs", "litellm", "selfhosted", "2026-11-24.jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    write_prometheus()
    write_nvidia_smi()
    write_gateway()
