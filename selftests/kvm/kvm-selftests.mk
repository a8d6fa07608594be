# SPDX-License-Identifier: GPL-2.0
#
# Appended, as a second makefile, to the kernel's
# tools/testing/selftests/kvm/Makefile by selftests/kvm/Makefile: reuses
# its CFLAGS, LDFLAGS and library rules ($(LIBKVM_OBJS) under $(OUTPUT))
# and adds rules for our tests, linked static.
#
# From the caller: PMU_EXT_SRC (our sources), PMU_EXT_OUT (where the tests
# go, outside $(OUTPUT)), PMU_EXT_TESTS (their names).

PMU_EXT_BINS := $(addprefix $(PMU_EXT_OUT)/,$(PMU_EXT_TESTS))
PMU_EXT_COMMON := $(PMU_EXT_OUT)/pmu_ext.o
PMU_EXT_CFLAGS := -Werror

# What pmu_ext_compat.h fills in.  Libraries before 6.10 (6.1 here)
# declare the IDT setup for tests to call (x86_64/ until 6.15, x86/ after);
# the one-vCPU test macros came in 6.9.
ifneq ($(shell grep -ls 'void vm_init_descriptor_tables' \
	include/x86_64/processor.h include/x86/processor.h),)
PMU_EXT_CFLAGS += -DPMU_EXT_LIB_IDT_BY_TEST
endif
ifneq ($(wildcard include/kvm_test_harness.h),)
PMU_EXT_CFLAGS += -DPMU_EXT_LIB_HAS_KVM_TEST_HARNESS
endif

# Not for the tests: kselftest_harness.h defines functions without one.
$(PMU_EXT_COMMON): PMU_EXT_CFLAGS += -Wmissing-prototypes

.PHONY: pmu-ext-lib pmu-ext-tests

pmu-ext-lib: $(LIBKVM_OBJS)

pmu-ext-tests: $(PMU_EXT_BINS)

$(PMU_EXT_OUT)/%.o: $(PMU_EXT_SRC)/%.c $(PMU_EXT_SRC)/pmu_ext.h \
		    $(PMU_EXT_SRC)/pmu_ext_compat.h
	$(CC) $(CFLAGS) $(CPPFLAGS) $(PMU_EXT_CFLAGS) $(TARGET_ARCH) -c $< -o $@

$(PMU_EXT_BINS): $(PMU_EXT_OUT)/%: $(PMU_EXT_OUT)/%.o $(PMU_EXT_COMMON) $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -static $(TARGET_ARCH) $< $(PMU_EXT_COMMON) \
		$(LIBKVM_OBJS) $(LDLIBS) -o $@
