/* Display width of UTF-8 text on a terminal, independent of the locale. */
#ifndef WIDTH_H
#define WIDTH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Columns taken by code point cp: 2 for East Asian Wide and Fullwidth
 * characters (CJK ideographs and their extensions, CJK punctuation, kana,
 * Hangul syllables, fullwidth forms, wide emoji), 0 for combining marks,
 * format characters and C0/C1 controls, 1 for everything else.
 */
int width_cp(uint32_t cp);

/*
 * Decode the UTF-8 sequence at the start of s (n bytes available) into *cp.
 * Returns its length (1-4), or 0 when the bytes are not valid UTF-8
 * (overlong, surrogate, beyond U+10FFFF, truncated) or n is 0.
 */
size_t width_decode(const char *s, size_t n, uint32_t *cp);

/* Columns taken by the first n bytes of s; each invalid byte counts 1. */
size_t width_mem(const char *s, size_t n);

/* Columns taken by the NUL-terminated string s. */
size_t width_str(const char *s);

#endif
