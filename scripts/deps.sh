#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything `make check` needs, from Debian's packages only.
# Needs root (or sudo).  Safe to run again: apt-get skips what is there.
set -euo pipefail

pkgs=(
	# the module against both Debian kernels
	linux-headers-amd64 linux-headers-6.12-amd64
	# KUnit kernels are built from these
	linux-source-6.1 linux-source-6.12
	build-essential bc bison flex libelf-dev libssl-dev xz-utils kmod cpio
	# the test VM
	qemu-system-x86 busybox-static
	# checks and userspace tests
	sparse python3 clang valgrind git dkms
	# lint of the selftest scripts and the bare-metal CI workflow
	shellcheck yamllint
	# the Debian package (make deb) and the docs (make docs)
	debhelper dh-dkms python3-sphinx
)

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${pkgs[@]}"
