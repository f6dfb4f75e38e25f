/* Image preparation before upload: EXIF orientation applied, downscaling, re-encoding to fit the size limit. */
#include "gw_prepare.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

/* Qualities tried in turn; after a 3/4 downscale the walk restarts at 85. */
static const int qualities[] = { 92, 85, 75, 65, 50 };
#define NQUALITIES (sizeof(qualities) / sizeof(qualities[0]))
/* Downscaling for size stops here: a 16-pixel card is of no use. */
#define MIN_SIDE 16u
/* A hard bound on the 3/4 steps whatever the options: (3/4)^40 < 1e-5. */
#define MAX_ROUNDS 40

#define M_SOI	0xd8
#define M_EOI	0xd9
#define M_SOS	0xda
#define M_APP0	0xe0
#define M_COM	0xfe

static int
mul_size(size_t a, size_t b, size_t *r)
{
	if (b != 0 && a > SIZE_MAX / b)
		return -1;
	*r = a * b;
	return 0;
}

/* Orientations 5 to 8 turn the image by a quarter: width and height swap. */
static int
swaps(int orientation)
{
	return orientation >= 5 && orientation <= 8;
}

/*
 * Scale w x h so that the longest side is at most max_side, keeping the
 * aspect ratio (the shorter side rounded, at least 1). Returns 1 when the
 * size changed.
 */
static int
fit(unsigned w, unsigned h, unsigned max_side, unsigned *tw, unsigned *th)
{
	unsigned long long s;

	*tw = w;
	*th = h;
	if (w <= max_side && h <= max_side)
		return 0;
	if (w >= h) {
		s = ((unsigned long long)h * max_side + w / 2) / w;
		*tw = max_side;
		*th = s > 0 ? (unsigned)s : 1;
	} else {
		s = ((unsigned long long)w * max_side + h / 2) / h;
		*th = max_side;
		*tw = s > 0 ? (unsigned)s : 1;
	}
	return 1;
}

void
prepare_opts_default(struct prepare_opts *o)
{
	o->max_side = PREPARE_MAX_SIDE;
	o->max_bytes = PREPARE_MAX_BYTES;
	o->small_side = PREPARE_SMALL_SIDE;
	o->max_pixels = PREPARE_MAX_PIXELS;
}

int
prepare_plan(const struct jpeg_info *info, size_t len,
    const struct prepare_opts *o, struct prepare_plan *plan,
    struct fz_err *err)
{
	unsigned long long pixels;
	unsigned rw, rh;

	if (plan != NULL)
		memset(plan, 0, sizeof(*plan));
	if (info == NULL || o == NULL || plan == NULL) {
		fz_seterr(err, "no image information");
		return -1;
	}
	if (o->max_side == 0 || o->max_bytes == 0) {
		fz_seterr(err, "invalid preparation limits");
		return -1;
	}
	if (info->width == 0 || info->height == 0) {
		fz_seterr(err, "zero image width or height");
		return -1;
	}
	/* Both sides come from 16-bit fields: the product cannot overflow. */
	pixels = (unsigned long long)info->width * info->height;
	if (pixels > o->max_pixels) {
		fz_seterr(err, "%ux%u pixels, over the limit of %llu pixels",
		    info->width, info->height, o->max_pixels);
		return -1;
	}
	plan->rotate = info->orientation >= 2 && info->orientation <= 8 ?
	    info->orientation : 1;
	rw = swaps(plan->rotate) ? info->height : info->width;
	rh = swaps(plan->rotate) ? info->width : info->height;
	plan->resize = fit(rw, rh, o->max_side, &plan->to_w, &plan->to_h);
	plan->maybe_reencode = len > o->max_bytes || plan->rotate != 1 ||
	    plan->resize;
	plan->small = (plan->to_w < plan->to_h ? plan->to_w : plan->to_h) <
	    o->small_side;
	return 0;
}

/* A w x h buffer of c-byte pixels, its size checked. */
static unsigned char *
pixels_new(unsigned w, unsigned h, unsigned c, struct fz_err *err)
{
	unsigned char *p;
	size_t n;

	if (mul_size(w, h, &n) == -1 || mul_size(n, c, &n) == -1 ||
	    n > PTRDIFF_MAX) {
		fz_seterr(err, "%ux%u pixels do not fit in memory", w, h);
		return NULL;
	}
	if ((p = malloc(n)) == NULL)
		fz_seterr(err, "out of memory for %ux%u pixels", w, h);
	return p;
}

/*
 * The pixels of s (w x h, c bytes each) as they are meant to be seen under
 * EXIF orientation o (2..8), into a new buffer of w x h, or h x w when the
 * orientation turns by a quarter. Each output row is a walk through s from
 * a start pixel by a fixed step: D(x, y) is S(...) as listed.
 */
static unsigned char *
orient_pixels(const unsigned char *s, unsigned w, unsigned h, unsigned c,
    int o, struct fz_err *err)
{
	unsigned char *d, *q;
	unsigned dw, dh, x, y, k;
	ptrdiff_t pw = (ptrdiff_t)w, ph = (ptrdiff_t)h, start, step, i;

	dw = swaps(o) ? h : w;
	dh = swaps(o) ? w : h;
	if ((d = pixels_new(dw, dh, c, err)) == NULL)
		return NULL;
	q = d;
	for (y = 0; y < dh; y++) {
		ptrdiff_t py = (ptrdiff_t)y;

		switch (o) {
		case 2:	/* mirror: S(w-1-x, y) */
			start = py * pw + pw - 1;
			step = -1;
			break;
		case 3:	/* 180: S(w-1-x, h-1-y) */
			start = (ph - 1 - py) * pw + pw - 1;
			step = -1;
			break;
		case 4:	/* flip: S(x, h-1-y) */
			start = (ph - 1 - py) * pw;
			step = 1;
			break;
		case 5:	/* transpose: S(y, x) */
			start = py;
			step = pw;
			break;
		case 6:	/* 90 clockwise: S(y, h-1-x) */
			start = (ph - 1) * pw + py;
			step = -pw;
			break;
		case 7:	/* transverse: S(w-1-y, h-1-x) */
			start = (ph - 1) * pw + pw - 1 - py;
			step = -pw;
			break;
		default: /* 8, 270 clockwise: S(w-1-y, x) */
			start = pw - 1 - py;
			step = pw;
			break;
		}
		for (x = 0, i = start; x < dw; x++, i += step)
			for (k = 0; k < c; k++)
				*q++ = s[i * (ptrdiff_t)c + (ptrdiff_t)k];
	}
	return d;
}

/*
 * Area-average (box filter) downscale of s (sw x sh, c bytes a pixel) to
 * tw x th, tw <= sw and th <= sh. Along each axis output pixel i covers
 * [i*n, (i+1)*n) in units where source pixel j covers [j*m, (j+1)*m) (n
 * source and m output pixels), so every weight is an exact integer overlap
 * and the weights of one output pixel add up to sw*sh. Sums stay below
 * 255 * 2^16 * 2^16 and fit in 64 bits; one output row is built at a time.
 */
static unsigned char *
area_resize(const unsigned char *s, unsigned sw, unsigned sh, unsigned c,
    unsigned tw, unsigned th, struct fz_err *err)
{
	size_t *xfirst = NULL, nweights, row, srow, x, y, i, t;
	unsigned *xcount = NULL;
	uint32_t *xweight = NULL, *hsum = NULL;
	uint64_t *acc = NULL, total;
	unsigned char *d = NULL, *ret = NULL;
	unsigned long long a, b, j, j0, j1, lo, hi;
	unsigned k, u;

	if ((d = pixels_new(tw, th, c, err)) == NULL)
		return NULL;
	/* Each source column adds at most one weight beyond the first per output column. */
	nweights = (size_t)sw + tw;
	if (mul_size(tw, c, &row) == -1 || mul_size(sw, c, &srow) == -1 ||
	    (xfirst = calloc(tw, sizeof(*xfirst))) == NULL ||
	    (xcount = calloc(tw, sizeof(*xcount))) == NULL ||
	    (xweight = calloc(nweights, sizeof(*xweight))) == NULL ||
	    (hsum = calloc(row, sizeof(*hsum))) == NULL ||
	    (acc = calloc(row, sizeof(*acc))) == NULL) {
		fz_seterr(err, "out of memory resizing to %ux%u", tw, th);
		goto done;
	}
	for (x = 0, t = 0; x < tw; x++) {
		a = (unsigned long long)x * sw;
		b = a + sw;
		j0 = a / tw;
		j1 = (b - 1) / tw;
		if (j1 >= sw || t + (j1 - j0 + 1) > nweights) {
			fz_seterr(err, "internal error resizing");
			goto done;
		}
		xfirst[x] = (size_t)j0;
		xcount[x] = (unsigned)(j1 - j0 + 1);
		for (j = j0; j <= j1; j++) {
			lo = j * tw > a ? j * tw : a;
			hi = (j + 1) * tw < b ? (j + 1) * tw : b;
			xweight[t++] = (uint32_t)(hi - lo);
		}
	}
	total = (uint64_t)sw * sh;
	for (y = 0; y < th; y++) {
		a = (unsigned long long)y * sh;
		b = a + sh;
		j0 = a / th;
		j1 = (b - 1) / th;
		memset(acc, 0, row * sizeof(*acc));
		for (j = j0; j <= j1 && j < sh; j++) {
			const unsigned char *sr = s + (size_t)j * srow;
			uint64_t wy;

			lo = j * th > a ? j * th : a;
			hi = (j + 1) * th < b ? (j + 1) * th : b;
			wy = hi - lo;
			/* This source row, reduced across to tw pixels. */
			for (x = 0, t = 0; x < tw; x++) {
				for (k = 0; k < c; k++) {
					uint32_t sum = 0;

					for (u = 0; u < xcount[x]; u++)
						sum += xweight[t + u] *
						    sr[(xfirst[x] + u) * c + k];
					hsum[x * c + k] = sum;
				}
				t += xcount[x];
			}
			for (i = 0; i < row; i++)
				acc[i] += wy * hsum[i];
		}
		for (i = 0; i < row; i++)
			d[y * row + i] = (unsigned char)((acc[i] + total / 2) /
			    total);
	}
	ret = d;
	d = NULL;
done:
	free(xfirst);
	free(xcount);
	free(xweight);
	free(hsum);
	free(acc);
	free(d);
	return ret;
}

/*
 * The TurboJPEG scaling factor (at most 1) that gives the smallest decoded
 * image whose sides are both at least tw x th.
 */
static tjscalingfactor
pick_scale(int w, int h, unsigned tw, unsigned th)
{
	tjscalingfactor best = { 1, 1 }, *sf;
	int n = 0, i, sw, sh, bestlong = w > h ? w : h;

	if ((sf = tjGetScalingFactors(&n)) == NULL)
		return best;
	for (i = 0; i < n; i++) {
		if (sf[i].num <= 0 || sf[i].denom <= 0 || sf[i].num > sf[i].denom)
			continue;
		sw = TJSCALED(w, sf[i]);
		sh = TJSCALED(h, sf[i]);
		if (sw < 1 || sh < 1 || (unsigned)sw < tw || (unsigned)sh < th)
			continue;
		if ((sw > sh ? sw : sh) < bestlong) {
			bestlong = sw > sh ? sw : sh;
			best = sf[i];
		}
	}
	return best;
}

/*
 * The total size of the COM segments in the header of the JPEG buf[0..len)
 * (before the first scan), each with its marker and length. With out not
 * NULL they are copied there too. The walk stops quietly at anything it
 * does not understand: jpeg_probe() has already judged the file.
 */
static size_t
comments(const unsigned char *buf, size_t len, unsigned char *out)
{
	size_t pos = 2, seglen, total = 0;
	unsigned m;

	while (pos + 4 <= len && buf[pos] == 0xff) {
		m = buf[pos + 1];
		if (m == 0xff) {
			pos++;
			continue;
		}
		if (m == M_SOS || m == M_EOI || m == M_SOI || m == 0x00 ||
		    m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			break;
		seglen = (size_t)buf[pos + 2] << 8 | buf[pos + 3];
		if (seglen < 2 || seglen > len - pos - 2)
			break;
		if (m == M_COM) {
			if (out != NULL)
				memcpy(out + total, buf + pos, seglen + 2);
			total += seglen + 2;
		}
		pos += seglen + 2;
	}
	return total;
}

/*
 * The upload: the encoder's output jpg[0..jlen) with the original's COM
 * segments (ncom bytes) put after SOI and the JFIF APP0 segment.
 */
static int
assemble(const unsigned char *jpg, size_t jlen, const unsigned char *orig,
    size_t olen, size_t ncom, struct prepared *out, struct fz_err *err)
{
	size_t at = 2, n;

	if (jlen < 4 || jpg[0] != 0xff || jpg[1] != M_SOI) {
		fz_seterr(err, "the JPEG encoder gave no SOI marker");
		return -1;
	}
	if (jpg[2] == 0xff && jpg[3] == M_APP0 && jlen >= 6) {
		n = (size_t)jpg[4] << 8 | jpg[5];
		if (n >= 2 && n <= jlen - 4)
			at = 2 + 2 + n;
	}
	if (ncom > SIZE_MAX - jlen || (out->data = malloc(jlen + ncom)) ==
	    NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	memcpy(out->data, jpg, at);
	(void)comments(orig, olen, out->data + at);
	memcpy(out->data + at + ncom, jpg + at, jlen - at);
	out->len = jlen + ncom;
	return 0;
}

int
prepare_image(const unsigned char *data, size_t len,
    const struct jpeg_info *info, const struct prepare_opts *o,
    struct prepared *out, struct fz_err *err)
{
	struct prepare_plan plan;
	tjhandle dh = NULL, ch = NULL;
	tjscalingfactor sf;
	unsigned char *dec = NULL, *rs = NULL, *rot = NULL, *jpg = NULL;
	const unsigned char *px;
	unsigned long jlen = 0;
	unsigned c, sw, sh, tw0, th0, tw, th, ow, oh, longest;
	size_t ncom;
	int w = 0, h = 0, subsamp = -1, cs = -1, pf, jsub, round, rc = -1;
	size_t qi;

	if (out == NULL) {
		fz_seterr(err, "no output");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->rotated_orientation = 1;
	if (data == NULL || info == NULL) {
		fz_seterr(err, "no image");
		return -1;
	}
	out->from_bytes = len;
	out->from_w = out->to_w = info->width;
	out->from_h = out->to_h = info->height;
	if (prepare_plan(info, len, o, &plan, err) == -1)
		return -1;
	if (!plan.maybe_reencode)
		return 0;
	if (len > ULONG_MAX) {
		fz_seterr(err, "file too large to decode");
		return -1;
	}

	if ((dh = tjInitDecompress()) == NULL) {
		fz_seterr(err, "cannot start the JPEG decoder: %s",
		    tjGetErrorStr2(NULL));
		goto done;
	}
	if (tjDecompressHeader3(dh, data, (unsigned long)len, &w, &h,
	    &subsamp, &cs) == -1) {
		fz_seterr(err, "cannot decode the JPEG: %s",
		    tjGetErrorStr2(dh));
		goto done;
	}
	/* TurboJPEG 2.1 returns 0 without filling anything in for data
	 * that ends before a frame header ("tables only"). */
	if (w <= 0 || h <= 0) {
		fz_seterr(err, "cannot decode the JPEG: no frame header");
		goto done;
	}
	if ((unsigned)w != info->width || (unsigned)h != info->height) {
		fz_seterr(err, "the JPEG decoder reads %dx%d pixels, the header "
		    "%ux%u", w, h, info->width, info->height);
		goto done;
	}
	/* TurboJPEG cannot turn CMYK into RGB; such a file is sent as is
	 * only with --no-resize. */
	if (cs == TJCS_CMYK || cs == TJCS_YCCK) {
		fz_seterr(err, "cannot prepare a CMYK JPEG");
		goto done;
	}
	if (cs == TJCS_GRAY) {
		c = 1;
		pf = TJPF_GRAY;
		jsub = TJSAMP_GRAY;
	} else {
		c = 3;
		pf = TJPF_RGB;
		jsub = TJSAMP_420;
	}

	/* The target in the file's own orientation, before rotation. */
	tw0 = swaps(plan.rotate) ? plan.to_h : plan.to_w;
	th0 = swaps(plan.rotate) ? plan.to_w : plan.to_h;
	sf = pick_scale(w, h, tw0, th0);
	sw = (unsigned)TJSCALED(w, sf);
	sh = (unsigned)TJSCALED(h, sf);
	if ((dec = pixels_new(sw, sh, c, err)) == NULL)
		goto done;
	/* Warnings (extraneous bytes, a short last scan) still give pixels. */
	if (tjDecompress2(dh, data, (unsigned long)len, dec, (int)sw, 0,
	    (int)sh, pf, 0) == -1 && tjGetErrorCode(dh) != TJERR_WARNING) {
		fz_seterr(err, "cannot decode the JPEG: %s",
		    tjGetErrorStr2(dh));
		goto done;
	}
	tjDestroy(dh);
	dh = NULL;

	if ((ch = tjInitCompress()) == NULL) {
		fz_seterr(err, "cannot start the JPEG encoder: %s",
		    tjGetErrorStr2(NULL));
		goto done;
	}
	ncom = comments(data, len, NULL);
	tw = tw0;
	th = th0;
	longest = tw0 > th0 ? tw0 : th0;
	for (round = 0; round < MAX_ROUNDS; round++) {
		free(rs);
		free(rot);
		rs = rot = NULL;
		px = dec;
		if (tw != sw || th != sh) {
			if ((rs = area_resize(dec, sw, sh, c, tw, th, err)) ==
			    NULL)
				goto done;
			px = rs;
		}
		if (plan.rotate != 1) {
			if ((rot = orient_pixels(px, tw, th, c, plan.rotate,
			    err)) == NULL)
				goto done;
			px = rot;
		}
		ow = swaps(plan.rotate) ? th : tw;
		oh = swaps(plan.rotate) ? tw : th;
		for (qi = round == 0 ? 0 : 1; qi < NQUALITIES; qi++) {
			tjFree(jpg);
			jpg = NULL;
			jlen = 0;
			if (tjCompress2(ch, px, (int)ow, 0, (int)oh, pf, &jpg,
			    &jlen, jsub, qualities[qi], 0) == -1) {
				fz_seterr(err, "cannot encode the JPEG: %s",
				    tjGetErrorStr2(ch));
				goto done;
			}
			if (jlen > o->max_bytes || ncom > o->max_bytes - jlen)
				continue;
			if (assemble(jpg, jlen, data, len, ncom, out, err) ==
			    -1)
				goto done;
			out->rotated_orientation = plan.rotate;
			out->to_w = ow;
			out->to_h = oh;
			out->resized = tw != info->width || th != info->height;
			out->reencoded = 1;
			out->quality = qualities[qi];
			rc = 0;
			goto done;
		}
		/* Still too big at the lowest quality: 3/4 of the size. */
		longest = (unsigned)(((unsigned long long)longest * 3 + 2) / 4);
		if (longest < MIN_SIDE)
			break;
		(void)fit(tw0, th0, longest, &tw, &th);
	}
	fz_seterr(err, "cannot make the image fit in %zu bytes",
	    o->max_bytes);
done:
	if (rc == -1) {
		free(out->data);
		out->data = NULL;
		out->len = 0;
	}
	if (dh != NULL)
		tjDestroy(dh);
	if (ch != NULL)
		tjDestroy(ch);
	tjFree(jpg);
	free(dec);
	free(rs);
	free(rot);
	return rc;
}

void
prepared_free(struct prepared *p)
{
	if (p == NULL)
		return;
	free(p->data);
	memset(p, 0, sizeof(*p));
	p->rotated_orientation = 1;
}

json_t *
prepare_to_json(const struct prepared *p)
{
	static const char *const names[] = { NULL, NULL, "mirror", "180",
		"flip", "transpose", "90", "transverse", "270" };
	json_t *obj;

	if (p == NULL || p->data == NULL)
		return NULL;
	if ((obj = json_object()) == NULL)
		return NULL;
	if (p->rotated_orientation >= 2 && p->rotated_orientation <= 8 &&
	    json_object_set_new(obj, "rotated",
	    json_string(names[p->rotated_orientation])) == -1)
		goto fail;
	if (p->resized && json_object_set_new(obj, "resized",
	    json_pack("{s:[I,I],s:[I,I]}", "from", (json_int_t)p->from_w,
	    (json_int_t)p->from_h, "to", (json_int_t)p->to_w,
	    (json_int_t)p->to_h)) == -1)
		goto fail;
	if (p->reencoded && json_object_set_new(obj, "reencoded",
	    json_pack("{s:I,s:I,s:i}", "from", (json_int_t)p->from_bytes,
	    "to", (json_int_t)p->len, "quality", p->quality)) == -1)
		goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}
