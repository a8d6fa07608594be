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

# Every test VM gets the same machine, for these reasons:
# - single-threaded TCG: QEMU 7.2's multi-threaded TCG can let a vCPU run
#   a stale translation of code another vCPU just patched with
#   text_poke_bp() (an int3 oops at the patched site, seen with plain
#   ftrace toggling and none of our modules);
# - two sockets of one core: the MP table SeaBIOS builds for "-smp 2"
#   (two cores of one socket) lists one CPU, and the test kernels have
#   no ACPI to find the other;
# - tsc_early_khz: the tinyconfig kernels cannot calibrate the TSC under
#   TCG; with a TSC rate of 0, KVM never finishes its clock update and
#   the 6.12 selftest library refuses to create VMs.
# Extra QEMU arguments (e.g. "-cpu max,vendor=GenuineIntel") come last
# and override these.
rc=0
timeout "${VPMU_VM_TIMEOUT:-300}" qemu-system-x86_64 \
	-accel tcg,thread=single -cpu max -smp 2,sockets=2,cores=1 -m 1024 \
	-kernel "$bz" -initrd "$root.cpio.gz" \
	-append "console=ttyS0 quiet oops=panic panic=-1 tsc_early_khz=2000000 ${VPMU_VM_APPEND:-}" \
	-no-reboot -nodefaults -display none -monitor none -serial stdio \
	"$@" </dev/null >"$log.raw" 2>&1 || rc=$?
# The serial console ends lines with CR LF; judges match whole lines.
tr -d '\r' <"$log.raw" >"$log"
rm -f "$log.raw"
exit $rc
