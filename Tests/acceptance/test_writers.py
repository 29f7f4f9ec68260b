"""Output writers: Parquet (read back with pyarrow AND DuckDB), CSV and summary.xlsx (openpyxl).

Runs the test tool `write-test-tables --out DIR --rows N --codec C` (a target of its own, not in
the shipped binary), which
writes deterministic synthetic tables through the real writers, and compares every value, null
and type with the same formulas recomputed here (`expected_rows`, a copy of the formulas
documented in Tests/Tools/write-test-tables/WriteTestTables.swift).

The tool sits beside `$FACTORYLOG_BIN` (default `.build/debug/factorylog`).
"""

import csv
import datetime as dt
import math
import os
import pathlib
import subprocess

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = os.path.join(os.path.dirname(os.path.abspath(os.environ.get("FACTORYLOG_BIN", str(ROOT / ".build" / "debug" / "factorylog")))),
                   "write-test-tables")

CODECS = ["zstd", "gzip", "none"]
PARQUET_CODEC_NAMES = {"zstd": "ZSTD", "gzip": "GZIP", "none": "UNCOMPRESSED"}

SPECIALS = [
    "", "plain", "0042", '=HYPERLINK("http://example.invalid","x")', "Ünïcode-app",
    "日本語テキスト", "emoji 🚀", 'comma, "quote"', "line\nbreak", "cr\r\nlf", "-5", "+1",
    "@x", "\ttab", " leading space", "_x0041_", "ctrl\x01char", "<tag>&amp;",
]
COLUMNS = ["id", "signed", "tokens", "cost_usd", "ratio", "all_null", "label", "code", "day", "ts"]
ARROW_TYPES = {
    "id": pa.int64(), "signed": pa.int64(), "tokens": pa.int64(), "cost_usd": pa.float64(),
    "ratio": pa.float64(), "all_null": pa.float64(), "label": pa.string(), "code": pa.string(),
    "day": pa.date32(), "ts": pa.timestamp("ms", tz="UTC"),
}
NULLABLE = {"signed", "ratio", "all_null", "label", "day", "ts"}
DUCKDB_TYPES = {
    "id": "BIGINT", "signed": "BIGINT", "tokens": "BIGINT", "cost_usd": "DOUBLE", "ratio": "DOUBLE",
    "all_null": "DOUBLE", "label": "VARCHAR", "code": "VARCHAR", "day": "DATE",
    "ts": "TIMESTAMP WITH TIME ZONE",
}
EPOCH = dt.date(1970, 1, 1)


def expected_columns(n):
    """Column lists as the generator writes them; day = days since 1970-01-01, ts = UTC ms."""
    c = {k: [] for k in COLUMNS}
    for i in range(n):
        c["id"].append(i)
        c["signed"].append(None if i % 7 == 3 else (i * 7919) % 20001 - 10000)
        c["tokens"].append((i * 104729) % 1000000007)
        c["cost_usd"].append(((i * 7919 + 58062) % 100003) / 1e6)
        if i % 5 == 0:
            r = None
        elif i % 97 == 1:
            r = 1e-7 * i
        elif i % 89 == 2:
            r = 1e17 + i
        else:
            r = ((i * 31) % 2001 - 1000) / 7.0
        c["ratio"].append(r)
        c["all_null"].append(None)
        if i % 11 == 0:
            c["label"].append(None)
        elif i % 3 == 0:
            c["label"].append(f"row-{i}")
        else:
            c["label"].append(SPECIALS[(i // 3) % len(SPECIALS)])
        c["code"].append(f"{i % 10000:04d}")
        c["day"].append(None if i % 13 == 5 else (i * 37) % 40000 - 15000)
        c["ts"].append(None if i % 17 == 4 else 1775037600000 + (i * 1234567) % 9000000000 - 4500000000)
    return c


def write_tables(out, rows, codec, *extra):
    proc = subprocess.run(
        [BIN, "--out", str(out), "--rows", str(rows), "--codec", codec, *extra],
        capture_output=True, text=True, timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def arrow_columns(table):
    """pyarrow table → plain lists; day as int days, ts as int ms (exact comparisons)."""
    out = {}
    for name in COLUMNS:
        col = table.column(name)
        if name == "day":
            col = col.cast(pa.int32())
        elif name == "ts":
            col = col.cast(pa.int64())
        out[name] = col.to_pylist()
    return out


class _Rows:
    """Fetched rows of one query (DuckDB 2.0 relations no longer have fetchone)."""

    def __init__(self, rows):
        self.rows = rows

    def fetchall(self):
        return self.rows

    def fetchone(self):
        return self.rows[0]


def sql(text):
    """Runs `text` on a fresh in-memory DuckDB connection and returns its rows."""
    con = duckdb.connect()
    try:
        return _Rows(con.execute(text).fetchall())
    finally:
        con.close()


def duck_columns(path):
    rel = sql(
        f"""SELECT id, signed, tokens, cost_usd, ratio, all_null, label, code,
                   (day - DATE '1970-01-01')::INTEGER AS day, epoch_ms(ts) AS ts
            FROM read_parquet('{path}') ORDER BY id"""
    )
    rows = rel.fetchall()
    return {name: [r[i] for r in rows] for i, name in enumerate(COLUMNS)}


def same(a, b):
    """Exact equality, NaN-free; -0.0 == 0.0 is fine for our data."""
    return len(a) == len(b) and all(x == y and type(x) is type(y) for x, y in zip(a, b))


@pytest.fixture(scope="module", params=CODECS)
def run_1000(request, tmp_path_factory):
    codec = request.param
    out = tmp_path_factory.mktemp(f"w-{codec}") / "out"
    write_tables(out, 1000, codec)
    return codec, out


# ---------------------------------------------------------------- Parquet


def test_parquet_values_types_and_metadata_pyarrow(run_1000):
    codec, out = run_1000
    path = out / "all_types.parquet"
    table = pq.read_table(path)
    for field in table.schema:
        assert field.type == ARROW_TYPES[field.name], field
        assert field.nullable == (field.name in NULLABLE), field
    assert table.schema.names == COLUMNS
    exp = expected_columns(1000)
    got = arrow_columns(table)
    for name in COLUMNS:
        assert same(got[name], exp[name]), name

    md = pq.ParquetFile(path).metadata
    assert md.num_rows == 1000
    assert md.created_by == "factorylog version 0.1.0 (build test-tables)"
    kv = {k.decode(): v.decode() for k, v in md.metadata.items()}
    assert kv == {"factorylog.version": "0.1.0", "factorylog.prices": "test-tables", "factorylog.tz": "UTC"}
    rg = md.row_group(0)
    for ci, name in enumerate(COLUMNS):
        chunk = rg.column(ci)
        assert chunk.compression == PARQUET_CODEC_NAMES[codec]
        st = chunk.statistics
        values = [v for v in exp[name] if v is not None]
        assert st.null_count == 1000 - len(values), name
        if name == "all_null":
            assert not st.has_min_max
            continue
        assert st.has_min_max, name
        if name == "label" or name == "code":
            # strings order by unsigned UTF-8 bytes
            enc = sorted(v.encode() for v in values)
            assert (st.min.encode(), st.max.encode()) == (enc[0], enc[-1]), name
        elif name == "day":
            assert (st.min, st.max) == (EPOCH + dt.timedelta(days=min(values)), EPOCH + dt.timedelta(days=max(values)))
        elif name == "ts":
            lo, hi = min(values), max(values)
            assert (int(st.min.timestamp() * 1000), int(st.max.timestamp() * 1000)) == (lo, hi)
        else:
            assert (st.min, st.max) == (min(values), max(values)), name


def test_parquet_values_and_types_duckdb(run_1000):
    _, out = run_1000
    path = out / "all_types.parquet"
    types = dict(sql(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{path}'))").fetchall())
    assert types == DUCKDB_TYPES
    exp = expected_columns(1000)
    got = duck_columns(path)
    for name in COLUMNS:
        assert same(got[name], exp[name]), name
    # statistics drive row-group pruning: outside the min/max nothing, inside the right rows
    assert sql(f"SELECT count(*) FROM read_parquet('{path}') WHERE tokens > 2000000000").fetchone()[0] == 0
    want = sum(1 for v in exp["signed"] if v is not None and v < -9990)
    assert sql(f"SELECT count(*) FROM read_parquet('{path}') WHERE signed < -9990").fetchone()[0] == want
    n_label = sum(1 for v in exp["label"] if v == "0042")
    assert sql(f"SELECT count(*) FROM read_parquet('{path}') WHERE label = '0042'").fetchone()[0] == n_label > 0
    enc = sql(f"SELECT DISTINCT encodings FROM parquet_metadata('{path}')").fetchall()
    assert all("PLAIN" in e[0] for e in enc)


def test_empty_table_reads_everywhere(run_1000):
    _, out = run_1000
    path = out / "empty_table.parquet"
    t = pq.read_table(path)
    assert t.num_rows == 0
    assert [(f.name, f.type) for f in t.schema] == [(n, ARROW_TYPES[n]) for n in COLUMNS]
    assert sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0] == 0
    types = dict(sql(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{path}'))").fetchall())
    assert types == DUCKDB_TYPES
    with open(out / "empty_table.csv", newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == [COLUMNS]
    wb = openpyxl.load_workbook(out / "summary.xlsx", read_only=True)
    rows = list(wb["empty_table"].iter_rows(values_only=True))
    assert rows == [tuple(COLUMNS)]


# ---------------------------------------------------------------- CSV


def csv_guarded(s):
    """What the CSV cell holds for a STRING value: `'` before a formula trigger."""
    if s and s[0] in "=+-@\t\r":
        return "'" + s
    return s


def fmt_date(days):
    return (EPOCH + dt.timedelta(days=days)).isoformat()


def fmt_ts(ms):
    t = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def test_csv_values_quoting_and_sums(run_1000):
    _, out = run_1000
    raw = (out / "all_types.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\r\n")
    # the formula-like string: guarded, then RFC 4180 quoted (cases/20-spreadsheet-safety)
    assert b'"\'=HYPERLINK(""http://example.invalid"",""x"")"' in raw
    with open(out / "all_types.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == COLUMNS
    body = rows[1:]
    assert len(body) == 1000
    assert all(len(r) == len(COLUMNS) for r in body)
    exp = expected_columns(1000)
    cols = {name: [r[i] for r in body] for i, name in enumerate(COLUMNS)}
    for name in ["id", "signed", "tokens"]:
        assert cols[name] == ["" if v is None else str(v) for v in exp[name]], name
    for name in ["cost_usd", "ratio", "all_null"]:
        assert [None if s == "" else float(s) for s in cols[name]] == exp[name], name
        assert not any("e" in s.lower() for s in cols[name]), name  # no exponent notation
    assert cols["cost_usd"][0] == "0.058062"
    assert cols["label"] == ["" if v is None else csv_guarded(v) for v in exp["label"]]
    assert cols["code"] == exp["code"]
    assert cols["day"] == ["" if v is None else fmt_date(v) for v in exp["day"]]
    assert cols["ts"] == ["" if v is None else fmt_ts(v) for v in exp["ts"]]
    assert "-5" in cols["signed"] or any(s.startswith("-") for s in cols["signed"])  # numbers never guarded

    table = pq.read_table(out / "all_types.parquet")
    for name in ["cost_usd", "ratio", "tokens", "signed"]:
        pq_sum = pc.sum(table.column(name)).as_py()
        csv_sum = sum(float(s) for s in cols[name] if s != "")
        assert math.isclose(csv_sum, pq_sum, rel_tol=0, abs_tol=1e-9 * max(1.0, abs(pq_sum) / 1e6)), name
    # cost sums agree to 1e-9 USD absolutely (CONTRACT.md "Money")
    assert abs(sum(float(s) for s in cols["cost_usd"]) - pc.sum(table.column("cost_usd")).as_py()) <= 1e-9


# ---------------------------------------------------------------- XLSX


def xlsx_text(s):
    """The text openpyxl returns for a STRING value: XML-illegal control characters are dropped;
    a literal `_xHHHH_` is written escaped as `_x005F_xHHHH_` (Excel decodes it back, openpyxl
    does not decode inline strings)."""
    s = "".join(ch for ch in s if ch in "\t\n\r" or ord(ch) >= 0x20)
    return s.replace("_x0041_", "_x005F_x0041_")


def test_xlsx_types_values_and_sums(run_1000):
    _, out = run_1000
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    assert wb.sheetnames == ["all_types", "empty_table"]
    ws = wb["all_types"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header == COLUMNS
    assert all(c.font.b for c in ws[1])
    exp = expected_columns(1000)
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 1000
    for r, row in enumerate(rows):
        cells = dict(zip(COLUMNS, row))
        for name in ["id", "signed", "tokens", "cost_usd", "ratio"]:
            v, c = exp[name][r], cells[name]
            if v is None:
                assert c.value is None, (r, name)
            else:
                assert c.data_type == "n" and c.value == v and type(c.value) in (int, float), (r, name, c.value)
        assert cells["cost_usd"].number_format == "$#,##0.000000"  # dollars, six decimals (issue 12)
        assert cells["all_null"].value is None
        lab = exp["label"][r]
        if lab is None:
            assert cells["label"].value is None
        else:
            assert cells["label"].data_type == "s", (r, lab)
            assert cells["label"].value == xlsx_text(lab), (r, lab)
        assert cells["code"].data_type == "s" and cells["code"].value == exp["code"][r]
        d = exp["day"][r]
        if d is None:
            assert cells["day"].value is None
        else:
            assert cells["day"].is_date and cells["day"].value == dt.datetime.combine(EPOCH + dt.timedelta(days=d), dt.time())
        ms = exp["ts"][r]
        if ms is None:
            assert cells["ts"].value is None
        else:
            want = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)
            assert cells["ts"].is_date and abs((cells["ts"].value - want).total_seconds()) < 0.001, (r, cells["ts"].value, want)
    # special cells named by the spreadsheet-safety case
    labels = {c.value: c for c in ws["G"][1:] if c.value is not None}
    assert labels['=HYPERLINK("http://example.invalid","x")'].data_type == "s"
    assert labels["0042"].data_type == "s"
    assert labels["Ünïcode-app"].data_type == "s"

    # column sums equal the Parquet sums
    table = pq.read_table(out / "all_types.parquet")
    for ci, name in [(1, "signed"), (2, "tokens"), (3, "cost_usd"), (4, "ratio")]:
        xs = sum(row[ci].value for row in rows if row[ci].value is not None)
        ps = pc.sum(table.column(name)).as_py()
        assert math.isclose(xs, ps, rel_tol=0, abs_tol=1e-9 * max(1.0, abs(ps) / 1e6)), name
    xcost = sum(row[3].value for row in rows)
    assert abs(xcost - pc.sum(table.column("cost_usd")).as_py()) <= 1e-9


def test_xlsx_read_only_mode(run_1000):
    _, out = run_1000
    wb = openpyxl.load_workbook(out / "summary.xlsx", read_only=True)
    rows = list(wb["all_types"].iter_rows(values_only=True))
    assert len(rows) == 1001 and list(rows[0]) == COLUMNS
    assert rows[43][7] == "0042"  # data row i = 42 is sheet row 44


# ---------------------------------------------------------------- big and atomic


def test_million_rows_several_row_groups_and_pages(tmp_path):
    out = write_tables(tmp_path / "big", 1_000_000, "zstd", "--row-group-rows", "300000", "--skip-xlsx")
    path = out / "all_types.parquet"
    assert not (out / "summary.xlsx").exists()
    md = pq.ParquetFile(path).metadata
    assert md.num_rows == 1_000_000
    assert [md.row_group(i).num_rows for i in range(md.num_row_groups)] == [300000, 300000, 300000, 100000]
    # 300 000 int64 values = 2.4 MB of PLAIN data: several ≤ 1 MiB pages per chunk
    chunk_bytes = sql(
        f"SELECT total_uncompressed_size FROM parquet_metadata('{path}') WHERE path_in_schema = 'id' AND row_group_id = 0"
    ).fetchone()[0]
    assert chunk_bytes > 2_400_000  # a chunk this size must be split into several pages by the writer
    exp = expected_columns(1_000_000)
    got = arrow_columns(pq.read_table(path))
    for name in COLUMNS:
        assert same(got[name], exp[name]), name
    del got
    got = duck_columns(path)
    for name in COLUMNS:
        assert same(got[name], exp[name]), name
    del got
    # CSV of the same run: row count and sums
    n = 0
    sums = {"tokens": 0, "cost_usd": 0.0}
    with open(out / "all_types.csv", newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        next(rd)
        for r in rd:
            n += 1
            sums["tokens"] += int(r[2])
            sums["cost_usd"] += float(r[3])
    assert n == 1_000_000
    assert sums["tokens"] == sum(exp["tokens"])
    assert abs(sums["cost_usd"] - sql(f"SELECT sum(cost_usd) FROM read_parquet('{path}')").fetchone()[0]) <= 1e-9


def test_rerun_replaces_outputs_atomically(tmp_path):
    out = tmp_path / "out"
    write_tables(out, 10, "none")
    (out / "stale.csv").write_text("a table an older version wrote")
    write_tables(out, 20, "gzip")
    assert sorted(p.name for p in out.iterdir()) == [
        "all_types.csv", "all_types.parquet", "empty_table.csv", "empty_table.parquet", "summary.xlsx",
    ]
    assert pq.read_table(out / "all_types.parquet").num_rows == 20
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary or old folders left
