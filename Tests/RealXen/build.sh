#!/usr/bin/env bash
# build.sh XEN: builds everything one lab boots (labs.json names the lab's Debian suite, its kernel and its
# guests), from Debian's packages only, into work/xen-XEN/out:
#   xen            the lab's Xen (multiboot image for QEMU's -kernel), from xen-hypervisor-XEN-amd64
#   vmlinuz        the lab's kernel (dom0's; the main guests run it too)
#   dom0.cpio.gz   dom0's initramfs: busybox, the Xen tools, device model and firmware of the lab's root (root.sh),
#                  every guest kernel the lab's guests name, the guests' initramfs (with rx-colo) and configs, the C
#                  reference client (compiled in the root), optionally xen-resume, xen-host-conformance and
#                  xen-resume-lifecycle (built against the same release), and our /init + scenarios
# Kernels and the hypervisor are fetched with `apt-get download` from their own suite (a private apt state under
# work/apt/SUITE; nothing is installed on the host) into a cache (work/cache, or $REALXEN_CACHE).
#
# Environment:
#   XEN_RESUME_BIN, XEN_HOST_CONFORMANCE_BIN, XEN_RESUME_LIFECYCLE_BIN, XEN_RESUME_LAB_BIN   binaries to put in
#                    dom0 (the last one, the driver, is required; built against
#                    this lab's release, release mode, static Swift stdlib: run-all.sh builds them in the root)
#   REALXEN_WORK     work directory (default Tests/RealXen/work)
#   REALXEN_CACHE    .deb cache directory (default $REALXEN_WORK/cache)
#   REALXEN_MIRROR, REALXEN_SECURITY_MIRROR   Debian's mirrors (default deb.debian.org's debian, debian-security)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${REALXEN_WORK:-$HERE/work}
CACHE=${REALXEN_CACHE:-$WORK/cache}
MIRROR=${REALXEN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${REALXEN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
[ $# -eq 1 ] || { echo "usage: build.sh XEN (one of: $(python3 "$HERE/lab.py" releases | tr '\n' ' '))" >&2; exit 2; }
eval "$(python3 "$HERE/lab.py" shell "$1")"
LAB=$WORK/xen-$XENVER
OUT=$LAB/out
export DEBIAN_FRONTEND=noninteractive

say() { echo "realxen-build[$XENVER]: $*" >&2; }
die() { say "error: $*"; exit 1; }

mkdir -p "$CACHE" "$OUT" "$LAB/logs"

# One real-Xen run per machine at a time (run-all.sh holds the lock; a direct call takes it here).
if [ -z "${REALXEN_LOCKED:-}" ]; then
  exec 9>>"${REALXEN_LOCK:-/tmp/realxen.lock}"
  flock -w "${REALXEN_LOCK_WAIT:-1800}" 9 || die "another real-Xen run holds the lock"
  export REALXEN_LOCKED=1
fi
t_start=$(date +%s)

# The host needs only these (dom0's files come from the root and from unpacked packages).
host_pkgs=()
command -v cpio >/dev/null || host_pkgs+=(cpio)
command -v xz >/dev/null || host_pkgs+=(xz-utils)
command -v zstd >/dev/null || host_pkgs+=(zstd)
command -v debootstrap >/dev/null || host_pkgs+=(debootstrap)
if [ "${#host_pkgs[@]}" -gt 0 ]; then
  say "installing host packages: ${host_pkgs[*]}"
  apt-get update -qq && apt-get install -y -qq "${host_pkgs[@]}" >/dev/null
fi

# The lab's root: its suite's Xen tools, libraries, device model, firmware, busybox, compiler.
R=$("$HERE/root.sh" "$XENVER")

# ---- packages from any suite, with a private apt state per suite -----------------------------------------
# apt_suite SUITE apt-get|apt-cache ARGS...
apt_suite() {
  local suite=$1 tool=$2 d=$WORK/apt/$1
  shift 2
  if [ ! -f "$d/sources.list" ]; then
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
    : >"$d/status"
    # (Xen's and the kernels' point releases come through -security and -updates.)
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$MIRROR" "$suite" \
      "$MIRROR" "$suite-updates" "$SECURITY_MIRROR" "$suite-security" >"$d/sources.list"
  fi
  "$tool" -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
    -o Dir::State::Lists="$d/lists" -o Dir::State::Status="$d/status" -o Dir::Cache="$d/cache" \
    -o APT::Sandbox::User=root "$@"
}
# Lists are fetched once per suite and run-all.sh run (the stamp holds the day).
apt_suite_update() {
  local stamp=$WORK/apt/$1/updated
  if [ "$(cat "$stamp" 2>/dev/null)" != "$(date +%F)" ]; then
    say "apt-get update ($1)"
    apt_suite "$1" apt-get update -qq || die "apt-get update for $1 failed"
    date +%F >"$stamp"
  fi
}
# fetch SUITE PACKAGE: the .deb of the suite's candidate version, in the cache (downloaded once).
fetch() {
  local version deb
  apt_suite_update "$1"
  version=$(apt_suite "$1" apt-cache policy "$2" | awk '/Candidate:/ {print $2}')
  [ -n "$version" ] && [ "$version" != "(none)" ] || die "$2 is not in $1"
  deb=$(find "$CACHE" -maxdepth 1 -name "${2}_${version/:/%3a}_*.deb" | head -n 1)
  if [ -z "$deb" ]; then
    say "downloading $2 $version ($1)"
    (cd "$CACHE" && apt_suite "$1" apt-get download -qq "$2=$version") || die "apt-get download $2 ($1) failed"
    deb=$(find "$CACHE" -maxdepth 1 -name "${2}_${version/:/%3a}_*.deb" | head -n 1)
    [ -n "$deb" ] || die "apt-get download $2=$version left no .deb in $CACHE"
  fi
  echo "$deb"
}
# kernel_package SUITE: the linux-image package linux-image-amd64 points at in that suite.
kernel_package() {
  apt_suite_update "$1"
  apt_suite "$1" apt-cache depends linux-image-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ && !found {print $2; found = 1}'
}

# ---- kernels: vmlinuz, the uncompressed vmlinux (PV and PVH guests boot it: xl would otherwise decompress the
# bzImage in dom0, under emulation, once per guest) and the Xen driver modules (dom0 loads them) ----------------
# unpack_kernel VERSION SUITE: sets KDIR (work/kernels/VERSION, with vmlinuz, vmlinux, modules/, .package).
unpack_kernel() {
  local version=$1 suite=$2 pkg deb
  KDIR=$WORK/kernels/$version
  pkg=$(kernel_package "$suite")
  [ -n "$pkg" ] || die "no linux-image package for $version in $suite"
  case $pkg in "linux-image-$version."* | "linux-image-$version-"* | "linux-image-$version+"*) ;;
    *) die "$suite's linux-image-amd64 is $pkg, not Linux $version (labs.json)" ;; esac
  deb=$(fetch "$suite" "$pkg")
  if [ "$(cat "$KDIR/.package" 2>/dev/null)" != "$(basename "$deb")" ]; then
    rm -rf "$KDIR"
    mkdir -p "$KDIR/pkg"
    # ~400 MB unpacked: only the image, the Xen drivers and the list of built-in modules.
    dpkg-deb --fsys-tarfile "$deb" |
      tar -x -C "$KDIR/pkg" --wildcards './boot/vmlinuz-*' '*/modules/*/kernel/drivers/xen/*' '*/modules/*/modules.builtin'
    cp "$KDIR"/pkg/boot/vmlinuz-* "$KDIR/vmlinuz"
    # The bzImage's payload: xz up to Linux 6.1 in Debian, zstd in 6.12. Each decompressor complains about the
    # size word the kernel appends after its stream; the ELF image is complete.
    local magic at
    for magic in '\xfd7zXZ\x00:xz' '\x28\xb5\x2f\xfd:zstd'; do
      at=$(LC_ALL=C grep -obUaP "${magic%:*}" "$KDIR/vmlinuz" | head -n 1 | cut -d: -f1 || true)
      [ -n "$at" ] || continue
      tail -c +$((at + 1)) "$KDIR/vmlinuz" | "${magic#*:}" -dc >"$KDIR/vmlinux" 2>/dev/null || true
      [ "$(head -c 4 "$KDIR/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] && break
    done
    [ "$(head -c 4 "$KDIR/vmlinux" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] ||
      die "could not extract vmlinux from $pkg (neither an xz nor a zstd payload)"
    basename "$deb" >"$KDIR/.package"
  fi
  KPKG=$pkg
}

kernel_info=""
for kv in $GUEST_KERNELS; do
  unpack_kernel "${kv%%=*}" "${kv#*=}"
  kernel_info="$kernel_info${kernel_info:+,}\"${kv%%=*}\":\"$(sed 's/_amd64\.deb$//' "$KDIR/.package")\""
  if [ "${kv%%=*}" = "$LAB_KERNEL" ]; then DOM0_KDIR=$KDIR DOM0_KPKG=$KPKG; fi
done
[ -n "${DOM0_KDIR:-}" ] || die "no kernel $LAB_KERNEL among $GUEST_KERNELS"
KV=$(basename "$DOM0_KDIR"/pkg/boot/vmlinuz-*)
KV=${KV#vmlinuz-}

hv_deb=$(fetch "$SUITE" "xen-hypervisor-$XENVER-amd64")
HV=$LAB/hypervisor
if [ "$(cat "$HV/.package" 2>/dev/null)" != "$(basename "$hv_deb")" ]; then
  rm -rf "$HV" && mkdir -p "$HV" && dpkg-deb -x "$hv_deb" "$HV" && basename "$hv_deb" >"$HV/.package"
fi
t_fetched=$(date +%s)

# ---- boot images ---------------------------------------------------------------------------------------
xen_gz=$(find "$HV/boot" -name "xen-$XENVER-amd64.gz" | head -n 1)
[ -n "$xen_gz" ] || die "no xen-$XENVER-amd64.gz in xen-hypervisor-$XENVER-amd64"
zcat "$xen_gz" >"$OUT/xen" # QEMU's multiboot loader wants the plain ELF image
cp "$DOM0_KDIR/vmlinuz" "$OUT/vmlinuz"

mkcpio() { # dir output.cpio.gz: newc archive owned by root, as the kernel's initramfs unpacker expects
  (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$2"
}

# The guests' initramfs.
G=$LAB/guest-root
rm -rf "$G"
mkdir -p "$G"/{bin,dev,proc,sys}
cp "$R/bin/busybox" "$G/bin/busybox"
ln -s busybox "$G/bin/sh"
install -m 0755 "$HERE/guest/init" "$G/init"
# rx-colo (guest/colo): the page dom0 rewrites while a PVH or PVHVM guest is suspended, for the soft-reset resume's
# COLO check. A static user program, so one build serves every guest kernel; compiled in the lab's root.
"$HERE/root.sh" "$XENVER" gcc -static -O2 -Wall -o "$OUT/rx-colo" "$HERE/guest/colo/rx_colo.c" ||
  die "rx-colo did not build in the $SUITE root"
strip -o "$G/bin/rx-colo" "$OUT/rx-colo" 2>/dev/null || cp "$OUT/rx-colo" "$G/bin/rx-colo"

# The suspend event channel module (guest/module), for each kernel a guest loads it in (labs.json: role
# eventchannel), into the initramfs as /modules/RELEASE/rx_suspend_evtchn.ko. Built in the lab's root with
# its suite's gcc, against the kernel's own headers packages, fetched like the kernel itself (so their version is
# the image's) and unpacked into the root, where their absolute paths point.
build_module() { # KERNEL
  local kernel=$1 suite="" kv release headers pkg deb build
  for kv in $GUEST_KERNELS; do if [ "${kv%%=*}" = "$kernel" ]; then suite=${kv#*=}; fi; done
  [ "$suite" = "$SUITE" ] ||
    die "a Linux $kernel guest loads the event channel module, which is built in the $SUITE root: only $SUITE kernels can"
  release=$(basename "$WORK/kernels/$kernel"/pkg/boot/vmlinuz-*)
  release=${release#vmlinuz-}
  headers=linux-headers-$release
  for pkg in "$headers" $(apt_suite "$suite" apt-cache depends "$headers" |
    awk '/^ *Depends: linux-(headers|kbuild)-/ {print $2}'); do
    deb=$(fetch "$suite" "$pkg")
    if [ ! -e "$R/usr/src/.rx-$(basename "$deb")" ]; then
      # Only ./usr: the headers package also carries lib/modules/RELEASE/build, and unpacking ./lib would replace
      # the merged-/usr root's lib -> usr/lib link with a directory (and the root's dynamic loader with it).
      dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$R" ./usr && touch "$R/usr/src/.rx-$(basename "$deb")"
    fi
  done
  build=/tmp/rx-module/$release
  rm -rf "${R:?}$build" && mkdir -p "$R$build"
  cp "$HERE/guest/module/Kbuild" "$HERE/guest/module/rx_suspend_evtchn.c" "$R$build/"
  "$HERE/root.sh" "$XENVER" make -s -C "/usr/src/$headers" M="$build" KBUILD_MODPOST_WARN= modules ||
    die "the event channel module did not build against $headers"
  mkdir -p "$G/modules/$release"
  cp "$R$build/rx_suspend_evtchn.ko" "$G/modules/$release/"
  say "event channel module for $release: $(stat -c %s "$G/modules/$release/rx_suspend_evtchn.ko") bytes"
}
module_kernels=""
for line in $GUEST_LINES; do
  IFS=: read -r _ _ kernel _ _ evtchn <<<"$line"
  [ "$evtchn" = 1 ] && case " $module_kernels " in *" $kernel "*) ;; *) module_kernels="$module_kernels $kernel" ;; esac
done
for kernel in $module_kernels; do build_module "$kernel"; done
mkcpio "$G" "$OUT/guest.cpio.gz"

# The C reference client, compiled in the root against the lab's libxenctrl/libxenguest.
"$HERE/root.sh" "$XENVER" gcc -O2 -Wall -o "$OUT/xc-suspend-resume" "$HERE/reference/xc-suspend-resume.c" \
  -lxenguest -lxenctrl -lxenevtchn -lxenstore -lxentoollog || die "the C client did not build against Xen $XENVER"

# ---- dom0's root file system ---------------------------------------------------------------------------
D=$LAB/dom0-root
XB=/usr/lib/xen-$XENVER/bin
rm -rf "$D"
mkdir -p "$D"/{bin,sbin,dev,proc,sys,run,tmp,root,guest,rx,etc/xen,lib64,lib/x86_64-linux-gnu,var/lib,var/log} \
  "$D"/usr/{bin,sbin,libexec} "$D$XB" "$D/usr/lib/xen-$XENVER/boot" "$D/usr/share/seabios" \
  "$D/usr/share/qemu/keymaps"
ln -s /run "$D/var/run"
cp "$R/bin/busybox" "$D/bin/busybox"
ln -s busybox "$D/bin/sh"

# The real Xen tools (/usr/sbin/xl is only a wrapper that picks the versioned directory).
for b in xl xenstored xenconsoled xenconsole xen-init-dom0 libxl-save-helper xenstore-control; do
  cp "$R$XB/$b" "$D$XB/" || die "$b not found in the $SUITE root's $XB"
done
cp "$R/usr/bin/xenstore" "$D/usr/bin/"
for t in read write ls list rm exists watch chmod; do ln -s xenstore "$D/usr/bin/xenstore-$t"; done
cp "$R/etc/xen/xl.conf" "$D/etc/xen/"
cp "$OUT/xc-suspend-resume" "$D/usr/bin/"
# strace counts the paced comparison's system calls per cycle (a traced run of its own, after the timed one).
cp "$R/usr/bin/strace" "$D/usr/bin/"

# HVM and PVHVM guests: device model at the path libxl expects, hvmloader, SeaBIOS, QEMU's option ROMs for direct
# kernel boot.
cp "$R/usr/libexec/xen-qemu-system-i386" "$D/usr/libexec/"
cp "$R/usr/lib/xen-$XENVER/boot/hvmloader" "$D/usr/lib/xen-$XENVER/boot/"
cp "$R/usr/share/seabios/bios-256k.bin" "$D/usr/share/seabios/"
for f in linuxboot.bin linuxboot_dma.bin kvmvapic.bin; do cp -L "$R/usr/share/qemu/$f" "$D/usr/share/qemu/"; done
if [ -f "$R/usr/share/qemu/keymaps/en-us" ]; then cp "$R/usr/share/qemu/keymaps/en-us" "$D/usr/share/qemu/keymaps/"; fi

# xen-resume, xen-host-conformance, xen-resume-lifecycle and the driver xen-resume-lab, when the caller built them.
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
  strip -o "$D/usr/bin/$2" "$src" 2>/dev/null || cp "$src" "$D/usr/bin/$2"
  BIN_INFO=$(printf '{"sha256":"%s","bytes":%s}' "$(sha256sum "$src" | cut -c1-64)" "$(stat -c %s "$src")")
  say "$2: $src"
}
put_swift_bin XEN_RESUME_BIN xen-resume
xr_info="\"xenResume\":$BIN_INFO"
put_swift_bin XEN_HOST_CONFORMANCE_BIN xen-host-conformance
xr_info="$xr_info,\"xenHostConformance\":$BIN_INFO"
put_swift_bin XEN_RESUME_LIFECYCLE_BIN xen-resume-lifecycle
xr_info="$xr_info,\"xenResumeLifecycle\":$BIN_INFO"
put_swift_bin XEN_RESUME_LAB_BIN xen-resume-lab
[ "$BIN_INFO" != null ] || die "no XEN_RESUME_LAB_BIN: dom0's driver is needed for every scenario"
xr_info="$xr_info,\"xenResumeLab\":$BIN_INFO"

# Every shared library the dynamic binaries need, resolved inside the root (the lab's own libraries), plus
# libgcc_s: glibc dlopen()s it for pthread_cancel and xl aborts without it.
dyn=("$XB"/xl "$XB"/xenstored "$XB"/xenconsoled "$XB"/xenconsole "$XB"/xen-init-dom0 "$XB"/libxl-save-helper
  "$XB"/xenstore-control /usr/bin/xenstore /usr/libexec/xen-qemu-system-i386 "$OUT/xc-suspend-resume" /usr/bin/strace)
for b in xen-resume xen-host-conformance xen-resume-lifecycle xen-resume-lab; do
  if [ -e "$D/usr/bin/$b" ]; then dyn+=("$D/usr/bin/$b"); fi
done
ldd_out=$("$HERE/root.sh" "$XENVER" sh -c 'for f in "$@"; do ldd "$f" || echo "$f: not found"; done' ldd "${dyn[@]}")
if grep -q 'not found' <<<"$ldd_out"; then
  die "libraries not found in the $SUITE root: $(grep 'not found' <<<"$ldd_out" | sort -u | tr -s ' \t\n' ' ')"
fi
libs=$(awk '/=> \// {print $3} /^[ \t]*\/lib64\// {print $1}' <<<"$ldd_out" | sort -u)
libgcc=$(find "$R/lib/x86_64-linux-gnu" "$R/usr/lib/x86_64-linux-gnu" -maxdepth 1 -name 'libgcc_s.so.1' 2>/dev/null |
  head -n 1)
[ -n "$libgcc" ] || die "libgcc_s.so.1 not found in the $SUITE root"
for l in $libs; do cp -L "$R$l" "$D/lib/x86_64-linux-gnu/"; done
cp -L "$libgcc" "$D/lib/x86_64-linux-gnu/"
cp -L "$R/lib64/ld-linux-x86-64.so.2" "$D/lib64/"

# Xen driver modules of dom0's kernel, in load order (there is no modules.dep: /init insmods them one by one). A
# driver built into the kernel needs no module.
M=$D/lib/modules/$KV
mkdir -p "$M"
: >"$D/rx/modules"
for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc; do
  ko=$(find "$DOM0_KDIR/pkg" -path '*/kernel/drivers/xen/*' \( -name "$m.ko" -o -name "$m.ko.xz" \) | head -n 1)
  if [ -z "$ko" ]; then
    if grep -q "/$m.ko" "$DOM0_KDIR"/pkg/*/modules/"$KV"/modules.builtin "$DOM0_KDIR"/pkg/lib/modules/"$KV"/modules.builtin \
      2>/dev/null; then continue; fi
    die "module $m not found in $DOM0_KPKG"
  fi
  case $ko in
    *.xz) xz -dc "$ko" >"$M/$m.ko" ;;
    *) cp "$ko" "$M/$m.ko" ;;
  esac
  echo "/lib/modules/$KV/$m.ko" >>"$D/rx/modules"
done

# Guests: kernels (vmlinux for PV and PVH, the bzImage for HVM guests, which boot it through QEMU's linuxboot
# ROM), the initramfs, one config per guest from its type's template.
cp "$OUT/guest.cpio.gz" "$D/guest/"
for line in $GUEST_LINES; do
  IFS=: read -r name type kernel role cpu evtchn <<<"$line"
  mkdir -p "$D/guest/$kernel"
  case $type in
    hvm | pvhvm) [ -e "$D/guest/$kernel/vmlinuz" ] || cp "$WORK/kernels/$kernel/vmlinuz" "$D/guest/$kernel/" ;;
    *) [ -e "$D/guest/$kernel/vmlinux" ] || cp "$WORK/kernels/$kernel/vmlinux" "$D/guest/$kernel/" ;;
  esac
  template=$HERE/guest/$type.cfg
  [ "$role" = throwaway ] && template=$HERE/guest/throw.cfg
  # @CPUS@: the guest's pinning (labs.json: its own "cpu", else the lab's hvmGuestsOnCPU for HVM-family guests).
  cpus=""
  [ "$cpu" != - ] && cpus="cpus = \"$cpu\""
  # rx_suspend_evtchn on the kernel's command line makes the guest's /init load the module.
  module=""
  [ "$evtchn" = 1 ] && module=" rx_suspend_evtchn"
  sed -e "s/@NAME@/$name/g" -e "s/@KERNEL@/$kernel/g" -e "s/^@CPUS@\$/$cpus/" \
    -e "s/rx_guest=$name\"/rx_guest=$name$module\"/" "$template" >"$D/guest/$name.cfg"
done

# Our /init and the tool stack's start, the lab table and which lab this is (the driver, xen-resume-lab, reads both).
install -m 0755 "$HERE/dom0/init" "$D/init"
install -m 0755 "$HERE/dom0/main.sh" "$D/rx/"
cp "$HERE/labs.json" "$D/rx/labs.json"
printf 'XENVER=%s\n' "$XENVER" >"$D/rx/lab.env"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$D/etc/passwd"
printf 'root:x:0:\n' >"$D/etc/group"
pkgver() { chroot "$R" dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
printf '{"xenRelease":"%s","suite":"%s","kernelPackage":"%s","guestKernels":{%s},"xen":"%s","xenTools":"%s","qemuXen":"%s",%s}\n' \
  "$XENVER" "$SUITE" "$DOM0_KPKG" "$kernel_info" "$(sed 's/^[^_]*_\([^_]*\)_.*/\1/; s/%3a/:/' "$HV/.package")" \
  "$(pkgver "xen-utils-$XENVER")" "$(pkgver qemu-system-xen)" "$xr_info" >"$D/rx/build-info.json"

mkcpio "$D" "$OUT/dom0.cpio.gz"
cp "$D/rx/build-info.json" "$OUT/"
t_end=$(date +%s)
say "done in $((t_end - t_start)) s (fetch+unpack $((t_fetched - t_start)) s): $(du -h "$OUT/dom0.cpio.gz" | cut -f1) dom0 initramfs"
