#!/usr/bin/env bash
# The real-Xen check, as CI runs it: build the images -> boot Xen + dom0 + guests under QEMU (hard timeout)
# -> judge the results. Exit status 0 only when every scenario passed.
#
# Environment:
#   SKIP_REAL_XEN=1   skip everything (local iteration only) and exit 0
#   XEN_RESUME_BIN    a built xen-resume to test; without it, this script builds one with
#                     `swift build -c release --product xen-resume --static-swift-stdlib` (scratch path
#                     .build-realxen) when the package has that product, else runs without it (the
#                     xen-resume scenarios then fail as missing)
#   REALXEN_TIMEOUT   QEMU's hard timeout in seconds (default 900)
#   REALXEN_LOCK, REALXEN_LOCK_WAIT   the machine-wide lock file (/tmp/realxen.lock) and how long to wait for it
#   plus build.sh's and run.sh's variables.
# Writes work/logs/{serial.log,boot-timings.json,build.log,check.txt,wall-times.json}.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${REALXEN_WORK:-$HERE/work}
export REALXEN_WORK=$WORK
LOGS=$WORK/logs

if [ "${SKIP_REAL_XEN:-}" = 1 ]; then
  echo "real-xen: skipped (SKIP_REAL_XEN=1)"
  exit 0
fi
mkdir -p "$LOGS"

# One real-Xen run per machine at a time: two emulated Xen hosts on two cores starve each other until
# libxl's 60 s device-model start timeout and the guests' boots fail (seen here), and two runs in one work
# directory would also overwrite each other's images and serial log. So wait for the other run (up to
# REALXEN_LOCK_WAIT seconds). run-all.sh holds the lock for build, boot and check; its children see
# REALXEN_LOCKED.
if [ -z "${REALXEN_LOCKED:-}" ]; then
  lock=${REALXEN_LOCK:-/tmp/realxen.lock}
  exec 9>>"$lock"
  if ! flock -n 9; then
    echo "realxen: another real-Xen run holds $lock; waiting up to ${REALXEN_LOCK_WAIT:-1800}s" >&2
    flock -w "${REALXEN_LOCK_WAIT:-1800}" 9 || { echo "realxen: gave up waiting for $lock" >&2; exit 1; }
  fi
  export REALXEN_LOCKED=1
fi
now() { date +%s; }
t0=$(now)

# check.py needs python3; a fresh Debian machine may lack it.
if ! command -v python3 >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi

# ---- xen-resume ---------------------------------------------------------------------------------------
swift_s=0
if [ -z "${XEN_RESUME_BIN:-}" ]; then
  # The product is declared as `.executable(name: "xen-resume", ...)` once the CLI exists.
  if command -v swift >/dev/null && grep -q 'name: *"xen-resume"' "$ROOT/Package.swift"; then
    echo "real-xen: building xen-resume (release, static Swift stdlib)"
    ts=$(now)
    (cd "$ROOT" && swift build -c release --product xen-resume --static-swift-stdlib --scratch-path .build-realxen)
    XEN_RESUME_BIN=$(cd "$ROOT" && swift build -c release --product xen-resume --static-swift-stdlib \
      --scratch-path .build-realxen --show-bin-path)/xen-resume
    swift_s=$(($(now) - ts))
  else
    echo "real-xen: no xen-resume product in the package: running without it (its scenarios will fail)"
  fi
fi
if [ -n "${XEN_RESUME_BIN:-}" ]; then export XEN_RESUME_BIN; fi

# ---- build, boot, check -------------------------------------------------------------------------------
tb=$(now)
"$HERE/build.sh" 2>&1 | tee "$LOGS/build.log"
build_s=$(($(now) - tb))

tr=$(now)
run_rc=0
"$HERE/run.sh" "${REALXEN_TIMEOUT:-900}" || run_rc=$?
boot_s=$(($(now) - tr))

check_rc=0
# (pipefail: the pipeline fails with check.py's status.)
python3 "$HERE/check.py" "$LOGS/serial.log" | tee "$LOGS/check.txt" || check_rc=$?

total_s=$(($(now) - t0))
printf '{"swiftBuildSeconds":%d,"buildSeconds":%d,"bootSeconds":%d,"totalSeconds":%d,"qemuExit":%d}\n' \
  "$swift_s" "$build_s" "$boot_s" "$total_s" "$run_rc" >"$LOGS/wall-times.json"
echo "real-xen: wall times: xen-resume build ${swift_s}s, image build ${build_s}s, boot+scenarios ${boot_s}s, total ${total_s}s"

if [ "$run_rc" != 0 ]; then
  echo "real-xen: QEMU exited with status $run_rc (124: the ${REALXEN_TIMEOUT:-900}s timeout hit)"
  exit 1
fi
exit "$check_rc"
