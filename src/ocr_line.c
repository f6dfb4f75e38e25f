/* One recognised text line of a rectified card: UTF-8 helpers and filling a line from text. */
#include "ocr_line.h"

#include <string.h>

uint32_t
ocr_utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t cp, min;
	int n, i;

	if (*p == 0)
		return 0;
	if (*p < 0x80) {
		*s += 1;
		return *p;
	}
	if ((*p & 0xe0) == 0xc0) {
		n = 1;
		cp = *p & 0x1f;
		min = 0x80;
	} else if ((*p & 0xf0) == 0xe0) {
		n = 2;
		cp = *p & 0x0f;
		min = 0x800;
	} else if ((*p & 0xf8) == 0xf0) {
		n = 3;
		cp = *p & 0x07;
		min = 0x10000;
	} else {
		*s += 1;
		return 0xfffd;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += 1;
			return 0xfffd;
		}
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not
	 * characters: a decoder must not let them alias real ones. */
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		*s += 1;
		return 0xfffd;
	}
	*s += n + 1;
	return cp;
}

size_t
ocr_utf8_put(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	size_t n;

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		out[0] = '\0';
		return 0;
	}
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		o[0] = (unsigned char)(0xf0 | cp >> 18);
		o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	out[n] = '\0';
	return n;
}

void
ocr_line_sync_text(struct ocr_line *l)
{
	size_t i, at = 0;

	l->text[0] = '\0';
	for (i = 0; i < l->nchars && i < OCR_LINE_CHARS; i++) {
		if (l->chars[i].nalt < 1 || l->chars[i].cp[0] == OCR_BLANK)
			continue;
		/* 4 bytes per character and the NUL always fit. */
		at += ocr_utf8_put(l->chars[i].cp[0], l->text + at);
	}
}

int
ocr_line_set(struct ocr_line *l, float card_w, float card_h, float left,
    float top, float right, float bottom, const char *utf8, float prob)
{
	const char *s = utf8;
	size_t n = 0, i;
	uint32_t cp;

	memset(l, 0, sizeof(*l));
	while ((cp = ocr_utf8_next(&s)) != 0) {
		if (n == OCR_LINE_CHARS)
			return -1;
		l->chars[n].cp[0] = cp;
		l->chars[n].prob[0] = prob;
		l->chars[n].nalt = 1;
		n++;
	}
	l->nchars = n;
	l->card_w = card_w;
	l->card_h = card_h;
	l->nbox[0].x = left, l->nbox[0].y = top;
	l->nbox[1].x = right, l->nbox[1].y = top;
	l->nbox[2].x = right, l->nbox[2].y = bottom;
	l->nbox[3].x = left, l->nbox[3].y = bottom;
	for (i = 0; i < 4; i++) {
		l->box[i].x = l->nbox[i].x * card_w;
		l->box[i].y = l->nbox[i].y * card_h;
	}
	/* Character centres evenly across the box, as CTC steps are. */
	for (i = 0; i < n; i++) {
		l->chars[i].nx = left + (right - left) * ((float)i + 0.5f) /
		    (float)n;
		l->chars[i].x = l->chars[i].nx * card_w;
	}
	l->conf = prob;
	ocr_line_sync_text(l);
	return 0;
}

int
ocr_line_alt(struct ocr_line *l, size_t i, uint32_t cp, float prob)
{
	struct ocr_char *c;
	int j, k;

	if (i >= l->nchars)
		return -1;
	c = &l->chars[i];
	/* Drop an earlier entry of the same codepoint: it is being re-rated. */
	for (j = 0; j < c->nalt; j++)
		if (c->cp[j] == cp) {
			for (k = j; k + 1 < c->nalt; k++) {
				c->cp[k] = c->cp[k + 1];
				c->prob[k] = c->prob[k + 1];
			}
			c->nalt--;
			break;
		}
	for (j = 0; j < c->nalt && c->prob[j] >= prob; j++)
		;
	if (j == OCR_TOPK)
		return -1;
	if (c->nalt == OCR_TOPK)
		c->nalt--; /* the least likely one falls off */
	for (k = c->nalt; k > j; k--) {
		c->cp[k] = c->cp[k - 1];
		c->prob[k] = c->prob[k - 1];
	}
	c->cp[j] = cp;
	c->prob[j] = prob;
	c->nalt++;
	ocr_line_sync_text(l);
	return 0;
}
