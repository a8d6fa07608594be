#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The live test, inside the test VM (busybox sh, run by scripts/vm/init as
# /run.sh).  /m holds the KVM modules of the booted kernel and ours; /vmm
# is tests/live/vmm.c; /ktap.sh prints the results as one KTAP suite,
# live_hook, at the end (scripts/ktap.py judges it).
# CYCLES (from /env, which scripts/live.sh writes from LIVE_CYCLES) is the
# load/unload count of the stress phase.

MSR=0x391
VALUE=0x56504d554c495645
CYCLES=20
# shellcheck disable=SC1091 # written by scripts/live.sh into the VM
[ -f /env ] && . /env

# shellcheck disable=SC1091 # copied into the VM by scripts/live.sh
. /ktap.sh
ktap_init live_hook
# Our module lines since the last drain, without the kernel's taint notes.
ourlines() {
	grep -E "$1: " /tmp/dmesg | grep -vE 'taints kernel|module verification failed'
}
drain() { dmesg -c >/tmp/dmesg; cat /tmp/dmesg >>/tmp/dmesg.all; }
loaded() { grep -q "^$1 " /proc/modules; }
# Our modules load through vmm: one finit_module() call (busybox insmod
# retries a failed one with init_module(), running a refusal twice).
read_once() { # EXPECTED-OUTCOME-LINE
	out=$(timeout 60 /vmm once $MSR 3)
	echo "vmm: $out"
	[ "${out%% reads=*}" = "$1" ]
}

echo "live: vendor $(grep -m1 vendor_id /proc/cpuinfo | sed 's/.*: //')"
for m in irqbypass kvm kvm-amd; do
	[ -f /m/$m.ko ] && insmod /m/$m.ko
done
check kvm-amd-loaded loaded kvm_amd
check dev-kvm test -c /dev/kvm
drain

# The product refuses on this AMD-vendor CPU, with its one line.
/vmm insmod /m/kvm_vpmu_ext.ko
rc=$?
drain
ourlines kvm_vpmu_ext
check product-refused test $rc != 0
check product-not-intel-line grep -q 'kvm_vpmu_ext: refused: not an Intel CPU .*(-ENODEV)' /tmp/dmesg
check product-one-line test "$(ourlines kvm_vpmu_ext | wc -l)" = 1
check product-not-loaded sh -c '! grep -q "^kvm_vpmu_ext " /proc/modules'

# Bad parameters are refused first, with their own line, on any host.
/vmm insmod /m/kvm_vpmu_ext.ko lbr_policy=upstream
rc=$?
/vmm insmod /m/kvm_vpmu_ext.ko lbr_hysteresis=0
rc2=$?
drain
ourlines kvm_vpmu_ext
check param-refused test $rc != 0 -a $rc2 != 0
check param-upstream grep -q 'kvm_vpmu_ext: refused: lbr_policy=upstream .*(-EINVAL)' /tmp/dmesg
check param-hysteresis grep -q 'kvm_vpmu_ext: refused: lbr_hysteresis=0: expected 1 to 255 (-EINVAL)' /tmp/dmesg
check param-two-lines test "$(ourlines kvm_vpmu_ext | wc -l)" = 2

check before-unhandled read_once "outcome=unhandled value=0x0"

/vmm insmod /m/vpmu_live_hook.ko
check hook-insmod test $? = 0
drain
cat /tmp/dmesg
check hooked-value read_once "outcome=value value=$VALUE"
cat /sys/kernel/debug/vpmu_live_hook/hooks
calls() { # HOOK-NAME: its call count from debugfs
	awk -v h="$1" '$2 == h { print $5 }' /sys/kernel/debug/vpmu_live_hook/hooks
}
check hooks-all-installed test "$(grep -c ' installed ' /sys/kernel/debug/vpmu_live_hook/hooks)" = 7
check calls-is-valid-msr test "$(calls kvm_x86_pmu_is_valid_msr)" -gt 0
check calls-pmu-get-msr test "$(calls kvm_x86_pmu_get_msr)" -gt 0
check calls-get-msr test "$(calls kvm_x86_get_msr)" -gt 0
check calls-trigger-event test "$(calls kvm_pmu_trigger_event)" -gt 0
check calls-vcpu-create test "$(calls kvm_x86_vcpu_create)" -gt 0
check calls-vcpu-free test "$(calls kvm_x86_vcpu_free)" = "$(calls kvm_x86_vcpu_create)"

# A second hooker meets our wrappers: refused, first one untouched.
/vmm insmod /m/vpmu_live_hook2.ko
rc=$?
drain
cat /tmp/dmesg
check second-refused test $rc != 0
check second-eexist grep -q 'vpmu_live_hook2: refused: .*hooked by someone else (-EEXIST)' /tmp/dmesg
check second-not-loaded sh -c '! grep -q "^vpmu_live_hook2 " /proc/modules'
check first-still-hooked read_once "outcome=value value=$VALUE"

# kvm_amd is pinned while hooked.
rmmod kvm_amd 2>/dev/null
check vendor-pinned loaded kvm_amd

rmmod vpmu_live_hook
check hook-rmmod test $? = 0
check after-unhandled read_once "outcome=unhandled value=0x0"
drain

# Refusals leave nothing behind: failures after the x86-op hooks, at
# the vmlinux one, after the ftrace one.
/vmm insmod /m/vpmu_live_hook.ko fail_at=3
rc=$?
/vmm insmod /m/vpmu_live_hook.ko fail_at=4
rc2=$?
/vmm insmod /m/vpmu_live_hook.ko fail_at=6
rc3=$?
drain
cat /tmp/dmesg
check rollback-refused test $rc != 0 -a $rc2 != 0 -a $rc3 != 0
check rollback-eexist test "$(grep -c 'vpmu_live_hook: refused: .*(-EEXIST)' /tmp/dmesg)" = 3
check rollback-unhandled read_once "outcome=unhandled value=0x0"
/vmm insmod /m/vpmu_live_hook.ko missing=1
rc=$?
/vmm insmod /m/vpmu_live_hook.ko target=kvm_intel
rc2=$?
drain
cat /tmp/dmesg
check missing-enoent grep -q 'vpmu_live_hook: refused: symbol __SCK__kvm_x86_pmu_no_such_op not found in kvm (-ENOENT)' /tmp/dmesg
check absent-enxio grep -q 'vpmu_live_hook: refused: kvm_intel is not loaded (-ENXIO)' /tmp/dmesg
check refusals-rc test $rc != 0 -a $rc2 != 0
check refusals-unhandled read_once "outcome=unhandled value=0x0"
# Mirrors restored: a clean install still finds kvm_pmu_ops == keys.
/vmm insmod /m/vpmu_live_hook.ko
check reinstall test $? = 0
check reinstall-value read_once "outcome=value value=$VALUE"
rmmod vpmu_live_hook
drain

# The per-vCPU state of a VM started while loaded, in debugfs: one
# directory named like KVM's own, vcpu0/stats inside.
statsfile() { ls /sys/kernel/debug/vpmu_live_hook/*/vcpu0/stats 2>/dev/null; }
# state_is yes|no: wait up to 10 s until a vCPU state is there, or gone.
state_is() {
	i=0
	while [ $i -lt 100 ]; do
		if [ -n "$(statsfile)" ]; then [ "$1" = yes ] && return 0
		else [ "$1" = no ] && return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
start_loop() { rm -f /tmp/stop; /vmm loop $MSR $VALUE /tmp/stop >"$1" 2>&1 & }
stop_loop() { touch /tmp/stop; wait "$1"; }

# A vCPU that depends on the module holds it: rmmod says "in use" until
# its VM is gone, as for kvm_intel.
/vmm insmod /m/vpmu_live_hook.ko pin=1
check pin-insmod test $? = 0
start_loop /tmp/pin.out
pin_pid=$!
check pin-state-created state_is yes
f=$(statsfile)
cat "$f"
vmdir=$(basename "$(dirname "$(dirname "$f")")")
check pin-state-pinned grep -qx 'pinned 1' "$f"
check pin-dir-named-like-kvm test -d "/sys/kernel/debug/kvm/$vmdir"
rmmod vpmu_live_hook 2>/dev/null
check pin-rmmod-in-use test $? != 0
check pin-still-loaded loaded vpmu_live_hook
stop_loop $pin_pid
check pin-reads test $? = 0
cat /tmp/pin.out
check pin-all-hooked grep -q ' unhandled=0 ' /tmp/pin.out
check pin-state-freed state_is no
rmmod vpmu_live_hook
check pin-released-rmmod test $? = 0

# A vCPU that does not depend on it: created while loaded, it keeps
# running with KVM's behaviour after rmmod, its state freed.
/vmm insmod /m/vpmu_live_hook.ko
check nopin-insmod test $? = 0
start_loop /tmp/nopin.out
nopin_pid=$!
check nopin-state-created state_is yes
check nopin-state-unpinned grep -qx 'pinned 0' "$(statsfile)"
rmmod vpmu_live_hook
check nopin-rmmod test $? = 0
check nopin-after-unhandled read_once "outcome=unhandled value=0x0"
stop_loop $nopin_pid
check nopin-reads test $? = 0
cat /tmp/nopin.out
check nopin-both-outcomes grep -qE 'value=[1-9][0-9]* unhandled=[1-9]' /tmp/nopin.out
drain

# Load and unload while a vCPU reads without pause on the other CPU; in
# each cycle a short-lived VM gets state and frees it while loaded.
rm -f /tmp/stop
taskset 1 /vmm loop $MSR $VALUE /tmp/stop >/tmp/loop.out 2>&1 &
vmm_pid=$!
sleep 1
t0=$(date +%s)
bad=0
i=0
while [ $i -lt "$CYCLES" ]; do
	taskset 2 /vmm insmod /m/vpmu_live_hook.ko >/dev/null || bad=$((bad + 1))
	taskset 2 /vmm once $MSR 1 >/dev/null || bad=$((bad + 1))
	taskset 2 rmmod vpmu_live_hook || bad=$((bad + 1))
	i=$((i + 1))
done
t1=$(date +%s)
touch /tmp/stop
wait $vmm_pid
rc=$?
cat /tmp/loop.out
echo "live: $CYCLES cycles in $((t1 - t0)) s"
check stress-cycles test $bad = 0
check stress-reads test $rc = 0
check stress-both-outcomes grep -qE 'value=[1-9][0-9]* unhandled=[1-9]' /tmp/loop.out
check stress-unloaded sh -c '! grep -q "^vpmu_live_hook " /proc/modules'
check stress-after-unhandled read_once "outcome=unhandled value=0x0"
drain

# No reference left behind: KVM unloads.
rmmod kvm_amd
check kvm-amd-unloads test $? = 0
rmmod kvm
check kvm-unloads test $? = 0
drain
dmesg_bad=$(grep -E 'BUG|WARNING|Oops|Call Trace|general protection|lockdep|KASAN' /tmp/dmesg.all)
[ -n "$dmesg_bad" ] && echo "$dmesg_bad"
check no-kernel-complaints test -z "$dmesg_bad"
echo "live: done"
ktap_done
