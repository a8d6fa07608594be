#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Intel bare-metal check: build and load kvm_vpmu_ext on this host, run
# the KVM selftests (selftests/kvm), the guest-side check (selftests/guest,
# inside a KVM guest), and the PMU tests of kvm-unit-tests, unload, and
# print one summary table.  As root, on an Intel host with VT-x.
#
#   scripts/baremetal-check.sh [options]
#   scripts/baremetal-check.sh --diff BASELINE.tsv MODULE.tsv
#
# Options:
#   --without-module     baseline: stock KVM, the module must not be loaded;
#                        the KVM selftests run anyway (PMU_EXT_IGNORE_MODULE=1)
#                        so that the two runs can be compared
#   --kvm-unit-tests DIR a configured and built kvm-unit-tests tree; its
#                        "pmu" group (pmu, pmu_lbr, pmu_pebs) runs
#   --ksrc DIR           kernel source whose KVM selftest library to use
#                        (default: the cached source of the running kernel's
#                        series, unpacked from /usr/src/linux-source-SERIES)
#   --kdir DIR           kernel build tree for the module
#                        (default: /lib/modules/$(uname -r)/build)
#   --guest-kernel FILE  bzImage for the guest check (default: the newest
#                        test kernel scripts/kernel.sh built)
#   --force-emulation    set kvm.force_emulation_prefix=1 for the run (and
#                        restore it after), so the forced-emulation cases run
#   --out FILE           also write the results as TSV (kind, name, result,
#                        detail), the input of --diff
#
# Exit status: 0 if nothing failed (skips are fine), 1 if something failed,
# 2 if the host cannot run the check (not Intel, not root, ...).
# --diff prints what changed between two TSVs and exits 1 on a regression:
# a row that passed in the first and does not pass in the second.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VPMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm_vpmu_ext}

die() { echo "baremetal-check: $*" >&2; exit 2; }

diff_results() {
	local base=$1 mod=$2
	if [ ! -f "$base" ] || [ ! -f "$mod" ]; then
		die "--diff needs two TSV files"
	fi
	awk -F'\t' '
		FNR == NR { base[$1 "\t" $2] = $3; next }
		{
			key = $1 "\t" $2; seen[key] = 1
			old = (key in base) ? base[key] : "absent"
			if (old == $3)
				next
			kind = "changed"
			if (old == "pass") { kind = "REGRESSION"; bad++ }
			else if ($3 == "pass") kind = "improved"
			printf "%-10s %-14s %-52s %s -> %s\n", kind, $1, $2, old, $3
		}
		END {
			for (k in base)
				if (!(k in seen) && base[k] == "pass") {
					split(k, p, "\t")
					printf "%-10s %-14s %-52s pass -> absent\n", "REGRESSION", p[1], p[2]
					bad++
				}
			printf "%d regression(s)\n", bad
			exit bad > 0
		}' "$base" "$mod"
}

if [ "${1:-}" = --diff ]; then
	diff_results "${2:-}" "${3:-}"
	exit
fi

with_module=1
kut='' ksrc='' kdir='' guest_kernel='' fep='' out=''
while [ $# -gt 0 ]; do
	case "$1" in
	--without-module) with_module= ;;
	--kvm-unit-tests) kut=${2:?}; shift ;;
	--ksrc) ksrc=${2:?}; shift ;;
	--kdir) kdir=${2:?}; shift ;;
	--guest-kernel) guest_kernel=${2:?}; shift ;;
	--force-emulation) fep=1 ;;
	--out) out=${2:?}; shift ;;
	*) die "unknown option $1 (see the header of $0)" ;;
	esac
	shift
done

# --- refusals --------------------------------------------------------------
vendor=$(sed -n 's/^vendor_id[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
[ "$vendor" = GenuineIntel ] ||
	die "refusing to run: not an Intel host (CPU vendor ${vendor:-unknown})"
[ "$(id -u)" = 0 ] || die "refusing to run: needs root (insmod, /dev/kvm, MSRs)"
grep -qw vmx /proc/cpuinfo || die "refusing to run: no VT-x (vmx flag)"

release=$(uname -r)
series=$(echo "$release" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
kdir=${kdir:-/lib/modules/$release/build}
work=$(mktemp -d "${TMPDIR:-/tmp}/vpmu-baremetal.XXXXXX")
fep_param=/sys/module/kvm/parameters/force_emulation_prefix
fep_old=
nmi_param=/proc/sys/kernel/nmi_watchdog
nmi_old=
loaded_by_us=
# Also on an early exit: the host is left as it was found.
cleanup() {
	[ -n "$loaded_by_us" ] && rmmod kvm_vpmu_ext
	[ -n "$fep_old" ] && echo "$fep_old" >"$fep_param"
	[ -n "$nmi_old" ] && echo "$nmi_old" >"$nmi_param"
	rm -rf "$work"
}
trap cleanup EXIT

rows=()
failed=0
# row KIND NAME RESULT DETAIL
row() {
	rows+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4")
	[ "$3" = fail ] && failed=$((failed + 1))
	return 0
}
say() { echo "baremetal-check: $*"; }

# --- kernel source for the selftest library ---------------------------------
if [ -z "$ksrc" ]; then
	tarball=/usr/src/linux-source-$series.tar.xz
	pkgver=$(dpkg-query -W -f '${Version}' "linux-source-$series" 2>/dev/null) ||
		die "no --ksrc and no linux-source-$series package for the running kernel $release"
	ksrc=$cache/src-$series-$pkgver
	if [ ! -f "$ksrc/.unpacked" ]; then
		say "unpacking $tarball (once)"
		mkdir -p "$cache"
		(
			flock 9
			if [ ! -f "$ksrc/.unpacked" ]; then
				rm -rf "$ksrc.tmp" && mkdir -p "$ksrc.tmp" &&
				tar -xJf "$tarball" -C "$ksrc.tmp" --strip-components=1 &&
				touch "$ksrc.tmp/.unpacked" && mv "$ksrc.tmp" "$ksrc"
			fi
		) 9>"$cache/lock-$series" || die "cannot unpack $tarball"
	fi
fi
[ -d "$ksrc/tools/testing/selftests/kvm/lib" ] || die "no KVM selftest library in $ksrc"

# --- build -----------------------------------------------------------------
say "building the selftests against $ksrc"
if make -s -C "$top/selftests/kvm" KSRC="$ksrc" OUTPUT="$work/kvm" \
	LIBDIR="$cache/selftests-baremetal-$(basename "$ksrc")" -j"$(nproc)" \
	>"$work/build.log" 2>&1 &&
   make -s -C "$top/selftests/guest" KSRC="$ksrc" OUTPUT="$work/guest" \
	>>"$work/build.log" 2>&1; then
	row build selftests pass ""
else
	tail -n 30 "$work/build.log"
	row build selftests fail "see the build log above"
fi

# --- KVM and the module ------------------------------------------------------
modprobe kvm_intel || die "cannot load kvm_intel"
if [ -n "$fep" ]; then
	# A runtime parameter (0644) in both 6.1 and 6.12.
	fep_old=$(cat "$fep_param") || die "no $fep_param"
	echo 1 >"$fep_param" || die "cannot set $fep_param"
	say "kvm.force_emulation_prefix=1 for this run (was $fep_old)"
fi

if [ -n "$with_module" ]; then
	if [ -d /sys/module/kvm_vpmu_ext ]; then
		row module load fail "kvm_vpmu_ext was already loaded: unload it first"
	elif "$top/scripts/modbuild.sh" "$kdir" "$work/mod" >"$work/mod.log" 2>&1 &&
	     insmod "$work/mod/kvm_vpmu_ext.ko"; then
		loaded_by_us=1
		row module load pass "$(dmesg | grep 'kvm_vpmu_ext' | tail -n 1 | cut -c1-80)"
	else
		tail -n 20 "$work/mod.log"
		row module load fail "$(dmesg | grep 'kvm_vpmu_ext' | tail -n 1 | cut -c1-80)"
	fi
else
	[ -d /sys/module/kvm_vpmu_ext ] &&
		die "--without-module, but kvm_vpmu_ext is loaded: unload it first"
	export PMU_EXT_IGNORE_MODULE=1
fi

# --- KVM selftests -----------------------------------------------------------
# One row per case of the kselftest harness ("ok N name", "not ok N name",
# "# SKIP"), or per program when it skipped as a whole ("1..0 # SKIP
# reason").  6.1's harness prints a skipped case's result line without its
# name ("ok N # SKIP reason"); the name is on its "#  OK  name" line before.
ktap_rows() {
	local prog=$1 log=$2 rc=$3 n=0 bad=0 line name rest last=''
	while IFS= read -r line; do
		case "$line" in
		"1..0 # SKIP "*)
			row selftest "$prog" skip "${line#1..0 # SKIP }"; n=$((n + 1)) ;;
		"#"*" OK  "*|"#"*" FAIL  "*)
			last=${line##* } ;;
		"ok "*|"not ok "*)
			rest=${line#ok }
			rest=${rest#not ok }
			rest=${rest#* }
			name=${rest%% # *}
			case "$rest" in "# "*) name=$last rest="$last $rest" ;; esac
			if [ "${line#not ok }" != "$line" ]; then
				row selftest "$prog/$name" fail "${rest#"$name"}"
				bad=$((bad + 1))
			elif [ "${rest#*# SKIP }" != "$rest" ]; then
				row selftest "$prog/$name" skip "${rest#*# SKIP }"
			else
				row selftest "$prog/$name" pass ""
			fi
			n=$((n + 1)) ;;
		esac
	done <"$log"
	[ $n -gt 0 ] || row selftest "$prog" fail "no KTAP result (exit status $rc)"
	# A failing case explains a non-zero exit; otherwise it is a failure of its own.
	if [ $n -gt 0 ] && [ $bad = 0 ] && [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		row selftest "$prog" fail "exit status $rc"
	fi
}

for prog in pmu_v5_fixed_counters pmu_global_status_set_inuse pmu_lbr_freeze \
	    pmu_emulated_overflow pmu_pebs_switch; do
	[ -x "$work/kvm/$prog" ] || { row selftest "$prog" fail "not built"; continue; }
	say "running $prog"
	"$work/kvm/$prog" >"$work/$prog.log" 2>&1
	rc=$?
	sed 's/^/    /' "$work/$prog.log"
	ktap_rows "$prog" "$work/$prog.log" "$rc"
done

# --- the guest-side check, inside a KVM guest ---------------------------------
run_guest_check() {
	local bz=$guest_kernel root log=$work/guest-console.log busybox
	if [ -z "$bz" ]; then
		# shellcheck disable=SC2012 # cache paths, no spaces
		bz=$(ls -td "$cache"/build-*/.built 2>/dev/null | head -n 1)
		bz=${bz%/.built}/arch/x86/boot/bzImage
	fi
	[ -f "$bz" ] || { row guest pmu_guest skip "no guest kernel: run scripts/kernel.sh 6.12 or pass --guest-kernel"; return; }
	busybox=$(command -v busybox || true)
	[ -x /bin/busybox ] && busybox=/bin/busybox
	[ -n "$busybox" ] || { row guest pmu_guest skip "no busybox (busybox-static)"; return; }
	[ -x "$work/guest/pmu_guest" ] || { row guest pmu_guest fail "not built"; return; }

	# The harness's initramfs (scripts/vm/init runs /run.sh), on KVM.
	root=$work/initramfs
	mkdir -p "$root/bin"
	cp "$busybox" "$root/bin/busybox"
	cp "$top/scripts/vm/init" "$root/init"
	chmod +x "$root/init"
	cp "$work/guest/pmu_guest" "$root/pmu_guest"
	printf '%s\n' 'echo VPMU-GUEST-BEGIN' '/pmu_guest' 'echo "VPMU-GUEST-END rc=$?"' \
		>"$root/run.sh"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"
	say "booting $bz under KVM for the guest check"
	timeout 300 qemu-system-x86_64 -accel kvm -cpu host,migratable=off -smp 2 -m 1024 \
		-kernel "$bz" -initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet oops=panic panic=-1" \
		-no-reboot -nodefaults -display none -monitor none -serial stdio \
		</dev/null >"$log" 2>&1
	sed -n '/VPMU-GUEST-BEGIN/,/VPMU-GUEST-END/p' "$log" | sed 's/^/    /'
	sed -n '/VPMU-GUEST-BEGIN/,/VPMU-GUEST-END/p' "$log" >"$work/pmu_guest.log"
	local rc
	rc=$(sed -n 's/^VPMU-GUEST-END rc=\([0-9]*\).*/\1/p' "$log")
	if [ -z "$rc" ]; then
		tail -n 20 "$log"
		row guest pmu_guest fail "the guest did not finish"
		return
	fi
	ktap_rows pmu_guest "$work/pmu_guest.log" "$rc"
}
run_guest_check

# --- kvm-unit-tests ----------------------------------------------------------
if [ -z "$kut" ]; then
	for t in pmu pmu_lbr pmu_pebs; do
		row kvm-unit-tests "$t" skip "no --kvm-unit-tests DIR given"
	done
elif [ ! -x "$kut/run_tests.sh" ] || [ ! -f "$kut/config.mak" ]; then
	row kvm-unit-tests pmu fail "$kut is not a configured kvm-unit-tests tree"
else
	# kvm-unit-tests' unittests.cfg runs pmu, pmu_lbr and pmu_pebs only
	# with the NMI watchdog off (it holds a host counter); Debian boots
	# with it on, and a SKIP would hide every result.  Restored on exit.
	if [ -w "$nmi_param" ] && [ "$(cat "$nmi_param")" != 0 ]; then
		nmi_old=$(cat "$nmi_param")
		echo 0 >"$nmi_param"
	fi
	say "running kvm-unit-tests -g pmu in $kut"
	(cd "$kut" && ./run_tests.sh -g pmu) >"$work/kut.log" 2>&1
	if [ -n "$nmi_old" ]; then
		echo "$nmi_old" >"$nmi_param"
		nmi_old=
	fi
	sed -E 's/\x1b\[[0-9;]*m//g' "$work/kut.log" >"$work/kut.txt"
	sed 's/^/    /' "$work/kut.txt"
	for t in pmu pmu_lbr pmu_pebs; do
		line=$(grep -E "^(PASS|FAIL|SKIP) $t( |$)" "$work/kut.txt" | head -n 1)
		case "$line" in
		PASS*) row kvm-unit-tests "$t" pass "${line#PASS "$t" }" ;;
		SKIP*) row kvm-unit-tests "$t" skip "${line#SKIP "$t" }" ;;
		FAIL*) row kvm-unit-tests "$t" fail "${line#FAIL "$t" }" ;;
		*) row kvm-unit-tests "$t" fail "did not run" ;;
		esac
	done
fi

# --- unload ------------------------------------------------------------------
if [ -n "$loaded_by_us" ]; then
	if rmmod kvm_vpmu_ext; then
		row module unload pass ""
	else
		row module unload fail "rmmod failed"
	fi
	loaded_by_us=
fi

# --- summary -----------------------------------------------------------------
echo
echo "kvm_vpmu_ext bare-metal check: $release, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), module ${with_module:+loaded}${with_module:-not loaded (baseline)}"
printf '%-14s %-52s %-5s %s\n' kind name result detail
for r in "${rows[@]}"; do
	IFS=$'\t' read -r k n res d <<<"$r"
	printf '%-14s %-52s %-5s %s\n' "$k" "$n" "$res" "$d"
done
passes=$(printf '%s\n' "${rows[@]}" | awk -F'\t' '$3 == "pass"' | wc -l)
skips=$(printf '%s\n' "${rows[@]}" | awk -F'\t' '$3 == "skip"' | wc -l)
echo "$passes passed, $skips skipped, $failed failed"
if [ -n "$out" ]; then
	mkdir -p "$(dirname "$out")"
	printf '%s\n' "${rows[@]}" >"$out"
fi
[ "$failed" = 0 ]
