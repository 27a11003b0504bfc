#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer and AddressSanitizer and runs each for SECONDS on top of its committed
# corpus (Corpus/<target>). Prints one line per target (executions, rate, coverage) and last:
#   fuzz: <targets> targets, <executions> executions, <crashes> crashes
# Exits 1 on any crash, leak or timeout of an input; what a run found and learned stays in work/ (git-ignored):
# work/<target>/findings holds the failing inputs, work/<target>/log libFuzzer's output.
set -euo pipefail
seconds=${1:?usage: Tests/Fuzz/run.sh SECONDS}
cd "$(dirname "${BASH_SOURCE[0]}")"

# -enable-testing: the targets reach the readers they check with @testable imports, as the tests do.
# -sanitize=fuzzer,address again, last: SwiftPM passes its --sanitize flags as separate -sanitize= options in an order
# that changes from run to run, and swiftc keeps only the last one, so a build could lack coverage or ASan.
build=(swift build -c release --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address
  -Xswiftc -enable-testing --scratch-path .build-fuzz)
"${build[@]}" >/dev/null
bin=$("${build[@]}" --show-bin-path)
# The code under test must carry both instrumentations: coverage counters for libFuzzer and ASan's checks.
probe=$bin/XenResumeCore.build/PVRingFrames.swift.o
sections=$(objdump -h "$probe") symbols=$(nm "$probe")
if [[ $sections != *__sancov_cntrs* || $symbols != *__asan_init* ]]; then
  echo "fuzz: $probe lacks libFuzzer's coverage counters or ASan's checks; the build did not instrument it" >&2
  exit 1
fi

targets=(guest-memory xenstore-values cli-arguments)
total_executions=0 total_crashes=0 failed=0
for target in "${targets[@]}"; do
  work=work/$target
  rm -rf "$work/findings" && mkdir -p "$work/corpus" "$work/findings"
  status=0
  # No Swift backtracer on a crash: libFuzzer prints the stack and saves the input, and symbolicating takes long.
  SWIFT_BACKTRACE=enable=no "$bin/$target" "$work/corpus" "Corpus/$target" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 -artifact_prefix="$work/findings/" \
    >"$work/log" 2>&1 || status=$?
  executions=$(awk '/stat::number_of_executed_units/ {print $2}' "$work/log" | tail -1)
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$work/log" | tail -1)
  coverage=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/log" | tail -1 || true)
  crashes=$(find "$work/findings" -type f | wc -l)
  echo "fuzz-target $target: ${executions:-0} executions, ${rate:-0}/s, ${coverage:-no coverage line}, exit $status, $crashes finding(s)"
  if [[ -z $coverage ]]; then
    echo "fuzz-target $target: libFuzzer printed no coverage, so the code under test was not instrumented" >&2
    failed=1
  fi
  if ((status != 0 || crashes > 0)); then
    failed=1
    grep -E 'ERROR|Fatal error|==[0-9]+==|SUMMARY' "$work/log" | head -20 || true
  fi
  total_executions=$((total_executions + ${executions:-0}))
  total_crashes=$((total_crashes + (crashes > 0 || status != 0 ? (crashes > 0 ? crashes : 1) : 0)))
done
echo "fuzz: ${#targets[@]} targets, $total_executions executions, $total_crashes crashes"
exit $failed
