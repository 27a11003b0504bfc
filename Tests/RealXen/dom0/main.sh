# shellcheck shell=dash
# dom0's driver (run by /init): brings up the Xen tool stack, starts every guest at once (HVM guests take a
# minute or more to boot under TCG, so they start first and the PV/PVH scenarios run meanwhile), runs one
# group of scenarios per guest as soon as that guest printed its first console line (the groups run
# concurrently), prints their @@RESULT lines, then runs the lifecycle scenarios (xen-resume-lifecycle) and the
# XenHost conformance suite (xen-host-conformance) once each over all of them, then dumps diagnostics. /init reboots afterwards, which ends
# QEMU (-no-reboot).
#
# Options on dom0's kernel command line (run.sh's DOM0_EXTRA), for local iteration:
#   rx.guests=pv,pvh,pvhvm,hvm,throw   which guests to start (default: all of the lab's, /rx/lab.env)
#   rx.blocks=N                        blocks of 10 checkpoint cycles per tool (default 5: 50 cycles)
#   rx.pvhvm-blocks=N rx.pvhvm-block=N PVHVM's blocks (default 2 blocks of 5 cycles per tool)
#   rx.deadline=S                      dom0 uptime after which no scenario starts (run.sh sets it)
#   rx.xenstored-lost=0                skip the last act (killing xenstored while a suspend waits on it)
#
# No `set -e`: a failing command is a finding to report, not a reason to stop. `set -u` catches typos; if
# this script dies anyway, /init reports it and still ends the run.
set -u
# The lab (build.sh writes it from labs.json): XENVER and GUEST_LINES ("name:type:kernel:role ...").
. /rx/lab.env
# shellcheck source=lib.sh
. /rx/lib.sh
# shellcheck source=scenarios.sh
. /rx/scenarios.sh

export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-$XENVER/bin

cmdline_opt() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -n 1; }
GUESTS=$(cmdline_opt rx.guests | tr ',' ' ')
ALL_GUESTS=""
for _line in $GUEST_LINES; do ALL_GUESTS="$ALL_GUESTS ${_line%%:*}"; done
GUESTS=${GUESTS:-$ALL_GUESTS}
RX_BLOCKS=$(cmdline_opt rx.blocks)
RX_BLOCKS=${RX_BLOCKS:-5}
RX_PVHVM_BLOCKS=$(cmdline_opt rx.pvhvm-blocks)
RX_PVHVM_BLOCK=$(cmdline_opt rx.pvhvm-block)
# dom0 uptime (s) after which no scenario starts: run.sh sets it from QEMU's timeout so the diagnostics
# still get out.
RX_DEADLINE=$(cmdline_opt rx.deadline)
RX_DEADLINE=${RX_DEADLINE:-100000}
# counts GUEST: the checkpoint blocks for a guest (see s_compare). A PVHVM suspend takes seconds under this
# emulation (Linux saves and restores every emulated PCI device's config space, each access a round trip
# through the device model in dom0), so it runs fewer cycles by default; a guest that is there for another
# kernel runs 2 blocks of 10 (cycles are cut before coverage).
counts() {
  gt "$1"
  grole "$1"
  if [ "$GT" = pvhvm ]; then
    N_BLOCKS=${RX_PVHVM_BLOCKS:-2} N_BLOCK=${RX_PVHVM_BLOCK:-5}
  elif [ "$GROLE" = kernel ]; then
    N_BLOCKS=2 N_BLOCK=10
  else
    N_BLOCKS=$RX_BLOCKS N_BLOCK=10
  fi
}
wanted() { case " $GUESTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

mark dom0-init

# ---- tool stack ----------------------------------------------------------------------------------------
while read -r m; do insmod "$m" || echo "insmod $m failed"; done </rx/modules
mount -t xenfs xenfs /proc/xen || echo "mount xenfs failed"
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen/console /var/lock
xenstored --pid-file /run/xenstored.pid || echo "xenstored failed"
xen-init-dom0 || echo "xen-init-dom0 failed"
# --log=guest: each guest's console in /var/log/xen/console/guest-NAME.log (PV and PVH consoles).
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || echo "xenconsoled failed"
xl info >/tmp/xl-info 2>&1
mark dom0-ready
result dom0-ready dom0 "$(grep -q '^xen_version' /tmp/xl-info && echo true || echo false)" \
  "\"uptime\":$(now),\"xenVersion\":$(jstr "$(sed -n 's/^xen_version *: *//p' /tmp/xl-info)"),\"virtCaps\":$(jstr "$(sed -n 's/^virt_caps *: *//p' /tmp/xl-info)"),\"build\":$(cat /rx/build-info.json),\"xenResumePresent\":$(have_xr && echo true || echo false)"

# dom0 serves every guest (xl, device models, xenstored, xenconsoled) on the same two emulated cpus the
# guests boot on: give it twice a guest's scheduler weight, or guest creation crawls.
xl sched-credit2 -d 0 -w 512 >/dev/null 2>&1 || true

# From here on only @@ lines should reach the console: quiet dom0's kernel and Xen's guest chatter (firmware
# debug output), which could otherwise land in the middle of a result line.
echo 3 >/proc/sys/kernel/printk
xl set-parameters guest_loglvl=warning >/tmp/set-parameters.log 2>&1 || true

# ---- guests, all at once ----------------------------------------------------------------------------------
# The lab's main and throwaway guests now; the guests there for other kernels in a second wave (second_wave):
# nine guests booting at once under emulation starved each other past libxl's device-model timeout (seen here).
for g in $GUESTS; do
  grole "$g"
  [ "$GROLE" = kernel ] || sh /rx/create.sh "$g" </dev/null >/dev/null 2>&1 &
done

# Boot watcher: notes when each guest's first counter line appears (the groups below only look once they
# are ready for their guest).
boot_watch() {
  local pending="$GUESTS" next g
  RXG=watch
  tick
  while [ -n "$pending" ] && [ "$NOWS" -lt "$RX_DEADLINE" ]; do
    next=""
    for g in $pending; do
      if grep -qa 'RX-COUNTER [0-9]' "$(confile "$g")" 2>/dev/null; then
        tick
        echo "$NOW" >"/tmp/first-$g"
      else
        next="$next $g"
      fi
    done
    pending=$next
    sleep 1
    tick
  done
}
boot_watch &
WATCHER=$!

# second_wave GUEST: creates a guest of the second wave once every first-wave PV and PVH guest printed its first
# line (or WAVE_WAIT seconds passed).
WAVE_WAIT=300
second_wave() {
  local g=$1 w end pending
  tick
  end=$((NOWS + WAVE_WAIT))
  while [ "$NOWS" -lt "$end" ]; do
    pending=""
    for w in $GUESTS; do
      gt "$w"
      grole "$w"
      if [ "$GROLE" != kernel ] && { [ "$GT" = pv ] || [ "$GT" = pvh ]; } && [ ! -f "/tmp/first-$w" ]; then pending=1; fi
    done
    [ -z "$pending" ] && break
    sleep 2
    tick
  done
  sh /rx/create.sh "$g" </dev/null >/dev/null 2>&1 &
}

# wait_first GUEST SECONDS: waits for the guest's first counter line and reports its boot.
wait_first() {
  local g=$1 end t0 crc="" created=null id span n=0 attempts=1 died=""
  tick
  end=$((NOWS + $2))
  [ "$end" -gt "$RX_DEADLINE" ] && end=$RX_DEADLINE
  while [ ! -f "/tmp/first-$g" ] && [ "$NOWS" -lt "$end" ]; do
    [ -f "/tmp/create-$g.done" ] && read -r crc _ <"/tmp/create-$g.done"
    if [ -n "$crc" ] && [ "$crc" != 0 ]; then
      # xl create failed: under heavy load libxl's fixed 60 s device-model start timeout expires. Once more.
      [ "$attempts" -ge 2 ] && break
      attempts=2
      died="{\"state\":\"xl create failed\",\"xlCreate\":$(jstr "$(tail -n 3 "/tmp/create-$g.log")" 400)}"
      mark "xl create of rx-$g failed; creating it again"
      xl destroy "rx-$g" >/dev/null 2>&1
      rm -f "/tmp/create-$g.done"
      sh /rx/create.sh "$g"
      crc=""
      tick
      continue
    fi
    n=$((n + 1))
    # Every 5 s: did the guest die before its first line? Seen here with PVH guests under this emulation
    # (an early "Triple fault" now and then): recreate it once (one retry per guest, whatever failed), and
    # say so in the result.
    if [ "$crc" = 0 ] && [ $((n % 5)) = 0 ]; then
      id=$(domid "$g")
      state "${id:-0}"
      if [ -z "$id" ] || [ "$STATE" = shutdown ] || [ "$STATE" = dying ]; then
        [ "$attempts" -ge 2 ] && break
        attempts=2
        died=$STATEJSON
        mark "rx-$g died before its first console line; creating it again"
        xl destroy "rx-$g" >/dev/null 2>&1
        rm -f "/tmp/create-$g.done"
        sh /rx/create.sh "$g"
        crc=""
      fi
    fi
    sleep 1
    tick
  done
  t0=$(cat "/tmp/create-$g.start" 2>/dev/null)
  t0=${t0:-0}
  [ -f "/tmp/create-$g.done" ] &&
    created=$(awk -v a="$t0" -v b="$(cut -d' ' -f2 "/tmp/create-$g.done")" 'BEGIN { printf "%.1f", b - a }')
  if [ -f "/tmp/first-$g" ]; then
    span=$(awk -v a="$t0" -v b="$(cat "/tmp/first-$g")" 'BEGIN { printf "%.1f", b - a }')
    id=$(domid "$g")
    result boot "$g" true "\"domid\":${id:-null},\"createSeconds\":$created,\"firstLineSeconds\":$span,\"startedAt\":$t0,\"attempts\":$attempts${died:+,\"firstAttempt\":$died}"
    return 0
  fi
  span=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  result boot "$g" false "\"attempts\":$attempts${died:+,\"firstAttempt\":$died},\"createSeconds\":$created,\"waitedSeconds\":$span,\"xlCreate\":$(jstr "$(cat "/tmp/create-$g.log" 2>/dev/null)" 600),\"console\":$(jstr "$(tail -c 600 "$(confile "$g")" 2>/dev/null)" 600)"
  return 1
}

# ---- scenario groups, one per guest, all at once ------------------------------------------------------
# Under emulation most of a scenario's time is latency (a guest reacting, a process starting, a console
# line awaited), so the guests' groups overlap. Each group has its own temporary files (RXG) and counters.
# The pause comparison stays fair: both tools alternate on the same guest under the same load.

# group_TYPE NAME: the scenarios of one guest of that type. A guest there for another kernel (role kernel) ends
# with the slow-resume outcome; the main PVH and PVHVM guests get theirs after the conformance suite.
# group_start NAME WAIT: what every PV and PVH group does first (the second wave's creation, the boot wait, the
# checkpoint counts, status, fast cycles and the comparison); sets D to the domain. False when the guest never booted.
group_start() {
  local g=$1
  RXG=$g
  grole "$g"
  [ "$GROLE" = kernel ] && second_wave "$g"
  wait_first "$g" "$2" || return 1
  D=$(domid "$g")
  counts "$g"
  mark "$g scenarios (domain $D)"
  have_xr || sc s_c_baseline "$g" "$D"
  sc s_status "$g" "$D"
  sc s_fast_cycles "$g" "$D"
  sc s_compare "$g" "$D"
}
# group_end NAME: the xenstore-path summary, and a kernel guest's slow-resume outcome.
group_end() {
  s_xs_resume "$1"
  grole "$1"
  [ "$GROLE" = kernel ] && sc s_slow_outcome "$1" "$D"
  return 0
}

group_pv() {
  local g=$1
  group_start "$g" 300 || return
  sc s_registers "$g" "$D"
  sc s_slow_refused "$g" "$D"
  sc s_shutdown_refused "$g" "$D"
  sc s_err_resume_running "$g" "$D"
  sc s_err_timeout "$g" "$D"
  # Last but the outcome: a forced suspend is the one scenario that may leave the guest broken.
  sc s_uncooperative "$g" "$D" c
  sc s_uncooperative "$g" "$D" xen-resume
  group_end "$g"
}

group_pvh() {
  local g=$1
  group_start "$g" 300 || return
  sc s_slow_refused "$g" "$D"
  sc s_shutdown_refused "$g" "$D"
  group_end "$g"
}

# A throwaway PV guest's slow-resume outcome, then the error paths that need no guest.
group_throw() {
  local g=$1
  RXG=$g
  if wait_first "$g" 300; then
    mark "slow-resume outcome (domain $(domid "$g"))"
    sc s_slow_outcome "$g" "$(domid "$g")"
  fi
  sc s_err_unknown
  sc s_err_dom0
}

group_hvm() {
  local g=$1 d
  RXG=$g
  wait_first "$g" 480 || return
  d=$(domid "$g")
  counts "$g"
  mark "$g scenarios (domain $d)"
  sc dm_begin "$g" "$d"
  have_xr || sc s_c_baseline "$g" "$d"
  sc s_status "$g" "$d"
  sc s_fast_cycles "$g" "$d"
  sc s_compare "$g" "$d"
  sc s_registers "$g" "$d"
  sc s_slow_hvm "$d"
  sc dm_end "$g" "$d"
}

group_pvhvm() {
  local g=$1 d
  RXG=$g
  wait_first "$g" 480 || return
  d=$(domid "$g")
  counts "$g"
  mark "$g scenarios (domain $d)"
  sc dm_begin "$g" "$d"
  have_xr || sc s_c_baseline "$g" "$d"
  sc s_status "$g" "$d"
  sc s_fast_cycles "$g" "$d"
  sc s_compare "$g" "$d"
  sc s_slow_refused "$g" "$d"
  sc s_shutdown_refused "$g" "$d"
  sc dm_end "$g" "$d"
  s_xs_resume "$g"
}

# The main PVH and PVHVM guests' slow-resume outcome, after everything else that uses them.
final_slow_outcome() {
  local g=$1 d
  RXG=$g
  [ -f "/tmp/first-$g" ] || return
  d=$(domid "$g")
  [ -n "$d" ] && sc s_slow_outcome "$g" "$d"
}

GROUPS_RUNNING=""
for g in $GUESTS; do
  gt "$g"
  grole "$g"
  if [ "$GROLE" = throwaway ]; then group_throw "$g" & else "group_$GT" "$g" & fi
  GROUPS_RUNNING="$GROUPS_RUNNING $!"
done
# shellcheck disable=SC2086 # a list of pids
wait $GROUPS_RUNNING

# ---- the lifecycle scenarios, once, on every booted guest ------------------------------------------------
# Also only now, and before the conformance suite: one controller kept across steps while "another toolstack"
# suspends, subscribes, saves and restores the same guests. It leaves every guest running (the PV one restored
# under its id), so the suite below still gets them all.
# (A lab may leave them out, labs.json's "lifecycle": CI's time budget.)
[ "${LIFECYCLE:-1}" = 1 ] && sc s_lifecycle

# ---- the XenHost conformance suite, once, on every booted guest ------------------------------------------
# Only now: it suspends and resumes the guests it is given, and every group above has ended, so no other
# scenario touches them (the boot watcher only reads console logs). The guests are still running: every
# scenario that may leave one suspended resumes it (recover), and the throwaway guest is not given.
sc s_conformance

# ---- the slow-resume outcome of the main PVH and PVHVM guests, last (it may kill them) -------------------------
FINAL_RUNNING=""
for g in pvh pvhvm; do
  if wanted "$g"; then
    final_slow_outcome "$g" &
    FINAL_RUNNING="$FINAL_RUNNING $!"
  fi
done
# shellcheck disable=SC2086 # a list of pids
wait $FINAL_RUNNING
kill "$WATCHER" 2>/dev/null

mark scenarios-done

# ---- diagnostics (after all results, so they cannot interleave with them) -----------------------------
echo "@@DIAG begin"
xl list
echo "---- commands (rc, wall ms)"
cat /tmp/rx-commands.log
for g in $GUESTS; do
  echo "---- console of rx-$g (last 25 lines)"
  tail -n 25 "$(confile "$g")" 2>/dev/null | tr -d '\r'
  if is_hvm "$g"; then
    echo "---- device model log of rx-$g (last 10 lines)"
    tail -n 10 "/var/log/xen/qemu-dm-rx-$g.log" 2>/dev/null
  fi
done
for f in /tmp/create-*.log /var/log/xen/xl-*.log; do
  [ -s "$f" ] || continue
  echo "---- $f (last 8 lines)"
  tail -n 8 "$f"
done
echo "---- xl dmesg (last 60 lines)"
xl dmesg 2>&1 | tail -n 60
echo "---- dom0 dmesg (last 20 lines)"
dmesg | tail -n 20
echo "@@DIAG end"
# The very last act, after the diagnostics (xl list needs xenstore): xenstored is killed while a suspend waits on
# it. Only console writes and /init's `reboot -f` come after it. rx.xenstored-lost=0 leaves it out.
[ "$(cmdline_opt rx.xenstored-lost)" = 0 ] || sc s_xenstored_lost
mark finished
