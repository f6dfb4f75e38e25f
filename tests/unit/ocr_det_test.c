/* Unit tests for ocr_det.c and ocr_img.c: sizes, normalisation, and DB
 * post-processing against OpenCV's on ONNX Runtime's det maps. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocr_det.h"
#include "nnfix.h"
#include "unit.h"

#define FIX NNFIX_DIR

static void
test_size(void)
{
	struct fz_err err;
	int w, h;

	/* 273 * 960 / 437 = 599.7, 18.7 multiples of 32: 19. */
	CHECK(ocr_det_size(437, 273, 960, &w, &h, &err) == 0 && w == 960 &&
	    h == 608);
	CHECK(ocr_det_size(1200, 757, 960, &w, &h, &err) == 0 && w == 960 &&
	    h == 608);
	/* Small pictures are scaled up; a thin side stays at least 32. */
	CHECK(ocr_det_size(160, 100, 320, &w, &h, &err) == 0 && w == 320 &&
	    h == 192);
	CHECK(ocr_det_size(40, 3000, 960, &w, &h, &err) == 0 && w == 32 &&
	    h == 960);
	CHECK(ocr_det_size(0, 10, 960, &w, &h, &err) == -1);
	CHECK(ocr_det_size(10, 10, 8, &w, &h, &err) == -1);
	CHECK(ocr_det_size(OCR_MAX_SIDE + 1, 10, 960, &w, &h, &err) == -1);
}

static void
test_input(void)
{
	/* 2x2 BGR picture, rows padded to a stride of 8 bytes. */
	static const unsigned char px[16] = {
	    0, 128, 255, 10, 20, 30, 0, 0, 255, 255, 255, 1, 2, 3, 0, 0};
	const struct ocr_image img = {px, 2, 2, 8};
	const float mean[3] = {0.485f, 0.456f, 0.406f},
	            sd[3] = {0.229f, 0.224f, 0.225f};
	unsigned char big[4 * 4 * 3];
	struct fz_err err;
	float out[12];
	int c, i, ok = 1;

	/* Same size: the pixels themselves, normalised plane by plane. */
	CHECK(ocr_det_input(&img, 2, 2, out, &err) == 0);
	for (c = 0; c < 3; c++)
		for (i = 0; i < 4; i++) {
			const unsigned char v =
			    px[(i / 2) * 8 + (i % 2) * 3 + c];

			ok &= fabsf(out[c * 4 + i] -
			          (v / 255.0f - mean[c]) / sd[c]) < 1e-6f;
		}
	CHECK(ok);
	/* Doubling: each output pixel is 3/4 of the nearer source pixel and 1/4
	 * of the other, edges repeated. */
	CHECK(ocr_img_resize(&img, 4, 4, big, &err) == 0);
	CHECK(big[0] == 0 && big[1] == 128 &&
	    big[2] == 255); /* corner: the pixel itself */
	CHECK(big[3] == 3 && big[4] == 101 &&
	    big[5] == 199); /* x = 1: 3/4 a + 1/4 b, rounded */
	CHECK(ocr_img_resize(&img, 0, 4, big, &err) == -1);
}

/* The boxes of ocr_det_boxes against tools/db-ref.mjs (OpenCV and Clipper) on
 * the same maps. */
static void
test_against_opencv(void)
{
	json_error_t jerr;
	json_t *ref = json_load_file(FIX "det_boxes.json", 0, &jerr), *cases,
	       *c;
	struct ocr_det_params p;
	size_t ci, ncases = 0;

	CHECK(ref != NULL);
	if (ref == NULL) {
		fprintf(stderr, "det_boxes.json: %s\n", jerr.text);
		return;
	}
	ocr_det_defaults(&p);
	/* The reference was made with these; the test fails if either side
	 * changes them. */
	CHECK(fabs(json_real_value(json_object_get(
	               json_object_get(ref, "params"), "box_thresh")) -
	          p.box_thresh) < 1e-6);
	CHECK(fabs(json_real_value(json_object_get(
	               json_object_get(ref, "params"), "thresh")) -
	          p.thresh) < 1e-6);
	cases = json_object_get(ref, "cases");
	json_array_foreach(cases, ci, c)
	{
		json_t *boxes = json_object_get(c, "boxes");
		int mw = (int)json_integer_value(
		    json_array_get(json_object_get(c, "map_size"), 0));
		int mh = (int)json_integer_value(
		    json_array_get(json_object_get(c, "map_size"), 1));
		int iw = (int)json_integer_value(
		    json_array_get(json_object_get(c, "image_size"), 0));
		int ih = (int)json_integer_value(
		    json_array_get(json_object_get(c, "image_size"), 1));
		/* One map pixel is this many picture pixels. The two grow a box
		 * differently (an exact rectangle against Clipper's polygon
		 * with arcs), by under half a map pixel here; rounding adds
		 * one. */
		double tol = 0.5 *
		        (iw / (double)mw > ih / (double)mh ? iw / (double)mw
		                                           : ih / (double)mh) +
		    1;
		char path[256];
		struct ocr_boxes got;
		struct fz_err err;
		float *map;
		size_t bi, k, matched = 0;
		unsigned char *used;
		json_t *b;

		snprintf(path, sizeof(path), FIX "%s",
		    json_string_value(json_object_get(c, "map")));
		map = nnfix_read_floats(path, (size_t)mw * mh);
		CHECK(map != NULL);
		if (map == NULL)
			continue;
		CHECK(ocr_det_boxes(map, mw, mh, iw, ih, &p, &got, &err) == 0);
		CHECK(got.n == json_array_size(boxes));
		used = calloc(got.n + 1, 1);
		json_array_foreach(boxes, bi, b)
		{
			json_t *pts = json_object_get(b, "points");
			double score =
			    json_real_value(json_object_get(b, "score"));
			size_t best = got.n;
			double bestd = 1e9;

			for (k = 0; k < got.n; k++) {
				double d = 0;
				int i;

				for (i = 0; i < 4; i++) {
					json_t *q = json_array_get(pts, i);
					double dx = got.v[k].x[i] -
					    json_number_value(
					        json_array_get(q, 0));
					double dy = got.v[k].y[i] -
					    json_number_value(
					        json_array_get(q, 1));

					d = fmax(d, fmax(fabs(dx), fabs(dy)));
				}
				if (!used[k] && d < bestd) {
					bestd = d;
					best = k;
				}
			}
			/* Scores differ by the rim pixels where two line
			 * rasterisers disagree (about 0.01). */
			if (best < got.n && bestd <= tol &&
			    fabs(got.v[best].score - score) < 0.02) {
				used[best] = 1;
				matched++;
			} else {
				fprintf(stderr,
				    "%s: reference box %zu (score %.3f) "
				    "unmatched: nearest %.1f px away "
				    "(tolerance %.1f), score %.3f\n",
				    json_string_value(
				        json_object_get(c, "name")),
				    bi, score, bestd, tol,
				    best < got.n ? got.v[best].score : -1.0);
			}
		}
		CHECK(matched == json_array_size(boxes));
		/* Reading order: every box starts no higher than 10 px above
		 * the one before it. */
		for (k = 1; k < got.n; k++)
			CHECK(got.v[k].y[0] > got.v[k - 1].y[0] - 10);
		free(used);
		free(map);
		ocr_boxes_free(&got);
		ncases++;
	}
	CHECK(ncases == 3);
	json_decref(ref);
}

/* Hand-made maps whose boxes follow from the rules alone. */
static void
test_synthetic(void)
{
	enum { W = 64, H = 32 };
	static float map[W * H];
	struct ocr_det_params p;
	struct ocr_boxes b;
	struct fz_err err;
	int x, y;

	ocr_det_defaults(&p);
	CHECK(ocr_det_boxes(map, W, H, W, H, &p, &b, &err) == 0 && b.n == 0);

	/* Pixel centres x 10..29, y 5..10: a 19 x 5 rectangle, grown by
	 * d = 19 * 5 * 1.5 / 48 = 2.97 on each side:
	 * (7.03, 2.03)-(31.97, 12.97). */
	for (y = 5; y <= 10; y++)
		for (x = 10; x <= 29; x++)
			map[y * W + x] = 0.9f;
	CHECK(ocr_det_boxes(map, W, H, W, H, &p, &b, &err) == 0 && b.n == 1);
	if (b.n == 1) {
		CHECK(b.v[0].x[0] == 7 && b.v[0].y[0] == 2);
		CHECK(b.v[0].x[1] == 32 && b.v[0].y[1] == 2);
		CHECK(b.v[0].x[2] == 32 && b.v[0].y[2] == 13);
		CHECK(b.v[0].x[3] == 7 && b.v[0].y[3] == 13);
		CHECK(fabsf(b.v[0].score - 0.9f) < 1e-6f);
	}
	ocr_boxes_free(&b);

	/* Twice the picture size: every coordinate doubles. */
	CHECK(ocr_det_boxes(map, W, H, 2 * W, 2 * H, &p, &b, &err) == 0 &&
	    b.n == 1);
	if (b.n == 1)
		CHECK(b.v[0].x[0] == 14 && b.v[0].y[0] == 4 &&
		    b.v[0].x[2] == 64 && b.v[0].y[2] == 26);
	ocr_boxes_free(&b);

	/* Too faint on average (0.4 < 0.5): dropped. A second, sure region
	 * stays. */
	for (y = 5; y <= 10; y++)
		for (x = 10; x <= 29; x++)
			map[y * W + x] = 0.4f;
	for (y = 20; y <= 26; y++)
		for (x = 40; x <= 60; x++)
			map[y * W + x] = 0.8f;
	CHECK(ocr_det_boxes(map, W, H, W, H, &p, &b, &err) == 0 && b.n == 1);
	if (b.n == 1)
		CHECK(b.v[0].y[0] < 20 && b.v[0].x[0] < 40 && b.v[0].x[1] > 60);
	ocr_boxes_free(&b);

	/* Two pixels high (shortest side 1 < 3): dropped. */
	memset(map, 0, sizeof(map));
	for (y = 5; y <= 6; y++)
		for (x = 10; x <= 40; x++)
			map[y * W + x] = 0.9f;
	CHECK(ocr_det_boxes(map, W, H, W, H, &p, &b, &err) == 0 && b.n == 0);

	/* A diagonal band: one region (8-connected), its box tilted. */
	memset(map, 0, sizeof(map));
	for (x = 4; x < 60; x++)
		for (y = x / 3; y < x / 3 + 6 && y < H; y++)
			map[y * W + x] = 0.95f;
	CHECK(ocr_det_boxes(map, W, H, W, H, &p, &b, &err) == 0 && b.n == 1);
	if (b.n == 1)
		CHECK(b.v[0].y[1] >
		    b.v[0].y[0] + 10); /* the top edge slopes down */
	ocr_boxes_free(&b);

	/* At most max_candidates regions are looked at. */
	memset(map, 0, sizeof(map));
	for (y = 2; y <= 8; y++)
		for (x = 2; x <= 12; x++)
			map[y * W + x] = map[(y + 16) * W + x + 30] = 0.9f;
	p.max_candidates = 1;
	CHECK(ocr_det_boxes(map, W, H, W, H, &p, &b, &err) == 0 && b.n == 1);
	ocr_boxes_free(&b);
	p.max_candidates = 1000;
	CHECK(ocr_det_boxes(map, W, H, W, H, &p, &b, &err) == 0 && b.n == 2);
	if (b.n == 2)
		CHECK(b.v[0].y[0] < b.v[1].y[0]);
	ocr_boxes_free(&b);

	CHECK(ocr_det_boxes(map, 0, H, W, H, &p, &b, &err) == -1);
	CHECK(ocr_det_boxes(map, 5000, 5000, W, H, &p, &b, &err) == -1);
}

int
main(void)
{
	test_size();
	test_input();
	test_against_opencv();
	test_synthetic();
	return unit_done("ocr_det");
}
