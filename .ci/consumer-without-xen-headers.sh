#!/usr/bin/env bash
# Proves that a package depending only on the XenResumeCore and XenSimulator products (Examples/SimulatorConsumer)
# builds and passes its tests on a machine without libxen-dev. Needs root and libxen-dev installed: inside a private
# mount namespace, /usr/include and the multiarch library directory get an overlay in which every file of libxen-dev
# (headers, pkg-config files, .so links, static libraries) is deleted. It first proves they are hidden: pkg-config,
# cc and the root package's libxen backend must all fail to find them. Nothing outside the namespace changes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
consumer=$root/Examples/SimulatorConsumer
# One scratch directory for the negative control and the consumer: they share swift-log, swift-system and the core.
scratch=$consumer/.build
multiarch_lib=/usr/lib/$(cc -print-multiarch)
hidden_roots=(/usr/include "$multiarch_lib")

# Prints one line for each part of libxen-dev this machine lets a build find.
visible_xen_parts() {
  if pkg-config --exists xencontrol; then echo "pkg-config finds xencontrol"; fi
  if echo '#include <xenctrl.h>' | cc -fsyntax-only -x c - 2>/dev/null; then echo "cc finds <xenctrl.h>"; fi
  if echo 'int main(void) { return 0; }' | cc -x c - -o /dev/null -lxenctrl 2>/dev/null; then
    echo "cc links -lxenctrl"
  fi
}

if [[ ${1:-} != --inside ]]; then
  echo "== libxen-dev is installed and visible before hiding (else the checks below would prove nothing)"
  [[ $(visible_xen_parts | wc -l) -eq 3 ]] || { echo "install libxen-dev and pkg-config first" >&2; exit 1; }
  echo "== entering a private mount namespace"
  overlay=$(mktemp -d)
  trap 'rmdir "$overlay"' EXIT
  unshare --mount --propagation private "$BASH" "${BASH_SOURCE[0]}" --inside "$overlay"
  exit
fi

echo "== hiding libxen-dev's files under ${hidden_roots[*]}"
# Mounted in the namespace only: the overlays' upper layers, holding the deletions, vanish with it.
overlay=$2
mount -t tmpfs libxen-dev-hidden "$overlay"
for dir in "${hidden_roots[@]}"; do
  name=$(basename "$dir")
  mkdir -p "$overlay/$name/upper" "$overlay/$name/work"
  mount -t overlay overlay -o "lowerdir=$dir,upperdir=$overlay/$name/upper,workdir=$overlay/$name/work" "$dir"
done
# libxen-dev's files (not its directories, which other packages share: linux-libc-dev has /usr/include/xen/*.h).
mapfile -t files < <(dpkg -L libxen-dev | while read -r path; do
  if [[ -L $path || ! -d $path ]] && [[ $path != /usr/share/doc/* ]]; then echo "$path"; fi
done)
for path in "${files[@]}"; do
  if [[ $path != /usr/include/* && $path != "$multiarch_lib"/* ]]; then
    echo "not under ${hidden_roots[*]}: $path" >&2
    exit 1
  fi
  rm "$path"
done

echo "== proving they are hidden: pkg-config, cc and the root package's libxen backend must not find them"
echo 'int main(void) { return 0; }' | cc -x c - -o /dev/null # the compiler and linker themselves still work
visible=$(visible_xen_parts)
if [[ -n $visible ]]; then
  echo "still visible: $visible" >&2
  exit 1
fi
for path in "${files[@]}"; do
  if [[ -e $path || -L $path ]]; then echo "still there: $path" >&2; exit 1; fi
done
echo "   none of libxen-dev's ${#files[@]} files is there; pkg-config and cc find no xencontrol"
log=$overlay/negative-control.log
if swift build --package-path "$root" --target XenResumeLibxen --scratch-path "$scratch" >"$log" 2>&1; then
  cat "$log"
  echo "swift build --target XenResumeLibxen succeeded without libxen-dev: the hiding did not work" >&2
  exit 1
fi
if ! grep -q "'xenctrl.h' file not found" "$log"; then
  cat "$log"
  echo "swift build --target XenResumeLibxen failed, but not on the missing <xenctrl.h>" >&2
  exit 1
fi
echo "   swift build --target XenResumeLibxen fails as it must:"
grep -m1 "'xenctrl.h' file not found" "$log" | sed 's/^/   /'

echo "== swift build (Examples/SimulatorConsumer)"
swift build --package-path "$consumer" --scratch-path "$scratch"

echo "== swift test (Examples/SimulatorConsumer)"
swift test --package-path "$consumer" --scratch-path "$scratch"

echo "== the consumer builds and passes its tests without libxen-dev"
