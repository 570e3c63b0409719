/* utf8.c — the one UTF-8 decoder of the screen (see utf8.h). */
#include "utf8.h"

int32_t ui_utf8_next(const char *s, size_t len, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	size_t left = len - *i;
	uint32_t cp, min;
	size_t n;

	if (p[0] < 0x80) {
		*i += 1;
		return p[0];
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 1, cp = p[0] & 0x1F, min = 0x80;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 2, cp = p[0] & 0x0F, min = 0x800;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 3, cp = p[0] & 0x07, min = 0x10000;
	else
		goto bad;
	if (n >= left)
		goto bad;
	for (size_t k = 1; k <= n; k++) {
		if ((p[k] & 0xC0) != 0x80)
			goto bad;
		cp = cp << 6 | (p[k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		goto bad;
	*i += n + 1;
	return (int32_t)cp;
bad:
	*i += 1;
	return -1;
}
