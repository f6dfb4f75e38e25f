/* Pixels for any recogniser: JPEG decoding (libjpeg-turbo), EXIF orientation, area-average resizing, encoding. */
#include "image.h"

#include <ctype.h>
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>
#include <turbojpeg.h>

#include "jpeg.h"

static int
mul_size(size_t a, size_t b, size_t *r)
{
	if (b != 0 && a > SIZE_MAX / b)
		return -1;
	*r = a * b;
	return 0;
}

int
image_orient_swaps(int orientation)
{
	return orientation >= 5 && orientation <= 8;
}

/*
 * Scale w x h so that the longest side is at most max_side, keeping the
 * aspect ratio (the shorter side rounded, at least 1). Returns 1 when the
 * size changed.
 */
int
image_fit(unsigned w, unsigned h, unsigned max_side, unsigned *tw, unsigned *th)
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

	dw = image_orient_swaps(o) ? h : w;
	dh = image_orient_swaps(o) ? w : h;
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


void
image_px_free(struct image_px *p)
{
	if (p == NULL)
		return;
	free(p->px);
	memset(p, 0, sizeof(*p));
}

int
image_decode(const unsigned char *data, size_t len,
    const struct jpeg_info *info, unsigned min_w, unsigned min_h, int rgb,
    struct image_px *out, struct fz_err *err)
{
	tjhandle dh;
	tjscalingfactor sf;
	int w = 0, h = 0, subsamp = -1, cs = -1, pf, rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > ULONG_MAX) {
		fz_seterr(err, "file too large to decode");
		return -1;
	}
	if ((dh = tjInitDecompress()) == NULL) {
		fz_seterr(err, "cannot start the JPEG decoder: %s",
		    tjGetErrorStr2(NULL));
		return -1;
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
	/* TurboJPEG cannot turn CMYK into RGB. */
	if (cs == TJCS_CMYK || cs == TJCS_YCCK) {
		fz_seterr(err, "cannot prepare a CMYK JPEG");
		goto done;
	}
	out->c = cs == TJCS_GRAY && !rgb ? 1 : 3;
	pf = out->c == 1 ? TJPF_GRAY : TJPF_RGB;
	sf = pick_scale(w, h, min_w, min_h);
	out->w = (unsigned)TJSCALED(w, sf);
	out->h = (unsigned)TJSCALED(h, sf);
	if ((out->px = pixels_new(out->w, out->h, out->c, err)) == NULL)
		goto done;
	if (tjDecompress2(dh, data, (unsigned long)len, out->px, (int)out->w,
	    0, (int)out->h, pf, 0) == -1 && tjGetErrorCode(dh) !=
	    TJERR_WARNING) {
		fz_seterr(err, "cannot decode the JPEG: %s",
		    tjGetErrorStr2(dh));
		goto done;
	}
	rc = 0;
done:
	if (rc == -1)
		image_px_free(out);
	tjDestroy(dh);
	return rc;
}

/* libjpeg's error manager for image_verify: errors jump back, warnings are counted. */
struct verify_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	int in_scans;          /* the header is read: warnings now mean corruption */
	int warned;            /* a warning was seen in the scans */
	char msg[JMSG_LENGTH_MAX];
};

static void
verify_error_exit(j_common_ptr cinfo)
{
	struct verify_err *ve = (struct verify_err *)cinfo->err;

	ve->mgr.format_message(cinfo, ve->msg);
	ve->msg[0] = (char)tolower((unsigned char)ve->msg[0]);
	longjmp(ve->jump, 1);
}

static void
verify_emit(j_common_ptr cinfo, int level)
{
	struct verify_err *ve = (struct verify_err *)cinfo->err;

	/* Only warnings (level -1) matter; trace messages are ignored. */
	if (level != -1 || ve->warned)
		return;
	if (!ve->in_scans && ve->mgr.msg_code == JWRN_EXTRANEOUS_DATA)
		return;
	ve->mgr.format_message(cinfo, ve->msg);
	/* libjpeg capitalises its messages; ours are lower case. */
	ve->msg[0] = (char)tolower((unsigned char)ve->msg[0]);
	ve->warned = 1;
}

/* The coding process of a SOF marker, for a message; NULL when decodable. */
static const char *
unsupported_process(int sof)
{
	switch (sof) {
	case 0xc0: case 0xc1: case 0xc2:
		return NULL;
	case 0xc3:
		return "lossless";
	case 0xc5: case 0xc6: case 0xc7:
		return "hierarchical";
	case 0xcb: case 0xcf:
		return "lossless arithmetic-coded";
	default:
		return sof >= 0xc8 && sof <= 0xcf ? "arithmetic-coded" :
		    "unknown-process";
	}
}

int
image_verify(const unsigned char *data, size_t len,
    const struct jpeg_info *info, unsigned long long max_pixels,
    struct fz_err *err)
{
	struct jpeg_decompress_struct cinfo;
	struct verify_err ve;
	JSAMPARRAY row = NULL;
	const char *proc;

	if (data == NULL || info == NULL) {
		fz_seterr(err, "no image");
		return -1;
	}
	if ((unsigned long long)info->width * info->height > max_pixels) {
		fz_seterr(err, "%ux%u pixels, over the limit of %llu pixels",
		    info->width, info->height, max_pixels);
		return -1;
	}
	if ((proc = unsupported_process(info->sof)) != NULL) {
		fz_seterr(err, "%s JPEG (SOF%d): the recogniser decodes only "
		    "baseline and progressive JPEG", proc, info->sof - 0xc0);
		return -1;
	}
	if (info->precision != 8) {
		fz_seterr(err, "%d-bit JPEG: the recogniser decodes only 8-bit "
		    "samples", info->precision);
		return -1;
	}
	if (len > ULONG_MAX) {
		fz_seterr(err, "file too large to decode");
		return -1;
	}
	memset(&ve, 0, sizeof(ve));
	cinfo.err = jpeg_std_error(&ve.mgr);
	ve.mgr.error_exit = verify_error_exit;
	ve.mgr.emit_message = verify_emit;
	jpeg_create_decompress(&cinfo);
	if (setjmp(ve.jump)) {
		fz_seterr(err, "cannot decode the JPEG: %s", ve.msg);
		jpeg_destroy_decompress(&cinfo);
		return -1;
	}
	jpeg_mem_src(&cinfo, data, (unsigned long)len);
	(void)jpeg_read_header(&cinfo, TRUE);
	if (cinfo.image_width != info->width || cinfo.image_height !=
	    info->height || cinfo.arith_code || cinfo.data_precision != 8) {
		fz_seterr(err, "the JPEG decoder does not read the header as "
		    "the probe did");
		jpeg_destroy_decompress(&cinfo);
		return -1;
	}
	ve.in_scans = 1;
	/* Scaling happens in the inverse DCT: every coefficient is still
	 * entropy-decoded, which is what finds corrupt data. */
	cinfo.scale_num = 1;
	cinfo.scale_denom = 8;
	cinfo.dct_method = JDCT_IFAST;
	cinfo.do_fancy_upsampling = FALSE;
	(void)jpeg_start_decompress(&cinfo);
	/* The row buffer belongs to the decompressor's pool: freed with it. */
	row = cinfo.mem->alloc_sarray((j_common_ptr)&cinfo, JPOOL_IMAGE,
	    cinfo.output_width * (JDIMENSION)cinfo.output_components, 1);
	while (cinfo.output_scanline < cinfo.output_height && !ve.warned)
		(void)jpeg_read_scanlines(&cinfo, row, 1);
	/* Reads on to EOI: data left over after the last scan is a warning. */
	if (!ve.warned)
		(void)jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	if (ve.warned) {
		fz_seterr(err, "cannot decode the JPEG: %s", ve.msg);
		return -1;
	}
	return 0;
}

int
image_orient(const struct image_px *in, int o, struct image_px *out,
    struct fz_err *err)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	out->c = in->c;
	if (o < 2 || o > 8) {
		out->w = in->w;
		out->h = in->h;
		if ((out->px = pixels_new(in->w, in->h, in->c, err)) == NULL)
			return -1;
		n = (size_t)in->w * in->h * in->c;
		memcpy(out->px, in->px, n);
		return 0;
	}
	out->w = image_orient_swaps(o) ? in->h : in->w;
	out->h = image_orient_swaps(o) ? in->w : in->h;
	out->px = orient_pixels(in->px, in->w, in->h, in->c, o, err);
	return out->px != NULL ? 0 : -1;
}

int
image_resize(const struct image_px *in, unsigned tw, unsigned th,
    struct image_px *out, struct fz_err *err)
{
	memset(out, 0, sizeof(*out));
	if (tw == 0 || th == 0 || tw > in->w || th > in->h) {
		fz_seterr(err, "cannot resize %ux%u to %ux%u", in->w, in->h, tw,
		    th);
		return -1;
	}
	out->w = tw;
	out->h = th;
	out->c = in->c;
	out->px = area_resize(in->px, in->w, in->h, in->c, tw, th, err);
	return out->px != NULL ? 0 : -1;
}

int
image_encode(const struct image_px *in, int quality, unsigned char **jpg,
    size_t *len, struct fz_err *err)
{
	tjhandle ch;
	unsigned char *buf = NULL;
	unsigned long n = 0;
	int rc = -1;

	*jpg = NULL;
	*len = 0;
	if ((ch = tjInitCompress()) == NULL) {
		fz_seterr(err, "cannot start the JPEG encoder: %s",
		    tjGetErrorStr2(NULL));
		return -1;
	}
	if (tjCompress2(ch, in->px, (int)in->w, 0, (int)in->h,
	    in->c == 1 ? TJPF_GRAY : TJPF_RGB, &buf, &n, in->c == 1 ?
	    TJSAMP_GRAY : TJSAMP_420, quality, 0) == -1) {
		fz_seterr(err, "cannot encode the JPEG: %s", tjGetErrorStr2(ch));
		goto done;
	}
	/* Plain malloc'd bytes for the caller, not TurboJPEG's allocator. */
	if ((*jpg = malloc(n ? n : 1)) == NULL) {
		fz_seterr(err, "out of memory");
		goto done;
	}
	memcpy(*jpg, buf, n);
	*len = n;
	rc = 0;
done:
	tjFree(buf);
	tjDestroy(ch);
	return rc;
}

int
image_decode_upright_rgb(const unsigned char *data, size_t len,
    unsigned long long max_pixels, unsigned max_side, struct image_px *out,
    struct fz_err *err)
{
	struct jpeg_info info;
	struct image_px dec, rs, *src = &dec;
	unsigned tw, th, fw, fh;
	int rc;

	memset(out, 0, sizeof(*out));
	if (jpeg_probe(data, len, &info, err) != JPEG_OK)
		return -1;
	if ((unsigned long long)info.width * info.height > max_pixels) {
		fz_seterr(err, "%ux%u pixels, over the limit of %llu pixels",
		    info.width, info.height, max_pixels);
		return -1;
	}
	/* The target in the file's own orientation, before turning. */
	fw = image_orient_swaps(info.orientation) ? info.height : info.width;
	fh = image_orient_swaps(info.orientation) ? info.width : info.height;
	if (max_side == 0 || !image_fit(fw, fh, max_side, &tw, &th)) {
		tw = fw;
		th = fh;
	}
	if (image_orient_swaps(info.orientation)) {
		unsigned t = tw;
		tw = th;
		th = t;
	}
	if (image_decode(data, len, &info, tw, th, 1, &dec, err) == -1)
		return -1;
	memset(&rs, 0, sizeof(rs));
	if (dec.w != tw || dec.h != th) {
		if (image_resize(&dec, tw, th, &rs, err) == -1) {
			image_px_free(&dec);
			return -1;
		}
		src = &rs;
	}
	rc = image_orient(src, info.orientation, out, err);
	image_px_free(&dec);
	image_px_free(&rs);
	return rc;
}
