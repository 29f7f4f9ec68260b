"""summary.xlsx for finance (issue 12): an `Overview` sheet first (totals, cost by team and by
model, human headings), `$` and `%` number formats, an autofilter on every table sheet, the
frozen header row repeated on each printed page, landscape fit-to-width printing; read back
with openpyxl. The table sheets keep the contract's column names in row 1 (CONTRACT.md:
spreadsheets read the columns by name; the acceptance cases do).

Inputs: Kong records of test_incremental (one gpt-4o call each, 2 000 prompt + 500 completion
tokens = $0.01 with the cases' prices.json), consumer billing-svc in workspace `default`.
"""
import json
import shutil
import subprocess

import openpyxl
import pyarrow.parquet as pq
import pytest

from test_incremental import BIN, PRICES, kong_record, write_lines


def kong(i, team, model="gpt-4o", day="2026-06-01"):
    r = json.loads(kong_record(i, day=day))
    r["workspace_name"] = team
    r["ai"]["proxy"]["meta"]["response_model"] = r["ai"]["proxy"]["meta"]["request_model"] = model
    return json.dumps(r)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xlsx")
    # team a: 3 gpt-4o calls ($0.03); team b: 1 gpt-4o call ($0.01) on 2026-06-01 and one a week later
    lines = [kong(i, "a") for i in range(3)] + [kong(3, "b"), kong(4, "b", day="2026-06-08")]
    write_lines(tmp / "logs" / "k.jsonl", lines)
    p = subprocess.run([BIN, "run", "logs", "--out", "out", "--state", "s.sqlite", "--prices", PRICES, "--no-bundled-prices", "--quiet"],
                       cwd=tmp, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return tmp / "out", openpyxl.load_workbook(tmp / "out" / "summary.xlsx")


def rows_of(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_overview_sheet_first_with_totals_and_cost_by_team_and_model(workbook):
    out, wb = workbook
    assert wb.sheetnames[0] == "Overview"
    assert wb.sheetnames[1:] == ["usage_daily", "latency_daily", "tools_daily", "permissions_daily", "cost_weekly",
                                 "unpriced_models", "ingest_files", "tags_daily", "incidents", "availability_daily", "energy_daily"]
    ws = wb["Overview"]
    rows = rows_of(ws)
    label = {r[0]: r for r in rows if r and r[0]}
    assert label["Days"][1] == "2026-06-01 to 2026-06-08"
    assert label["Time zone"][1] == "UTC"
    # 5 calls · $0.01 = $0.05; 5 requests; 5 · 2 500 = 12 500 tokens
    assert label["Cost (USD)"][1] == pytest.approx(0.05, abs=1e-12)
    assert (label["Requests"][1], label["Tokens"][1]) == (5, 12_500)
    assert ws["B7"].number_format == "$#,##0.00" and ws["B8"].number_format == "#,##0"
    # Cost by team: header row, a (3 calls, $0.03, 60 %), b (2 calls, $0.02, 40 %), Total
    i = [r[0] for r in rows].index("Cost by team")
    assert rows[i + 1] == ["Team", "Requests", "Tokens", "Cost (USD)", "Share of cost"]
    a, b, total = rows[i + 2], rows[i + 3], rows[i + 4]
    assert a[:3] == ["a", 3, 7_500] and a[3] == pytest.approx(0.03, abs=1e-12) and a[4] == pytest.approx(0.6)
    assert b[:3] == ["b", 2, 5_000] and b[3] == pytest.approx(0.02, abs=1e-12) and b[4] == pytest.approx(0.4)
    assert total[:3] == ["Total", 5, 12_500] and total[3] == pytest.approx(0.05, abs=1e-12)
    # rows[i] is sheet row i + 1: the header is row i + 2, team a row i + 3, team b row i + 4
    share = ws.cell(row=i + 4, column=5)
    assert share.number_format == "0.0%" and ws.cell(row=i + 4, column=4).number_format == "$#,##0.00"
    assert ws.cell(row=i + 3, column=1).font.b is False and ws.cell(row=i + 2, column=1).font.b
    # Cost by model: one model
    j = [r[0] for r in rows].index("Cost by model")
    assert rows[j + 2][:3] == ["gpt-4o", 5, 12_500]
    # no formula anywhere: every value is a number or text
    assert all(c.data_type in ("n", "s") for r in ws.iter_rows() for c in r if c.value is not None)
    # the totals equal the Parquet table
    usage = pq.read_table(out / "usage_daily.parquet").to_pylist()
    assert label["Cost (USD)"][1] == pytest.approx(sum(r["cost_usd"] for r in usage), abs=1e-12)


def test_table_sheets_formats_filter_and_print_setup(workbook):
    _, wb = workbook
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref == "A1:%s%d" % (openpyxl.utils.get_column_letter(ws.max_column), ws.max_row), name
        assert ws.print_title_rows == "$1:$1", name
        assert ws.page_setup.orientation == "landscape", name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
    # headings: the contract's column names (machine names kept, CONTRACT.md)
    u = wb["usage_daily"]
    head = [c.value for c in u[1]]
    assert head[:3] == ["day", "source", "provider"] and head[16] == "cost_usd"
    assert u.cell(row=2, column=17).number_format == "$#,##0.000000"
    # cost_weekly: week 2 (W24) has a previous week: $/Mtok in dollars, change as a signed percentage
    w = wb["cost_weekly"]
    head = [c.value for c in w[1]]
    rows = list(w.iter_rows(min_row=2))
    w24 = [r for r in rows if r[0].value == "2026-W24" and r[2].value == "(all models)"][0]
    per, change = w24[head.index("usd_per_mtok")], w24[head.index("change_pct")]
    # $0.01 / 2 500 tokens · 1e6 = $4.000 per Mtok both weeks: change 0
    assert per.value == pytest.approx(4.0) and per.number_format == "$#,##0.000"
    assert change.value == pytest.approx(0.0, abs=1e-9) and change.number_format == '+0.0" %";-0.0" %";0.0" %"'
    assert w24[head.index("cost_usd")].number_format == "$#,##0.000000"
    # latency: ms with one decimal
    lat = wb["latency_daily"]
    lh = [c.value for c in lat[1]]
    assert lat.cell(row=2, column=lh.index("latency_ms_p95") + 1).number_format == "#,##0.0"
    assert lat.cell(row=2, column=lh.index("latency_ms_p95") + 1).value == 901


def test_error_rate_is_a_percentage(tmp_path):
    # SampleLogs' tools_daily has error rates (e.g. Bash: 1 failed of 3 with a result); each is
    # written as a 0–1 ratio with the 0.0% format, the Parquet value unchanged
    from test_incremental import ROOT
    out = tmp_path / "out"
    p = subprocess.run([BIN, "run", str(ROOT / "SampleLogs"), "--out", str(out), "--state", str(tmp_path / "s.sqlite"), "--quiet"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    ws = openpyxl.load_workbook(out / "summary.xlsx")["tools_daily"]
    head = [c.value for c in ws[1]]
    col = head.index("error_rate") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=col).value is not None]
    assert cells and all(c.number_format == "0.0%" for c in cells)
    tools = pq.read_table(out / "tools_daily.parquet").to_pylist()
    assert sorted(c.value for c in cells) == sorted(r["error_rate"] for r in tools if r["error_rate"] is not None)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (optional: too heavy for CI)")
def test_libreoffice_converts_the_workbook(workbook, tmp_path):
    out, _ = workbook
    p = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out / "summary.xlsx")],
                       capture_output=True, text=True, timeout=180)
    assert p.returncode == 0 and (tmp_path / "summary.pdf").stat().st_size > 1000, p.stdout + p.stderr
