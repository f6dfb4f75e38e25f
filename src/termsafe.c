/* Escaping for the terminal: what main.c prints on stderr is shown, never obeyed. */
#include "termsafe.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "width.h"

/*
 * Characters a terminal obeys, or that reorder or break the line: an ESC
 * in a file name can clear the screen or retitle the window, U+202E can
 * make "gpj.exe" read as "exe.jpg".
 */
static int
termsafe_bad(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x2028 || cp == 0x2029;
}

size_t
termsafe_buf(const char *s, char *out, size_t n)
{
	size_t len = strlen(s), i = 0, o = 0, k, w;
	char esc[16];
	const char *piece;
	uint32_t cp;

	while (i < len) {
		k = width_decode(s + i, len - i, &cp);
		if (k == 0) {
			/* Not UTF-8: a lone byte (0x9b is CSI to some terminals). */
			snprintf(esc, sizeof(esc), "\\x%02x",
			    (unsigned char)s[i]);
			piece = esc;
			w = 4;
			k = 1;
		} else if (!termsafe_bad(cp)) {
			piece = s + i;
			w = k;
		} else if (cp == '\t' || cp == '\n' || cp == '\r') {
			esc[0] = '\\';
			esc[1] = cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r';
			esc[2] = '\0';
			piece = esc;
			w = 2;
		} else if (cp < 0x80) {
			snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp);
			piece = esc;
			w = 4;
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			piece = esc;
			w = 6;
		}
		if (o + w >= n)
			break;
		memcpy(out + o, piece, w);
		o += w;
		i += k;
	}
	out[o] = '\0';
	return o;
}
