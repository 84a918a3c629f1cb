# dm-remap top-level build.
#   make              the kernel module for the running kernel (KDIR=...),
#                     libdmremap, dmremapctl and the systemd generator
#                     (into build/)
#   make install      library, header, pkg-config file, dmremapctl, man
#                     pages, the systemd generator and the udev rule into
#                     $(DESTDIR)$(PREFIX) (PREFIX=/usr/local; the generator
#                     into $(PREFIX)/lib/systemd/system-generators, the rule
#                     into $(PREFIX)/lib/udev/rules.d, both read by systemd
#                     and udev there too); make uninstall removes them
#   make dkms-install kernel source into /usr/src/dm-remap-<VERSION>, dkms add,
#                     dkms install for KVER; make dkms-uninstall
#   make pkg          Debian packages into build/pkg (dpkg-buildpackage)
#   make check        install test dependencies, build, run unit and VM tests
#   make check-debug  the VM cases again on a KASAN/lockdep/kmemleak kernel
#   make check-trixie the VM cases on Debian 13's kernel (6.12)
#   make check-packages  build, install and boot the Debian/DKMS packages
#   make check-boot   boot a Debian 12 systemd guest with the packages three
#                     times: dmremaptab assembly at boot (tests/boot/run)
#   make demo         boot a guest and show dm-remap at work
#   make unit         codec unit tests and a 30 s fuzz run (tests/unit/run)
#   make fuzz         fuzz the codec for FUZZ_SECONDS (default 600)
#   make bench        benchmarks (quick mode: a few minutes on an idle
#                     machine): prints the figures, regenerates
#                     docs/PERFORMANCE.md and docs/perf-ratio.png;
#                     make bench-full for every table size and backend

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DMREMAP_VERSION := $(shell cat VERSION)
DKMS_SRC = $(DESTDIR)/usr/src/dm-remap-$(DMREMAP_VERSION)
# The module's source files, whatever a build in kernel/ left there.
KERNEL_SRC := kernel/Kbuild $(wildcard kernel/*.h) \
	$(filter-out %.mod.c,$(wildcard kernel/*.c))

.PHONY: all module lib cli boot clean deps check check-debug check-trixie check-packages \
	check-boot demo unit fuzz bench bench-full install uninstall dkms-source dkms-install \
	dkms-uninstall pkg

all: module lib cli boot

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules

lib:
	$(MAKE) -C lib

cli: lib
	$(MAKE) -C cli

# The systemd generator (libc only); the udev rule is a plain file.
boot:
	$(MAKE) -C systemd PREFIX=$(PREFIX)

# PREFIX, DESTDIR (and LIBDIR, INCLUDEDIR, SBINDIR, MANDIR) reach the
# sub-makes: command-line variables are passed down.
install:
	$(MAKE) -C lib install PREFIX=$(PREFIX)
	$(MAKE) -C cli install PREFIX=$(PREFIX)
	$(MAKE) -C man install PREFIX=$(PREFIX)
	$(MAKE) -C systemd install PREFIX=$(PREFIX)

uninstall:
	$(MAKE) -C systemd uninstall PREFIX=$(PREFIX)
	$(MAKE) -C man uninstall PREFIX=$(PREFIX)
	$(MAKE) -C cli uninstall PREFIX=$(PREFIX)
	$(MAKE) -C lib uninstall PREFIX=$(PREFIX)

# The module's DKMS source tree (the dmremap-dkms package installs the same).
dkms-source:
	install -d $(DKMS_SRC)/kernel
	install -m 0644 $(KERNEL_SRC) $(DKMS_SRC)/kernel/
	install -m 0644 VERSION $(DKMS_SRC)/VERSION
	sed 's/#MODULE_VERSION#/$(DMREMAP_VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf

dkms-install: dkms-source
	dkms add dm-remap/$(DMREMAP_VERSION)
	dkms install dm-remap/$(DMREMAP_VERSION) -k $(KVER)

dkms-uninstall:
	dkms remove dm-remap/$(DMREMAP_VERSION) --all
	rm -rf $(DESTDIR)/usr/src/dm-remap-$(DMREMAP_VERSION)

pkg:
	tests/pkg/build

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean 2>/dev/null || true
	rm -rf build

deps:
	tests/deps.sh

check: deps
	tests/check.sh stock

check-debug: deps
	tests/check.sh debug

check-trixie: deps
	tests/check.sh trixie

check-packages: deps
	tests/pkg/run

check-boot: deps
	tests/boot/run

# The ZFS act runs only when ZFS is already built for the stock kernel.
ZFS_WARM = $(wildcard $(or $(DMREMAP_CACHE),/var/cache/dm-remap-test)/zfs/*-amd64-*/.complete)
demo: deps
	tests/vm/run --no-default-cases --cases tests/demo --show demo \
		$(if $(ZFS_WARM),demo-zfs)

unit:
	tests/unit/run

FUZZ_SECONDS ?= 600
fuzz:
	tests/unit/run --fuzz-only --fuzz-seconds $(FUZZ_SECONDS)

# Benchmarks: never part of make check (no timed asserts there).
BENCH_DEPS = gnuplot-nox linux-source-6.1 liburcu-dev
bench:
	tests/deps.sh $(BENCH_DEPS)
	tests/bench/run --quick

bench-full:
	tests/deps.sh $(BENCH_DEPS)
	tests/bench/run --full
