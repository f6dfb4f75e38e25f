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

/*
 * A copy of s that takes at most max columns (max >= 1): s itself when it
 * fits, else as many whole characters as fit in max - 1 columns and "…"
 * (U+2026, one column) after them, or, with keep_end, "…" and the end of s
 * (for a path, whose file name is at the end). Never cuts a character or
 * its combining marks in two. NULL when out of memory.
 */
char *width_trunc(const char *s, size_t max, int keep_end);

/*
 * Share a line of total columns among n columns (n <= WIDTH_FIT_MAX) that
 * want want[i] each, gap columns apart, into got[i]: want[i] when it all
 * fits, or when total is 0 (no limit). Otherwise the flexible columns
 * (flex[i] non-zero: free text such as an address) give way first, the
 * widest first, down to WIDTH_FLEX_FLOOR each; if that is not enough, all
 * columns give way the same way down to WIDTH_FLOOR. Columns left over go
 * to the leftmost columns that were cut. No column gets more than it wants
 * or less than its floor (or its want, if smaller): when even the floors do
 * not fit, the line is wider than total.
 */
#define WIDTH_FIT_MAX 32
#define WIDTH_FLEX_FLOOR 6
#define WIDTH_FLOOR 3
void width_fit(const size_t *want, const int *flex, size_t n, size_t gap,
    size_t total, size_t *got);

#endif
