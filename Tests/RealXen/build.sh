#!/usr/bin/env bash
# Builds everything the real-Xen run boots, from Debian's packages only:
#   work/out/xen            Xen 4.17 (multiboot image for QEMU's -kernel)
#   work/out/vmlinuz        Debian's 6.1 kernel (dom0 and every guest)
#   work/out/dom0.cpio.gz   dom0's initramfs: busybox, the Xen tools, device model, firmware, guest images,
#                           the C reference client, optionally xen-resume, xen-host-conformance and
#                           xen-resume-lifecycle, and our
#                           /init + scenarios
#   work/out/guest.cpio.gz  the guests' initramfs (busybox printing a counter every second)
# Packages are fetched with `apt-get download` into a cache (work/cache, or $REALXEN_CACHE for CI caching)
# and unpacked with dpkg-deb: nothing is installed on the host but libxen-dev, qemu-system-x86 and a compiler.
#
# Environment:
#   XEN_RESUME_BIN   path to a `xen-resume` binary (swift build -c release --static-swift-stdlib) to put in dom0
#   XEN_HOST_CONFORMANCE_BIN  path to a `xen-host-conformance` binary (built the same way) to put in dom0
#   XEN_RESUME_LIFECYCLE_BIN  path to a `xen-resume-lifecycle` binary (built the same way) to put in dom0
#   REALXEN_KERNEL   a linux-image package name to use instead of the one apt resolves
#   REALXEN_WORK     work directory (default Tests/RealXen/work)
#   REALXEN_CACHE    .deb cache directory (default $REALXEN_WORK/cache)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${REALXEN_WORK:-$HERE/work}
CACHE=${REALXEN_CACHE:-$WORK/cache}
PKGS=$WORK/pkgs
OUT=$WORK/out
XENVER=4.17
export DEBIAN_FRONTEND=noninteractive

say() { echo "realxen-build: $*" >&2; }
die() { say "error: $*"; exit 1; }

mkdir -p "$CACHE" "$PKGS" "$OUT" "$WORK/logs"

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
t_start=$(date +%s)

# ---------------------------------------------------------------------------------------------------------
# Host prerequisites. A fresh Debian 12 CI machine has none of them; apt lists may be missing too, and
# `apt-get download` needs them.
# ---------------------------------------------------------------------------------------------------------
apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
}

host_pkgs=()
[ -f /usr/include/xenctrl.h ] && [ -f /usr/include/xenguest.h ] || host_pkgs+=(libxen-dev)
command -v qemu-system-x86_64 >/dev/null || host_pkgs+=(qemu-system-x86)
CC=${CC:-}
if [ -z "$CC" ]; then
  # Swift's Debian images ship clang (in the toolchain) but not gcc.
  for c in gcc clang cc; do
    if command -v "$c" >/dev/null; then CC=$c; break; fi
  done
fi
[ -n "$CC" ] || { host_pkgs+=(gcc); CC=gcc; }
command -v xz >/dev/null || host_pkgs+=(xz-utils)
if [ "${#host_pkgs[@]}" -gt 0 ]; then
  apt_update_once
  say "installing host packages: ${host_pkgs[*]}"
  apt-get install -y -qq "${host_pkgs[@]}" >/dev/null
fi

# apt knows a package when it has a candidate version; a machine that never ran `apt-get update` has none.
# (grep without -q: an early exit would SIGPIPE apt-cache and fail the pipeline under pipefail.)
apt_has() { apt-cache policy "$1" 2>/dev/null | grep 'Candidate: [^(]' >/dev/null; }
apt_has "xen-utils-$XENVER" || apt_update_once

# ---------------------------------------------------------------------------------------------------------
# Which kernel: the one Debian's linux-image-amd64 points at when it is a 6.1 (what the docs' guest table was
# measured with), else the newest 6.1 image apt knows, else the newest one already in the cache.
# ---------------------------------------------------------------------------------------------------------
resolve_kernel() {
  if [ -n "${REALXEN_KERNEL:-}" ]; then echo "$REALXEN_KERNEL"; return; fi
  local k
  k=$(apt-cache depends linux-image-amd64 2>/dev/null |
    awk '/Depends: linux-image-6\.1\.0-[0-9]+-amd64$/ && !found {print $2; found = 1}')
  if [ -n "$k" ] && apt_has "$k"; then echo "$k"; return; fi
  k=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' 2>/dev/null | awk '{print $1}' |
    sort -V | tail -n 1)
  if [ -n "$k" ]; then echo "$k"; return; fi
  k=$(find "$CACHE" -maxdepth 1 -name 'linux-image-*-amd64_*.deb' -printf '%f\n' 2>/dev/null |
    sed 's/_.*//' | sort -V | tail -n 1)
  [ -n "$k" ] || die "no linux-image-6.1.0-*-amd64 known to apt and none cached"
  echo "$k"
}
KPKG=$(resolve_kernel)
KV=${KPKG#linux-image-}
say "kernel package $KPKG"

# ---------------------------------------------------------------------------------------------------------
# Download (cached by package name: a rerun downloads nothing) and unpack.
# ---------------------------------------------------------------------------------------------------------
packages=(
  "xen-hypervisor-$XENVER-amd64" xen-hypervisor-common "xen-utils-$XENVER" xen-utils-common xenstore-utils
  "$KPKG" busybox-static cpio
  qemu-system-xen seabios qemu-system-data # device model, BIOS and option ROMs for HVM/PVHVM guests
)
cached_deb() { find "$CACHE" -maxdepth 1 -name "${1}_*.deb" -printf '%p\n' | sort -V | tail -n 1; }
missing=()
for p in "${packages[@]}"; do
  [ -n "$(cached_deb "$p")" ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "downloading ${missing[*]}"
  # Downloading as root into a directory the _apt sandbox user cannot write: tell apt not to try.
  (cd "$CACHE" && apt-get download -qq -o APT::Sandbox::User=root "${missing[@]}") || die "apt-get download failed"
  for p in "${missing[@]}"; do
    [ -n "$(cached_deb "$p")" ] || die "apt-get download $p failed"
  done
fi

# Unpacks a package once; the stamp names the .deb so a new version in the cache is unpacked again.
unpack() {
  local p=$1 deb dir
  deb=$(cached_deb "$p")
  dir=$PKGS/$p
  if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$(basename "$deb")" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$p" = "$KPKG" ]; then
      # The kernel package is ~400 MB unpacked; we need vmlinuz and the Xen driver modules only.
      dpkg-deb --fsys-tarfile "$deb" |
        tar -x -C "$dir" --wildcards './boot/vmlinuz-*' '*/modules/*/kernel/drivers/xen/*' \
          '*/modules/*/modules.builtin'
    else
      dpkg-deb -x "$deb" "$dir"
    fi
    basename "$deb" >"$dir/.stamp"
  fi
  echo "$dir"
}
P_HV=$(unpack "xen-hypervisor-$XENVER-amd64")
P_UT=$(unpack "xen-utils-$XENVER")
P_UC=$(unpack xen-utils-common)
P_XS=$(unpack xenstore-utils)
P_K=$(unpack "$KPKG")
P_BB=$(unpack busybox-static)
P_CPIO=$(unpack cpio)
P_QX=$(unpack qemu-system-xen)
P_SB=$(unpack seabios)
P_QD=$(unpack qemu-system-data)
unpack xen-hypervisor-common >/dev/null
t_fetched=$(date +%s)

# ---------------------------------------------------------------------------------------------------------
# Boot images.
# ---------------------------------------------------------------------------------------------------------
xen_gz=$(find "$P_HV/boot" -name "xen-$XENVER-amd64.gz" | head -n 1)
[ -n "$xen_gz" ] || die "no xen-$XENVER-amd64.gz in $P_HV/boot"
# QEMU's multiboot loader wants the plain ELF image.
zcat "$xen_gz" >"$OUT/xen"
cp "$P_K/boot/vmlinuz-$KV" "$OUT/vmlinuz"
CPIO=$P_CPIO/bin/cpio
BUSYBOX=$P_BB/bin/busybox
if [ ! -x "$CPIO" ] || [ ! -x "$BUSYBOX" ]; then die "cpio or busybox missing from the unpacked packages"; fi

mkcpio() { # dir output.cpio.gz: newc archive owned by root, as the kernel's initramfs unpacker expects
  (cd "$1" && find . | LC_ALL=C sort | "$CPIO" -o -H newc -R 0:0 --quiet) | gzip -1 >"$2"
}

# The guests' initramfs.
G=$WORK/guest-root
rm -rf "$G"
mkdir -p "$G"/{bin,dev,proc,sys}
cp "$BUSYBOX" "$G/bin/busybox"
ln -s busybox "$G/bin/sh"
install -m 0755 "$HERE/guest/init" "$G/init"
mkcpio "$G" "$OUT/guest.cpio.gz"

# The C reference client.
"$CC" -O2 -Wall -o "$OUT/xc-suspend-resume" "$HERE/reference/xc-suspend-resume.c" \
  -lxenguest -lxenctrl -lxenstore -lxentoollog

# ---------------------------------------------------------------------------------------------------------
# dom0's root file system.
# ---------------------------------------------------------------------------------------------------------
D=$WORK/dom0-root
XB=/usr/lib/xen-$XENVER/bin
rm -rf "$D"
mkdir -p "$D"/{bin,sbin,dev,proc,sys,run,tmp,root,guest,rx,etc/xen,lib64,lib/x86_64-linux-gnu,var/lib,var/log} \
  "$D"/usr/{bin,sbin,libexec} "$D$XB" "$D/usr/lib/xen-$XENVER/boot" "$D/usr/share/seabios" \
  "$D/usr/share/qemu/keymaps"
ln -s /run "$D/var/run"
cp "$BUSYBOX" "$D/bin/busybox"
ln -s busybox "$D/bin/sh"

# The real Xen tools (/usr/sbin/xl is only a wrapper that picks the versioned directory).
for b in xl xenstored xenconsoled xenconsole xen-init-dom0 libxl-save-helper xenstore-control; do
  cp "$P_UT$XB/$b" "$D$XB/" 2>/dev/null || cp "$P_XS$XB/$b" "$D$XB/" 2>/dev/null ||
    die "$b not found in xen-utils-$XENVER or xenstore-utils"
done
cp "$P_XS/usr/bin/xenstore" "$D/usr/bin/"
for t in read write ls list rm exists watch chmod; do ln -s xenstore "$D/usr/bin/xenstore-$t"; done
cp "$P_UC/etc/xen/xl.conf" "$D/etc/xen/"
cp "$OUT/xc-suspend-resume" "$D/usr/bin/"

# HVM and PVHVM guests: device model at the path libxl expects, hvmloader, SeaBIOS, QEMU's option ROMs
# for direct kernel boot.
cp "$P_QX/usr/libexec/xen-qemu-system-i386" "$D/usr/libexec/"
cp "$P_UT/usr/lib/xen-$XENVER/boot/hvmloader" "$D/usr/lib/xen-$XENVER/boot/"
cp "$P_SB/usr/share/seabios/bios-256k.bin" "$D/usr/share/seabios/"
for f in linuxboot.bin linuxboot_dma.bin kvmvapic.bin; do cp "$P_QD/usr/share/qemu/$f" "$D/usr/share/qemu/"; done
if [ -f "$P_QD/usr/share/qemu/keymaps/en-us" ]; then cp "$P_QD/usr/share/qemu/keymaps/en-us" "$D/usr/share/qemu/keymaps/"; fi

# xen-resume, xen-host-conformance and xen-resume-lifecycle, when the caller built them.
# put_swift_bin VAR NAME: copies the binary $VAR names to dom0's /usr/bin/NAME and sets BIN_INFO (JSON).
put_swift_bin() {
  local src=${!1:-}
  BIN_INFO=null
  if [ -z "$src" ]; then
    say "no $1: dom0 will report the $2 scenarios as missing"
    return
  fi
  [ -x "$src" ] || die "$1=$src is not an executable"
  # Stripped copy: a third smaller, and dom0's initramfs is unpacked under emulation at every boot.
  if command -v strip >/dev/null; then
    strip -o "$D/usr/bin/$2" "$src"
  else
    cp "$src" "$D/usr/bin/$2"
  fi
  BIN_INFO=$(printf '{"sha256":"%s","bytes":%s}' "$(sha256sum "$src" | cut -c1-64)" "$(stat -c %s "$src")")
  say "$2: $src"
}
put_swift_bin XEN_RESUME_BIN xen-resume
xr_info="\"xenResume\":$BIN_INFO"
put_swift_bin XEN_HOST_CONFORMANCE_BIN xen-host-conformance
xr_info="$xr_info,\"xenHostConformance\":$BIN_INFO"
put_swift_bin XEN_RESUME_LIFECYCLE_BIN xen-resume-lifecycle
xr_info="$xr_info,\"xenResumeLifecycle\":$BIN_INFO"

# Every shared library the dynamic binaries need, resolved on this host (libxen-dev and qemu-system-x86
# bring the same library set the packages were built against), plus libgcc_s: glibc dlopen()s it for
# pthread_cancel and xl aborts without it.
dyn=("$D$XB"/* "$D/usr/bin/xenstore" "$D/usr/bin/xc-suspend-resume" "$D/usr/libexec/xen-qemu-system-i386")
for b in xen-resume xen-host-conformance xen-resume-lifecycle; do
  if [ -e "$D/usr/bin/$b" ]; then dyn+=("$D/usr/bin/$b"); fi
done
ldd_out=$(for f in "${dyn[@]}"; do ldd "$f" 2>/dev/null || true; done)
if grep -q 'not found' <<<"$ldd_out"; then
  die "libraries not found on this host: $(grep 'not found' <<<"$ldd_out" | sort -u | tr -s ' \t\n' ' ')"
fi
libs=$(awk '/=> \// {print $3} /^[ \t]*\/lib64\// {print $1}' <<<"$ldd_out" | sort -u)
libgcc=$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ && !found {print $NF; found = 1}')
[ -n "$libgcc" ] || die "libgcc_s.so.1 not found (package libgcc-s1)"
for l in $libs "$libgcc"; do cp -L "$l" "$D/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$D/lib64/"

# Xen driver modules, in load order (there is no modules.dep: /init insmods them one by one). A driver
# built into the kernel needs no module.
M=$D/lib/modules/$KV
mkdir -p "$M"
: >"$D/rx/modules"
for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc; do
  ko=$(find "$P_K" -path '*/kernel/drivers/xen/*' \( -name "$m.ko" -o -name "$m.ko.xz" \) | head -n 1)
  if [ -z "$ko" ]; then
    if grep -q "/$m.ko" "$P_K"/*/modules/"$KV"/modules.builtin 2>/dev/null ||
      grep -q "/$m.ko" "$P_K"/lib/modules/"$KV"/modules.builtin 2>/dev/null; then continue; fi
    die "module $m not found in $KPKG"
  fi
  case $ko in
    *.xz) xz -dc "$ko" >"$M/$m.ko" ;;
    *) cp "$ko" "$M/$m.ko" ;;
  esac
  echo "/lib/modules/$KV/$m.ko" >>"$D/rx/modules"
done

# Guests: kernel, initramfs, configs. PV and PVH guests get the kernel's uncompressed ELF image: xl would
# otherwise xz-decompress the bzImage once per guest, inside dom0, under emulation (tens of seconds).
# HVM guests boot the bzImage through QEMU's linuxboot ROM.
cp "$OUT/vmlinuz" "$D/guest/vmlinuz"
if [ ! -s "$OUT/vmlinux" ] || [ "$OUT/vmlinux" -ot "$OUT/vmlinuz" ]; then
  xz_at=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$OUT/vmlinuz" | head -n 1 | cut -d: -f1 || true)
  [ -n "$xz_at" ] || die "no xz payload in $OUT/vmlinuz (a kernel compressed otherwise needs another extractor)"
  # xz complains about the size word the kernel appends after the stream; the ELF image is complete.
  tail -c +$((xz_at + 1)) "$OUT/vmlinuz" | xz -dc >"$OUT/vmlinux" 2>/dev/null || true
  [ "$(head -c 4 "$OUT/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] || die "could not extract vmlinux"
fi
cp "$OUT/vmlinux" "$D/guest/vmlinux"
cp "$OUT/guest.cpio.gz" "$D/guest/"
cp "$HERE"/guest/*.cfg "$D/guest/"

# Our /init and scenario scripts.
install -m 0755 "$HERE/dom0/init" "$D/init"
install -m 0755 "$HERE/dom0/main.sh" "$HERE/dom0/create.sh" "$HERE/dom0/lib.sh" "$HERE/dom0/scenarios.sh" "$D/rx/"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$D/etc/passwd"
printf 'root:x:0:\n' >"$D/etc/group"
ver() { sed 's/^[^_]*_\([^_]*\)_.*/\1/; s/%3a/:/' "$PKGS/$1/.stamp"; }
printf '{"kernelPackage":"%s","xen":"%s","qemuXen":"%s",%s}\n' "$KPKG" "$(ver "xen-hypervisor-$XENVER-amd64")" \
  "$(ver qemu-system-xen)" "$xr_info" >"$D/rx/build-info.json"

mkcpio "$D" "$OUT/dom0.cpio.gz"
cp "$D/rx/build-info.json" "$OUT/"
t_end=$(date +%s)
say "done in $((t_end - t_start)) s (fetch+unpack $((t_fetched - t_start)) s): $(du -h "$OUT/dom0.cpio.gz" | cut -f1) dom0 initramfs"
