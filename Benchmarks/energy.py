#!/usr/bin/env python3
"""GPU energy benchmark (issue 17): a month of 15-s scrapes of 64 GPUs, in bounded memory.

Generates (once) under Benchmarks/.corpus/energy/ one Prometheus query_range export per day
(zstd), as a nightly job would take them out of Prometheus: per GPU (8 hosts × 8 GPUs, one vLLM
pod per host) DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION and DCGM_FI_DEV_POWER_USAGE, and per pod
vllm:prompt_tokens_total and vllm:generation_tokens_total: 30 days × 5 760 steps × (64 × 2 + 8 × 2)
series ≈ 24.9 million samples (11 million energy-counter samples). Then it runs

    factorylog run <corpus> --out <tmp> --state <tmp>/state.sqlite --jobs 2 --quiet

and prints wall time, samples per second, CPU seconds and peak RSS (the target: the same peak RSS
for 3 days as for 30, i.e. memory per series, not per sample). This is a benchmark, not a test.

    make bench      # or: python3 Benchmarks/energy.py [--days 30] [--gpus 64] [--bin PATH]
"""
import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STEP = 15


def day_export(path, day0, gpus, per_host):
    """Writes one day's query_range export through `zstd` (streamed: never held in memory)."""
    steps = 86_400 // STEP
    hosts = gpus // per_host
    z = subprocess.Popen(["zstd", "-q", "-3", "-o", path, "-f"], stdin=subprocess.PIPE)
    w = z.stdin
    w.write(b'{"status":"success","data":{"resultType":"matrix","result":[')
    first = True

    def series(metric, values):
        nonlocal first
        w.write((b"" if first else b",") + b'{"metric":' + metric.encode() + b',"values":[')
        first = False
        w.write(",".join(values).encode())
        w.write(b"]}")

    for g in range(gpus):
        host, idx = divmod(g, per_host)
        labels = ('"gpu":"%d","UUID":"GPU-bench-%04d","modelName":"NVIDIA H100 80GB HBM3","Hostname":"node-%02d",'
                  '"namespace":"inference","pod":"vllm-%02d"' % (idx, g, host, host))
        base = 10**12 + g * 10**9 + (day0 // 1000) % 10**6 * 10**7
        busy = [300 + 100 * ((i // 240 + g) % 3) for i in range(steps)]
        energy = []
        v = base
        for i in range(steps):
            v += busy[i] * STEP * 1000
            energy.append('[%d,"%d"]' % (day0 // 1000 + i * STEP, v))
        series('{"__name__":"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",%s}' % labels, energy)
        series('{"__name__":"DCGM_FI_DEV_POWER_USAGE",%s}' % labels,
               ['[%d,"%d"]' % (day0 // 1000 + i * STEP, busy[i]) for i in range(steps)])
    for h in range(hosts):
        for name, per in (("vllm:prompt_tokens_total", 40_000), ("vllm:generation_tokens_total", 8_000)):
            vals = []
            v = 0
            for i in range(steps):
                v += per
                vals.append('[%d,"%d"]' % (day0 // 1000 + i * STEP, v))
            series('{"__name__":"%s","model_name":"meta-llama/Llama-3.1-70B-Instruct","engine":"0",'
                   '"namespace":"inference","pod":"vllm-%02d","instance":"10.0.%d.2:8000"}' % (name, h, h), vals)
    w.write(b"]}}\n")
    w.close()
    if z.wait() != 0:
        sys.exit("zstd failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--gpus", type=int, default=64)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "factorylog"))
    a = ap.parse_args()
    corpus = os.path.join(HERE, ".corpus", "energy-%dd-%dg" % (a.days, a.gpus))
    start = int(dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc).timestamp()) * 1000
    if not os.path.isdir(corpus):
        tmp = corpus + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        for d in range(a.days):
            day0 = start + d * 86_400_000
            name = dt.datetime.fromtimestamp(day0 / 1000, dt.timezone.utc).strftime("%Y-%m-%d")
            day_export(os.path.join(tmp, "dcgm-vllm-%s.json.zst" % name), day0, a.gpus, 8)
            print("generated", name, file=sys.stderr)
        os.rename(tmp, corpus)
    samples = a.days * (86_400 // STEP) * (a.gpus * 2 + a.gpus // 8 * 2)
    out = tempfile.mkdtemp(prefix="factorylog-energy-bench-")
    try:
        t = time.time()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([a.bin, "run", corpus, "--out", os.path.join(out, "out"), "--state",
                            os.path.join(out, "state.sqlite"), "--jobs", "2", "--quiet"])
        wall = time.time() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        print("energy: %d days x %d GPUs, %.1f M samples: exit %d, %.1f s wall, %.1f M samples/s, %.1f CPU s, peak RSS %.0f MB"
              % (a.days, a.gpus, samples / 1e6, p.returncode, wall, samples / 1e6 / wall, cpu, after.ru_maxrss / 1024))
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
