#!/usr/bin/env bash
# The real-Xen check, as CI runs it: for every lab in labs.json (or the one REALXEN_XEN names), build the Swift
# programs against that release in its Debian root -> build the images -> boot Xen + dom0 + guests under QEMU (hard
# timeout) -> judge the results; then the survival matrix from every lab's results. Exit status 0 only when every
# scenario of every lab passed.
#
# Environment:
#   REALXEN_XEN       run one lab only (4.17 or 4.20; labs.json lists them)
#   SKIP_REAL_XEN=1   skip everything (local iteration only) and exit 0
#   XEN_RESUME_BIN, XEN_HOST_CONFORMANCE_BIN, XEN_RESUME_LIFECYCLE_BIN, XEN_RESUME_LAB_BIN
#                     prebuilt programs to test (built against the lab's release: use them with REALXEN_XEN; the
#                     lab's program also writes the report, inside the lab's root, which sees only the project's
#                     directory: it and REALXEN_WORK must be under it);
#                     without them they are built, in one `swift build -c release --static-swift-stdlib`, inside
#                     the lab's root (root.sh; scratch path .build-realxen-XEN), when the package has them
#   REALXEN_TIMEOUT   QEMU's hard timeout per lab in seconds (default 1500)
#   REALXEN_MEASURE   brief (default, CI's) or full (the pause-time comparison of the README's figures; run.sh)
#   REALXEN_BOOTS, REALXEN_BUDGET, REALXEN_LAB_ESTIMATE
#                     boots per lab when the emulator loses them (3), run-all's own time in seconds (3300), and what
#                     another boot is assumed to need for each lab still to come (750 s)
#   REALXEN_LOCK, REALXEN_LOCK_WAIT   the machine-wide lock file (/tmp/realxen.lock) and how long to wait for it
#   plus build.sh's and run.sh's variables.
# Writes work/xen-XEN/logs/{serial.log,boot-timings.json,build.log,check.txt,survival.json,wall-times.json} and,
# when every lab ran, the survival matrix into the DocC article "Choosing a resume" (matrix.py).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${REALXEN_WORK:-$HERE/work}
export REALXEN_WORK=$WORK

if [ "${SKIP_REAL_XEN:-}" = 1 ]; then
  echo "real-xen: skipped (SKIP_REAL_XEN=1)"
  exit 0
fi
mkdir -p "$WORK"

# One real-Xen run per machine at a time: two emulated Xen hosts on two cores starve each other until libxl's 60 s
# device-model start timeout and the guests' boots fail (seen here), and two runs in one work directory would
# overwrite each other's images and logs. run-all.sh holds the lock for everything; its children see REALXEN_LOCKED.
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

# lab.py (the lab table for the shell scripts) and matrix.py need python3; a fresh Debian machine may lack it.
if ! command -v python3 >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi

releases=${REALXEN_XEN:-$(python3 "$HERE/lab.py" releases | tr '\n' ' ')}
run_start=$(now)
labs_left=$(echo $releases | wc -w)
has_product() { grep -q "name: *\"$1\"" "$ROOT/Package.swift"; }

# build_products XEN: the release build of the package's programs against XEN's libxen-dev, in that lab's root, all in
# one `swift build` (a build per `--product` planned and checked the whole package again each time); prints the
# directory that holds them.
build_products() {
  local args=(-c release --static-swift-stdlib --scratch-path ".build-realxen-$1")
  "$HERE/root.sh" "$1" swift build "${args[@]}" >&2 || return
  "$HERE/root.sh" "$1" swift build "${args[@]}" --show-bin-path
}

# lost_to_emulator QEMU_STATUS SERIAL_LOG: succeeds, printing the evidence, when a failed boot shows the emulator's
# known faults rather than anything the programs under test did: dom0 stalled before its /init (run.sh's watchdog,
# status 75), Xen reported a guest's triple fault, or a guest's kernel oopsed on a page fault in its cpu_entry_area
# (CR2 fffffe…: the emulated SVM's other fault, Tests/RealXen/README.md; dom0's diagnostics print each guest's
# console end). Under QEMU's emulated SVM, HVM-family guests that were only
# paused and unpaused die that way now and then (Tests/RealXen/README.md, emulation notes), in about one boot of six
# in two of the 4.17 lab's four boots in this machine's CI runs of 2026-12-07 (its pure HVM guest, once in the C
# client's back-to-back loop, once in the lifecycle scenarios). Such a lab boots again (see the loop below).
lost_to_emulator() {
  local fault
  if [ "$1" = 75 ]; then
    echo "dom0 stalled before its /init"
  elif fault=$(grep -a -m1 -o '(XEN) d[1-9][0-9]*v[0-9]* Triple fault' "$2"); then
    echo "$fault"
  elif fault=$(grep -a -m1 -o 'CR2: fffffe[0-9a-f]\{10\}' "$2"); then
    echo "a guest kernel's page fault in the cpu_entry_area ($fault)"
  else
    return 1
  fi
}

# boot_and_judge XEN LAB_PROGRAM LOGS: one boot (run.sh), then the report (xen-resume-lab report: the verdicts dom0
# judged, the table, the pause times, survival.json for matrix.py), run inside the lab's root since the program is
# built against that root's libraries. Sets run_rc (QEMU's status) and check_rc (the report's: 1 when anything failed
# or is missing, 2 when the log cannot be read; pipefail carries it through tee).
boot_and_judge() {
  run_rc=0 check_rc=0
  "$HERE/run.sh" "$1" "${REALXEN_TIMEOUT:-1500}" || run_rc=$?
  if [ -z "$2" ]; then
    echo "real-xen[$1]: no xen-resume-lab program: no report" | tee "$3/check.txt"
    check_rc=1
  else
    "$HERE/root.sh" "$1" "$2" report --lab-table "$HERE/labs.json" --xen "$1" --survival "$3/survival.json" \
      "$3/serial.log" | tee "$3/check.txt" || check_rc=$?
  fi
}

failed=""
for xen in $releases; do
  logs=$WORK/xen-$xen/logs
  mkdir -p "$logs"
  t0=$(now)
  echo "== real Xen $xen"
  # The programs, unless the caller gave them (env), each built against this release.
  declare -A bins=()
  swift_s=0 bindir=""
  for product in xen-resume:XEN_RESUME_BIN xen-host-conformance:XEN_HOST_CONFORMANCE_BIN \
    xen-resume-lifecycle:XEN_RESUME_LIFECYCLE_BIN xen-resume-lab:XEN_RESUME_LAB_BIN; do
    name=${product%%:*} var=${product#*:}
    if [ -n "${!var:-}" ]; then
      bins[$var]=${!var}
    elif has_product "$name"; then
      if [ -z "$bindir" ]; then
        echo "real-xen[$xen]: building the programs against Xen $xen (release, static Swift stdlib, in the lab's root)"
        ts=$(now)
        bindir=$(build_products "$xen") || { echo "real-xen[$xen]: building the programs failed" >&2; exit 1; }
        swift_s=$(($(now) - ts))
      fi
      bins[$var]=$bindir/$name
    else
      echo "real-xen[$xen]: no $name product in the package: running without it (its scenarios will fail)"
      bins[$var]=""
    fi
  done

  tb=$(now)
  env XEN_RESUME_BIN="${bins[XEN_RESUME_BIN]}" XEN_HOST_CONFORMANCE_BIN="${bins[XEN_HOST_CONFORMANCE_BIN]}" \
    XEN_RESUME_LIFECYCLE_BIN="${bins[XEN_RESUME_LIFECYCLE_BIN]}" XEN_RESUME_LAB_BIN="${bins[XEN_RESUME_LAB_BIN]}" \
    "$HERE/build.sh" "$xen" 2>&1 | tee "$logs/build.log"
  build_s=$(($(now) - tb))

  # A boot, then the judge; another boot only when the last was lost to the emulator (lost_to_emulator), at most
  # REALXEN_BOOTS in all (3), and only when run-all's time (REALXEN_BUDGET seconds from its start, 3300 by default:
  # CI gives it 3600) still holds one more boot as long as the last one plus REALXEN_LAB_ESTIMATE seconds (750) for
  # each lab still to come. Each boot is judged afresh: a defect that shows every time fails every boot.
  tr=$(now)
  labs_left=$((labs_left - 1))
  boot=0
  while true; do
    boot=$((boot + 1))
    tboot=$(now)
    boot_and_judge "$xen" "${bins[XEN_RESUME_LAB_BIN]}" "$logs"
    if [ "$run_rc" = 0 ] && [ "$check_rc" = 0 ]; then break; fi
    if ! why=$(lost_to_emulator "$run_rc" "$logs/serial.log"); then break; fi
    need=$(($(now) - tboot + labs_left * ${REALXEN_LAB_ESTIMATE:-750}))
    if [ "$boot" -ge "${REALXEN_BOOTS:-3}" ] || [ $(($(now) - run_start + need)) -gt "${REALXEN_BUDGET:-3300}" ]; then
      echo "real-xen[$xen]: boot $boot lost to the emulator ($why); no time or boots left for another"
      break
    fi
    echo "real-xen[$xen]: boot $boot lost to the emulator ($why); its logs moved to logs/boot-$boot; booting once more"
    rm -rf "$logs/boot-$boot" && mkdir "$logs/boot-$boot"
    mv "$logs/serial.log" "$logs/boot-timings.json" "$logs/check.txt" "$logs/boot-$boot/"
  done
  boot_s=$(($(now) - tr))

  total_s=$(($(now) - t0))
  printf '{"xen":"%s","swiftBuildSeconds":%d,"buildSeconds":%d,"bootSeconds":%d,"totalSeconds":%d,"qemuExit":%d,"boots":%d}\n' \
    "$xen" "$swift_s" "$build_s" "$boot_s" "$total_s" "$run_rc" "$boot" >"$logs/wall-times.json"
  echo "real-xen[$xen]: wall times: Swift builds ${swift_s}s, image build ${build_s}s, boot+scenarios ${boot_s}s, total ${total_s}s"
  if [ "$run_rc" != 0 ]; then
    echo "real-xen[$xen]: QEMU exited with status $run_rc (124: the ${REALXEN_TIMEOUT:-1500}s timeout hit)"
    failed="$failed $xen"
  elif [ "$check_rc" != 0 ]; then
    failed="$failed $xen"
  fi
  unset bins
done

# The survival matrix from every lab's survival.json; into the article only when this run ran every lab.
python3 "$HERE/matrix.py" $([ -z "${REALXEN_XEN:-}" ] && echo --write-article)

if [ -n "$failed" ]; then
  echo "real-xen: failed:$failed"
  exit 1
fi
echo "real-xen: every lab passed ($releases)"
