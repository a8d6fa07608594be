# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# KTAP for the shell checks of the test VM (busybox sh): sourced by
# tests/live/run.sh and the distro checks of scripts/live.sh.
#
#   ktap_init SUITE       start collecting
#   ok NAME / fail NAME WHY / check NAME CMD...
#   ktap_done             print the suite between the VPMU-KTAP markers,
#                         which scripts/ktap.py hands to kunit.py parse
#
# The block is printed only at the end: a VM that crashes or hangs prints
# none, and the judge counts the suite missing.
ktap_init() {
	KTAP_SUITE=$1
	KTAP_FILE=/tmp/ktap.$1
	KTAP_N=0
	: >"$KTAP_FILE"
}

ok() {
	KTAP_N=$((KTAP_N + 1))
	echo "$KTAP_SUITE: ok $1"
	echo "ok $KTAP_N $1" >>"$KTAP_FILE"
}

fail() {
	KTAP_N=$((KTAP_N + 1))
	echo "$KTAP_SUITE: FAIL $1: $2"
	echo "# $1: $2" >>"$KTAP_FILE"
	echo "not ok $KTAP_N $1" >>"$KTAP_FILE"
}

check() { # NAME CONDITION-COMMAND...
	_name=$1
	shift
	if "$@"; then ok "$_name"; else fail "$_name" "$*"; fi
}

ktap_done() {
	_res=ok
	grep -q '^not ok' "$KTAP_FILE" && _res="not ok"
	echo VPMU-KTAP-BEGIN
	echo "    KTAP version 1"
	echo "    # Subtest: $KTAP_SUITE"
	echo "    1..$KTAP_N"
	sed 's/^/    /' "$KTAP_FILE"
	echo "$_res 1 $KTAP_SUITE"
	echo VPMU-KTAP-END
}
