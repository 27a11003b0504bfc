# shellcheck shell=dash
# dom0's start (run by /init): brings up Xen's tool stack, then hands over to the driver, xen-resume-lab, which boots
# the guests, runs and judges every scenario and prints the @@RESULT lines (Sources/RealXenDom0). /init reboots
# afterwards, which ends QEMU (-no-reboot).
#
# The driver's options come from dom0's kernel command line (run.sh's DOM0_EXTRA): rx.guests=pv,pvh,...,
# rx.blocks=N, rx.pvhvm-blocks=N, rx.pvhvm-block=N, rx.deadline=S, rx.xenstored-lost=0 (Dom0Options.swift).
#
# No `set -e`: a failing step is a finding for the results, not a reason to stop.
set -u
# The lab (build.sh writes it): XENVER.
. /rx/lab.env
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-$XENVER/bin

echo "@@MARK dom0-init t=$(cut -d' ' -f1 /proc/uptime)"
while read -r m; do insmod "$m" || echo "insmod $m failed"; done </rx/modules
mount -t xenfs xenfs /proc/xen || echo "mount xenfs failed"
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen/console /var/lock
xenstored --pid-file /run/xenstored.pid || echo "xenstored failed"
xen-init-dom0 || echo "xen-init-dom0 failed"
# --log=guest: each guest's console in /var/log/xen/console/guest-NAME.log (PV and PVH consoles).
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || echo "xenconsoled failed"

# dom0 serves every guest (xl, device models, xenstored, xenconsoled) on the same two emulated cpus the guests boot
# on: give it twice a guest's scheduler weight, or guest creation crawls.
xl sched-credit2 -d 0 -w 512 >/dev/null 2>&1 || true
# From here on only @@ lines should reach the console: quiet dom0's kernel and Xen's guest chatter (firmware debug
# output), which could otherwise land in the middle of a result line.
echo 3 >/proc/sys/kernel/printk
xl set-parameters guest_loglvl=warning >/dev/null 2>&1 || true

/usr/bin/xen-resume-lab dom0 --lab-table /rx/labs.json --xen "$XENVER"
