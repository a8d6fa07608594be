#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU TCG with a busybox initramfs that runs a script.
#
#   scripts/vm.sh BZIMAGE STAGEDIR LOG [qemu args...]
#
# STAGEDIR's contents become the initramfs root; it must hold run.sh,
# which scripts/vm/init runs after mounting /proc, /sys, /dev.  The console
# goes to LOG.  Exits non-zero when QEMU fails or VPMU_VM_TIMEOUT (default
# 300 s) runs out; judging the log is the caller's job.
set -euo pipefail

bz=${1:?usage: vm.sh BZIMAGE STAGEDIR LOG}
stage=${2:?}
log=${3:?}
shift 3
top=$(cd "$(dirname "$0")/.." && pwd)
busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
[ -n "$busybox" ] || { echo "vm.sh: busybox-static missing: run 'make deps'" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin"
cp "$busybox" "$root/bin/busybox"
cp "$top/scripts/vm/init" "$root/init"
chmod +x "$root/init"
cp -r "$stage/." "$root/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$root.cpio.gz"
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT

rc=0
timeout "${VPMU_VM_TIMEOUT:-300}" qemu-system-x86_64 \
	-accel tcg -cpu max -smp 2 -m 1024 \
	-kernel "$bz" -initrd "$root.cpio.gz" \
	-append "console=ttyS0 quiet oops=panic panic=-1 ${VPMU_VM_APPEND:-}" \
	-no-reboot -nodefaults -display none -monitor none -serial stdio \
	"$@" </dev/null >"$log.raw" 2>&1 || rc=$?
# The serial console ends lines with CR LF; judges match whole lines.
tr -d '\r' <"$log.raw" >"$log"
rm -f "$log.raw"
exit $rc
