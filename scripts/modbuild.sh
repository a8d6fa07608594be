#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the modules of this checkout against one kernel tree without
# touching the checkout: the sources are copied into OUTDIR and built
# there, so several kernels (and several runs) never share objects.
#
#   scripts/modbuild.sh KDIR OUTDIR [extra make arguments, e.g. W=1 C=2]
set -euo pipefail

kdir=${1:?usage: modbuild.sh KDIR OUTDIR [make args]}
out=${2:?usage: modbuild.sh KDIR OUTDIR [make args]}
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$out"
# Only what kbuild reads; stale sources of an earlier copy are removed.
rm -rf "$out/src" "$out/include" "$out/tests"
cp -r "$top/src" "$top/include" "$out/"
mkdir -p "$out/tests"
cp -r "$top/tests/kunit" "$out/tests/"
# The KUnit suites share their models and oracles with tests/user.
cp -r "$top/tests/user" "$out/tests/"
[ -d "$top/tests/live" ] && cp -r "$top/tests/live" "$out/tests/"
cp "$top/Kbuild" "$top/VERSION" "$out/"
exec make -C "$kdir" M="$out" "$@" modules
