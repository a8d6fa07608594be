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
# Two boots under QEMU TCG, every program in each:
#   A  -cpu max (AMD) with irqbypass, kvm (force_emulation_prefix=1) and
#      kvm-amd loaded: the five KVM tests skip "not an Intel host",
#      pmu_guest "not an Intel CPU";
#   B  -cpu max,vendor=GenuineIntel with kvm but no vendor module (no
#      VMX for kvm-intel): the KVM tests skip "kvm_vpmu_ext module not
#      loaded", pmu_guest "no architectural PMU" (TCG has no PMU).
# The step passes only if every program ran, exited as expected and
# skipped with its stated reason.  It prints one line per program and
# boot.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VPMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm_vpmu_ext}

KVM_TESTS="pmu_v5_fixed_counters pmu_global_status_set_inuse pmu_lbr_freeze pmu_emulated_overflow pmu_pebs_switch"
ALL_PROGS="$KVM_TESTS pmu_guest"

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

stage() {
	local dir=$1 boot=$2 p m
	rm -rf "$dir"
	mkdir -p "$dir/t" "$dir/m"
	cp "$bin"/kvm/pmu_* "$bin/guest/pmu_guest" "$dir/t/" || return 1
	rm -f "$dir"/t/*.o "$dir"/t/*.d
	# Debug info only makes the initramfs bigger (the VM has no addr2line).
	strip --strip-debug "$dir"/t/*
	{
		echo 'cd /t'
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
		for p in $ALL_PROGS; do
			echo "echo VPMU-ST-BEGIN $p"
			echo "./$p"
			echo "echo VPMU-ST-END $p rc=\$?"
		done
	} >"$dir/run.sh"
}

# What each program must do in each boot: "pass" or "skip:<reason prefix>".
expect() {
	local boot=$1 prog=$2
	case "$boot:$prog" in
	A:pmu_guest) echo "skip:not an Intel CPU" ;;
	A:*) echo "skip:not an Intel host" ;;
	B:pmu_guest) echo "skip:no architectural PMU" ;;
	B:*) echo "skip:kvm_vpmu_ext module not loaded" ;;
	esac
}

failed=0
table=()

# judge BOOT LOG: one table row per program.
judge() {
	local boot=$1 log=$2 prog out rc want verdict detail plan oks notoks
	if grep -q VPMU-ST-INSMOD-FAILED "$log"; then
		echo "boot $boot: $(grep VPMU-ST-INSMOD-FAILED "$log")"
		failed=$((failed + 1))
	fi
	for prog in $ALL_PROGS; do
		want=$(expect "$boot" "$prog")
		out=$(sed -n "/^VPMU-ST-BEGIN $prog\$/,/^VPMU-ST-END $prog /p" "$log")
		rc=$(printf '%s\n' "$out" | sed -n "s/^VPMU-ST-END $prog rc=\([0-9]*\).*/\1/p")
		verdict=FAIL
		if [ -z "$rc" ]; then
			detail="did not run to the end"
		elif [ "$want" = pass ]; then
			plan=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p' | head -n 1)
			oks=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+ ')
			notoks=$(printf '%s\n' "$out" | grep -cE '^not ok [0-9]+ ')
			detail="rc=$rc, $oks/${plan:-?} ok, $notoks not ok"
			if [ "$rc" = 0 ] && [ -n "$plan" ] && [ "$plan" -gt 0 ] &&
			   [ "$oks" = "$plan" ] && [ "$notoks" = 0 ] &&
			   ! printf '%s\n' "$out" | grep -qE '^ok [0-9]+ .*# SKIP'; then
				verdict=pass
			fi
		else
			detail=$(printf '%s\n' "$out" | sed -n 's/^1\.\.0 # SKIP //p' | head -n 1)
			if [ "$rc" = 4 ] && [ "${detail#"${want#skip:}"}" != "$detail" ]; then
				verdict=skip
			else
				detail="rc=$rc, expected a skip \"${want#skip:}\", got: ${detail:-no skip line}"
			fi
		fi
		[ "$verdict" = FAIL ] && {
			failed=$((failed + 1))
			echo "---- $prog (boot $boot) output:"
			printf '%s\n' "$out" | tail -n 40
		}
		table+=("$(printf '%-28s %-4s %-5s %s' "$prog" "$boot" "$verdict" "$detail")")
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
