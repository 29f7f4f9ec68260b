#!/usr/bin/env python3
"""Many-file and 365-day-archive benchmarks (issue 9): factorylog vs DuckDB with de-duplication.

Corpora (generated once, cached under Benchmarks/.corpus/, gitignored):

* many-file: >= 3 000 files, mixed formats and compressions (plain, gzip, zstd), about --mb MB
  uncompressed: LiteLLM JSON-lines parts plus S3/GCS-logger style one-object-per-file payloads of a
  few KB, Kong AI Gateway file-log parts, Claude Code transcripts with resumed-session copies and
  `subagents/` sidechain copies. Duplicates across files: LiteLLM ids repeated in a second file,
  Claude Code (message.id, requestId) repeated in resumed and subagent copies.
* archive: one folder per day for --days days (litellm/<day>/, kong/<day>/, claude/<day>/), a few
  small files per day, event timestamps on that day; plus one more day in a separate folder.

For each corpus it prints wall s, MB/s (uncompressed input / wall), CPU s, peak RSS for
`factorylog run --jobs 2` and for DuckDB (2 threads, Benchmarks/duckdb_baseline.py --dedup), and
checks that the two request/token totals agree. For the archive it also measures, on copies of the
state and of its output folder, a nightly run adding one day (vs that day read alone into a fresh
state and folder) and a run adding nothing (vs the full run). Targets are printed next to the figures, never asserted.

    python3 Benchmarks/manyfiles.py [--quick] [--mb 1000] [--files 3000] [--days 365] [--bin PATH]
"""
import argparse
import datetime as dt
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import litellm_line, kong_line, claude_line, timed, ROOT, HERE  # noqa: E402




def write(path, text, comp):
    """Writes text to path compressed with comp ('none', 'gz', 'zst'); returns uncompressed bytes."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode()
    if comp == "gz":
        with open(path, "wb") as f:
            f.write(gzip.compress(data, 6))
    elif comp == "zst":
        subprocess.run(["zstd", "-q", "-3", "-f", "-o", path], input=data, check=True)
    else:
        with open(path, "wb") as f:
            f.write(data)
    return len(data)


EXT = {"none": "", "gz": ".gz", "zst": ".zst"}
COMPS = ("none", "gz", "zst")


def claude_sidechain(line):
    """The same record as a sidechain (subagent) copy: same message.id and requestId."""
    d = json.loads(line)
    d["isSidechain"] = True
    return json.dumps(d, separators=(",", ":"))


def cached_corpus(root, tag):
    """(marker path, info) of a corpus generated before with these parameters; otherwise
    (marker path, None) after clearing root, for the generator to write anew."""
    marker = os.path.join(root, ".complete-" + tag)
    if os.path.exists(marker):
        return marker, json.load(open(marker))
    shutil.rmtree(root, ignore_errors=True)
    return marker, None


def gen_manyfiles(root, mb, files):
    """Generates the many-file corpus under root; returns (uncompressed bytes, file count)."""
    marker, info = cached_corpus(root, "%d-%d" % (mb, files))
    if info:
        return info
    rng = random.Random(11)
    t0 = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)
    target = mb * 1_000_000
    n_s3 = files // 2                     # small one-object-per-file LiteLLM payloads
    n_resumed = max(files // 30, 2)       # Claude Code resumed-session copies
    n_sub = max(files // 30, 2)           # Claude Code subagents/ copies
    n_big = max(files - n_s3 - n_resumed - n_sub, 6)
    per_big = max((target - n_s3 * 3000) // n_big, 20_000)
    written, count, i = 0, 0, 0
    litellm_prev, claude_files = [], []
    for n in range(n_big):
        kind = ("litellm", "kong", "claude")[n % 3]
        comp = COMPS[(n // 3) % 3]
        lines, size = [], 0
        if kind == "litellm" and litellm_prev:
            lines = litellm_prev[:10]             # same request ids as the previous LiteLLM part
            size = sum(len(x) + 1 for x in lines)
        while size < per_big:
            t = t0 + dt.timedelta(seconds=i * 3)
            fn = {"litellm": litellm_line, "kong": kong_line, "claude": claude_line}[kind]
            line = fn(rng, i, t)
            lines.append(line)
            size += len(line) + 1
            i += 1
        if kind == "litellm":
            litellm_prev = lines[-10:]
            path = os.path.join(root, "litellm", "jsonl", "part-%05d.jsonl%s" % (n, EXT[comp]))
        elif kind == "kong":
            path = os.path.join(root, "kong", "file-log-%05d.log%s" % (n, EXT[comp]))
        else:
            path = os.path.join(root, "claude", "projects", "proj%d" % (n % 6), "sess-%05d.jsonl%s" % (n, EXT[comp]))
            claude_files.append((path, lines))
        written += write(path, "\n".join(lines) + "\n", comp)
        count += 1
    # LiteLLM S3/GCS-logger style: one JSON object per file, plain, a few KB; every 10th repeats an id.
    for k in range(n_s3):
        t = t0 + dt.timedelta(seconds=k * 11)
        line = litellm_prev[(k // 10) % len(litellm_prev)] if k % 10 == 0 else litellm_line(rng, 50_000_000 + k, t)
        path = os.path.join(root, "litellm", "s3", t.strftime("%Y-%m-%d"), "time-%s_%06d.json" % (t.strftime("%H-%M-%S"), k))
        written += write(path, line + "\n", "none")
        count += 1
    # Claude Code: a resumed session repeats the first records of its original; a subagent copy is a sidechain.
    for k in range(n_resumed):
        path, lines = claude_files[k % len(claude_files)]
        head = lines[: max(len(lines) // 4, 1)]
        extra = [claude_line(rng, 90_000_000 + k * 1000 + j, t0 + dt.timedelta(hours=k, seconds=j)) for j in range(20)]
        out = os.path.join(os.path.dirname(path), "resumed-%05d.jsonl.gz" % k)
        written += write(out, "\n".join(head + extra) + "\n", "gz")
        count += 1
    for k in range(n_sub):
        path, lines = claude_files[(k * 7) % len(claude_files)]
        sess = os.path.basename(path).split(".")[0]
        out = os.path.join(os.path.dirname(path), sess, "subagents", "agent-%05d.jsonl.zst" % k)
        written += write(out, "\n".join(claude_sidechain(x) for x in lines[:30]) + "\n", "zst")
        count += 1
    info = [written, count]
    json.dump(info, open(marker, "w"))
    return info


def gen_day(root, day, lines_per_file, rng, base):
    """One day's folders (litellm, kong, claude) under root; returns (bytes, files)."""
    ds = day.strftime("%Y-%m-%d")
    t0 = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    written = files = 0
    step = 86_000 // (lines_per_file * 2)
    for f, (kind, fn, comp, name) in enumerate((
            ("litellm", litellm_line, "gz", "litellm-%s-a.jsonl" % ds), ("litellm", litellm_line, "zst", "litellm-%s-b.jsonl" % ds),
            ("kong", kong_line, "gz", "kong-%s.log" % ds), ("kong", kong_line, "none", "kong-%s-b.log" % ds),
            ("claude", claude_line, "gz", "sess-%s-a.jsonl" % ds), ("claude", claude_line, "none", "sess-%s-b.jsonl" % ds))):
        lines = [fn(rng, base + f * 10_000 + j, t0 + dt.timedelta(seconds=(f % 2) * 43_000 + j * step)) for j in range(lines_per_file)]
        written += write(os.path.join(root, kind, ds, name + EXT[comp]), "\n".join(lines) + "\n", comp)
        files += 1
    return written, files


def gen_archive(root, days, lines_per_file):
    """The archive (days days from 2025-12-01) under root/base and one more day under root/newday."""
    marker, info = cached_corpus(root, "%d-%d" % (days, lines_per_file))
    if info:
        return info
    rng = random.Random(5)
    first = dt.date(2025, 12, 1)
    written = files = 0
    for d in range(days):
        w, f = gen_day(os.path.join(root, "base"), first + dt.timedelta(days=d), lines_per_file, rng, (d + 1) * 100_000)
        written += w
        files += f
    nw, nf = gen_day(os.path.join(root, "newday"), first + dt.timedelta(days=days), lines_per_file, rng, (days + 1) * 100_000)
    info = {"bytes": written, "files": files, "new_bytes": nw, "new_files": nf}
    json.dump(info, open(marker, "w"))
    return info


def fl_run(binary, inputs, out, state):
    return timed([binary, "run", *inputs, "--out", out, "--state", state, "--jobs", "2", "--quiet", "--tz", "UTC"])


def our_totals(out):
    """(requests, total_tokens) from factorylog's usage_daily, and an ingest_files summary.

    Queried in a child process: a child inherits its parent's peak RSS across fork+exec on Linux,
    so importing DuckDB here would inflate the peak RSS measured for later factorylog runs."""
    code = ("import duckdb, json, sys; con = duckdb.connect(); o = sys.argv[1]; "
            "t = con.execute(\"SELECT sum(requests), sum(total_tokens) FROM '%s/usage_daily.parquet'\" % o).fetchone(); "
            "i = con.execute(\"SELECT count(*), count(*) FILTER (WHERE status <> 'ok'), sum(malformed_lines), "
            "sum(duplicate_events) FROM '%s/ingest_files.parquet'\" % o).fetchone(); "
            "print(json.dumps([[int(t[0] or 0), int(t[1] or 0)], [int(x or 0) for x in i]]))")
    tot, ing = json.loads(subprocess.run([sys.executable, "-c", code, out], capture_output=True, check=True, text=True).stdout)
    return tuple(tot), ing


def duck(inputs):
    """Runs the DuckDB baseline on inputs; returns ((wall, cpu, rss), (requests, tokens))."""
    res_file = tempfile.mktemp(prefix="duck-", suffix=".json")
    r = timed([sys.executable, os.path.join(HERE, "duckdb_baseline.py"), "--dedup", "--totals", res_file, *inputs])
    try:
        tot = tuple(json.load(open(res_file)))
        os.unlink(res_file)
    except OSError:
        tot = (-1, -1)
    return r, tot


def row(name, r, mb):
    w, c, rss = r
    print("  %-36s %9.2f %9.0f %9.2f %12.0f" % (name, w, mb / w if w else 0, c, rss))


def header(title):
    print()
    print("  %-36s %9s %9s %9s %12s" % (title, "wall s", "MB/s", "CPU s", "peak RSS MB"))


def compare(ours, theirs, ing, expected_files):
    ok = "agree" if ours == theirs else "DIFFER"
    print("  totals (requests, total_tokens): factorylog %s, DuckDB %s -> %s" % (ours, theirs, ok))
    print("  ingest_files: %d files (generated %d), %d not ok, %d malformed lines, %d duplicate_events"
          % (ing[0], expected_files, ing[1], ing[2] or 0, ing[3] or 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small corpora (60 MB / 300 files, 30 days)")
    ap.add_argument("--mb", type=int, default=1000, help="many-file corpus size, MB uncompressed")
    ap.add_argument("--files", type=int, default=3200, help="many-file corpus file count (about)")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--lines", type=int, default=40, help="lines per archive file")
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "factorylog"))
    a = ap.parse_args()
    if a.quick:
        a.mb, a.files, a.days, a.lines = 60, 300, 30, 20
    corpus = os.path.join(HERE, ".corpus")
    mroot = os.path.join(corpus, "manyfiles-%dmb-%d" % (a.mb, a.files))
    aroot = os.path.join(corpus, "archive-%dd-%d" % (a.days, a.lines))
    print("generating (cached) %s and %s" % (os.path.relpath(mroot, ROOT), os.path.relpath(aroot, ROOT)), flush=True)
    mbytes, mfiles = gen_manyfiles(mroot, a.mb, a.files)
    arch = gen_archive(aroot, a.days, a.lines)
    tmp = tempfile.mkdtemp(prefix="factorylog-bench9-")
    try:
        # Many-file corpus.
        mb = mbytes / 1e6
        fl = fl_run(a.bin, [mroot], os.path.join(tmp, "m-out"), os.path.join(tmp, "m.sqlite"))
        ours, ing = our_totals(os.path.join(tmp, "m-out"))
        db, theirs = duck([mroot])
        header("many-file (%d files, %.0f MB)" % (mfiles, mb))
        row("factorylog run --jobs 2", fl, mb)
        row("DuckDB 2 threads, de-duplicated", db, mb)
        compare(ours, theirs, ing, mfiles)
        ratio = db[0] / fl[0] if fl[0] else 0
        print("  targets: throughput >= 1.5x DuckDB: %.2fx; peak RSS <= 256 MB: %.0f MB" % (ratio, fl[2]))

        # 365-day archive: full run, then nightly runs on copies of its state.
        base, new = os.path.join(aroot, "base"), os.path.join(aroot, "newday")
        amb = arch["bytes"] / 1e6
        full_state = os.path.join(tmp, "a.sqlite")
        full = fl_run(a.bin, [base], os.path.join(tmp, "a-out"), full_state)
        ours, ing = our_totals(os.path.join(tmp, "a-out"))
        db, theirs = duck([base])
        shutil.copy(full_state, os.path.join(tmp, "a1.sqlite"))
        shutil.copy(full_state, os.path.join(tmp, "a0.sqlite"))
        # A nightly run writes into the same --out as the night before (the manifest there lets it
        # take unchanged tables over): copies of the full run's folder, modification times kept.
        shutil.copytree(os.path.join(tmp, "a-out"), os.path.join(tmp, "a1-out"))
        shutil.copytree(os.path.join(tmp, "a-out"), os.path.join(tmp, "a0-out"))
        plus1 = fl_run(a.bin, [base, new], os.path.join(tmp, "a1-out"), os.path.join(tmp, "a1.sqlite"))
        alone = fl_run(a.bin, [new], os.path.join(tmp, "n-out"), os.path.join(tmp, "n.sqlite"))
        noop = fl_run(a.bin, [base], os.path.join(tmp, "a0-out"), os.path.join(tmp, "a0.sqlite"))
        header("%d-day archive (%d files, %.0f MB)" % (a.days, arch["files"], amb))
        row("factorylog run --jobs 2 (full)", full, amb)
        row("DuckDB 2 threads, de-duplicated", db, amb)
        compare(ours, theirs, ing, arch["files"])
        nmb = arch["new_bytes"] / 1e6
        row("nightly: + one day (%d files)" % arch["new_files"], plus1, nmb)
        row("that day alone, fresh state", alone, nmb)
        row("nightly: nothing new", noop, amb)
        print("  targets: adds one day <= 3x that day alone: %.1fx; adds nothing <= 2%% of full: %.1f%%; "
              "peak RSS <= 256 MB: %.0f MB" % (plus1[0] / alone[0] if alone[0] else 0,
                                              100 * noop[0] / full[0] if full[0] else 0,
                                              max(full[2], plus1[2], noop[2])))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
