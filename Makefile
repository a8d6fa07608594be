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
#   make dkms-install         register, build and install with DKMS (KVER)
#   make dkms-remove          remove it from DKMS again
#   make deb                  the Debian package, in .build/deb
#   make docs                 the HTML documentation, in .build/docs
#
# Kbuild holds the object lists; this file only drives kbuild.

KDIR ?= /lib/modules/$(shell uname -r)/build
VERSION := $(shell cat VERSION)

.PHONY: all modules clean deps check kunit user fuzz bench install \
	dkms-conf dkms-install dkms-remove deb docs

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

# DKMS builds from /usr/src/kvm_vpmu_ext-$(VERSION), which holds what
# kbuild reads and a dkms.conf made from dkms.conf.in, so that the version
# lives in one place (VERSION).  A checkout must not overwrite what a
# package of the same sources installed there.
KVER ?= $(shell uname -r)
DKMS_SRC := /usr/src/kvm_vpmu_ext-$(VERSION)
DKMS_FILES := Kbuild Makefile VERSION src include
DKMS_CONF ?= /dev/stdout

dkms-conf:
	sed 's/@VERSION@/$(VERSION)/' dkms.conf.in >$(DKMS_CONF)

define dkms-not-packaged
	@if dpkg-query -S $(DKMS_SRC) >/dev/null 2>&1; then \
		echo "$(DKMS_SRC) belongs to the kvm-vpmu-ext-dkms package: remove that instead" >&2; \
		exit 1; \
	fi
endef

dkms-install:
	$(dkms-not-packaged)
	if [ -d /var/lib/dkms/kvm_vpmu_ext/$(VERSION) ]; then \
		dkms remove -m kvm_vpmu_ext -v $(VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r $(DKMS_FILES) $(DKMS_SRC)/
	$(MAKE) --no-print-directory dkms-conf DKMS_CONF=$(DKMS_SRC)/dkms.conf
	dkms add -m kvm_vpmu_ext -v $(VERSION)
	dkms install -m kvm_vpmu_ext -v $(VERSION) -k $(KVER)

dkms-remove:
	$(dkms-not-packaged)
	if [ -d /var/lib/dkms/kvm_vpmu_ext/$(VERSION) ]; then \
		dkms remove -m kvm_vpmu_ext -v $(VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC)

# Both write under .build (or OUT) only: the checkout stays clean.
deb:
	scripts/deb.sh $(or $(OUT),.build/deb)

docs:
	scripts/docs.sh $(or $(OUT),.build/docs)
