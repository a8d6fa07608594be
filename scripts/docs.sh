#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the HTML documentation (`make docs`) out of tree, with Sphinx
# warnings as errors (kernel-doc's included).
#
#   scripts/docs.sh OUTDIR        -> OUTDIR/html/index.html
#
# kernel-doc and its Sphinx extension come from a Linux source tree: the
# one scripts/kernel.sh unpacked into the cache (6.12 preferred), else the
# three files they need are taken out of Debian's linux-source tarball
# into OUTDIR/ksrc (slower: the whole tarball is decompressed).
set -euo pipefail

out=${1:?usage: docs.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VPMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm_vpmu_ext}
mkdir -p "$out"
out=$(cd "$out" && pwd)

command -v sphinx-build >/dev/null ||
	{ echo "docs.sh: sphinx-build missing: run 'make deps'" >&2; exit 1; }

ksrc=
for series in 6.12 6.1; do
	for d in "$cache"/src-"$series"-*; do
		# An unpacked tree carries .unpacked; a *.tmp one is in progress.
		[ -f "$d/.unpacked" ] && [ -f "$d/Documentation/sphinx/kerneldoc.py" ] &&
			ksrc=$d && break 2
	done
done
if [ -z "$ksrc" ]; then
	for series in 6.12 6.1; do
		tarball=/usr/src/linux-source-$series.tar.xz
		[ -f "$tarball" ] || continue
		ksrc=$out/ksrc
		if [ ! -f "$ksrc/.unpacked" ]; then
			echo "docs.sh: taking kernel-doc out of $tarball"
			rm -rf "$ksrc"
			mkdir -p "$ksrc"
			tar -xJf "$tarball" -C "$ksrc" --strip-components=1 --wildcards \
				'*/scripts/kernel-doc' '*/Documentation/sphinx/kerneldoc.py' \
				'*/Documentation/sphinx/kernellog.py'
			touch "$ksrc/.unpacked"
		fi
		break
	done
fi
[ -n "$ksrc" ] || { echo "docs.sh: no Linux source: run 'make deps'" >&2; exit 1; }
echo "docs.sh: kernel-doc from $ksrc"

# KDOC_WERROR: a kernel-doc warning fails kernel-doc, which the extension
# reports as a Sphinx warning, which -W makes an error.
rm -rf "$out/html" "$out/doctrees"
VPMU_KSRC=$ksrc KDOC_WERROR=1 sphinx-build -W --keep-going -q -b html \
	-d "$out/doctrees" "$top/Documentation" "$out/html"
echo "docs.sh: $out/html/index.html"
