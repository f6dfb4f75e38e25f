/* Unit tests for gw_prepare.c: JPEGs made with TurboJPEG, rotated, downscaled and squeezed, then decoded and sampled. */
#include <stdlib.h>

#include <turbojpeg.h>

#include "jpeg.h"
#include "gw_prepare.h"
#include "unit.h"

/* The quadrant colours of the test pattern: top-left, top-right, bottom-left, bottom-right. */
static const unsigned char colours[4][3] = {
	{ 230, 20, 20 },   /* red */
	{ 20, 200, 20 },   /* green */
	{ 20, 20, 230 },   /* blue */
	{ 240, 240, 240 }, /* white */
};
enum { RED, GREEN, BLUE, WHITE };

enum pattern { QUADRANTS, NOISE, GREY, GRADIENT };

struct img {
	unsigned char *b;
	size_t n;
};

static void
fail_hard(const char *what)
{
	fprintf(stderr, "prepare_test: %s\n", what);
	exit(2);
}

/* A w x h JPEG of the pattern, made by TurboJPEG; flags as for tjCompress2. */
static struct img
make_jpeg(unsigned w, unsigned h, enum pattern pat, int quality, int flags)
{
	struct img r = { NULL, 0 };
	unsigned char *px, *jpg = NULL;
	unsigned long jlen = 0;
	unsigned x, y, k, c = pat == GREY ? 1 : 3;
	unsigned long seed = 12345;
	tjhandle h_;

	if ((px = malloc((size_t)w * h * c)) == NULL)
		fail_hard("out of memory");
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			unsigned char *p = px + ((size_t)y * w + x) * c;
			int q = (x >= w / 2) + 2 * (y >= h / 2);

			for (k = 0; k < c; k++) {
				if (pat == NOISE) {
					seed = seed * 1103515245UL + 12345UL;
					p[k] = (unsigned char)(seed >> 16);
				} else if (pat == GRADIENT) {
					p[k] = (unsigned char)(k == 0 ?
					    (x * 255 + (w - 1) / 2) / (w - 1) :
					    k == 1 ? (y * 255 + (h - 1) / 2) /
					    (h - 1) : 128);
				} else if (pat == GREY) {
					p[k] = (unsigned char)(q * 70 + 20);
				} else {
					p[k] = colours[q][k];
				}
			}
		}
	}
	if ((h_ = tjInitCompress()) == NULL)
		fail_hard("tjInitCompress");
	if (tjCompress2(h_, px, (int)w, 0, (int)h,
	    pat == GREY ? TJPF_GRAY : TJPF_RGB, &jpg, &jlen,
	    pat == GREY ? TJSAMP_GRAY : pat == NOISE ? TJSAMP_444 : TJSAMP_420,
	    quality, flags) == -1)
		fail_hard(tjGetErrorStr2(h_));
	tjDestroy(h_);
	free(px);
	if ((r.b = malloc(jlen)) == NULL)
		fail_hard("out of memory");
	memcpy(r.b, jpg, jlen);
	r.n = jlen;
	tjFree(jpg);
	return r;
}

static void
put16(unsigned char *p, unsigned v, int big)
{
	p[big ? 0 : 1] = (unsigned char)(v >> 8);
	p[big ? 1 : 0] = (unsigned char)v;
}

static void
put32(unsigned char *p, unsigned long v, int big)
{
	int i;

	for (i = 0; i < 4; i++)
		p[big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

/*
 * An APP1 segment (marker and length included) holding EXIF with IFD0
 * entries Make (ASCII, in the value field) and Orientation = o, in the given
 * byte order. Returns its length in seg[].
 */
static size_t
exif_app1(unsigned char *seg, int o, int big)
{
	unsigned char *t = seg + 10;
	size_t n;

	memset(seg, 0, 64);
	seg[0] = 0xff;
	seg[1] = 0xe1;
	memcpy(seg + 4, "Exif\0\0", 6);
	t[0] = t[1] = big ? 'M' : 'I';
	put16(t + 2, 42, big);
	put32(t + 4, 8, big);
	put16(t + 8, 2, big);
	put16(t + 10, 0x010f, big);     /* Make */
	put16(t + 12, 2, big);
	put32(t + 14, 4, big);
	memcpy(t + 18, "FZ\0", 4);
	put16(t + 22, 0x0112, big);     /* Orientation */
	put16(t + 24, 3, big);
	put32(t + 26, 1, big);
	put16(t + 30, (unsigned)o, big);
	put32(t + 34, 0, big);          /* no IFD1 */
	n = 10 + 38;
	seg[2] = (unsigned char)((n - 2) >> 8);
	seg[3] = (unsigned char)(n - 2);
	return n;
}

/* A copy of im with seg[0..n) inserted right after SOI. */
static struct img
insert_after_soi(const struct img *im, const unsigned char *seg, size_t n)
{
	struct img r;

	r.n = im->n + n;
	if ((r.b = malloc(r.n)) == NULL)
		fail_hard("out of memory");
	memcpy(r.b, im->b, 2);
	memcpy(r.b + 2, seg, n);
	memcpy(r.b + 2 + n, im->b + 2, im->n - 2);
	return r;
}

static struct img
with_orientation(const struct img *im, int o, int big)
{
	unsigned char seg[64];
	size_t n = exif_app1(seg, o, big);

	return insert_after_soi(im, seg, n);
}

/* Decode to RGB; returns NULL when TurboJPEG fails. */
static unsigned char *
decode(const unsigned char *b, size_t n, int *w, int *h)
{
	tjhandle d;
	unsigned char *px = NULL;
	int ss, cs;

	if ((d = tjInitDecompress()) == NULL)
		return NULL;
	if (tjDecompressHeader3(d, b, (unsigned long)n, w, h, &ss, &cs) == 0 &&
	    (px = malloc((size_t)*w * *h * 3)) != NULL &&
	    tjDecompress2(d, b, (unsigned long)n, px, *w, 0, *h, TJPF_RGB,
	    0) == -1) {
		free(px);
		px = NULL;
	}
	tjDestroy(d);
	return px;
}

/* The pattern colour nearest to the pixel at (x, y). */
static int
colour_at(const unsigned char *px, int w, int x, int y)
{
	const unsigned char *p = px + ((size_t)y * w + x) * 3;
	int best = 0, bestd = 1 << 30, i, k, d;

	for (i = 0; i < 4; i++) {
		for (d = 0, k = 0; k < 3; k++)
			d += (p[k] - colours[i][k]) * (p[k] - colours[i][k]);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

/* Colours at the centres of the four quadrants, packed TL TR BL BR. */
static int
quadrants(const unsigned char *b, size_t n, int *w, int *h)
{
	unsigned char *px;
	int r;

	if ((px = decode(b, n, w, h)) == NULL)
		return -1;
	r = colour_at(px, *w, *w / 4, *h / 4) * 1000 +
	    colour_at(px, *w, 3 * *w / 4, *h / 4) * 100 +
	    colour_at(px, *w, *w / 4, 3 * *h / 4) * 10 +
	    colour_at(px, *w, 3 * *w / 4, 3 * *h / 4);
	free(px);
	return r;
}

/*
 * Where stored quadrant (qx, qy) is seen under orientation o, written from
 * the EXIF definitions ("row 0 is the visual top/right/bottom/left, column 0
 * the visual left/top/..."), independently of prepare.c's pixel walks.
 */
static void
expected_quadrant(int o, int qx, int qy, int *dx, int *dy)
{
	switch (o) {
	case 1: *dx = qx; *dy = qy; break;
	case 2: *dx = 1 - qx; *dy = qy; break;
	case 3: *dx = 1 - qx; *dy = 1 - qy; break;
	case 4: *dx = qx; *dy = 1 - qy; break;
	case 5: *dx = qy; *dy = qx; break;
	case 6: *dx = 1 - qy; *dy = qx; break;
	case 7: *dx = 1 - qy; *dy = 1 - qx; break;
	default: *dx = qy; *dy = 1 - qx; break;
	}
}

static int
expected_pattern(int o)
{
	int q, dx, dy, r = 0;
	static const int weight[4] = { 1000, 100, 10, 1 };

	for (q = 0; q < 4; q++) {
		expected_quadrant(o, q & 1, q >> 1, &dx, &dy);
		r += q * weight[dx + 2 * dy];
	}
	return r;
}

/* True when the JPEG has an APP1 segment before its first scan. */
static int
has_app1(const unsigned char *b, size_t n)
{
	size_t i = 2;

	while (i + 4 <= n && b[i] == 0xff && b[i + 1] != 0xda) {
		if (b[i + 1] == 0xe1)
			return 1;
		i += 2 + ((size_t)b[i + 2] << 8 | b[i + 3]);
	}
	return 0;
}

static int
contains(const unsigned char *b, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(b + i, s, k) == 0)
			return 1;
	return 0;
}

int
main(void)
{
	struct prepare_opts o;
	struct prepare_plan plan;
	struct prepared p;
	struct jpeg_info info;
	struct fz_err err;
	struct img base, im, big;
	json_t *j;
	char *s, want[256];
	int o_, w, h, all, bo;

	prepare_opts_default(&o);
	CHECK(o.max_side == 4000 && o.max_bytes == 3145728 &&
	    o.small_side == 700 && o.max_pixels == 100000000ULL);

	/* Orientation 6: 320x200 becomes 200x320, red moves to the top right. */
	base = make_jpeg(320, 200, QUADRANTS, 90, 0);
	CHECK(quadrants(base.b, base.n, &w, &h) == expected_pattern(1));
	CHECK(expected_pattern(1) == 123);  /* red green / blue white */
	im = with_orientation(&base, 6, 0);
	CHECK(jpeg_probe(im.b, im.n, &info, &err) == JPEG_OK);
	CHECK(info.orientation == 6);
	CHECK(prepare_plan(&info, im.n, &o, &plan, &err) == 0);
	CHECK(plan.rotate == 6 && !plan.resize && plan.maybe_reencode);
	CHECK(plan.to_w == 200 && plan.to_h == 320);
	CHECK(plan.small);
	CHECK(prepare_image(im.b, im.n, &info, &o, &p, &err) == 0);
	CHECK(p.data != NULL && p.len > 4);
	CHECK(p.data != NULL && p.data[0] == 0xff && p.data[1] == 0xd8);
	CHECK(p.rotated_orientation == 6 && p.reencoded && !p.resized);
	CHECK(p.quality == 92);
	CHECK(p.from_w == 320 && p.from_h == 200);
	CHECK(p.to_w == 200 && p.to_h == 320);
	CHECK(p.from_bytes == im.n);
	CHECK(quadrants(p.data, p.len, &w, &h) == BLUE * 1000 + RED * 100 +
	    WHITE * 10 + GREEN);
	CHECK(w == 200 && h == 320);
	CHECK(!has_app1(p.data, p.len));
	CHECK(jpeg_probe(p.data, p.len, &info, &err) == JPEG_OK);
	CHECK(info.orientation == 1 && info.width == 200 && info.height == 320);
	j = prepare_to_json(&p);
	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	snprintf(want, sizeof(want), "{\"rotated\":\"90\",\"reencoded\":"
	    "{\"from\":%zu,\"to\":%zu,\"quality\":92}}", im.n, p.len);
	CHECK_STR(s, want);
	free(s);
	json_decref(j);
	prepared_free(&p);
	CHECK(p.data == NULL && p.len == 0);
	free(im.b);

	/* All eight orientations, in both byte orders. */
	all = 1;
	for (bo = 0; bo <= 1; bo++) {
		for (o_ = 1; o_ <= 8; o_++) {
			im = with_orientation(&base, o_, bo);
			if (jpeg_probe(im.b, im.n, &info, &err) != JPEG_OK ||
			    info.orientation != o_ ||
			    prepare_image(im.b, im.n, &info, &o, &p, &err) != 0)
				all = 0;
			else if (o_ == 1 && p.data != NULL)
				all = 0;
			else if (o_ != 1 &&
			    (p.data == NULL ||
			    quadrants(p.data, p.len, &w, &h) !=
			    expected_pattern(o_) ||
			    w != (o_ >= 5 ? 200 : 320) ||
			    h != (o_ >= 5 ? 320 : 200) ||
			    p.rotated_orientation != o_))
				all = 0;
			if (!all)
				fprintf(stderr, "orientation %d failed\n", o_);
			prepared_free(&p);
			free(im.b);
		}
	}
	CHECK(all);
	/* The names in the record. */
	{
		static const char *const names[] = { "mirror", "180", "flip",
			"transpose", "90", "transverse", "270" };

		all = 1;
		for (o_ = 2; o_ <= 8; o_++) {
			im = with_orientation(&base, o_, 1);
			(void)jpeg_probe(im.b, im.n, &info, &err);
			(void)prepare_image(im.b, im.n, &info, &o, &p, &err);
			j = prepare_to_json(&p);
			if (j == NULL || json_string_value(json_object_get(j,
			    "rotated")) == NULL || strcmp(json_string_value(
			    json_object_get(j, "rotated")), names[o_ - 2]) != 0)
				all = 0;
			json_decref(j);
			prepared_free(&p);
			free(im.b);
		}
		CHECK(all);
	}

	/* The specimen's COM segment survives, EXIF does not. */
	{
		static const char com[] = "\xff\xfe\x00\x14" "FAIZ-SPECIMEN {}xy";
		struct img c1;

		c1 = insert_after_soi(&base, (const unsigned char *)com,
		    sizeof(com) - 1);
		im = with_orientation(&c1, 3, 0);
		CHECK(jpeg_probe(im.b, im.n, &info, &err) == JPEG_OK);
		CHECK(prepare_image(im.b, im.n, &info, &o, &p, &err) == 0);
		CHECK(p.data != NULL && contains(p.data, p.len,
		    "FAIZ-SPECIMEN {}xy"));
		CHECK(p.data != NULL && !contains(p.data, p.len, "Exif"));
		CHECK(p.data != NULL && p.data[2] == 0xff && p.data[3] == 0xe0);
		CHECK(jpeg_probe(p.data, p.len, &info, &err) == JPEG_OK);
		CHECK(quadrants(p.data, p.len, &w, &h) == expected_pattern(3));
		prepared_free(&p);
		free(im.b);
		free(c1.b);
	}

	/* Greyscale stays greyscale; a progressive source decodes too. */
	im = make_jpeg(300, 180, GREY, 90, 0);
	big = with_orientation(&im, 8, 1);
	CHECK(jpeg_probe(big.b, big.n, &info, &err) == JPEG_OK);
	CHECK(prepare_image(big.b, big.n, &info, &o, &p, &err) == 0);
	CHECK(p.data != NULL && jpeg_probe(p.data, p.len, &info, &err) ==
	    JPEG_OK && info.components == 1 && info.width == 180 &&
	    info.height == 300);
	prepared_free(&p);
	free(big.b);
	free(im.b);
	im = make_jpeg(320, 200, QUADRANTS, 90, TJFLAG_PROGRESSIVE);
	big = with_orientation(&im, 7, 0);
	CHECK(jpeg_probe(big.b, big.n, &info, &err) == JPEG_OK &&
	    info.progressive);
	CHECK(prepare_image(big.b, big.n, &info, &o, &p, &err) == 0);
	CHECK(p.data != NULL && quadrants(p.data, p.len, &w, &h) ==
	    expected_pattern(7));
	prepared_free(&p);
	free(big.b);
	free(im.b);

	/* 6000x3000: the longest side becomes exactly 4000, aspect kept. */
	big = make_jpeg(6000, 3000, QUADRANTS, 75, 0);
	CHECK(jpeg_probe(big.b, big.n, &info, &err) == JPEG_OK);
	CHECK(prepare_plan(&info, big.n, &o, &plan, &err) == 0);
	CHECK(plan.resize && plan.rotate == 1 && plan.maybe_reencode);
	CHECK(plan.to_w == 4000 && plan.to_h == 2000 && !plan.small);
	CHECK(prepare_image(big.b, big.n, &info, &o, &p, &err) == 0);
	CHECK(p.data != NULL && p.resized && p.reencoded);
	CHECK(p.to_w == 4000 && p.to_h == 2000);
	CHECK(p.data != NULL && quadrants(p.data, p.len, &w, &h) ==
	    expected_pattern(1));
	CHECK(w == 4000 && h == 2000);
	CHECK(p.len <= o.max_bytes);
	j = prepare_to_json(&p);
	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	snprintf(want, sizeof(want), "{\"resized\":{\"from\":[6000,3000],"
	    "\"to\":[4000,2000]},\"reencoded\":{\"from\":%zu,\"to\":%zu,"
	    "\"quality\":92}}", big.n, p.len);
	CHECK_STR(s, want);
	free(s);
	json_decref(j);
	prepared_free(&p);
	/* The same turned by orientation 8: 2000x4000. */
	im = with_orientation(&big, 8, 0);
	CHECK(jpeg_probe(im.b, im.n, &info, &err) == JPEG_OK);
	CHECK(prepare_image(im.b, im.n, &info, &o, &p, &err) == 0);
	CHECK(p.to_w == 2000 && p.to_h == 4000 && p.resized);
	CHECK(p.data != NULL && quadrants(p.data, p.len, &w, &h) ==
	    expected_pattern(8));
	CHECK(w == 2000 && h == 4000);
	prepared_free(&p);
	free(im.b);
	free(big.b);
	/*
	 * A gradient through DCT scaling (6/8: 4500x1500) and the area
	 * average (to 4000x1333): each output pixel has the mean of the
	 * source pixels it covers, so red still follows x and green y.
	 */
	big = make_jpeg(6000, 2000, GRADIENT, 95, 0);
	CHECK(jpeg_probe(big.b, big.n, &info, &err) == JPEG_OK);
	CHECK(prepare_image(big.b, big.n, &info, &o, &p, &err) == 0);
	CHECK(p.to_w == 4000 && p.to_h == 1333);
	{
		unsigned char *px = p.data != NULL ?
		    decode(p.data, p.len, &w, &h) : NULL;
		double maxerr = 0, sum_r = 0, sum_g = 0, e_r, e_g;
		long n = 0;
		int x, y;

		CHECK(px != NULL && w == 4000 && h == 1333);
		for (y = 4; px != NULL && y < h - 4; y += 7) {
			for (x = 4; x < w - 4; x += 11) {
				const unsigned char *q =
				    px + ((size_t)y * w + x) * 3;

				/* Centre of the covered source span. */
				e_r = q[0] - ((x + 0.5) * 6000.0 / 4000 - 0.5) *
				    255 / 5999;
				e_g = q[1] - ((y + 0.5) * 2000.0 / 1333 - 0.5) *
				    255 / 1999;
				sum_r += e_r;
				sum_g += e_g;
				n++;
				if (e_r < 0)
					e_r = -e_r;
				if (e_g < 0)
					e_g = -e_g;
				if (e_r > maxerr)
					maxerr = e_r;
				if (e_g > maxerr)
					maxerr = e_g;
			}
		}
		/* JPEG noise stays within a few levels; a misplaced span or
		 * weights that do not add up would show as a bias. */
		CHECK(n > 0 && maxerr <= 5.0);
		CHECK(n > 0 && sum_r / n > -0.1 && sum_r / n < 0.1);
		CHECK(n > 0 && sum_g / n > -0.1 && sum_g / n < 0.1);
		if (n > 0 && (maxerr > 5.0 || sum_r / n <= -0.1 ||
		    sum_r / n >= 0.1 || sum_g / n <= -0.1 || sum_g / n >= 0.1))
			fprintf(stderr, "gradient: max error %.2f, bias %.3f "
			    "%.3f\n", maxerr, sum_r / n, sum_g / n);
		free(px);
	}
	prepared_free(&p);
	free(big.b);

	/* An odd size: 4001x2999 goes to 4000x2998 (2998.25 rounded). */
	big = make_jpeg(4001, 2999, QUADRANTS, 75, 0);
	CHECK(jpeg_probe(big.b, big.n, &info, &err) == JPEG_OK);
	CHECK(prepare_image(big.b, big.n, &info, &o, &p, &err) == 0);
	CHECK(p.to_w == 4000 && p.to_h == 2998);
	CHECK(p.data != NULL && quadrants(p.data, p.len, &w, &h) ==
	    expected_pattern(1) && w == 4000 && h == 2998);
	prepared_free(&p);
	free(big.b);

	/* Over max_bytes: re-encoded at falling quality, then smaller. */
	big = make_jpeg(800, 600, NOISE, 100, 0);
	CHECK(big.n > 400000);
	CHECK(jpeg_probe(big.b, big.n, &info, &err) == JPEG_OK);
	o.max_bytes = 20000;
	CHECK(prepare_plan(&info, big.n, &o, &plan, &err) == 0);
	CHECK(plan.maybe_reencode && !plan.resize && plan.rotate == 1);
	CHECK(prepare_image(big.b, big.n, &info, &o, &p, &err) == 0);
	CHECK(p.data != NULL && p.len <= 20000 && p.reencoded);
	CHECK(p.quality == 85 || p.quality == 75 || p.quality == 65 ||
	    p.quality == 50);
	CHECK(p.resized && p.to_w < 800 && p.to_h < 600);
	/* 3/4 steps keep the aspect ratio. */
	CHECK(p.to_w * 3 >= p.to_h * 4 - 4 && p.to_w * 3 <= p.to_h * 4 + 4);
	CHECK(p.data != NULL && jpeg_probe(p.data, p.len, &info, &err) ==
	    JPEG_OK && info.width == p.to_w && info.height == p.to_h);
	j = prepare_to_json(&p);
	CHECK(j != NULL && json_integer_value(json_object_get(json_object_get(j,
	    "reencoded"), "quality")) == p.quality);
	CHECK(j != NULL && (size_t)json_integer_value(json_object_get(
	    json_object_get(j, "reencoded"), "to")) == p.len);
	CHECK(j != NULL && json_object_get(j, "rotated") == NULL);
	json_decref(j);
	prepared_free(&p);
	/* A limit that a lower quality alone meets: same size. */
	CHECK(jpeg_probe(big.b, big.n, &info, &err) == JPEG_OK);
	o.max_bytes = 300000;
	CHECK(prepare_image(big.b, big.n, &info, &o, &p, &err) == 0);
	CHECK(p.data != NULL && p.len <= 300000 && !p.resized);
	CHECK(p.to_w == 800 && p.to_h == 600 && p.quality < 92);
	prepared_free(&p);
	/* A limit nothing meets: an error, nothing returned. */
	o.max_bytes = 100;
	err.msg[0] = '\0';
	CHECK(prepare_image(big.b, big.n, &info, &o, &p, &err) == -1);
	CHECK(p.data == NULL && p.len == 0);
	CHECK_STR(err.msg, "cannot make the image fit in 100 bytes");
	prepare_opts_default(&o);

	/* Nothing needed: data stays NULL, no "prepared" object. */
	CHECK(jpeg_probe(base.b, base.n, &info, &err) == JPEG_OK);
	CHECK(prepare_plan(&info, base.n, &o, &plan, &err) == 0);
	CHECK(!plan.maybe_reencode && !plan.resize && plan.rotate == 1);
	CHECK(prepare_image(base.b, base.n, &info, &o, &p, &err) == 0);
	CHECK(p.data == NULL && p.len == 0 && !p.reencoded && !p.resized);
	CHECK(p.from_bytes == base.n && p.to_w == 320 && p.to_h == 200);
	CHECK(prepare_to_json(&p) == NULL);
	prepared_free(&p);
	free(big.b);

	/* Plans from header info alone. */
	memset(&info, 0, sizeof(info));
	info.width = 1200;
	info.height = 757;
	info.orientation = 1;
	CHECK(prepare_plan(&info, 100000, &o, &plan, &err) == 0);
	CHECK(!plan.small && !plan.maybe_reencode);
	info.width = 1000;
	info.height = 699;
	CHECK(prepare_plan(&info, 100000, &o, &plan, &err) == 0);
	CHECK(plan.small && !plan.maybe_reencode);
	info.height = 700;
	CHECK(prepare_plan(&info, 100000, &o, &plan, &err) == 0);
	CHECK(!plan.small);
	/* Small after the downscale: 8000x1000 is sent as 4000x500. */
	info.width = 8000;
	info.height = 1000;
	CHECK(prepare_plan(&info, 100000, &o, &plan, &err) == 0);
	CHECK(plan.resize && plan.to_w == 4000 && plan.to_h == 500 &&
	    plan.small);
	/* Exactly 4000 is not resized; the byte limit alone re-encodes. */
	info.width = 4000;
	info.height = 3000;
	CHECK(prepare_plan(&info, 3145728, &o, &plan, &err) == 0);
	CHECK(!plan.resize && !plan.maybe_reencode);
	CHECK(prepare_plan(&info, 3145729, &o, &plan, &err) == 0);
	CHECK(!plan.resize && plan.maybe_reencode);
	/* Orientations 5-8 swap the planned size; 0 and 9 mean none. */
	info.width = 5000;
	info.height = 3000;
	info.orientation = 5;
	CHECK(prepare_plan(&info, 1000, &o, &plan, &err) == 0);
	CHECK(plan.rotate == 5 && plan.to_w == 2400 && plan.to_h == 4000);
	info.orientation = 9;
	CHECK(prepare_plan(&info, 1000, &o, &plan, &err) == 0);
	CHECK(plan.rotate == 1 && plan.to_w == 4000 && plan.to_h == 2400);
	info.orientation = 0;
	CHECK(prepare_plan(&info, 1000, &o, &plan, &err) == 0);
	CHECK(plan.rotate == 1);

	/* Over max_pixels: an error before any decoding. */
	info.width = 20000;
	info.height = 5001;
	info.orientation = 1;
	CHECK(prepare_plan(&info, 1000, &o, &plan, &err) == -1);
	CHECK_STR(err.msg, "20000x5001 pixels, over the limit of 100000000 "
	    "pixels");
	CHECK(prepare_image(base.b, base.n, &info, &o, &p, &err) == -1);
	CHECK(p.data == NULL);
	info.height = 5000;
	CHECK(prepare_plan(&info, 1000, &o, &plan, &err) == 0);
	CHECK(plan.to_w == 4000 && plan.to_h == 1000);
	info.width = 0;
	CHECK(prepare_plan(&info, 1000, &o, &plan, &err) == -1);
	CHECK(prepare_plan(NULL, 1000, &o, &plan, &err) == -1);

	/* Garbage: an error, nothing returned, nothing leaked. */
	{
		unsigned char junk[600];
		size_t i;

		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)(i * 37 + 11);
		junk[0] = 0xff;
		junk[1] = 0xd8;
		memset(&info, 0, sizeof(info));
		info.width = 64;
		info.height = 64;
		info.orientation = 6;
		err.msg[0] = '\0';
		CHECK(prepare_image(junk, sizeof(junk), &info, &o, &p, &err) ==
		    -1);
		CHECK(p.data == NULL && p.len == 0);
		CHECK(strncmp(err.msg, "cannot decode the JPEG", 22) == 0);
		/* A real JPEG whose header info does not match it. */
		info.width = 321;
		info.height = 200;
		CHECK(prepare_image(base.b, base.n, &info, &o, &p, &err) == -1);
		CHECK(p.data == NULL);
		/* Cut short (jpeg_probe would refuse it): no crash either way. */
		im = with_orientation(&base, 6, 0);
		CHECK(jpeg_probe(im.b, im.n, &info, &err) == JPEG_OK);
		(void)prepare_image(im.b, im.n / 2, &info, &o, &p, &err);
		prepared_free(&p);
		/* Cut before the frame header: TurboJPEG reports success
		 * for such "tables only" data without giving a size. */
		CHECK(prepare_image(im.b, 120, &info, &o, &p, &err) == -1);
		CHECK(p.data == NULL);
		CHECK_STR(err.msg, "cannot decode the JPEG: no frame header");
		free(im.b);
		CHECK(prepare_image(NULL, 0, &info, &o, &p, &err) == -1);
		CHECK(prepare_image(base.b, base.n, &info, &o, NULL, &err) ==
		    -1);
		prepared_free(NULL);
	}

	/* Damaged files that still pass jpeg_probe: an answer, no crash. */
	{
		struct img small = make_jpeg(64, 48, QUADRANTS, 80, 0);
		size_t i, pos;
		unsigned long seed = 99;
		int answered = 1, rc;

		im = with_orientation(&small, 6, 1);
		for (i = 0; i < 400; i++) {
			unsigned char *m = malloc(im.n);

			if (m == NULL)
				fail_hard("out of memory");
			memcpy(m, im.b, im.n);
			seed = seed * 1103515245UL + 12345UL;
			pos = 2 + (seed >> 8) % (im.n - 2);
			m[pos] = (unsigned char)(seed >> 20);
			if (jpeg_probe(m, im.n, &info, &err) == JPEG_OK) {
				rc = prepare_image(m, im.n, &info, &o, &p, &err);
				if ((rc == 0) != (p.data != NULL) &&
				    info.orientation != 1)
					answered = 0;
				prepared_free(&p);
			}
			free(m);
		}
		CHECK(answered);
		free(im.b);
		free(small.b);
	}

	free(base.b);
	return unit_done("gw_prepare");
}
