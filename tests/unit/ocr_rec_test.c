/* Unit tests for ocr_rec.c: keys parsing, CTC decoding against ONNX Runtime's
 * rec outputs, half-width folding, and the crop geometry. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "ocr_rec.h"
#include "nnfix.h"
#include "unit.h"

#define FIX NNFIX_DIR

static int
keys_from(const char *text, struct ocr_keys *k)
{
	struct fz_err err;

	return ocr_keys_parse(
	    (const unsigned char *)text, strlen(text), k, &err);
}

static void
test_keys(void)
{
	struct ocr_keys k;

	CHECK(keys_from("a\nb\n", &k) == 0 && k.n == 2);
	CHECK_STR(k.v[0], "a");
	CHECK_STR(k.v[1], "b");
	ocr_keys_free(&k);
	/* No final newline; CRLF; a line that is one space stays a space. */
	CHECK(keys_from("中\r\n \r\n文", &k) == 0 && k.n == 3);
	CHECK_STR(k.v[0], "中");
	CHECK_STR(k.v[1], " ");
	CHECK_STR(k.v[2], "文");
	ocr_keys_free(&k);
	CHECK(keys_from("a\n\nb\n", &k) == -1);       /* empty line */
	CHECK(keys_from("a\n\xff\n", &k) == -1);      /* not UTF-8 */
	CHECK(keys_from("a\n\xe4\xb8\n", &k) == -1);  /* cut short */
	CHECK(keys_from("\xed\xa0\x80\n", &k) == -1); /* a surrogate */
	CHECK(keys_from("", &k) == -1);
	CHECK(k.v == NULL && k.buf == NULL);
}

static void
test_halfwidth(void)
{
	char s[64];

	snprintf(s, sizeof(s), "%s", "ＡＢＣ！～\xe3\x80\x80x中１２");
	ocr_halfwidth(s);
	CHECK_STR(s, "ABC!~ x中12");
	/* U+FF00 and U+FF5F lie outside the range and stay. */
	snprintf(s, sizeof(s), "%s", "\xef\xbc\x80\xef\xbd\x9f（）");
	ocr_halfwidth(s);
	CHECK_STR(s, "\xef\xbc\x80\xef\xbd\x9f()");
	/* A lead byte at the very end is not read past. */
	snprintf(s, sizeof(s), "%s", "a\xef");
	ocr_halfwidth(s);
	CHECK_STR(s, "a\xef");
}

static void
test_decode_rules(void)
{
	/* Classes: 0 blank, 1 "a", 2 "Ｂ" (full width), 3 the space. */
	static const int seq[8] = {1, 1, 0, 1, 2, 3, 3, 0};
	float probs[8 * 4];
	struct ocr_keys k;
	struct ocr_text t;
	struct fz_err err;
	int i;

	CHECK(keys_from("a\nＢ\n", &k) == 0);
	for (i = 0; i < 8; i++) {
		int c;

		for (c = 0; c < 4; c++)
			probs[i * 4 + c] =
			    c == seq[i] ? 0.5f + 0.05f * i : 0.1f;
	}
	CHECK(ocr_rec_decode(probs, 8, 4, &k, &t, &err) == 0);
	/* Repeats merge; a blank between two a's keeps both; Ｂ folds to B. */
	CHECK_STR(t.text, "aaB ");
	/* Kept steps 0, 3, 4, 5: top probabilities 0.5, 0.65, 0.7, 0.75. */
	CHECK(fabsf(t.confidence - (0.5f + 0.65f + 0.7f + 0.75f) / 4) < 1e-6f);
	ocr_text_free(&t);
	/* All blank: empty text, confidence 0. */
	for (i = 0; i < 32; i++)
		probs[i] = i % 4 == 0 ? 0.9f : 0.0f;
	CHECK(ocr_rec_decode(probs, 8, 4, &k, &t, &err) == 0);
	CHECK_STR(t.text, "");
	CHECK(t.confidence == 0);
	ocr_text_free(&t);
	CHECK(ocr_rec_decode(probs, 8, 5, &k, &t, &err) == -1);
	CHECK(strstr(err.msg, "classes") != NULL);
	ocr_keys_free(&k);
}

/* The rec outputs of ONNX Runtime decode to what tools/ort-ref.mjs decoded (an
 * independent implementation). */
static void
test_decode_fixtures(void)
{
	const char *dir = getenv("FAIZ_MODELS");
	struct models_set ms;
	struct ocr_keys k;
	struct fz_err err;
	json_error_t jerr;
	json_t *man, *c;
	size_t i;
	int ncases = 0;

	CHECK(models_find(dir && dir[0] ? dir : "models", &ms, &err) == 0);
	if (ms.data[MODELS_KEYS] == NULL) {
		fprintf(stderr, "ocr_rec: %s\n", err.msg);
		return;
	}
	CHECK(ocr_keys_parse(
	          ms.data[MODELS_KEYS], ms.len[MODELS_KEYS], &k, &err) == 0);
	CHECK(k.n == 6623);
	man = json_load_file(FIX "manifest.json", 0, &jerr);
	CHECK(man != NULL);
	json_array_foreach(json_object_get(man, "cases"), i, c)
	{
		json_t *dims = json_object_get(c, "output_dims");
		size_t steps, classes;
		struct ocr_text t;
		char path[256], want[512];
		float *probs;

		if (strcmp(json_string_value(json_object_get(c, "model")),
		        "rec") != 0)
			continue;
		steps = (size_t)json_integer_value(json_array_get(dims, 1));
		classes = (size_t)json_integer_value(json_array_get(dims, 2));
		snprintf(path, sizeof(path), FIX "%s",
		    json_string_value(json_object_get(c, "output")));
		probs = nnfix_read_floats(path, steps * classes);
		CHECK(probs != NULL);
		if (probs == NULL)
			continue;
		CHECK(ocr_rec_decode(probs, steps, classes, &k, &t, &err) == 0);
		snprintf(want, sizeof(want), "%s",
		    json_string_value(json_object_get(c, "text")));
		ocr_halfwidth(want);
		CHECK_STR(t.text, want);
		CHECK(fabs(t.confidence -
		          json_real_value(json_object_get(c, "confidence"))) <
		    1e-5);
		/* The first kept class agrees too (汉 is class 1012, line
		 * 1012). */
		CHECK(strncmp(k.v[json_integer_value(json_array_get(
		                      json_object_get(c, "indices"), 0)) -
		                  1],
		          want,
		          strlen(k.v[json_integer_value(json_array_get(
		                         json_object_get(c, "indices"), 0)) -
		              1])) == 0);
		ocr_text_free(&t);
		free(probs);
		ncases++;
	}
	CHECK(ncases == 4);
	json_decref(man);
	ocr_keys_free(&k);
	models_set_free(&ms);
}

/* A picture whose blue is x and green is y: bilinear sampling of it is exact,
 * so positions can be read back. */
enum { PW = 240, PH = 200 };
static unsigned char pic[PH][PW][3];

static void
make_pic(void)
{
	int x, y;

	for (y = 0; y < PH; y++)
		for (x = 0; x < PW; x++) {
			pic[y][x][0] = (unsigned char)x;
			pic[y][x][1] = (unsigned char)y;
			pic[y][x][2] = 100;
		}
}

static float
norm(double v)
{
	return ((float)lround(v) / 255.0f - 0.5f) / 0.5f;
}

static void
test_crop(void)
{
	const struct ocr_image img = {&pic[0][0][0], PW, PH, PW * 3};
	/* An upright 100 x 24 box from (10, 20). */
	const struct ocr_box flat = {{10, 110, 110, 10}, {20, 20, 44, 44}, 1};
	/* A 40 x 100 box: a vertical line, turned before reading. */
	const struct ocr_box tall = {
	    {150, 190, 190, 150}, {50, 50, 150, 150}, 1};
	unsigned char warp[30 * 20 * 3];
	struct fz_err err;
	float *t;
	int w, x, y, ok = 1;

	make_pic();
	CHECK(ocr_rec_input(&img, &flat, 320, 1000, &t, &w, &err) == 0);
	CHECK(w == 320);
	if (t != NULL) {
		const size_t plane = 48 * 320;

		/* ceil(48 * 100 / 24) = 200 columns, each source pixel doubled:
		 * column x samples crop x (x + 0.5) / 2 - 0.5, picture x + 10.
		 */
		for (y = 1; y < 47; y++)
			for (x = 1; x < 199; x++) {
				ok &=
				    fabsf(t[(size_t)y * 320 + x] -
				        norm(10 + (x + 0.5) / 2 - 0.5)) < 1e-6f;
				ok &=
				    fabsf(t[plane + (size_t)y * 320 + x] -
				        norm(20 + (y + 0.5) / 2 - 0.5)) < 1e-6f;
				ok &= fabsf(t[2 * plane + (size_t)y * 320 + x] -
				          norm(100)) < 1e-6f;
			}
		/* Padding on the right is 0. */
		for (y = 0; y < 48; y++)
			for (x = 200; x < 320; x++)
				ok &= t[(size_t)y * 320 + x] == 0 &&
				    t[2 * plane + (size_t)y * 320 + x] == 0;
		CHECK(ok);
		free(t);
	}
	/* The width is capped, and not padded when min_w is smaller. */
	CHECK(
	    ocr_rec_input(&img, &flat, 0, 150, &t, &w, &err) == 0 && w == 150);
	free(t);

	/* Tall: turned a quarter counter-clockwise, so the crop's right
	 * column (picture x 190) is the top row, and height 48 spans 40 px. */
	CHECK(ocr_rec_input(&img, &tall, 0, 1000, &t, &w, &err) == 0);
	CHECK(w == 120); /* ceil(48 * 100 / 40) */
	if (t != NULL) {
		const size_t plane = 48 * (size_t)w;

		/* Row 0 samples crop column 39 (x 189), then x decreases going
		 * down. */
		CHECK(fabsf(t[0] - norm(189)) < 1e-6f);
		CHECK(t[47 * w] < t[0]);
		/* Along a row, green (the picture's y) grows from 50 towards
		 * 150. */
		CHECK(t[plane + 0] < t[plane + w - 1]);
		CHECK(fabsf(t[plane + 60] -
		          norm(50 + (60 + 0.5) * 100.0 / 120 - 0.5)) < 1e-6f);
		free(t);
	}

	/* A tilted box samples along its own axes: a 30 x 20 parallelogram
	 * from (50, 60) with sides (+30, +6) and (-4, +20) reads back exactly.
	 */
	{
		const float qx[4] = {50, 80, 76, 46}, qy[4] = {60, 66, 86, 80};

		CHECK(ocr_img_warp(&img, qx, qy, 30, 20, warp, &err) == 0);
		ok = 1;
		for (y = 0; y < 20; y++)
			for (x = 0; x < 30; x++) {
				ok &= warp[(y * 30 + x) * 3] ==
				    lround(50 + x - 4.0 * y / 20);
				ok &= warp[(y * 30 + x) * 3 + 1] ==
				    lround(60 + 6.0 * x / 30 + y);
			}
		CHECK(ok);
	}

	{
		const struct ocr_box dot = {{5, 5, 5, 5}, {5, 5, 5, 5}, 1};
		const struct ocr_box wild = {
		    {NAN, 10, 10, 0}, {0, 0, 10, 10}, 1};

		CHECK(ocr_rec_input(&img, &dot, 0, 320, &t, &w, &err) == -1);
		CHECK(ocr_rec_input(&img, &wild, 0, 320, &t, &w, &err) == -1);
		CHECK(ocr_rec_input(&img, &flat, 400, 320, &t, &w, &err) == -1);
	}
}

int
main(void)
{
	test_keys();
	test_halfwidth();
	test_decode_rules();
	test_decode_fixtures();
	test_crop();
	return unit_done("ocr_rec");
}
