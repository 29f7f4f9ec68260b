#!/usr/bin/env bash
# Runs one fuzz target of the libFuzzer harness for a bounded time (make fuzz / make fuzz-ci).
#
#   Scripts/fuzz-run.sh BINARY TARGET SECONDS BUILD_DIR
#
# The corpus grows in BUILD_DIR/corpus/TARGET (seeded by Scripts/fuzz-seeds.py); a crash, a
# sanitizer report or a timeout leaves its input as BUILD_DIR/artifacts/TARGET-crash-<sha1> and
# fails. Reproduce it with `FUZZ_TARGET=TARGET BINARY FILE`, then add a regression test
# (Tests/IngestTests/FuzzRegressionTests.swift).
set -euo pipefail
bin=$1 target=$2 seconds=$3 build=$4
mkdir -p "$build/corpus/$target" "$build/artifacts"
log="$build/fuzz-$target.log"
echo "fuzz: $target for ${seconds}s"
status=0
FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$bin" "$build/corpus/$target" \
    -max_total_time="$seconds" -max_len=65536 -timeout=30 -rss_limit_mb=3072 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1 || status=$?
grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$log" | tr '\n' ' ' | sed 's/^/fuzz: /'; echo
if [ "$status" -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status); the last lines of $log:" >&2
    tail -40 "$log" >&2
    exit 1
fi
