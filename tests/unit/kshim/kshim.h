/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel facilities kernel/dm-remap-table.c uses, for a single-threaded
 * userspace test: RCU with no concurrent reader is plain loads and stores,
 * and a node freed "after a grace period" is freed at once (so that
 * AddressSanitizer sees any use of a node the table has replaced).
 * kmalloc fails on demand: kshim_fail_after allocations from now on
 * (negative: never), and places a table node as the kernel does (page
 * aligned), so that the lookup benchmark touches the pages it would.
 */
#ifndef KSHIM_H
#define KSHIM_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int gfp_t;

#define __rcu
#define GFP_KERNEL 1u
#define GFP_NOIO 2u

#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define U64_MAX UINT64_MAX
#define min_t(t, a, b) min((t)(a), (t)(b))

/* As x86's: one multiply and one divide (the quotient must fit 64 bits). */
static inline u64 mul_u64_u64_div_u64(u64 a, u64 mul, u64 div)
{
#ifdef __x86_64__
	u64 q;

	__asm__("mulq %2; divq %3" : "=a" (q) : "a" (a), "rm" (mul), "rm" (div) : "rdx");
	return q;
#else
	return (u64)((unsigned __int128)a * mul / div);
#endif
}
#define swap(a, b) do { __typeof__(a) __t = (a); (a) = (b); (b) = __t; } while (0)
#define WARN_ON(c) ({ int __c = !!(c); if (__c) fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #c, __FILE__, __LINE__); __c; })

struct rcu_head {
	void *next;
	void (*func)(struct rcu_head *);
};

#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)
#define rcu_dereference(p) (p)
#define rcu_dereference_raw(p) (p)
#define rcu_dereference_protected(p, c) (p)
#define rcu_access_pointer(p) (p)
#define rcu_assign_pointer(p, v) ((p) = (v))
#define RCU_INIT_POINTER(p, v) ((p) = (v))
#define kfree_rcu(p, f) free(p)

extern long kshim_fail_after;
extern unsigned long kshim_live;	/* kmalloc'ed, not yet freed */

static inline void *kmalloc(size_t n, gfp_t gfp)
{
	(void)gfp;
	if (kshim_fail_after == 0)
		return NULL;
	if (kshim_fail_after > 0)
		kshim_fail_after--;
	kshim_live++;
	/* As the kernel's kmalloc-4k: a page-aligned object, in one page. */
	if (n > 2048 && n <= 4096)
		return aligned_alloc(4096, 4096);
	return malloc(n);
}

static inline void kfree(void *p)
{
	if (p)
		kshim_live--;
	free(p);
}

#define kvmalloc_array(n, s, gfp) kmalloc((n) * (s), gfp)
#define kvfree kfree
#undef kfree_rcu
#define kfree_rcu(p, f) kfree(p)

#endif
