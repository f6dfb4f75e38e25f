/* Unit tests for image.c: encode, decode to upright RGB with EXIF orientation, the pixel guard, downscaling, verify before sending. */
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "unit.h"

/* W x H RGB: the left half red, the right half blue. */
static void
halves(struct image_px *p, unsigned w, unsigned h)
{
	unsigned x, y;

	p->w = w;
	p->h = h;
	p->c = 3;
	if ((p->px = malloc((size_t)w * h * 3)) == NULL)
		abort();
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			unsigned char *q = p->px + ((size_t)y * w + x) * 3;
			q[0] = x < w / 2 ? 255 : 0;
			q[1] = 0;
			q[2] = x < w / 2 ? 0 : 255;
		}
}

/* The JPEG with an Exif APP1 holding Orientation o put right after SOI. */
static unsigned char *
with_exif(const unsigned char *jpg, size_t len, int o, size_t *outlen)
{
	const unsigned char app1[] = { 0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i',
		'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3,
		0, 0, 0, 1, 0, (unsigned char)o, 0, 0, 0, 0, 0, 0 };
	unsigned char *b = malloc(len + sizeof(app1));

	if (b == NULL)
		abort();
	memcpy(b, jpg, 2);
	memcpy(b + 2, app1, sizeof(app1));
	memcpy(b + 2 + sizeof(app1), jpg + 2, len - 2);
	*outlen = len + sizeof(app1);
	return b;
}

/* Is the pixel at (x, y) mostly red (1) or mostly blue (0)? -1 neither. */
static int
red_at(const struct image_px *p, unsigned x, unsigned y)
{
	const unsigned char *q = p->px + ((size_t)y * p->w + x) * p->c;

	if (q[0] > 180 && q[2] < 80)
		return 1;
	if (q[2] > 180 && q[0] < 80)
		return 0;
	return -1;
}

int
main(void)
{
	struct image_px src, up;
	struct fz_err err;
	unsigned char *jpg, *ex;
	size_t len, exlen;

	halves(&src, 64, 32);
	CHECK(image_encode(&src, 92, &jpg, &len, &err) == 0);
	CHECK(len > 4 && jpg[0] == 0xff && jpg[1] == 0xd8);

	/* No EXIF: as stored, RGB. */
	CHECK(image_decode_upright_rgb(jpg, len, 1000000, 0, &up, &err) == 0);
	CHECK(up.w == 64 && up.h == 32 && up.c == 3);
	CHECK(red_at(&up, 4, 16) == 1 && red_at(&up, 60, 16) == 0);
	image_px_free(&up);

	/* Orientation 6 (turn 90 clockwise to view): the left half ends on top. */
	ex = with_exif(jpg, len, 6, &exlen);
	CHECK(image_decode_upright_rgb(ex, exlen, 1000000, 0, &up, &err) == 0);
	CHECK(up.w == 32 && up.h == 64);
	CHECK(red_at(&up, 16, 4) == 1 && red_at(&up, 16, 60) == 0);
	image_px_free(&up);

	/* With a longest side: downscaled after turning, aspect kept. */
	CHECK(image_decode_upright_rgb(ex, exlen, 1000000, 16, &up, &err) == 0);
	CHECK(up.w == 8 && up.h == 16);
	CHECK(red_at(&up, 4, 1) == 1 && red_at(&up, 4, 14) == 0);
	image_px_free(&up);

	/* The pixel guard refuses before decoding; damaged data is refused. */
	CHECK(image_decode_upright_rgb(jpg, len, 64 * 32 - 1, 0, &up,
	    &err) == -1);
	CHECK_STR(err.msg, "64x32 pixels, over the limit of 2047 pixels");
	CHECK(up.px == NULL);
	CHECK(image_decode_upright_rgb(jpg, len / 2, 1000000, 0, &up,
	    &err) == -1);

	/* image_verify (issue F.7): the whole file decodes, or it is refused. */
	{
		struct jpeg_info info;
		unsigned char *bad;
		size_t i, sof = 0;

		CHECK(jpeg_probe(jpg, len, &info, &err) == JPEG_OK);
		CHECK(info.sof == 0xc0 && info.precision == 8);
		CHECK(image_verify(jpg, len, &info, 1000000, &err) == 0);
		CHECK(image_verify(jpg, len, &info, 64 * 32 - 1, &err) == -1);
		CHECK_STR(err.msg, "64x32 pixels, over the limit of 2047 pixels");
		if ((bad = malloc(len)) == NULL)
			abort();
		for (i = 2; i + 1 < len; i++)
			if (jpg[i] == 0xff && jpg[i + 1] == 0xc0) {
				sof = i;
				break;
			}
		CHECK(sof > 0);
		/* The coding process and precision, from the probe's fields. */
		info.sof = 0xc9;
		CHECK(image_verify(jpg, len, &info, 1000000, &err) == -1);
		CHECK_STR(err.msg, "arithmetic-coded JPEG (SOF9): the recogniser "
		    "decodes only baseline and progressive JPEG");
		info.sof = 0xc3;
		CHECK(image_verify(jpg, len, &info, 1000000, &err) == -1);
		CHECK_STR(err.msg, "lossless JPEG (SOF3): the recogniser decodes "
		    "only baseline and progressive JPEG");
		info.sof = 0xc0;
		info.precision = 12;
		CHECK(image_verify(jpg, len, &info, 1000000, &err) == -1);
		CHECK_STR(err.msg, "12-bit JPEG: the recogniser decodes only "
		    "8-bit samples");
		/* A header claiming 4096x4096 on the same few hundred bytes. */
		memcpy(bad, jpg, len);
		bad[sof + 5] = 0x10;
		bad[sof + 6] = 0x00;
		bad[sof + 7] = 0x10;
		bad[sof + 8] = 0x00;
		CHECK(jpeg_probe(bad, len, &info, &err) == JPEG_OK);
		CHECK(image_verify(bad, len, &info, 100000000, &err) == -1);
		CHECK_STR(err.msg, "cannot decode the JPEG: corrupt JPEG data: "
		    "premature end of data segment");
		free(bad);
	}

	free(ex);
	free(jpg);
	image_px_free(&src);
	return unit_done("image");
}
