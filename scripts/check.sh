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
# both Debian header packages with W=1 and sparse, and its refusal in both
# Debian kernels; for each KUnit kernel, the modules with W=1 and sparse,
# a QEMU TCG boot that loads the KUnit module and the product module,
# judged by ktap.py, the live hook test and the selftests; the docs
# (Sphinx, warnings as errors), the refusal list of the admin guide
# against the sources, the Debian package end to end and the documented
# commands (scripts/pkgtest.py; these two need root).  The steps run
# in three lanes at once (one per kernel, one for the rest): QEMU TCG runs
# single-threaded and most steps use one core.  Every step runs even after
# one fails; the last line is 'N passed, N failed', where N counts KUnit
# cases over the kernels, and failed also counts each failing step, so
# that a red run never ends on '0 failed'.
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
results=$work/results
: >"$results"
t0=$(date +%s)

say() { printf 'check: %s\n' "$*"; }

# step NAME CMD...: run, keep the log, report one line (and, on failure,
# the log's tail) in one write, so that the lanes do not interleave.
# $work/NAME.summary, when the command leaves one, ends the ok line.
step() {
	local name=$1 log="$work/$1.log" t=$SECONDS rc=0 out
	shift
	"$@" >"$log" 2>&1 || rc=$?
	if [ $rc = 0 ]; then
		out="ok   $name ($((SECONDS - t))s)"
		[ -f "$work/$name.summary" ] && out="$out: $(cat "$work/$name.summary")"
		echo "ok $name" >>"$results"
		say "$out"
	else
		echo "FAIL $name" >>"$results"
		out=$(grep -vE '^\[[0-9:]+\] +(\[PASSED\]|=+ \[PASSED\])' "$log" |
		      tail -n 40 | sed 's/^/    /')
		printf 'check: FAIL %s (%ss), last lines:\n%s\n' "$name" "$((SECONDS - t))" "$out"
	fi
	return $rc
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

# The cache name of a checkpatch verdict: file content, checkpatch.pl and
# flags.  checkpatch_key SCRIPT FILE FLAGS...
checkpatch_key() {
	local cp=$1 f=$2
	shift 2
	cat "$cp" "$f" <(echo "$*") | sha256sum | cut -c1-16
}

# checkpatch.pl on FLAGS... -- FILES..., skipping files that passed
# before: a file's verdict depends only on its content, the script and the
# flags, so a clean one is remembered under checkpatch_key in the cache.
# Only a run that finished (exit 0, or 1 for complaints) marks anything.
checkpatch_cached() {
	local cp=$1 flags=() todo=() f rc=0 dir=$cache/checkpatch
	shift
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	mkdir -p "$dir"
	for f in "$@"; do
		[ -f "$dir/$(checkpatch_key "$cp" "$f" "${flags[@]}")" ] || todo+=("$f")
	done
	echo "checkpatch: ${#todo[@]} of $# files changed since their last clean check"
	[ ${#todo[@]} = 0 ] && return 0
	perl "$cp" "${flags[@]}" -f "${todo[@]}" >"$work/checkpatch.part" || rc=$?
	cat "$work/checkpatch.part"
	if [ $rc -gt 1 ]; then
		echo "checkpatch: ERROR: checkpatch.pl failed (exit $rc)"
		return 1
	fi
	for f in "${todo[@]}"; do
		grep -q "^$f:" "$work/checkpatch.part" ||
			touch "$dir/$(checkpatch_key "$cp" "$f" "${flags[@]}")"
	done
}

checkpatch() {
	local cp
	# shellcheck disable=SC2012 # our own cache paths, no odd names
	cp=$(ls "$cache"/src-*/scripts/checkpatch.pl 2>/dev/null | head -n 1)
	[ -n "$cp" ] || { echo "no checkpatch.pl: the kernel sources are unpacked by scripts/kernel.sh"; return 1; }
	cd "$top" || return 1
	local files kfiles ufiles
	files=$(git ls-files -co --exclude-standard -- '*.c' '*.h')
	kfiles=$(echo "$files" | grep -v '^tests/user/')
	ufiles=$(echo "$files" | grep '^tests/user/')
	# shellcheck disable=SC2086 # word splitting of the file lists is wanted
	{
		checkpatch_cached "$cp" --no-tree --strict --terse --show-types -- $kfiles
		# Userspace harness code: libFuzzer's entry point has a fixed
		# CamelCase name (LLVMFuzzerTestOneInput); nothing else differs.
		[ -z "$ufiles" ] || checkpatch_cached "$cp" --no-tree --strict --terse \
			--show-types --ignore CAMELCASE -- $ufiles
	} | tee "$work/checkpatch.out"
	! grep -qE ': (ERROR|WARNING|CHECK):' "$work/checkpatch.out"
}

# The IBT and hot-path rules, in the disassembly of the module built
# against Debian's headers (6.12 has IBT, both have retpolines).
ibtcheck() {
	python3 "$top/scripts/ibtcheck.py" --self-test &&
	python3 "$top/scripts/ibtcheck.py" "$work/hdr-$1/kvm_vpmu_ext.ko" \
		"$top/scripts/ibt-allow" --hot vpmu_wrap_guest_get_msrs --costs &&
	grep -o '[0-9]* findings' "$work/ibt-$1.log" >"$work/ibt-$1.summary"
}

user() {
	make -C "$top/tests/user" "$@" OUT="$work/user" FUZZ_SECONDS="${FUZZ_SECONDS:-5}"
}

# The suites every kernel must run: VPMU_KUNIT_SUITE(name, ...) lines.
suites() {
	sed -nE 's/^VPMU_KUNIT_SUITE\(([a-z0-9_]+),.*/\1/p' "$top"/tests/kunit/*_kunit.c
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
	grep '^ktap: suites' "$work/ktap-$series.out" >"$work/kunit-$series.summary"
	product_expect "$log" || { echo "product module: unexpected load/unload:"; sed -n '/VPMU-KTAP-END/,$p' "$log"; return 1; }
	[ $vmrc = 0 ] && [ "$krc" = 0 ]
}

kernel_build() {
	"$top/scripts/kernel.sh" "$1" >"$work/bld-$1"
}

# One kernel: build (or reuse) it, then everything that boots it.
lane_kernel() {
	local series=$1 bld mods="$work/mod-$1"
	step "kernel-$series" kernel_build "$series" || return
	bld=$(cat "$work/bld-$series")
	# The selftests need only the kernel: they run beside the module
	# steps, which matters for the kernel that finishes last.
	[ -n "$only_kunit" ] || step "selftests-$series" "$top/scripts/selftests.sh" "$series" "$bld" "$work/selftests-$series" &
	lane_modules "$series" "$bld" "$mods"
	wait
}

lane_modules() {
	local series=$1 bld=$2 mods=$3
	step "modules-kunit-$series" clean_build "$bld" "$mods" W=1 C=2
	[ -f "$mods/vpmu_kunit.ko" ] || return
	step "kunit-$series" kunit_boot "$series" "$bld" "$mods"
	[ -n "$only_kunit" ] || step "live-$series" "$top/scripts/live.sh" "$series" "$bld" "$mods" "$work/live-$series"
}

# Everything that needs no KUnit kernel.
lane_rest() {
	local series h
	# checkpatch.pl comes from an unpacked kernel source.
	while ! ls "$cache"/src-*/scripts/checkpatch.pl >/dev/null 2>&1; do
		[ -s "$results" ] && grep -q '^[a-zA-Z]* kernel-' "$results" && break
		sleep 5
	done
	step checkpatch checkpatch
	step selftests-lint "$top/scripts/selftests.sh" --lint
	step user-build user all
	step user-fuzz user fuzz-run
	step user-bench user bench
	for series in 6.1 6.12; do
		h=$(newest_headers "$series")
		if [ -z "$h" ]; then
			echo "FAIL headers-$series" >>"$results"
			say "FAIL headers-$series: no linux-headers-$series package: run 'make deps'"
			continue
		fi
		step "headers-$series" clean_build "$h" "$work/hdr-$series" W=1 C=2 &&
			step "ibt-$series" ibtcheck "$series"
	done
	step distro "$top/scripts/live.sh" --distro "$work/distro" "6.1:$work/hdr-6.1" "6.12:$work/hdr-6.12"
	step docs "$top/scripts/docs.sh" "$work/docs"
	step refusals python3 "$top/scripts/refusals.py" check
	step deb python3 "$top/scripts/pkgtest.py" deb "$work/deb" --summary "$work/deb.summary"
	step doctest python3 "$top/scripts/pkgtest.py" doc "$work/doctest" --summary "$work/doctest.summary"
}

for series in $kernels; do
	lane_kernel "$series" &
done
[ -n "$only_kunit" ] || lane_rest &
wait

if [ -z "$only_kunit" ]; then
	# The numbers the tests printed belong in the output: fuzz executions,
	# benchmark tables, live-test reads and cycles, selftest outcomes.
	grep -h '^fuzz: ' "$work/user-fuzz.log"
	grep -hv '^make' "$work/user-bench.log"
	grep -h '^cost: ' "$work/ibt-6.12.log" 2>/dev/null | sed 's/^/ibt-6.12: /'
	for f in "$work"/live-*.log "$work/distro.log"; do
		[ -f "$f" ] && grep -hE '^loop: |^live: [0-9]+ cycles|^ktap: suites' "$f" |
			sed "s|^|$(basename "$f" .log): |"
	done
	[ -f "$work/deb.log" ] && grep -h '^deb: built ' "$work/deb.log"
	[ -f "$work/doctest.log" ] && grep -h '^doc: NOT RUN ' "$work/doctest.log"
	for f in "$work"/selftests-[0-9]*.log; do
		[ -f "$f" ] && sed -n '/^selftests (/,$p' "$f"
	done
fi

passed=0
failed=$(grep -c '^FAIL ' "$results")
for f in "$work"/ktap-*.out; do
	[ -f "$f" ] || continue
	p=$(sed -nE 's/^ktap: .*passed=([0-9]+).*/\1/p' "$f")
	n=$(sed -nE 's/^ktap: .*failed=([0-9]+).*/\1/p' "$f")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${n:-0}))
done
failed_steps=$(sed -n 's/^FAIL //p' "$results" | tr '\n' ' ')
say "took $(( $(date +%s) - t0 ))s; failed steps: ${failed_steps:-none}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
