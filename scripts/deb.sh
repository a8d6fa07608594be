#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian package kvm-vpmu-ext-dkms_<version>_all.deb (`make deb`).
#
#   scripts/deb.sh OUTDIR
#
# dpkg-buildpackage builds in the source tree and writes beside it, so it
# runs on a copy in OUTDIR/src: the checkout stays clean.  The copy holds
# what git tracks plus untracked files git does not ignore (the working
# tree as the developer sees it), or everything but .build outside git.
# The .deb, .buildinfo and .changes end up in OUTDIR.
set -euo pipefail

out=${1:?usage: deb.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src/kvm-vpmu-ext-$version

rm -rf "$out/src" "$out"/kvm-vpmu-ext*_"$version"_*
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Deleted but not yet committed files are listed too: skip them.
	cd "$top"
	git ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do
			[ ! -e "$f" ] || printf '%s\0' "$f"
		done | cpio -0 -pdm --quiet "$src"
	cd - >/dev/null
else
	tar -C "$top" --exclude=./.build -cf - . | tar -C "$src" -xf -
fi
(cd "$src" && dpkg-buildpackage -us -uc -b)
mv "$out/src"/kvm-vpmu-ext*_"$version"_* "$out/"
rm -rf "$out/src"
ls "$out"/kvm-vpmu-ext-dkms_"$version"_all.deb
