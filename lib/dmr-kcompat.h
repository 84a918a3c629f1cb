/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The few kernel facilities kernel/dm-remap-codec.c uses, for userspace.
 */
#ifndef DMR_KCOMPAT_H
#define DMR_KCOMPAT_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define cpu_to_le32(x) ((__le32)htole32(x))
#define cpu_to_le64(x) ((__le64)htole64(x))
#define le32_to_cpu(x) le32toh((uint32_t)(x))
#define le64_to_cpu(x) le64toh((uint64_t)(x))

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

/* CRC-32C (Castagnoli), raw: no pre- or post-inversion, like the kernel's. */
u32 crc32c(u32 crc, const void *buf, size_t len);

#endif
