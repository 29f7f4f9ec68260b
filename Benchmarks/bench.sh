#!/usr/bin/env bash
# Ingest throughput benchmark: the JSON scanner, and decompress + frame next to the command-line
# decompressors on the same files. A benchmark, not a test: targets are printed, never asserted.
#
#   Benchmarks/bench.sh [--mb N]     (default 500; the corpus is generated once per size)
#
# Builds Benchmarks/ (a separate package) in release, generates Benchmarks/.corpus/corpus-<N>mb.jsonl
# (gitignored) with `flbench gen`, writes .gz (gzip -6) and .zst (zstd -3) copies, warms the page
# cache, then prints one table. MB/s = 10^6 decoded bytes per second of wall time, best of a few runs.
# Other work on the machine skews the figures: run it on an idle machine.
set -euo pipefail

MB=500
while [ $# -gt 0 ]; do
  case "$1" in
    --mb) MB="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1'; use --mb N" >&2; exit 64 ;;
  esac
done

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"
for tool in gzip zstd awk; do
  command -v "$tool" >/dev/null || { echo "bench.sh: '$tool' is missing; run 'make deps' (or apt-get install $tool)" >&2; exit 69; }
done

echo "== building flbench (release)"
BUILD_LOG="$(mktemp)"
if ! swift build -c release --package-path Benchmarks > "$BUILD_LOG" 2>&1; then
  grep -E "error" "$BUILD_LOG" | head -20 >&2 || tail -20 "$BUILD_LOG" >&2
  echo "bench.sh: the release build of Benchmarks/ failed (full log: $BUILD_LOG)" >&2
  exit 70
fi
rm -f "$BUILD_LOG"
BIN="$(swift build -c release --package-path Benchmarks --show-bin-path)/flbench"
[ -x "$BIN" ] || { echo "bench.sh: build failed: $BIN not found" >&2; exit 70; }

CORPUS="$HERE/.corpus"
PLAIN="$CORPUS/corpus-${MB}mb.jsonl"
mkdir -p "$CORPUS"
if [ ! -s "$PLAIN" ]; then
  echo "== generating $PLAIN"
  "$BIN" gen "$CORPUS" --mb "$MB"
fi
if [ ! -s "$PLAIN.gz" ] || [ "$PLAIN.gz" -ot "$PLAIN" ]; then
  echo "== gzip -6"; gzip -6 -c "$PLAIN" > "$PLAIN.gz.tmp" && mv "$PLAIN.gz.tmp" "$PLAIN.gz"
fi
if [ ! -s "$PLAIN.zst" ] || [ "$PLAIN.zst" -ot "$PLAIN" ]; then
  echo "== zstd -3"; zstd -3 -q -c "$PLAIN" > "$PLAIN.zst.tmp" && mv "$PLAIN.zst.tmp" "$PLAIN.zst"
fi
cat "$PLAIN" "$PLAIN.gz" "$PLAIN.zst" > /dev/null   # page cache

val() { tr ' ' '\n' <<< "$1" | sed -n "s/^$2=//p" | head -1; }
ns() { date +%s%N; }
# best_of N CMD...: the fastest wall time of N runs, in seconds.
best_of() {
  local n="$1"; shift
  local best=""
  for _ in $(seq "$n"); do
    local s e; s=$(ns); "$@" > /dev/null; e=$(ns)
    local t=$(( e - s ))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  awk -v t="$best" 'BEGIN { printf "%.3f", t / 1e9 }'
}
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / s }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }

DECODED=$(stat -c %s "$PLAIN")
echo "== measuring ($(nproc) cores; load average:$(uptime | sed 's/.*load average://'))"

SCAN=$("$BIN" scan "$PLAIN" --repeat 3)
S_NONE=$(grep 'lookups=none' <<< "$SCAN")
S_ONE=$(grep 'lookups=single-pass' <<< "$SCAN")
S_SUB=$(grep 'lookups=subscripts' <<< "$SCAN")

F_PLAIN=$("$BIN" frame "$PLAIN" --repeat 3)
F_ZST=$("$BIN" frame "$PLAIN.zst" --repeat 3)
F_ZST_NP=$("$BIN" frame "$PLAIN.zst" --repeat 3 --no-prefetch)
F_GZ=$("$BIN" frame "$PLAIN.gz" --repeat 2)
F_GZ_NP=$("$BIN" frame "$PLAIN.gz" --repeat 2 --no-prefetch)
P_ZST=$("$BIN" frame "$PLAIN.zst" --repeat 2 --scan)
P_ZST_NP=$("$BIN" frame "$PLAIN.zst" --repeat 2 --scan --no-prefetch)
P_GZ=$("$BIN" frame "$PLAIN.gz" --repeat 2 --scan)
P_GZ_NP=$("$BIN" frame "$PLAIN.gz" --repeat 2 --scan --no-prefetch)

T_ZSTD=$(best_of 3 zstd -q -dc "$PLAIN.zst")
T_GZIP=$(best_of 2 gzip -dc "$PLAIN.gz")
M_ZSTD=$(mbps "$DECODED" "$T_ZSTD")
M_GZIP=$(mbps "$DECODED" "$T_GZIP")

row() { printf "  %-52s %10s   %s\n" "$1" "$2" "$3"; }
echo
echo "corpus: $PLAIN ($(val "$S_ONE" lines) lines, $(( DECODED / 1000000 )) MB decoded;" \
  "gzip -6 $(( $(stat -c %s "$PLAIN.gz") / 1000000 )) MB, zstd -3 $(( $(stat -c %s "$PLAIN.zst") / 1000000 )) MB)"
echo
row "measurement" "MB/s" "target / comparison"
row "----------------------------------------------------" "----------" "--------------------"
row "scanner: JSONDocument.parse only (1 core)" "$(val "$S_NONE" mbps)" ""
row "scanner: parse + ~10 fields, one pass (1 core)" "$(val "$S_ONE" mbps)" ">= 1000 (issue 2)"
row "scanner: parse + ~10 fields, subscripts (1 core)" "$(val "$S_SUB" mbps)" ""
row "frame plain (read + frame)" "$(val "$F_PLAIN" mbps)" ""
row "frame zstd (decompress + frame, prefetch)" "$(val "$F_ZST" mbps)" \
  ">= 90% of zstd -dc: $(pct "$(val "$F_ZST" mbps)" "$M_ZSTD")"
row "frame zstd (no prefetch)" "$(val "$F_ZST_NP" mbps)" "$(pct "$(val "$F_ZST_NP" mbps)" "$M_ZSTD") of zstd -dc"
row "zstd -dc > /dev/null" "$M_ZSTD" "(${T_ZSTD} s)"
row "frame gzip (decompress + frame, prefetch)" "$(val "$F_GZ" mbps)" \
  ">= 90% of gzip -dc: $(pct "$(val "$F_GZ" mbps)" "$M_GZIP")"
row "frame gzip (no prefetch)" "$(val "$F_GZ_NP" mbps)" "$(pct "$(val "$F_GZ_NP" mbps)" "$M_GZIP") of gzip -dc"
row "gzip -dc > /dev/null" "$M_GZIP" "(${T_GZIP} s)"
row "zstd + frame + parse + 10 fields, prefetch" "$(val "$P_ZST" mbps)" "vs $(val "$P_ZST_NP" mbps) without prefetch"
row "gzip + frame + parse + 10 fields, prefetch" "$(val "$P_GZ" mbps)" "vs $(val "$P_GZ_NP" mbps) without prefetch"
echo
echo "Targets are indicative (see /work/shared/tech/SWIFT-PERF.md §10); nothing is asserted."
