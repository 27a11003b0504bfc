#!/usr/bin/env bash
# Regenerates the figures section of Benchmarks/README.md in one go: runs both benchmark targets (release), the
# host-call report and the simulator scale check, then splices their tables between the README's markers.
# About 15 minutes on 2 cores from a clean build; run it on a quiet machine, the wall-clock figures are medians
# but the cores are shared.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== benchmarks: controller overhead over NullXenHost"
swift package benchmark --target ControllerOverhead --no-progress --time-units nanoseconds | tee "$out/overhead.txt"
echo "== benchmarks: end to end over XenSimulator"
swift package benchmark --target EndToEnd --no-progress --time-units nanoseconds | tee "$out/end-to-end.txt"

for product in HostCallReport SimulatorScale ReadmeFigures; do
  swift build -c release --product "$product"
done
bin=$(swift build -c release --show-bin-path)

echo "== host calls per cycle"
"$bin/HostCallReport" | tee "$out/host-calls.md"

echo "== simulator scale (each configuration in its own process: resident memory never shrinks within one)"
{
  for paths in all pvEventChannel pvXenStore pvhvm hvm; do
    "$bin/SimulatorScale" --paths "$paths" --markdown
  done
  # The event channel path with a 1 s suspend timeout instead of libxl's 60 s, and guests that take 1 ms to answer
  # as real ones do (every wait then really waits): see "Findings" in the README.
  "$bin/SimulatorScale" --paths pvEventChannel --timeout 1 --markdown
  "$bin/SimulatorScale" --paths all --guest-delay-ms 1 --markdown
} | tee "$out/scale.md"

revision=${REVISION:-$(git -C .. describe --always --dirty 2>/dev/null || echo unknown)}
"$bin/ReadmeFigures" README.md "$out/overhead.txt" "$out/end-to-end.txt" "$out/host-calls.md" "$out/scale.md" \
  "$revision"
