/* utf8.h — the one UTF-8 decoder of the screen, without curses and without the locale, so
 * plot.c (curses-free, tested on its own) and the screen's text (text.c, prompt.c) decode
 * the same bytes the same way. */
#ifndef GGLAB_UI_UTF8_H
#define GGLAB_UI_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The character that starts at s[*i] (s has len bytes), advancing *i past it. A byte that
 * does not start a valid sequence (truncated, overlong, a surrogate, past U+10FFFF) gives
 * -1 and *i advances by one, so a bad string cannot desynchronise the rest. */
int32_t ui_utf8_next(const char *s, size_t len, size_t *i);

#endif
