#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse from the cache) a KUnit-capable kernel from Debian's
# linux-source-<series> package.  Prints the build directory on stdout.
#
#   scripts/kernel.sh 6.12        -> $CACHE/build-6.12-<key>
#
# The source is unpacked once into $CACHE/src-<series>-<pkgversion> and the
# build goes out of tree into $CACHE/build-<series>-<key>, where <key>
# hashes the package version, the config fragment and this script: any of
# them changing means a fresh build, nothing else does.
set -euo pipefail

series=${1:?usage: kernel.sh SERIES}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VPMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm_vpmu_ext}
frag=$top/scripts/kconfig/kunit.config
jobs=${JOBS:-$(nproc)}

tarball=/usr/src/linux-source-$series.tar.xz
[ -f "$tarball" ] || { echo "kernel.sh: $tarball missing: run 'make deps'" >&2; exit 1; }
pkgver=$(dpkg-query -W -f '${Version}' "linux-source-$series")
key=$(cat "$frag" "$0" | sha256sum | cut -c1-12)
src=$cache/src-$series-$pkgver
bld=$cache/build-$series-$pkgver-$key

log() { echo "kernel.sh[$series]: $*" >&2; }

# One builder per series at a time; a second caller waits and reuses.
mkdir -p "$cache"
exec 9>"$cache/lock-$series"
flock 9

if [ ! -f "$src/.unpacked" ]; then
	log "unpacking $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.unpacked"
	mv "$src.tmp" "$src"
	# Older unpacked trees of this series are stale.
	for old in "$cache"/src-"$series"-*; do
		[ "$old" = "$src" ] || rm -rf "$old"
	done
fi

if [ -f "$bld/.built" ]; then
	echo "$bld"
	exit 0
fi

log "building in $bld (cold: a few minutes)"
rm -rf "$bld"
mkdir -p "$bld"
make -s -C "$src" O="$bld" tinyconfig >&2
(cd "$bld" && "$src/scripts/kconfig/merge_config.sh" -m .config "$frag" >&2)
make -s -C "$src" O="$bld" olddefconfig >&2

# merge_config only warns about options that did not stick: fail instead.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qx "$line" "$bld/.config" || { log "option lost: $line"; missing=1; }
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$bld/.config" && { log "option forced on: $opt"; missing=1; }
		;;
	esac
done < "$frag"
[ $missing = 0 ] || exit 1

make -s -C "$src" O="$bld" -j"$jobs" bzImage modules >&2
touch "$bld/.built"
for old in "$cache"/build-"$series"-*; do
	[ "$old" = "$bld" ] || rm -rf "$old"
done
echo "$bld"
