#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test run behind `make check`.
#
#   scripts/check.sh                 everything
#   scripts/check.sh --kunit 6.12    KUnit (and the module load) in one kernel
#
# Steps: checkpatch on our files; the core in userspace (-Werror build,
# libFuzzer targets for FUZZ_SECONDS each, benchmarks); the module against
# both Debian header packages with W=1 and sparse; for each KUnit kernel,
# the modules with W=1 and sparse, then a QEMU TCG boot that loads the
# KUnit module and the product module, judged by ktap.py.  Every step runs
# even after one fails; the last line is 'N passed, N failed', where N
# counts KUnit cases over the kernels, and failed also counts each failing
# step, so that a red run never ends on '0 failed'.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VPMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm_vpmu_ext}
kernels=${KERNELS:-"6.12 6.1"}
only_kunit=
if [ "${1:-}" = --kunit ]; then
	only_kunit=1
	kernels=${2:?--kunit needs a kernel series}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vpmu-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
failed_steps=()
t0=$(date +%s)

say() { printf 'check: %s\n' "$*"; }

# step NAME CMD...: run, keep the log, report one line.
step() {
	local name=$1 log="$work/$1.log" t=$SECONDS
	shift
	if "$@" >"$log" 2>&1; then
		say "ok   $name ($((SECONDS - t))s)"
	else
		say "FAIL $name ($((SECONDS - t))s), last lines:"
		tail -n 40 "$log" | sed 's/^/    /'
		failed=$((failed + 1))
		failed_steps+=("$name")
	fi
}

# A kbuild log is clean when nothing says warning or error.
clean_build() {
	local log
	log=$(mktemp -p "$work")
	"$top/scripts/modbuild.sh" "$@" >"$log" 2>&1
	local rc=$?
	cat "$log"
	[ $rc = 0 ] || return $rc
	! grep -E '(warning|error):' "$log"
}

newest_headers() {
	# shellcheck disable=SC2012 # names are Debian package paths, no spaces
	# "6.1.*" must not match 6.12's headers.
	ls -d /usr/src/linux-headers-"$1".*-amd64 2>/dev/null | sort -V | tail -n 1
}

checkpatch() {
	local cp
	cp=$(ls "$cache"/src-*/scripts/checkpatch.pl 2>/dev/null | head -n 1)
	[ -n "$cp" ] || { echo "no checkpatch.pl: the kernel sources are unpacked by scripts/kernel.sh"; return 1; }
	cd "$top" || return 1
	local files kfiles ufiles
	files=$(git ls-files -co --exclude-standard -- '*.c' '*.h')
	kfiles=$(echo "$files" | grep -v '^tests/user/')
	ufiles=$(echo "$files" | grep '^tests/user/')
	# shellcheck disable=SC2086 # word splitting of the file lists is wanted
	{
		perl "$cp" --no-tree --strict --terse --show-types -f $kfiles
		# Userspace harness code: libFuzzer's entry point has a fixed
		# CamelCase name (LLVMFuzzerTestOneInput); nothing else differs.
		[ -z "$ufiles" ] || perl "$cp" --no-tree --strict --terse --show-types \
			--ignore CAMELCASE -f $ufiles
	} | tee "$work/checkpatch.out"
	! grep -qE ': (ERROR|WARNING|CHECK):' "$work/checkpatch.out"
}

user() {
	make -C "$top/tests/user" "$@" OUT="$work/user" FUZZ_SECONDS="${FUZZ_SECONDS:-5}"
}

suites() {
	grep -hoE '^\s*\.name\s*=\s*"[a-z0-9_]+"' "$top"/tests/kunit/*_kunit.c |
		sed -E 's/.*"(.*)"/\1/'
}

# What the product module must do when loaded in the test kernel: QEMU's
# TCG "-cpu max" says AuthenticAMD, so it refuses with its "not Intel" line
# and nothing stays loaded (the rmmod finds no module).
product_expect() {
	grep -q 'kvm_vpmu_ext: refused: not an Intel CPU .*(-ENODEV)' "$1" &&
	! grep -qx 'product-insmod=0' "$1" && ! grep -qx 'product-rmmod=0' "$1"
}

kunit_boot() {
	local series=$1 bld=$2 mods=$3 stage="$work/stage-$1" log="$work/vm-$1.console"
	mkdir -p "$stage/m"
	cp "$mods/vpmu_kunit.ko" "$mods/kvm_vpmu_ext.ko" "$stage/m/"
	cat >"$stage/run.sh" <<'RUN'
echo VPMU-KTAP-BEGIN
insmod /m/vpmu_kunit.ko
dmesg -c
echo VPMU-KTAP-END
insmod /m/kvm_vpmu_ext.ko
echo "product-insmod=$?"
rmmod kvm_vpmu_ext
echo "product-rmmod=$?"
dmesg -c
RUN
	"$top/scripts/vm.sh" "$bld/arch/x86/boot/bzImage" "$stage" "$log"
	local vmrc=$?
	# shellcheck disable=SC2046
	python3 "$top/scripts/ktap.py" "$log" \
		"$(readlink -f "$bld/source")/tools/testing/kunit/kunit.py" $(suites) \
		| tee "$work/ktap-$series.out"
	local krc=${PIPESTATUS[0]}
	local p f
	p=$(sed -nE 's/^ktap: .*passed=([0-9]+).*/\1/p' "$work/ktap-$series.out")
	f=$(sed -nE 's/^ktap: .*failed=([0-9]+).*/\1/p' "$work/ktap-$series.out")
	passed=$((passed + ${p:-0}))
	# Case failures are counted here; the step itself adds one more.
	failed=$((failed + ${f:-0}))
	product_expect "$log" || { echo "product module: unexpected load/unload:"; sed -n '/VPMU-KTAP-END/,$p' "$log"; return 1; }
	[ $vmrc = 0 ] && [ "$krc" = 0 ]
}

for series in $kernels; do
	bld=$("$top/scripts/kernel.sh" "$series" 2>"$work/kernel-$series.log") ||
		{ say "FAIL kernel $series:"; tail -n 30 "$work/kernel-$series.log"; failed=$((failed + 1)); failed_steps+=("kernel-$series"); continue; }
	[ -n "$only_kunit" ] || step "selftests-$series" "$top/scripts/selftests.sh" "$series" "$bld" "$work/selftests-$series"
	step "modules-kunit-$series" clean_build "$bld" "$work/mod-$series" W=1 C=2
	[ -f "$work/mod-$series/vpmu_kunit.ko" ] || continue
	t=$SECONDS
	if kunit_boot "$series" "$bld" "$work/mod-$series" >"$work/kunit-$series.log" 2>&1; then
		say "ok   kunit-$series ($((SECONDS - t))s): $(grep '^ktap: suites' "$work/ktap-$series.out")"
	else
		say "FAIL kunit-$series ($((SECONDS - t))s):"
		grep -vE '^\[[0-9:]+\] +(\[PASSED\]|=+ \[PASSED\])' "$work/kunit-$series.log" | tail -n 60 | sed 's/^/    /'
		failed=$((failed + 1))
		failed_steps+=("kunit-$series")
	fi
	[ -n "$only_kunit" ] || step "live-$series" "$top/scripts/live.sh" "$series" "$bld" "$work/mod-$series" "$work/live-$series"
done

if [ -z "$only_kunit" ]; then
	step checkpatch checkpatch
	step selftests-lint "$top/scripts/selftests.sh" --lint
	step user-build user all
	step user-fuzz user fuzz-run
	step user-bench user bench
	for series in 6.1 6.12; do
		h=$(newest_headers "$series")
		if [ -z "$h" ]; then
			say "FAIL headers-$series: no linux-headers-$series package: run 'make deps'"
			failed=$((failed + 1)); failed_steps+=("headers-$series")
			continue
		fi
		step "headers-$series" clean_build "$h" "$work/hdr-$series" W=1 C=2
	done
	step distro "$top/scripts/live.sh" --distro "$work/distro" "6.1:$work/hdr-6.1" "6.12:$work/hdr-6.12"
	# The numbers the fuzzers and benchmarks printed belong in the output.
	grep '^fuzz: ' "$work/user-fuzz.log"
	grep -v '^make' "$work/user-bench.log"
fi

say "took $(( $(date +%s) - t0 ))s; failed steps: ${failed_steps[*]:-none}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
