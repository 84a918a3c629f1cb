// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Bitwise-table CRC-32C for userspace, matching the kernel's crc32c(). */
#include "dmr-kcompat.h"

static u32 table[256];
static bool table_ready;

static void crc32c_init(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78U : c >> 1;
		table[i] = c;
	}
	table_ready = true;
}

u32 crc32c(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	if (!table_ready)
		crc32c_init();
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
