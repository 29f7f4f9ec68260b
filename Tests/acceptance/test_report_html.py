"""report.html (issue 12): the numbers on the page equal the Parquet tables, read from the HTML
text and, in headless Chromium (Debian's `chromium`, installed by `make test`), from the DOM
over the DevTools protocol; no console errors; the charts are drawn (a screenshot of each chart
region holds the palette's colours, not a blank area).

The page's stable hooks (HTMLReport / ReportSections): KPI tiles `#kpi-*[data-v]`; tables `#t-*`
whose numeric cells carry `data-col` (the contract column) and `data-v` (the exact value);
charts `figure#c-*` holding one `<svg>`.
"""
import base64
import html.parser
import json
import math
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections import defaultdict

import pyarrow.parquet as pq
import pytest

import pngutil

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = os.path.abspath(os.environ.get("FACTORYLOG_BIN", str(ROOT / ".build" / "debug" / "factorylog")))
SAMPLES = ROOT / "SampleLogs"


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    p = subprocess.run([BIN, "run", str(SAMPLES), "--out", str(tmp / "out"), "--state", str(tmp / "state.sqlite"), "--quiet"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return tmp / "out"


def table(out, name):
    return pq.read_table(out / (name + ".parquet")).to_pylist()


class Page(html.parser.HTMLParser):
    """Collects KPI values, each table's rows (cells as (text, data-col, data-v)) and the charts."""

    def __init__(self):
        super().__init__()
        self.kpi, self.tables, self.charts, self.scripts, self.links = {}, {}, {}, 0, []
        self._table = None
        self._row = None
        self._cell = None
        self._chart = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for k in ("src", "href"):
            if k in a and not a[k].startswith("#"):
                self.links.append(a[k])
        if "id" in a and a["id"].startswith("kpi-"):
            self.kpi[a["id"][4:]] = a["data-v"]
        if tag == "table" and a.get("id", "").startswith("t-"):
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ["", a.get("data-col"), a.get("data-v"), tag]
        elif tag == "figure" and a.get("id", "").startswith("c-"):
            self._chart = a["id"]
            self.charts[self._chart] = defaultdict(int)
        elif self._chart and tag in ("rect", "polyline", "circle"):
            self.charts[self._chart][tag] += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(tuple(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self._row[0][3] == "td":
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "figure":
            self._chart = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data


def parse(out):
    p = Page()
    p.feed((out / "report.html").read_text(encoding="utf-8"))
    return p


def by_key(rows, col, nkeys=1):
    """{key cells' text: float(data-v of the cell of `col`)} for one table's rows."""
    out = {}
    for r in rows:
        key = tuple(c[0] for c in r[:nkeys])
        v = [c[2] for c in r if c[1] == col][0]
        out[key if nkeys > 1 else key[0]] = float(v) if v != "" else None
    return out


def close(a, b):
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)


def test_report_is_self_contained_and_its_numbers_equal_the_parquet_tables(sample_out):
    page = parse(sample_out)
    assert page.scripts == 0 and page.links == []  # no script, no external resource
    usage = table(sample_out, "usage_daily")
    # totals: every usage row summed
    assert close(float(page.kpi["cost"]), sum(r["cost_usd"] for r in usage))
    assert int(page.kpi["requests"]) == sum(r["requests"] for r in usage)
    assert int(page.kpi["tokens"]) == sum(r["total_tokens"] for r in usage)
    assert int(page.kpi["unpriced"]) == sum(r["unpriced_requests"] for r in usage)
    # cost by team and by model: the page's rows are the groups of usage_daily
    for tid, key, label_empty in (("t-cost-team", "team", "(no team)"), ("t-cost-model", "model", None)):
        want_cost, want_req = defaultdict(float), defaultdict(int)
        for r in usage:
            k = r[key] or label_empty
            want_cost[k] += r["cost_usd"]
            want_req[k] += r["requests"]
        got = by_key(page.tables[tid], "cost_usd")
        got_req = by_key(page.tables[tid], "requests")
        # The top groups by cost, then at most one "other (n)" row summing the n groups left out.
        other = [k for k in got if k.startswith("other (")]
        shown = [k for k in got if k not in other]
        assert set(shown) <= set(want_cost), tid
        for k in shown:
            assert close(got[k], want_cost[k]) and got_req[k] == want_req[k], (tid, k)
        rest = set(want_cost) - set(shown)
        if other:
            [o] = other
            assert o == "other (%d)" % len(rest), (tid, o)
            assert close(got[o], sum(want_cost[k] for k in rest)) and got_req[o] == sum(want_req[k] for k in rest), tid
            assert min(want_cost[k] for k in shown) >= max(want_cost[k] for k in rest) - 1e-12, tid
        else:
            assert not rest, tid
    # weekly: the (all models) rows of cost_weekly
    weekly = {r["iso_week"]: r for r in table(sample_out, "cost_weekly") if r["model"] == "(all models)"}
    got = by_key(page.tables["t-cost-weekly"], "usd_per_mtok")
    assert set(got) == set(weekly)
    for w, r in weekly.items():
        assert close(got[w], r["usd_per_mtok"])
    # latency: the latest day's p95 of each (model, source, provider) is that latency_daily cell
    lat = table(sample_out, "latency_daily")
    latest = {}
    for r in lat:
        k = (r["model"], r["source"], r["provider"])
        if k not in latest or r["day"] > latest[k]["day"]:
            latest[k] = r
    got = by_key(page.tables["t-latency"], "latency_ms_p95", nkeys=3)
    assert set(got) == set(latest)
    for k, r in latest.items():
        assert got[k] == r["latency_ms_p95"], k
    # tools: calls per (tool, source) summed over days
    tools = defaultdict(int)
    for r in table(sample_out, "tools_daily"):
        tools[(r["tool"], r["source"])] += r["calls"]
    shown = {**by_key(page.tables["t-tools"], "calls", 2), **by_key(page.tables.get("t-tools-few", []), "calls", 2)}
    assert shown and all(tools[k] == v for k, v in shown.items())
    # permissions: denials by reason
    reasons = defaultdict(int)
    for r in table(sample_out, "permissions_daily"):
        reasons[r["reason"]] += r["denials"]
    assert by_key(page.tables["t-denials-reason"], "denials") == reasons
    # data quality: files by status and the partial/failed ones
    files = table(sample_out, "ingest_files")
    assert int(page.kpi["files"]) == len(files)
    for st in ("ok", "partial", "failed", "skipped"):
        assert int(page.kpi["files-" + st]) == sum(1 for f in files if f["status"] == st), st
    bad = {f["path"] for f in files if f["status"] in ("partial", "failed")}
    assert {r[0][0] for r in page.tables["t-files-bad"]} == bad and bad  # SampleLogs has a malformed line
    # every chart of a section with data has marks
    for cid in ("c-cost-team", "c-cost-model", "c-cost-weekly", "c-latency-p95", "c-denials-reason"):
        assert sum(page.charts[cid].values()) > 0, cid


def test_a_night_without_new_data_rewrites_only_the_files_section(tmp_path):
    # Night 1 reads a copy of the LiteLLM samples; night 2 reads nothing new: the usage sections
    # are taken over (same text), the files section says 'skipped'.
    logs = tmp_path / "logs"
    shutil.copytree(SAMPLES / "litellm", logs)
    cmd = [BIN, "run", str(logs), "--out", str(tmp_path / "out"), "--state", str(tmp_path / "st.sqlite"), "--quiet"]
    subprocess.run(cmd, capture_output=True, timeout=120)
    first = (tmp_path / "out" / "report.html").read_text()
    subprocess.run(cmd, capture_output=True, timeout=120)
    second = (tmp_path / "out" / "report.html").read_text()

    def section(text, sid):
        a = text.index("<!--fl:section %s " % sid)
        return text[a:text.index("<!--/fl:section %s-->" % sid)]
    assert section(first, "cost") == section(second, "cost")
    n = len(table(tmp_path / "out", "ingest_files"))
    assert 'id="kpi-files-skipped" data-v="%d"' % n in section(second, "files")
    assert 'id="kpi-files-skipped" data-v="0"' in section(first, "files")


# ---------------------------------------------------------------- headless Chromium


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class DevTools:
    """A minimal DevTools-protocol client over websocket-client."""

    def __init__(self, ws_url):
        import websocket
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                assert "error" not in msg, (method, msg["error"])
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            for e in self.events:
                if e.get("method") == method:
                    return e
            self.events.append(json.loads(self.ws.recv()))
        raise AssertionError("no %s within %d s" % (method, timeout))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = chromium()
    if exe is None:
        pytest.skip("chromium is not installed (make test installs Debian's chromium package)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--remote-debugging-port=0", "--user-data-dir=" + str(profile), "--window-size=1100,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.time() + 30
        while not (port_file.exists() and port_file.read_text().strip()) and time.time() < end:
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        req = urllib.request.Request("http://127.0.0.1:%d/json/new?about:blank" % port, method="PUT")
        target = json.loads(urllib.request.urlopen(req, timeout=10).read())
        dt = DevTools(target["webSocketDebuggerUrl"])
        yield dt
        dt.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def load(dt, path):
    dt.events = []
    dt.call("Runtime.enable")
    dt.call("Log.enable")
    dt.call("Page.enable")
    dt.call("Page.navigate", url=path.as_uri())
    dt.wait_event("Page.loadEventFired")


def evaluate(dt, expr):
    r = dt.call("Runtime.evaluate", expression=expr, returnByValue=True)
    assert "exceptionDetails" not in r, r
    return r["result"]["value"]


def test_chromium_renders_the_report_without_errors_and_the_dom_numbers_equal_parquet(sample_out, browser):
    load(browser, sample_out / "report.html")
    errors = [e for e in browser.events
              if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert errors == []
    dom = evaluate(browser, """(() => {
        const kpi = {}; document.querySelectorAll('[id^=kpi-]').forEach(e => kpi[e.id.slice(4)] = e.dataset.v);
        const team = {}; document.querySelectorAll('#t-cost-team tbody tr').forEach(tr => {
            team[tr.cells[0].textContent] = tr.querySelector('[data-col=cost_usd]').dataset.v; });
        const shown = document.querySelector('#kpi-cost .v').textContent;
        return {kpi, team, shown, title: document.title};
    })()""")
    usage = table(sample_out, "usage_daily")
    total = sum(r["cost_usd"] for r in usage)
    assert dom["title"] == "factorylog report"
    assert close(float(dom["kpi"]["cost"]), total)
    assert dom["shown"] == "$%.2f" % total  # the tile's text is the total rounded to cents
    assert int(dom["kpi"]["requests"]) == sum(r["requests"] for r in usage)
    teams = defaultdict(float)
    for r in usage:
        teams[r["team"] or "(no team)"] += r["cost_usd"]
    assert set(dom["team"]) == set(teams)
    assert all(close(float(dom["team"][k]), v) for k, v in teams.items())


def test_chromium_draws_the_charts(sample_out, browser):
    load(browser, sample_out / "report.html")
    charts = evaluate(browser, """(() => [...document.querySelectorAll('figure.chart svg')].map(s => {
        const r = s.getBoundingClientRect();
        const marks = [...s.querySelectorAll('rect, polyline, circle')].filter(m => {
            const b = m.getBBox(); return b.width > 0 && b.height > 0; }).length;
        return {id: s.parentElement.id, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height, marks};
    }))()""")
    ids = {c["id"] for c in charts}
    assert {"c-cost-team", "c-cost-model", "c-cost-weekly", "c-latency-p95", "c-denials-reason", "c-tools-error"} <= ids
    palette = {bytes.fromhex(h[1:]) for h in ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f")}
    for c in charts:
        assert c["w"] > 300 and c["h"] > 50 and c["marks"] > 0, c
    for c in [c for c in charts if c["id"] in ("c-cost-team", "c-cost-model", "c-denials-daily")]:
        shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                            clip={"x": c["x"], "y": c["y"], "width": c["w"], "height": c["h"], "scale": 0.5})
        w, h, ch, rows = pngutil.read_png(base64.b64decode(shot["data"]))
        colors, ink = pngutil.distinct_colors(w, ch, rows)
        # a stacked-bar chart of several series: at least three palette colours, and bars covering
        # a good part of the plot (not a blank or one-colour area)
        assert len(palette & colors) >= 3 and ink > 0.1, (c["id"], len(colors), ink)
