// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Strict number and word parsing for the kernel's replies.
 */
#include <string.h>

#include "dmr-internal.h"

int dmri_parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!len)
		return -EPROTO;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -EPROTO;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

size_t dmri_next_word(const char **p, const char **word)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	*word = s;
	while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '\n')
		n++;
	*p = s + n;
	return n;
}

bool dmri_word_is(const char *word, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(word, s, len);
}
