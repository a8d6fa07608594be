#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and run the Intel-host selftests (selftests/kvm, selftests/guest)
# in the test VM of one kernel; a step of `make check`.
#
#   scripts/selftests.sh SERIES BUILDDIR WORKDIR
#   scripts/selftests.sh --lint        shellcheck + yamllint of the
#                                      selftest scripts and CI workflow
#
# The programs are built static against the KVM selftest library of the
# kernel's own source (BUILDDIR/source): the library of the kernel the
# test VM boots.  The 6.12 library cannot drive a 6.1 KVM (it requires
# KVM_SET_USER_MEMORY_REGION2, Linux 6.8+), so each series gets its own
# build.  Library objects and UAPI headers are cached in
# $CACHE/selftests-SERIES-KEY/ (KEY: kernel source, our makefiles, the
# compiler), the programs in a bin-KEY subdirectory keyed by the sources
# of selftests/: a warm run builds nothing.
#
# Two boots under QEMU TCG; in each, that kernel's kselftest runner
# (tools/testing/selftests/kselftest/runner.sh) runs every program and
# prints one KTAP document, which that kernel's kunit.py parse judges:
#   A  -cpu max (AMD) with irqbypass, kvm (force_emulation_prefix=1) and
#      kvm-amd loaded: the KVM tests skip "not an Intel host", pmu_guest
#      "not an Intel CPU";
#   B  -cpu max,vendor=GenuineIntel with kvm but no vendor module (no
#      VMX for kvm-intel): the KVM tests skip "kvm_vpmu_ext module not
#      loaded", pmu_guest "no architectural PMU" (TCG has no PMU).
# The step passes only if kunit.py found every program's result and no
# failure, and each program skipped with its stated reason: it ran as far
# as its own skip decision.  It prints one line per program and boot.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VPMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm_vpmu_ext}

KVM_TESTS="pmu_v5_fixed_counters pmu_global_status_set_inuse pmu_lbr_freeze pmu_emulated_overflow pmu_pebs_switch"
ALL_PROGS="$KVM_TESTS pmu_guest"
# The runner's name for a program: "selftests: DIR: PROGRAM".
DIR=kvm_vpmu_ext

lint() {
	local rc=0
	cd "$top" || return 1
	shellcheck -x scripts/selftests.sh scripts/baremetal-check.sh || rc=1
	yamllint -s .github/workflows/intel-baremetal.yml || rc=1
	[ $rc = 0 ] && echo "selftests lint: shellcheck and yamllint clean"
	return $rc
}

if [ "${1:-}" = --lint ]; then
	lint
	exit
fi

series=${1:?usage: selftests.sh SERIES BUILDDIR WORKDIR | --lint}
bld=${2:?usage: selftests.sh SERIES BUILDDIR WORKDIR}
work=${3:?usage: selftests.sh SERIES BUILDDIR WORKDIR}
mkdir -p "$work"
ksrc=$(readlink -f "$bld/source")
[ -d "$ksrc/tools/testing/selftests/kvm/lib" ] ||
	{ echo "selftests.sh: no KVM selftest library in $ksrc"; exit 1; }
runner=$ksrc/tools/testing/selftests/kselftest/runner.sh
kunit_py=$ksrc/tools/testing/kunit/kunit.py

hash() { sha256sum | cut -c1-12; }

# --- build (cached) --------------------------------------------------------
libkey=$({ basename "$ksrc"; cat "$top/selftests/kvm/Makefile" \
	"$top/selftests/kvm/kvm-selftests.mk"; cc --version; } | hash)
sdir=$cache/selftests-$series-$libkey
srckey=$(cd "$top" && find selftests -type f -print0 | sort -z |
	 xargs -0 sha256sum | hash)
bin=$sdir/bin-$srckey

# Called with the cache lock held.
build() {
	local tmp
	mkdir -p "$sdir"
	if [ ! -f "$bin/.done" ]; then
		tmp=$(mktemp -d "$sdir/tmp.XXXXXX") || return 1
		if ! make -s -C "$top/selftests/kvm" KSRC="$ksrc" OUTPUT="$tmp/kvm" \
			LIBDIR="$sdir/lib" -j"$(nproc)" ||
		   ! make -s -C "$top/selftests/guest" KSRC="$ksrc" OUTPUT="$tmp/guest"; then
			rm -rf "$tmp"
			return 1
		fi
		touch "$tmp/.done"
		rm -rf "$bin"
		mv "$tmp" "$bin"
	fi
	# Programs and caches of other keys are stale once unused for a day;
	# not sooner: another worktree may be about to use them.
	touch "$sdir" "$bin"
	for old in "$sdir"/bin-* "$cache"/selftests-"$series"-*; do
		[ "$old" = "$bin" ] || [ "$old" = "$sdir" ] ||
			[ -z "$(find "$old" -maxdepth 0 -mmin +1440)" ] || rm -rf "$old"
	done
}

# --- stage and boot --------------------------------------------------------
# A module of BUILDDIR and, first, the modules it depends on.
mod_path() { find "$bld" -name "$1.ko" -print -quit; }
mod_chain() {
	local m=$1 path dep
	path=$(mod_path "$m")
	[ -n "$path" ] || path=$(mod_path "${m//_/-}")
	[ -n "$path" ] || { echo "selftests.sh: module $m not in $bld" >&2; return 1; }
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
		mod_chain "$dep" || return 1
	done
	echo "$path"
}

# The initramfs: the runner in /st/kselftest, the programs in /st/$DIR.
stage() {
	local dir=$1 boot=$2 p m
	rm -rf "$dir"
	mkdir -p "$dir/st/kselftest" "$dir/st/$DIR" "$dir/m"
	cp "$runner" "$dir/st/kselftest/" || return 1
	for p in $ALL_PROGS; do
		cp "$bin"/*/"$p" "$dir/st/$DIR/" || return 1
	done
	# Debug info only makes the initramfs bigger (the VM has no addr2line).
	strip --strip-debug "$dir/st/$DIR"/*
	{
		# A: kvm-amd and what it needs; B: kvm alone (no VMX for kvm-intel).
		for p in $(mod_chain "$([ "$boot" = A ] && echo kvm-amd || echo kvm)" |
			   awk '!seen[$0]++'); do
			m=$(basename "$p")
			cp "$p" "$dir/m/$m"
			if [ "$m" = kvm.ko ]; then
				echo "insmod /m/$m force_emulation_prefix=1 || echo VPMU-ST-INSMOD-FAILED $m"
			else
				echo "insmod /m/$m || echo VPMU-ST-INSMOD-FAILED $m"
			fi
		done
		# The runner logs to /dev/stdout, which devtmpfs does not make.
		echo '[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout'
		echo 'echo VPMU-ST-BEGIN'
		echo "cd /st/$DIR && BASE_DIR=/st && . /st/kselftest/runner.sh &&"
		echo "	run_many ./${ALL_PROGS// / ./}"
		echo 'echo VPMU-ST-END'
	} >"$dir/run.sh"
}

# The reason each program must give for its skip in each boot.
expect() {
	local boot=$1 prog=$2
	case "$boot:$prog" in
	A:pmu_guest) echo "not an Intel CPU" ;;
	A:*) echo "not an Intel host" ;;
	B:pmu_guest) echo "no architectural PMU" ;;
	B:*) echo "kvm_vpmu_ext module not loaded" ;;
	esac
}

failed=0
table=()

# judge BOOT LOG: kunit.py parse on the runner's KTAP, then one table row
# per program: kunit.py's verdict and the skip reason the program printed.
judge() {
	local boot=$1 log=$2 ktap verdicts prog want status reason
	ktap=$work/ktap-$boot
	if grep -q VPMU-ST-INSMOD-FAILED "$log"; then
		echo "boot $boot: $(grep VPMU-ST-INSMOD-FAILED "$log")"
		failed=$((failed + 1))
	fi
	sed -n '/^VPMU-ST-BEGIN$/,/^VPMU-ST-END$/p' "$log" | sed '1d;$d' >"$ktap"
	verdicts=$(python3 "$kunit_py" parse "$ktap" 2>&1 |
		   sed -E 's/\x1b\[[0-9;]*m//g; s/^\[[0-9:]+\] //')
	printf '%s\n' "$verdicts" | sed "s/^/kunit.py (boot $boot): /"
	if ! printf '%s\n' "$verdicts" |
	     grep -qE "^Testing complete\. Ran $(echo "$ALL_PROGS" | wc -w) tests: skipped: [0-9]+$"; then
		echo "boot $boot: kunit.py did not find every program skipped; the KTAP was:"
		tail -n 60 "$ktap"
		failed=$((failed + 1))
	fi
	for prog in $ALL_PROGS; do
		want=$(expect "$boot" "$prog")
		status=$(printf '%s\n' "$verdicts" |
			 sed -n "s/^\[\([A-Z ]*\)\] selftests: $DIR: $prog\$/\1/p")
		# The program's own plan line, which the runner prefixed with "# ".
		reason=$(sed -n "/^# selftests: $DIR: $prog\$/,/^\(not \)\{0,1\}ok [0-9]/p" "$ktap" |
			 sed -n 's/^# 1\.\.0 # SKIP //p' | head -n 1)
		if [ "$status" = SKIPPED ] && [ "${reason#"$want"}" != "$reason" ]; then
			table+=("$(printf '%-28s %-4s %-5s %s' "$prog" "$boot" skip "$reason")")
		else
			failed=$((failed + 1))
			table+=("$(printf '%-28s %-4s %-5s %s' "$prog" "$boot" FAIL \
				"kunit.py: ${status:-no result}; expected a skip \"$want\", got: ${reason:-no skip line}")")
		fi
	done
}

# Build and stage under the lock: a run of another worktree removes the
# cache of this one only while it holds the lock.
t=$SECONDS
mkdir -p "$cache"
exec 8>"$cache/lock-selftests-$series"
flock 8
build || { echo "selftests.sh: build failed"; exit 1; }
echo "selftests.sh: programs in $bin (built or reused in $((SECONDS - t))s)"
for boot in A B; do
	stage "$work/stage-$boot" "$boot" || { echo "selftests.sh: staging failed"; exit 1; }
done
flock -u 8

for boot in A B; do
	t=$SECONDS
	log=$work/console-$boot.log
	if [ "$boot" = A ]; then
		"$top/scripts/vm.sh" "$bld/arch/x86/boot/bzImage" "$work/stage-$boot" "$log"
	else
		"$top/scripts/vm.sh" "$bld/arch/x86/boot/bzImage" "$work/stage-$boot" "$log" \
			-cpu max,vendor=GenuineIntel
	fi
	vmrc=$?
	if [ $vmrc != 0 ] || ! grep -q VPMU-VM-DONE "$log"; then
		echo "boot $boot: QEMU rc=$vmrc, end marker $(grep -c VPMU-VM-DONE "$log"); console tail:"
		tail -n 30 "$log"
		failed=$((failed + 1))
	fi
	judge "$boot" "$log"
	echo "selftests.sh: boot $boot took $((SECONDS - t))s"
done

echo "selftests ($series)"
printf '%-28s %-4s %-5s %s\n' program boot result "reason / detail"
printf '%s\n' "${table[@]}"
[ $failed = 0 ]
