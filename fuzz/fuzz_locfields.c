/* libFuzzer target: field assignment of the local engine (text lines with alternatives into fields). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loc_fields.h"
#include "ocr_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: the first byte picks the side (mod 4: auto, front, back,
 * temporary); then lines separated by '\n', each 4 bytes of box (left, top,
 * right, bottom as n/255 of the card), 1 byte of probability (n/255), and
 * UTF-8 text in which byte 0x01 followed by a character gives the previous
 * character that alternative (with half of what is left), and 0x02 halves
 * the previous character's probability.
 */
#define MAX_LINES 64

static struct ocr_line lines[MAX_LINES];
static struct loc_fields out;
static uint32_t seen[MAX_LINES * OCR_LINE_CHARS * OCR_TOPK];
static size_t nseen;

static uint32_t
fold(uint32_t cp)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		return cp - 0xfee0;
	return cp;
}

static int
was_seen(uint32_t cp)
{
	size_t i;

	for (i = 0; i < nseen; i++)
		if (seen[i] == cp)
			return 1;
	return 0;
}

/* The UTF-8 character at p[i..n) as its own string in u; its bytes. */
static size_t
one_char(const uint8_t *p, size_t i, size_t n, char u[5])
{
	const char *q;
	size_t k;

	memset(u, 0, 5);
	for (k = 0; k < 4 && i + k < n; k++)
		u[k] = (char)p[i + k];
	q = u;
	(void)ocr_utf8_next(&q);
	return (size_t)(q - u) > 0 ? (size_t)(q - u) : 1;
}

static size_t
parse_line(struct ocr_line *l, const uint8_t *p, size_t n)
{
	char text[OCR_LINE_TEXT], u[5];
	struct {
		size_t ci;
		uint32_t cp; /* 0: halve the probability */
	} ev[OCR_LINE_CHARS];
	size_t i = 5, t = 0, ci = 0, nev = 0, k;

	memset(l, 0, sizeof(*l));
	if (n < 5)
		return 0;
	/* One pass: the text without the markers, and the markers. */
	while (i < n && t + 5 < sizeof(text)) {
		if ((p[i] == 1 || p[i] == 2) && ci > 0 &&
		    nev < OCR_LINE_CHARS) {
			const char *q = u;

			ev[nev].ci = ci - 1;
			ev[nev].cp = 0;
			if (p[i] == 1 && i + 1 < n) {
				i += 1 + one_char(p, i + 1, n, u);
				ev[nev].cp = ocr_utf8_next(&q);
			} else
				i++;
			nev++;
			continue;
		}
		k = one_char(p, i, n, u);
		memcpy(text + t, u, k);
		t += k;
		i += k;
		ci++;
	}
	text[t] = '\0';
	if (ocr_line_set(l, 1200, 757, (float)p[0] / 255, (float)p[1] / 255,
	        (float)p[2] / 255, (float)p[3] / 255, text,
	        (float)p[4] / 255) == -1)
		return 0;
	for (k = 0; k < nev; k++) {
		struct ocr_char *c;

		if (ev[k].ci >= l->nchars)
			continue;
		c = &l->chars[ev[k].ci];
		if (ev[k].cp == 0)
			c->prob[0] /= 2;
		else
			ocr_line_alt(l, ev[k].ci, ev[k].cp,
			    (1.0f - c->prob[0]) / 2);
	}
	for (i = 0; i < l->nchars; i++)
		for (t = 0; t < (size_t)l->chars[i].nalt; t++)
			seen[nseen++] = fold(l->chars[i].cp[t]);
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_err err;
	size_t n = 0, at = 1, f, i;
	static const char *const form = ".-X长期";

	if (size < 1)
		return 0;
	nseen = 0;
	while (at < size && n < MAX_LINES) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl != NULL ? (size_t)(nl - (data + at)) : size - at;

		n += parse_line(&lines[n], data + at, len);
		at += len + 1;
	}
	if (loc_fields_read(lines, n, (enum loc_side)(data[0] % 4), &out,
	        &err) != 0)
		abort();
	if (out.nlow > LOC_NFIELDS || out.nchanges > LOC_MAX_CHANGES)
		abort();
	for (f = 0; f < LOC_NFIELDS; f++) {
		const char *s = out.f[f].text;
		uint32_t cp;

		if (!(out.f[f].conf >= 0.0 && out.f[f].conf <= 1.0))
			abort();
		/* Never invented: every character is one of the recogniser's
		 * (folded) or of the field's fixed form. */
		while ((cp = ocr_utf8_next(&s)) != 0) {
			const char *fq = form;
			uint32_t fc;
			int ok = was_seen(cp) || (cp == 'X' && (was_seen('x') ||
			    was_seen(0xd7)));

			while (!ok && (fc = ocr_utf8_next(&fq)) != 0)
				ok = fc == cp && (cp == '.' || cp == '-' ||
				    was_seen(cp));
			if (!ok)
				abort();
		}
	}
	for (i = 0; i < out.nchanges; i++)
		if ((unsigned)out.changes[i].field >= LOC_NFIELDS)
			abort();
	return 0;
}
