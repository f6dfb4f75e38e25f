/* Text from outside (file names, server messages) made safe to print on a terminal. */
#ifndef TERMSAFE_H
#define TERMSAFE_H

#include <stddef.h>

/*
 * Copy s into out (n bytes, n >= 1, always NUL-terminated) with every
 * character that a terminal would act on instead of showing written as a
 * visible escape: \t \n \r, other C0 controls and DEL as \xHH, C1 controls
 * (U+0080-U+009F), the bidirectional overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069) and the line and paragraph separators
 * (U+2028, U+2029) as \uHHHH, and each byte that is not valid UTF-8 as \xHH.
 * Everything else, Chinese text included, is copied as it is. Output that
 * does not fit is cut before a whole character or escape, never inside
 * one. Returns the length written.
 */
size_t termsafe_buf(const char *s, char *out, size_t n);

#endif
