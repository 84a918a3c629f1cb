# dm-remap top-level build.
#   make              build the kernel module for the running kernel (KDIR=...)
#   make check        install test dependencies, build, run unit and VM tests
#   make check-debug  the VM cases again on a KASAN/lockdep/kmemleak kernel
#   make demo         boot a guest and show dm-remap at work

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

.PHONY: all module clean deps check check-vm check-debug demo

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
