/* Text recognition around the rec model: perspective crops to height 48,
 * normalisation, CTC greedy decoding, half-width folding. */
#include "ocr_rec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on the keys file: ppocr_keys_v1.txt has 6623 lines in 26249 bytes. */
#define KEYS_MAX_BYTES (4u << 20)
#define KEYS_MAX_LINES 100000
/* The widest rec input accepted (a 48 x 8192 line is about 170 characters). */
#define REC_MAX_W 8192

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
ocr_keys_parse(const unsigned char *data, size_t len, struct ocr_keys *k,
    struct fz_err *err)
{
	size_t i, start, n = 0, line = 1;

	memset(k, 0, sizeof(*k));
	if (len == 0 || len > KEYS_MAX_BYTES) {
		fz_seterr(err, "keys file: %zu bytes, expected 1 to %u", len,
		    KEYS_MAX_BYTES);
		return -1;
	}
	for (i = 0; i < len; i++)
		n += data[i] == '\n';
	if (data[len - 1] != '\n')
		n++;
	if (n > KEYS_MAX_LINES) {
		fz_seterr(err, "keys file: more than %d lines", KEYS_MAX_LINES);
		return -1;
	}
	k->buf = malloc(len + 1);
	k->v = malloc(n * sizeof(*k->v));
	if (k->buf == NULL || k->v == NULL) {
		fz_seterr(err, "out of memory");
		goto fail;
	}
	memcpy(k->buf, data, len);
	k->buf[len] = '\0';
	for (start = i = 0; i <= len; i++) {
		size_t end = i, j, step;

		if (i < len && data[i] != '\n')
			continue;
		if (i == len && start == len)
			break; /* the final newline ends the last line */
		if (end > start && data[end - 1] == '\r')
			end--;
		if (end == start) {
			fz_seterr(err, "keys file: line %zu is empty", line);
			goto fail;
		}
		for (j = start; j < end; j += step)
			if ((step = utf8_len(data + j, end - j)) == 0 ||
			    data[j] == '\0') {
				fz_seterr(err,
				    "keys file: line %zu is not UTF-8 text",
				    line);
				goto fail;
			}
		k->buf[end] = '\0';
		k->v[k->n++] = k->buf + start;
		start = i + 1;
		line++;
	}
	return 0;
fail:
	ocr_keys_free(k);
	return -1;
}

void
ocr_keys_free(struct ocr_keys *k)
{
	if (k == NULL)
		return;
	free(k->v);
	free(k->buf);
	memset(k, 0, sizeof(*k));
}

int
ocr_rec_input(const struct ocr_image *img, const struct ocr_box *box, int min_w,
    int max_w, float **out, int *out_w, struct fz_err *err)
{
	double top = hypot(box->x[1] - box->x[0], box->y[1] - box->y[0]);
	double bottom = hypot(box->x[2] - box->x[3], box->y[2] - box->y[3]);
	double left = hypot(box->x[3] - box->x[0], box->y[3] - box->y[0]);
	double right = hypot(box->x[2] - box->x[1], box->y[2] - box->y[1]);
	unsigned char *crop = NULL, *turned = NULL, *line = NULL;
	struct ocr_image c;
	int cw, ch, rw, ow, x, y, i;
	size_t plane;
	float *t;
	int rc = -1;

	*out = NULL;
	if (!(top < OCR_MAX_SIDE && bottom < OCR_MAX_SIDE &&
	        left < OCR_MAX_SIDE && right < OCR_MAX_SIDE) ||
	    max_w < 1 || max_w > REC_MAX_W || min_w > max_w) {
		fz_seterr(err, "bad text box or width limits for recognition");
		return -1;
	}
	cw = (int)fmax(top, bottom);
	ch = (int)fmax(left, right);
	if (cw < 1 || ch < 1) {
		fz_seterr(
		    err, "text box too small to recognise (%dx%d)", cw, ch);
		return -1;
	}
	if ((crop = malloc((size_t)cw * ch * 3)) == NULL)
		goto oom;
	if (ocr_img_warp(img, box->x, box->y, cw, ch, crop, err) != 0)
		goto out;
	c.bgr = crop;
	c.w = cw;
	c.h = ch;
	c.stride = (size_t)cw * 3;
	if (ch >= 1.5 * cw) {
		/* A vertical line, read after a quarter turn counter-clockwise:
		 * the crop's right column becomes the top row. */
		if ((turned = malloc((size_t)cw * ch * 3)) == NULL)
			goto oom;
		for (y = 0; y < cw; y++)
			for (x = 0; x < ch; x++)
				memcpy(turned + ((size_t)y * ch + x) * 3,
				    crop + ((size_t)x * cw + (cw - 1 - y)) * 3,
				    3);
		c.bgr = turned;
		c.w = ch;
		c.h = cw;
		c.stride = (size_t)ch * 3;
	}
	rw = (int)fmin(ceil(OCR_REC_HEIGHT * (double)c.w / c.h), max_w);
	rw = rw < 1 ? 1 : rw;
	ow = rw > min_w ? rw : min_w;
	plane = (size_t)OCR_REC_HEIGHT * ow;
	if ((line = malloc((size_t)rw * OCR_REC_HEIGHT * 3)) == NULL ||
	    (t = calloc(3 * plane, sizeof(*t))) == NULL)
		goto oom;
	if (ocr_img_resize(&c, rw, OCR_REC_HEIGHT, line, err) != 0) {
		free(t);
		goto out;
	}
	for (i = 0; i < 3; i++)
		for (y = 0; y < OCR_REC_HEIGHT; y++)
			for (x = 0; x < rw; x++)
				t[i * plane + (size_t)y * ow + x] =
				    (line[((size_t)y * rw + x) * 3 + i] /
				            255.0f -
				        0.5f) /
				    0.5f;
	*out = t;
	*out_w = ow;
	rc = 0;
	goto out;
oom:
	fz_seterr(err, "out of memory");
out:
	free(crop);
	free(turned);
	free(line);
	return rc;
}

void
ocr_halfwidth(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = (unsigned char *)s;

	while (*r) {
		/* U+FF01..U+FF5E are EF BC 81..BF and EF BD 80..9E; U+3000 is
		 * E3 80 80. */
		if (r[0] == 0xef && (r[1] == 0xbc || r[1] == 0xbd) &&
		    r[2] >= 0x80 && r[2] <= 0xbf &&
		    !(r[1] == 0xbc && r[2] == 0x80) &&
		    !(r[1] == 0xbd && r[2] > 0x9e)) {
			*w++ = (unsigned char)(0x21 +
			    ((r[1] - 0xbc) * 64 + r[2] - 0x80) - 1);
			r += 3;
		} else if (r[0] == 0xe3 && r[1] == 0x80 && r[2] == 0x80) {
			*w++ = ' ';
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

int
ocr_rec_decode(const float *probs, size_t steps, size_t classes,
    const struct ocr_keys *k, struct ocr_text *out, struct fz_err *err)
{
	size_t t, c, prev = 0, cap = 1, len = 0, kept = 0, *best;
	double sum = 0;
	char *s;

	memset(out, 0, sizeof(*out));
	if (classes != k->n + 2) {
		fz_seterr(err,
		    "recogniser output has %zu classes; the keys file gives "
		    "%zu",
		    classes, k->n + 2);
		return -1;
	}
	if (steps > REC_MAX_W) {
		fz_seterr(err, "recogniser output has %zu steps", steps);
		return -1;
	}
	if ((best = malloc((steps ? steps : 1) * sizeof(*best))) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	/* Each step's most likely class (the first one on a tie), and the room
	 * the text needs. */
	for (t = 0; t < steps; t++) {
		best[t] = 0;
		for (c = 1; c < classes; c++)
			if (probs[t * classes + c] >
			    probs[t * classes + best[t]])
				best[t] = c;
		if (best[t] != 0 && best[t] != prev)
			cap += best[t] <= k->n ? strlen(k->v[best[t] - 1]) : 1;
		prev = best[t];
	}
	if ((s = malloc(cap)) == NULL) {
		free(best);
		fz_seterr(err, "out of memory");
		return -1;
	}
	for (prev = 0, t = 0; t < steps; prev = best[t], t++) {
		const char *piece;
		size_t n;

		if (best[t] == 0 || best[t] == prev)
			continue;
		piece = best[t] <= k->n ? k->v[best[t] - 1] : " ";
		n = strlen(piece);
		memcpy(s + len, piece, n);
		len += n;
		sum += probs[t * classes + best[t]];
		kept++;
	}
	s[len] = '\0';
	free(best);
	ocr_halfwidth(s);
	out->text = s;
	out->confidence = kept ? (float)(sum / kept) : 0;
	return 0;
}

void
ocr_text_free(struct ocr_text *t)
{
	if (t == NULL)
		return;
	free(t->text);
	t->text = NULL;
}

/*
 * Alternatives less likely than this are left out: they carry no evidence,
 * and a rule that may choose any listed alternative should not be offered
 * a reading the recogniser all but ruled out.
 */
#define OCR_REC_ALT_MIN 0.01f

/* A class as a codepoint: blank 0, keys through their first character,
 * the extra class a space, full-width forms folded as ocr_halfwidth does. */
static uint32_t
class_cp(const struct ocr_keys *k, size_t c)
{
	const char *s;
	uint32_t cp;

	if (c == 0)
		return OCR_BLANK;
	if (c > k->n)
		return ' ';
	s = k->v[c - 1];
	cp = ocr_utf8_next(&s);
	if (cp >= 0xff01 && cp <= 0xff5e)
		cp -= 0xfee0;
	else if (cp == 0x3000)
		cp = ' ';
	return cp;
}

/* Add (cp, p) to ch, merging a codepoint already there (a digit and its
 * full-width form are one character), kept sorted by falling prob. */
static void
alt_add(struct ocr_char *ch, uint32_t cp, float p)
{
	int j, n = ch->nalt;

	for (j = 0; j < n; j++)
		if (ch->cp[j] == cp) {
			p += ch->prob[j];
			for (; j + 1 < n; j++) {
				ch->cp[j] = ch->cp[j + 1];
				ch->prob[j] = ch->prob[j + 1];
			}
			n--;
			break;
		}
	if (n == OCR_TOPK && p <= ch->prob[n - 1])
		return;
	if (n == OCR_TOPK)
		n--;
	for (j = n; j > 0 && ch->prob[j - 1] < p; j--) {
		ch->cp[j] = ch->cp[j - 1];
		ch->prob[j] = ch->prob[j - 1];
	}
	ch->cp[j] = cp;
	ch->prob[j] = p;
	ch->nalt = n + 1;
}

int
ocr_rec_decode_line(const float *probs, size_t steps, size_t classes,
    const struct ocr_keys *k, const struct ocr_box *box, float frac_steps,
    float card_w, float card_h, struct ocr_line *out, struct fz_err *err)
{
	size_t t, c, prev = 0, kept = 0;
	double sum = 0;

	memset(out, 0, sizeof(*out));
	if (classes != k->n + 2) {
		fz_seterr(err,
		    "recogniser output has %zu classes; the keys file gives "
		    "%zu",
		    classes, k->n + 2);
		return -1;
	}
	if (steps > REC_MAX_W || !(card_w > 0 && card_h > 0) ||
	    !(frac_steps > 0)) {
		fz_seterr(err, "recogniser output or card size out of range");
		return -1;
	}
	out->card_w = card_w;
	out->card_h = card_h;
	for (int i = 0; i < 4; i++) {
		out->box[i].x = box->x[i];
		out->box[i].y = box->y[i];
		out->nbox[i].x = box->x[i] / card_w;
		out->nbox[i].y = box->y[i] / card_h;
	}
	for (t = 0; t < steps; t++) {
		const float *p = probs + t * classes;
		size_t best = 0, peak = t, e;
		struct ocr_char *ch;
		float f;

		for (c = 1; c < classes; c++)
			if (p[c] > p[best])
				best = c;
		if (best == 0 || best == prev) {
			prev = best;
			continue;
		}
		/* The run of steps emitting best: its alternatives are read
		 * where it peaks, the step the recogniser was surest of it. */
		for (e = t + 1; e < steps; e++) {
			const float *q = probs + e * classes;
			size_t b2 = 0;

			for (c = 1; c < classes; c++)
				if (q[c] > q[b2])
					b2 = c;
			if (b2 != best)
				break;
			if (q[best] > probs[peak * classes + best])
				peak = e;
		}
		prev = best;
		sum += probs[peak * classes + best];
		kept++;
		if (out->nchars == OCR_LINE_CHARS)
			continue;
		ch = &out->chars[out->nchars++];
		p = probs + peak * classes;
		alt_add(ch, class_cp(k, best), p[best]);
		for (c = 0; c < classes; c++)
			if (c != best && p[c] >= OCR_REC_ALT_MIN &&
			    (ch->nalt < OCR_TOPK || p[c] > ch->prob[ch->nalt - 1]))
				alt_add(ch, class_cp(k, c), p[c]);
		/* Position: the run's centre step over the text's steps, along
		 * the box's top edge. */
		f = (float)((t + e) * 0.5) / ((float)steps * frac_steps);
		f = f < 0 ? 0 : f > 1 ? 1 : f;
		ch->x = box->x[0] + (box->x[1] - box->x[0]) * f;
		ch->nx = ch->x / card_w;
		t = e - 1;
	}
	out->conf = kept ? (float)(sum / kept) : 0;
	ocr_line_sync_text(out);
	return 0;
}
