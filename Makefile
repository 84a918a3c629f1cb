# dm-remap top-level build.
#   make              build the kernel module for the running kernel (KDIR=...)
#   make check        install test dependencies, build, run unit and VM tests
#   make check-debug  the VM cases again on a KASAN/lockdep/kmemleak kernel
#   make demo         boot a guest and show dm-remap at work
#   make unit         codec unit tests and a 30 s fuzz run (tests/unit/run)
#   make fuzz         fuzz the codec for FUZZ_SECONDS (default 600)

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

.PHONY: all module clean deps check check-vm check-debug demo unit fuzz

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean 2>/dev/null || true
	rm -rf build

deps:
	tests/deps.sh

check: deps
	tests/check.sh stock

check-debug: deps
	tests/check.sh debug

demo: deps
	tests/vm/run --no-default-cases --cases tests/demo --show demo

unit:
	tests/unit/run

FUZZ_SECONDS ?= 600
fuzz:
	tests/unit/run --fuzz-only --fuzz-seconds $(FUZZ_SECONDS)
