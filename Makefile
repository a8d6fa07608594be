# SPDX-License-Identifier: GPL-2.0
#
# kvm_vpmu_ext: out-of-tree build and the test harness.
#
#   make                      build kvm_vpmu_ext.ko against KDIR
#   make deps                 apt-get install everything the harness needs
#   make check                the full test run (see scripts/check.sh)
#   make kunit K=6.12         KUnit in one kernel only
#   make user                 the core in userspace, fuzzers, benchmarks
#   make install              modules_install against KDIR
#   make dkms-install         register, build and install with DKMS
#
# Kbuild holds the object lists; this file only drives kbuild.

KDIR ?= /lib/modules/$(shell uname -r)/build
VERSION := $(shell cat VERSION)

.PHONY: all modules clean deps check kunit user fuzz bench install \
	dkms-install dkms-remove

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tests/user clean
	rm -rf .build

deps:
	scripts/deps.sh

check:
	scripts/check.sh

kunit:
	scripts/check.sh --kunit $(or $(K),6.12)

user:
	$(MAKE) -C tests/user all

fuzz:
	$(MAKE) -C tests/user fuzz-run

bench:
	$(MAKE) -C tests/user bench

# DKMS builds from /usr/src/kvm_vpmu_ext-$(VERSION); dkms.conf is made
# from dkms.conf.in so the version lives in one place (VERSION).
dkms-install:
	rm -rf /usr/src/kvm_vpmu_ext-$(VERSION)
	mkdir -p /usr/src/kvm_vpmu_ext-$(VERSION)
	cp -r Kbuild Makefile VERSION src include /usr/src/kvm_vpmu_ext-$(VERSION)/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf.in > /usr/src/kvm_vpmu_ext-$(VERSION)/dkms.conf
	dkms add -m kvm_vpmu_ext -v $(VERSION)
	dkms build -m kvm_vpmu_ext -v $(VERSION)
	dkms install -m kvm_vpmu_ext -v $(VERSION)

dkms-remove:
	dkms remove -m kvm_vpmu_ext -v $(VERSION) --all
	rm -rf /usr/src/kvm_vpmu_ext-$(VERSION)
