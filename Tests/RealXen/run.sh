#!/usr/bin/env bash
# Boots the images build.sh made for one lab: its Xen as QEMU's multiboot kernel, dom0's kernel and initramfs as its
# modules, under software emulation (TCG: the /dev/kvm of these machines cannot run Xen). dom0's /init runs
# the scenarios and reboots, which ends QEMU (-no-reboot). A hard timeout covers everything else.
#
# Usage: run.sh XEN [TIMEOUT_SECONDS]       (default $REALXEN_TIMEOUT or 1500)
# Writes work/xen-XEN/logs/serial.log (the whole serial console) and boot-timings.json next to it; prints the
# @@MARK/@@RESULT lines as they arrive; exits with QEMU's status (124 when the timeout hit, 75 when dom0 never reached
# its /init: the boot watchdog, REALXEN_DOM0_WAIT).
# Environment: REALXEN_WORK, REALXEN_MEM (MiB, default 4096), REALXEN_DOM0_MEM (default 1024M),
# REALXEN_DOM0_VCPUS (default 2), REALXEN_CPU (QEMU -cpu, default max,-xsave), REALXEN_QEMU (host) and
# REALXEN_QEMU_LAB (another lab's QEMU, e.g. 4.20), REALXEN_XEN_EXTRA (more Xen arguments),
# REALXEN_MEASURE (brief, the default and CI's: every measurement runs with small budgets; full: the pause-time
# comparison the README's figures come from, 200 paced cycles per tool, about ten minutes more per lab),
# DOM0_EXTRA (more dom0 kernel arguments, e.g. "rx.guests=pv,pvh rx.blocks=1" while iterating).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { echo "usage: run.sh XEN [TIMEOUT_SECONDS]" >&2; exit 2; }
WORK=${REALXEN_WORK:-$HERE/work}/xen-$1
OUT=$WORK/out
LIMIT=${2:-${REALXEN_TIMEOUT:-1500}}
MEM=${REALXEN_MEM:-4096}
DOM0_MEM=${REALXEN_DOM0_MEM:-1024M}
# XSAVE hidden from Xen: with it, Xen's XSAVE-based context switches under TCG corrupted the extended
# registers of dom0's processes (random segfaults of busybox applets once several guests competed for the
# cpus), like the pure-HVM guest FPU corruption the docs describe. Xen then uses FXSAVE.
CPU=${REALXEN_CPU:-max,-xsave}
LOG=$WORK/logs/serial.log
TIMINGS=$WORK/logs/boot-timings.json

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

for f in xen vmlinuz dom0.cpio.gz; do
  [ -f "$OUT/$f" ] || { echo "realxen-run: $OUT/$f missing: run build.sh $1 first" >&2; exit 2; }
done
if [ "${REALXEN_QEMU:-}" = host ] && ! command -v qemu-system-x86_64 >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq qemu-system-x86 >/dev/null
fi

mkdir -p "$WORK/logs"
: >"$LOG"
# Xen: serial console on COM1; smap=0 or dom0 dies at its first exception under TCG; no boot-time scrub
# and no speculation mitigations (each costs emulated instructions; an emulated CPU has nothing to leak); dom0 gets a fixed 1 GiB and both cpus (it runs xl, two device models, xenstored
# and xenconsoled for five guests), the rest is for the guests. serial_tx_buffer: Xen queues console output for the
# UART in a buffer (16 KiB by default) and, when it is full, drops what comes next until half of it drained
# (xen/drivers/char/serial.c, __serial_putc). Under a contended emulator the UART drains slowly while dom0's results
# (3-10 KB a line) and Xen's register dumps come in bursts; a CI run's report found one result it could not decode and
# a guest shut down without Xen's reason for it, which such a drop explains. 4 MiB holds a whole boot's output (0.4 MB).
xen_args="console=com1 com1=115200,8n1 serial_tx_buffer=4M dom0_mem=$DOM0_MEM,max:$DOM0_MEM dom0_max_vcpus=${REALXEN_DOM0_VCPUS:-2} loglvl=all guest_loglvl=all bootscrub=0 smap=0 spec-ctrl=no conring_size=1m ${REALXEN_XEN_EXTRA:-}"
# rx.deadline: dom0 starts no scenario after this uptime, leaving time for its diagnostics and reboot.
dom0_args="console=hvc0 earlyprintk=xen mitigations=off rx.deadline=$((LIMIT - 90)) rx.measure=${REALXEN_MEASURE:-brief} ${DOM0_EXTRA:-}"
# QEMU separates multiboot modules with commas; a literal comma is written twice.
dom0_args=${dom0_args//,/,,}

start_ns=$(date +%s%N)
# Seconds since QEMU started, one decimal.
elapsed() {
  local ms=$((($(date +%s%N) - start_ns) / 1000000))
  printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100))
}
# nice: the machine's two cores are shared with people compiling Swift.
# The emulated machine is the lab's own suite's QEMU (root.sh): measured here, Debian 13's QEMU 10.0 boots Xen 4.20's
# HVM guests in half the time of Debian 12's 7.2 and killed fewer of them, while under it Xen 4.17's PVH guests powered
# off before their first console line; Debian 12's 7.2 runs the 4.17 lab as it always did.
# REALXEN_QEMU=host: the host's qemu-system-x86_64 instead; REALXEN_QEMU_LAB=XEN: that other lab's QEMU (to compare
# emulators on one lab's images).
qemu=("$HERE/root.sh" "${REALXEN_QEMU_LAB:-$1}" qemu-system-x86_64)
[ "${REALXEN_QEMU:-}" = host ] && qemu=(qemu-system-x86_64)
timeout --kill-after=15 "$LIMIT" nice -n 10 "${qemu[@]}" \
  -accel "tcg,thread=${REALXEN_TCG_THREAD:-multi}" -cpu "$CPU" -m "$MEM" -smp 2 \
  -nodefaults -display none -vga none -monitor none -net none -no-reboot \
  -serial "file:$LOG" \
  -kernel "$OUT/xen" -append "$xen_args" \
  -initrd "$OUT/vmlinuz $dom0_args,$OUT/dom0.cpio.gz" </dev/null &
qpid=$!

# Live progress for CI logs, and the wall time at which dom0 came up.
# (Line-buffered all the way, or CI would see it only at the end.)
tail -n +1 -f --pid="$qpid" "$LOG" 2>/dev/null | grep --line-buffered -a '^@@\(MARK\|RESULT\)' |
  sed -u -e 's/\r$//' -e 's/^\(.\{200\}\).*/\1 .../' &
# The boot watchdog: dom0's /init prints its first mark about 30 s after QEMU starts (12 s of dom0 uptime). Now and then
# dom0's kernel stops before /init under emulation (after "Loading compiled-in X.509 certificates", both cores busy,
# no further line for ten minutes); waiting for the hard timeout would burn the whole budget, so such a boot is
# ended after REALXEN_DOM0_WAIT seconds (default 300) with status 75, which run-all.sh treats as lost to the emulator.
dom0_wait=${REALXEN_DOM0_WAIT:-300}
ready=null started=no stalled=no
while kill -0 "$qpid" 2>/dev/null; do
  if [ "$started" = no ] && grep -aq '^@@MARK dom0-init' "$LOG"; then
    started=yes
  fi
  if [ "$ready" = null ] && grep -aq '"scenario":"dom0-ready"' "$LOG"; then
    ready=$(elapsed)
  fi
  if [ "$started" = no ] && [ "$(($(date +%s) - start_ns / 1000000000))" -ge "$dom0_wait" ]; then
    echo "realxen-run: dom0 did not reach /init within ${dom0_wait}s; ending this boot" >&2
    stalled=yes
    kill "$qpid" 2>/dev/null || true
    break
  fi
  sleep 0.5
done
rc=0
wait "$qpid" || rc=$?
[ "$stalled" = yes ] && rc=75
wall=$(elapsed)
wait || true
printf '{"qemuExit":%d,"timeoutSeconds":%d,"wallSeconds":%s,"dom0ReadySeconds":%s}\n' "$rc" "$LIMIT" "$wall" \
  "$ready" >"$TIMINGS"
echo "realxen-run: qemu exit $rc after ${wall}s (dom0 ready at ${ready} s); serial log $LOG"
exit "$rc"
