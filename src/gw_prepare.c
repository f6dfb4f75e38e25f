/* The gateway's fit-under-the-limits policy: which EXIF turn, downscale and quality make an image sendable (pixels by image.c). */
#include "gw_prepare.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"


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
	rw = image_orient_swaps(plan->rotate) ? info->height : info->width;
	rh = image_orient_swaps(plan->rotate) ? info->width : info->height;
	plan->resize = image_fit(rw, rh, o->max_side, &plan->to_w, &plan->to_h);
	plan->maybe_reencode = len > o->max_bytes || plan->rotate != 1 ||
	    plan->resize;
	plan->small = (plan->to_w < plan->to_h ? plan->to_w : plan->to_h) <
	    o->small_side;
	return 0;
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
	struct image_px dec, rs, rot;
	const struct image_px *px;
	unsigned char *jpg = NULL;
	size_t jlen = 0, ncom, qi;
	unsigned tw0, th0, tw, th, longest;
	int round, rc = -1;

	if (out == NULL) {
		fz_seterr(err, "no output");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	memset(&dec, 0, sizeof(dec));
	memset(&rs, 0, sizeof(rs));
	memset(&rot, 0, sizeof(rot));
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

	/* The target in the file's own orientation, before rotation. */
	tw0 = image_orient_swaps(plan.rotate) ? plan.to_h : plan.to_w;
	th0 = image_orient_swaps(plan.rotate) ? plan.to_w : plan.to_h;
	/* CMYK cannot be decoded to RGB: such a file is sent as it is only
	 * with --no-resize. */
	if (image_decode(data, len, info, tw0, th0, 0, &dec, err) == -1)
		goto done;
	ncom = comments(data, len, NULL);
	tw = tw0;
	th = th0;
	longest = tw0 > th0 ? tw0 : th0;
	for (round = 0; round < MAX_ROUNDS; round++) {
		image_px_free(&rs);
		image_px_free(&rot);
		px = &dec;
		if (tw != dec.w || th != dec.h) {
			if (image_resize(&dec, tw, th, &rs, err) == -1)
				goto done;
			px = &rs;
		}
		if (plan.rotate != 1) {
			if (image_orient(px, plan.rotate, &rot, err) == -1)
				goto done;
			px = &rot;
		}
		for (qi = round == 0 ? 0 : 1; qi < NQUALITIES; qi++) {
			free(jpg);
			if (image_encode(px, qualities[qi], &jpg, &jlen,
			    err) == -1)
				goto done;
			if (jlen > o->max_bytes || ncom > o->max_bytes - jlen)
				continue;
			if (assemble(jpg, jlen, data, len, ncom, out, err) ==
			    -1)
				goto done;
			out->rotated_orientation = plan.rotate;
			out->to_w = px->w;
			out->to_h = px->h;
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
		(void)image_fit(tw0, th0, longest, &tw, &th);
	}
	fz_seterr(err, "cannot make the image fit in %zu bytes",
	    o->max_bytes);
done:
	if (rc == -1) {
		free(out->data);
		out->data = NULL;
		out->len = 0;
	}
	free(jpg);
	image_px_free(&dec);
	image_px_free(&rs);
	image_px_free(&rot);
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
