#!/usr/bin/env bash
# root.sh XEN [COMMAND ARGS...]: the Debian root of one lab's suite (labs.json: Xen 4.17 -> bookworm, 4.20 ->
# trixie), made once with debootstrap under work/roots/SUITE with that release's Xen tools, libxen-dev, device
# model, firmware, a C compiler and the suite's QEMU (run.sh can boot the emulated host with it). With a COMMAND, runs it inside the root, in this project's directory (bound at
# the same path), with the Swift toolchain (/opt/swift) and the package mirror (/opt/swift-packages) bound
# read-only and on PATH: so `root.sh 4.20 swift build` really builds against Xen 4.20's headers and libraries.
# The mounts live in a private mount namespace (unshare): they end with the command, whatever happens.
# Prints the root's path when run without a COMMAND.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${REALXEN_WORK:-$HERE/work}
[ $# -ge 1 ] || { echo "usage: root.sh XEN [COMMAND ARGS...]" >&2; exit 2; }
eval "$(python3 "$HERE/lab.py" shell "$1")"
shift
R=$WORK/roots/$SUITE
MIRROR=${REALXEN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${REALXEN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export DEBIAN_FRONTEND=noninteractive

say() { echo "realxen-root: $*" >&2; }

# Made once; the stamp lists what was installed, so a changed package list installs again.
want="sources=main,updates,security xen-utils-$XENVER xenstore-utils libxen-dev qemu-system-xen seabios qemu-system-data
 qemu-system-x86 busybox-static cpio gcc
 libc6-dev pkg-config binutils git ca-certificates tzdata $SUITE_PACKAGES"
want=$(echo $want)
if [ "$(cat "$R/.packages" 2>/dev/null)" != "$want" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get upgrade -y -qq && apt-get install -y -qq debootstrap >/dev/null; }
  if [ ! -x "$R/usr/bin/apt-get" ]; then
    say "debootstrap $SUITE into $R"
    rm -rf "$R"
    mkdir -p "$(dirname "$R")"
    debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR" >"$WORK/roots/$SUITE.debootstrap.log" 2>&1 ||
      { tail -n 20 "$WORK/roots/$SUITE.debootstrap.log" >&2; exit 1; }
  fi
  # No service may start inside the root (xen-utils ships init scripts).
  printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
  chmod +x "$R/usr/sbin/policy-rc.d"
  # The suite with its point releases: Xen's security fixes come through -security (4.17.7 is there, not in main).
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE-updates" "$SECURITY_MIRROR" "$SUITE-security" \
    >"$R/etc/apt/sources.list"
  say "installing into the $SUITE root: $want"
  # shellcheck disable=SC2086 # a list of packages
  chroot "$R" sh -c "apt-get update -qq && apt-get upgrade -y -qq && apt-get install -y -qq --no-install-recommends ${want#* }" >"$R.apt.log" 2>&1 ||
    { tail -n 20 "$R.apt.log" >&2; exit 1; }
  # git in the root reads github.com addresses from the package mirror, as it does on the host.
  cp /etc/gitconfig "$R/etc/gitconfig" 2>/dev/null || true
  [ -f /etc/gitignore ] && cp /etc/gitignore "$R/etc/gitignore"
  echo "$want" >"$R/.packages"
fi

if [ $# -eq 0 ]; then
  echo "$R"
  exit 0
fi

# The command runs in a private mount namespace: binds for the toolchain, the mirror, this project, /proc, /dev.
export RX_ROOT=$R RX_PROJECT=$ROOT
exec unshare --mount --propagation private -- bash -euc '
  for d in /opt/swift /opt/swift-packages; do
    if [ -d "$d" ]; then
      mkdir -p "$RX_ROOT$d"
      mount --bind "$d" "$RX_ROOT$d"
      mount -o remount,bind,ro "$RX_ROOT$d"
    fi
  done
  mkdir -p "$RX_ROOT$RX_PROJECT"
  mount --bind "$RX_PROJECT" "$RX_ROOT$RX_PROJECT"
  mount -t proc proc "$RX_ROOT/proc"
  mount --rbind /dev "$RX_ROOT/dev"
  cd /
  exec chroot "$RX_ROOT" env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    sh -c "cd \"\$0\" && exec \"\$@\"" "$RX_PROJECT" "$@"
' root.sh "$@"
