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
#   XEN_HOST_CONFORMANCE_BIN  a built xen-host-conformance (the XenHost conformance suite over the real
#                     backend); without it, built like xen-resume (same scratch path, so it reuses that build)
#                     when the package has the product, else dom0 reports the conformance scenario missing
#   XEN_RESUME_LIFECYCLE_BIN  a built xen-resume-lifecycle (the lifecycle scenarios over the real backend);
#                     without it, built like xen-host-conformance, else dom0 reports lifecycle-run missing
#   REALXEN_TIMEOUT   QEMU's hard timeout in seconds (default 1500: the lifecycle scenarios, a PV save and restore
#                     among them, run after groups that end 600-700 s in)
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

# ---- xen-resume, xen-host-conformance, xen-resume-lifecycle -----------------------------------------------
# build_product NAME: `swift build -c release --product NAME --static-swift-stdlib` into .build-realxen (both
# products share the scratch path: the second build reuses the first one's modules); prints the binary's path.
# (Failures are returned explicitly: bash clears `set -e` inside the $(...) that calls this.)
build_product() {
  local args=(-c release --product "$1" --static-swift-stdlib --scratch-path .build-realxen) dir
  (cd "$ROOT" && swift build "${args[@]}") >&2 || return
  dir=$(cd "$ROOT" && swift build "${args[@]}" --show-bin-path) || return
  echo "$dir/$1"
}
# has_product NAME: the package declares an executable NAME (`.executable(name: "NAME", ...)`).
has_product() { command -v swift >/dev/null && grep -q "name: *\"$1\"" "$ROOT/Package.swift"; }

swift_s=0
if [ -z "${XEN_RESUME_BIN:-}" ]; then
  if has_product xen-resume; then
    echo "real-xen: building xen-resume (release, static Swift stdlib)"
    ts=$(now)
    XEN_RESUME_BIN=$(build_product xen-resume)
    swift_s=$(($(now) - ts))
  else
    echo "real-xen: no xen-resume product in the package: running without it (its scenarios will fail)"
  fi
fi
if [ -n "${XEN_RESUME_BIN:-}" ]; then export XEN_RESUME_BIN; fi

conf_s=0
if [ -z "${XEN_HOST_CONFORMANCE_BIN:-}" ]; then
  if has_product xen-host-conformance; then
    echo "real-xen: building xen-host-conformance (release, static Swift stdlib)"
    ts=$(now)
    XEN_HOST_CONFORMANCE_BIN=$(build_product xen-host-conformance)
    conf_s=$(($(now) - ts))
  else
    echo "real-xen: no xen-host-conformance product in the package: running without it (its checks will fail)"
  fi
fi
if [ -n "${XEN_HOST_CONFORMANCE_BIN:-}" ]; then export XEN_HOST_CONFORMANCE_BIN; fi

life_s=0
if [ -z "${XEN_RESUME_LIFECYCLE_BIN:-}" ]; then
  if has_product xen-resume-lifecycle; then
    echo "real-xen: building xen-resume-lifecycle (release, static Swift stdlib)"
    ts=$(now)
    XEN_RESUME_LIFECYCLE_BIN=$(build_product xen-resume-lifecycle)
    life_s=$(($(now) - ts))
  else
    echo "real-xen: no xen-resume-lifecycle product in the package: running without it (its scenarios will fail)"
  fi
fi
if [ -n "${XEN_RESUME_LIFECYCLE_BIN:-}" ]; then export XEN_RESUME_LIFECYCLE_BIN; fi

# ---- build, boot, check -------------------------------------------------------------------------------
tb=$(now)
"$HERE/build.sh" 2>&1 | tee "$LOGS/build.log"
build_s=$(($(now) - tb))

tr=$(now)
run_rc=0
"$HERE/run.sh" "${REALXEN_TIMEOUT:-1500}" || run_rc=$?
boot_s=$(($(now) - tr))

check_rc=0
# (pipefail: the pipeline fails with check.py's status.)
python3 "$HERE/check.py" "$LOGS/serial.log" | tee "$LOGS/check.txt" || check_rc=$?

total_s=$(($(now) - t0))
printf '{"swiftBuildSeconds":%d,"conformanceBuildSeconds":%d,"lifecycleBuildSeconds":%d,"buildSeconds":%d,"bootSeconds":%d,"totalSeconds":%d,"qemuExit":%d}\n' \
  "$swift_s" "$conf_s" "$life_s" "$build_s" "$boot_s" "$total_s" "$run_rc" >"$LOGS/wall-times.json"
echo "real-xen: wall times: xen-resume build ${swift_s}s, xen-host-conformance build ${conf_s}s, xen-resume-lifecycle build ${life_s}s, image build ${build_s}s, boot+scenarios ${boot_s}s, total ${total_s}s"

if [ "$run_rc" != 0 ]; then
  echo "real-xen: QEMU exited with status $run_rc (124: the ${REALXEN_TIMEOUT:-1500}s timeout hit)"
  exit 1
fi
exit "$check_rc"
