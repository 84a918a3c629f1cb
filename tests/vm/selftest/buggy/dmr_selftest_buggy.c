// SPDX-License-Identifier: GPL-2.0
/*
 * dmr_selftest_buggy - DELIBERATELY BUGGY module for the dm-remap debug-kernel
 * lane.  It proves that the detectors of the debug kernel are alive.  It is
 * not part of dm-remap and must never be loaded outside a throwaway test VM.
 *
 * On load (insmod) it performs, depending on the bool module parameters
 * (all default to 1), IN THIS ORDER:
 *   abba=1  lock-order inversion A->B then B->A in the same thread (no real
 *           deadlock) -> lockdep "WARNING: possible circular locking
 *           dependency detected".
 *   leak=1  DMR_LEAK_COUNT kmalloc()s whose pointers are dropped
 *           -> kmemleak "unreferenced object" after two scans >5 s apart.
 *   oob=1   heap out-of-bounds write: kmalloc(N) then write p[N]
 *           -> KASAN "BUG: KASAN: slab-out-of-bounds in dmr_selftest_oob"
 * The order matters: lockdep switches itself off for the rest of the boot
 * after its first report AND after any taint that makes it unreliable; a
 * KASAN report taints (TAINT_BAD_PAGE) and prints "Disabling lock debugging
 * due to kernel taint".  So the KASAN bug must come last.
 * The module stays loaded (so kmemleak backtraces resolve); rmmod works.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/compiler.h>

static bool oob = true;
module_param(oob, bool, 0444);
MODULE_PARM_DESC(oob, "do a heap out-of-bounds write (KASAN)");
static bool abba = true;
module_param(abba, bool, 0444);
MODULE_PARM_DESC(abba, "do an ABBA lock-order inversion (lockdep)");
static bool leak = true;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak allocations (kmemleak)");

#define DMR_OOB_SIZE	123	/* not a multiple of 8: byte-exact KASAN shadow */
#define DMR_LEAK_COUNT	8
#define DMR_LEAK_SIZE	96

static DEFINE_MUTEX(dmr_selftest_lock_a);
static DEFINE_MUTEX(dmr_selftest_lock_b);

static noinline void dmr_selftest_oob(void)
{
	size_t size = DMR_OOB_SIZE;
	volatile char *p;
	char *buf;

	buf = kmalloc(size, GFP_KERNEL);
	if (!buf) {
		pr_err("dmr_selftest_buggy: oob: kmalloc failed\n");
		return;
	}
	OPTIMIZER_HIDE_VAR(buf);
	OPTIMIZER_HIDE_VAR(size);
	p = buf;
	pr_info("dmr_selftest_buggy: oob: writing byte %zu of a %zu-byte kmalloc object\n",
		size, size);
	p[size] = 0x5a;		/* <-- the bug: one past the end */
	kfree(buf);
}

static noinline void dmr_selftest_abba(void)
{
	pr_info("dmr_selftest_buggy: abba: taking A then B\n");
	mutex_lock(&dmr_selftest_lock_a);
	mutex_lock(&dmr_selftest_lock_b);
	mutex_unlock(&dmr_selftest_lock_b);
	mutex_unlock(&dmr_selftest_lock_a);

	pr_info("dmr_selftest_buggy: abba: taking B then A (inversion)\n");
	mutex_lock(&dmr_selftest_lock_b);
	mutex_lock(&dmr_selftest_lock_a);	/* <-- the bug: reversed order */
	mutex_unlock(&dmr_selftest_lock_a);
	mutex_unlock(&dmr_selftest_lock_b);
}

static noinline void dmr_selftest_leak_one(int i)
{
	char *p = kmalloc(DMR_LEAK_SIZE, GFP_KERNEL);

	if (!p)
		return;
	snprintf(p, DMR_LEAK_SIZE, "dmr-selftest-leak-%d", i);
	OPTIMIZER_HIDE_VAR(p);
	/* <-- the bug: p goes out of scope, nobody frees it */
}

/*
 * Overwrite stale copies of the leaked pointers left on this stack (kmalloc's
 * own frames, deep with KASAN/lockdep/kmemleak hooks): a stale copy found by
 * the scan would make kmemleak consider that object referenced.
 */
static noinline void dmr_selftest_scrub_stack(void)
{
	volatile char junk[1536];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = 0;
}

static noinline void dmr_selftest_leak(void)
{
	int i;

	pr_info("dmr_selftest_buggy: leak: leaking %d x %d bytes\n",
		DMR_LEAK_COUNT, DMR_LEAK_SIZE);
	for (i = 0; i < DMR_LEAK_COUNT; i++)
		dmr_selftest_leak_one(i);
	dmr_selftest_scrub_stack();
}

static int __init dmr_selftest_init(void)
{
	pr_info("dmr_selftest_buggy: loaded (oob=%d abba=%d leak=%d) - deliberate bugs follow\n",
		oob, abba, leak);
	/* lockdep first: a KASAN report would disable lockdep (taint) */
	if (abba)
		dmr_selftest_abba();
	if (leak)
		dmr_selftest_leak();
	if (oob)
		dmr_selftest_oob();
	pr_info("dmr_selftest_buggy: done\n");
	return 0;
}

static void __exit dmr_selftest_exit(void)
{
	pr_info("dmr_selftest_buggy: unloaded\n");
}

module_init(dmr_selftest_init);
module_exit(dmr_selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dm-remap test-only module with deliberate bugs (KASAN/lockdep/kmemleak self-test)");
