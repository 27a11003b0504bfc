#!/usr/bin/env bash
# Runs the whole test suite RUNS times in a row (20 unless given) while another build keeps both cores busy, to show
# that no test depends on the machine being idle. The load is a debug build of this package from scratch in its own
# scratch path (.build-load), started again whenever it ends. Stops at the first failing run and prints its log.
# Not part of .ci/run (it takes about 20 minutes); run it after changing a test that waits for anything.
#
# Usage: .ci/suite-under-load.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-20}
logs=$(mktemp -d)

swift build --build-tests >/dev/null

load() {
  while true; do
    rm -rf .build-load
    swift build --scratch-path .build-load >/dev/null 2>&1 || true
  done
}
load &
loader=$!
cleanup() {
  kill "$loader" 2>/dev/null || true
  pkill -f "\.build-load" 2>/dev/null || true
  while pgrep -f "\.build-load" >/dev/null; do sleep 0.2; done
  rm -rf .build-load
}
trap cleanup EXIT

for run in $(seq "$runs"); do
  start=$(date +%s)
  if swift test --skip-build >"$logs/run-$run.log" 2>&1; then
    summary=$(grep -E "Executed [0-9]+ tests" "$logs/run-$run.log" | tail -1 | sed 's/^[[:space:]]*//')
    echo "suite-under-load: run $run of $runs passed in $(($(date +%s) - start)) s ($summary; load average $(cut -d' ' -f1 /proc/loadavg))"
  else
    echo "suite-under-load: run $run of $runs FAILED; its log:"
    grep -E "error:|failed|✘" "$logs/run-$run.log" | head -40
    exit 1
  fi
done
echo "suite-under-load: $runs of $runs runs passed"
