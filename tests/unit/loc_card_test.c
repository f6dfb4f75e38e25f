/* Unit tests for loc_card.c: cards found, rectified, ordered and turned upright in generated photos and the real back. */
#include <dirent.h>

#include "loc_photos.h"
#include "unit.h"

static int
has_bytes(const unsigned char *b, long n, const char *s)
{
	size_t m = strlen(s);
	long i;

	for (i = 0; i + (long)m <= n; i++)
		if (memcmp(b + i, s, m) == 0)
			return 1;
	return 0;
}

/* Every generated photo of one level: each card found within tol of the card's width, in order, side right. */
static void
check_set(const char *level, int count, int seed, double tol)
{
	char dir[256], args[256], name[64], path[512];
	int i, k;

	snprintf(args, sizeof(args), "set --level %s --count %d --seed %d", level, count, seed);
	CHECK(lp_mkphotos(dir, sizeof(dir), args) == 0);
	for (i = 0; i < count; i++) {
		struct loc_image img;
		struct loc_result res;
		struct fz_err err;
		unsigned char *bytes = NULL;
		long n = 0;
		json_t *truth, *cards;
		size_t nt;

		snprintf(name, sizeof(name), "%s-%04d", level, i);
		snprintf(path, sizeof(path), "%s/%s.jpg", dir, name);
		truth = lp_truth(dir, name);
		CHECK(truth != NULL);
		if (truth == NULL || loc_load_jpeg(path, &img, &bytes, &n) == -1) {
			CHECK(0);
			json_decref(truth);
			continue;
		}
		/* The engine's test photos never carry the emulator's specimen segment. */
		CHECK(!has_bytes(bytes, n, "FAIZ-SPECIMEN"));
		free(bytes);
		CHECK(loc_find_cards(&img, &res, &err) == 0);
		cards = json_object_get(truth, "cards");
		nt = json_array_size(cards);
		if ((size_t)res.n != nt)
			fprintf(stderr, "%s: %d cards found, %zu in the photo\n", name, res.n, nt);
		CHECK((size_t)res.n == nt);
		/* Same order as the truth, which is in reading order. */
		for (k = 0; k < res.n && (size_t)k < nt; k++) {
			json_t *c = json_array_get(cards, (size_t)k);
			struct loc_pt want[4];
			double e;

			lp_corners(c, want);
			e = lp_corner_error(res.card[k].c, want);
			if (e > tol)
				fprintf(stderr, "%s card %d: corner error %.4f of the card width\n", name, k, e);
			CHECK(e <= tol);
			CHECK_STR(lp_side(res.card[k].side), json_string_value(json_object_get(c, "side")));
			CHECK(res.card[k].score > 0 && res.card[k].score <= 1);
		}
		json_decref(truth);
		loc_image_free(&img);
	}
	lp_rmdir(dir);
}

static void
check_level(const char *level, int count, double tol)
{
	check_set(level, count, 11, tol);
}

/* The real photographed back: found, a back, upright, filling the frame; its rectified image shows the emblem top left. */
static void
check_real_back(void)
{
	struct loc_image img, rect;
	struct loc_result res;
	struct fz_err err;
	struct loc_cues cues;
	int flip;
	double sc, oc;

	CHECK(loc_load_jpeg("tests/fixtures/card_back.jpg", &img, NULL, NULL) == 0);
	CHECK(loc_find_cards(&img, &res, &err) == 0);
	CHECK(res.n == 1);
	if (res.n == 1) {
		const struct loc_quad *q = &res.card[0];
		/* The card nearly fills the 437x273 frame: corners within 3% of its width of the frame's. */
		CHECK(fabs(q->c[0].x) < 13 && fabs(q->c[0].y) < 13);
		CHECK(fabs(q->c[1].x - 437) < 13 && fabs(q->c[1].y) < 13);
		CHECK(fabs(q->c[2].x - 437) < 13 && fabs(q->c[2].y - 273) < 13);
		CHECK(fabs(q->c[3].x) < 13 && fabs(q->c[3].y - 273) < 13);
		CHECK(q->side == LOC_CARD_BACK);
		CHECK(q->rotation == 0);
		CHECK(loc_rectify(&img, q->c, LOC_RECT_W, LOC_RECT_H, &rect, &err) == 0);
		CHECK(rect.w == LOC_RECT_W && rect.h == LOC_RECT_H && rect.channels == 3);
		/* Upright already: deciding again on the rectified card keeps it. */
		CHECK(loc_decide_side(&rect, &cues, &flip, &sc, &oc) == LOC_CARD_BACK);
		CHECK(flip == 0);
		CHECK(cues.emblem_red > 0.2 && cues.emblem_red_rot < 0.02);
		loc_image_free(&rect);
	}
	loc_image_free(&img);
}

/* The same card turned 180 degrees in memory comes back with its corners turned too. */
static void
check_upside_down(void)
{
	struct loc_image img, rot;
	struct loc_result a, b;
	struct fz_err err;
	int x, y, c;

	CHECK(loc_load_jpeg("tests/fixtures/card_back.jpg", &img, NULL, NULL) == 0);
	rot = img;
	rot.px = malloc((size_t)img.w * img.h * 3);
	CHECK(rot.px != NULL);
	if (rot.px == NULL) {
		loc_image_free(&img);
		return;
	}
	for (y = 0; y < img.h; y++)
		for (x = 0; x < img.w; x++)
			for (c = 0; c < 3; c++)
				rot.px[((size_t)(img.h - 1 - y) * img.w + (img.w - 1 - x)) * 3 + c] =
				    img.px[((size_t)y * img.w + x) * 3 + c];
	CHECK(loc_find_cards(&img, &a, &err) == 0);
	CHECK(loc_find_cards(&rot, &b, &err) == 0);
	CHECK(a.n == 1 && b.n == 1);
	if (a.n == 1 && b.n == 1) {
		int j;
		CHECK(b.card[0].rotation == 180);
		CHECK(b.card[0].side == LOC_CARD_BACK);
		/* Turned back, b's corner j is a's corner j. */
		for (j = 0; j < 4; j++)
			CHECK(hypot(img.w - b.card[0].c[j].x - a.card[0].c[j].x,
			    img.h - b.card[0].c[j].y - a.card[0].c[j].y) < 3);
	}
	loc_image_free(&rot);
	loc_image_free(&img);
}

/* Rectifying an axis-aligned rectangle of a horizontal ramp copies the ramp. */
static void
check_rectify(void)
{
	struct loc_image img = { 200, 100, 200, 1, NULL }, out;
	struct loc_pt q[4] = { { 10, 10 }, { 110, 10 }, { 110, 60 }, { 10, 60 } };
	struct fz_err err;
	int x, y, bad = 0;

	img.px = malloc(200 * 100);
	CHECK(img.px != NULL);
	if (img.px == NULL)
		return;
	for (y = 0; y < 100; y++)
		for (x = 0; x < 200; x++)
			img.px[y * 200 + x] = (unsigned char)x;
	CHECK(loc_rectify(&img, q, 100, 50, &out, &err) == 0);
	for (y = 0; y < 50; y++)
		for (x = 0; x < 100; x++)
			bad += abs(out.px[y * 100 + x] - (10 + x)) > 1;
	CHECK(bad == 0);
	loc_image_free(&out);
	/* A degenerate quad is an error, not a crash. */
	q[1] = q[0];
	q[2] = q[0];
	CHECK(loc_rectify(&img, q, 100, 50, &out, &err) == -1);
	free(img.px);
}

/* Images that are not photos of cards: no card, not an error; bad buffers: an error. */
static void
check_no_card(void)
{
	struct loc_image img = { 640, 480, 640 * 3, 3, NULL };
	struct loc_result res;
	struct fz_err err;
	unsigned s = 12345;
	size_t i;

	img.px = malloc(640 * 480 * 3);
	CHECK(img.px != NULL);
	if (img.px == NULL)
		return;
	memset(img.px, 128, 640 * 480 * 3);
	CHECK(loc_find_cards(&img, &res, &err) == 0 && res.n == 0);
	for (i = 0; i < 640 * 480 * 3; i++) {
		s = s * 1103515245u + 12345u;
		img.px[i] = (unsigned char)(s >> 16);
	}
	CHECK(loc_find_cards(&img, &res, &err) == 0 && res.n == 0);
	img.w = 10;
	CHECK(loc_find_cards(&img, &res, &err) == -1);
	img.w = 640;
	img.channels = 2;
	CHECK(loc_find_cards(&img, &res, &err) == -1);
	img.channels = 3;
	img.stride = 100;
	CHECK(loc_find_cards(&img, &res, &err) == -1);
	free(img.px);
	img.px = NULL;
	CHECK(loc_find_cards(&img, &res, &err) == -1);
}

/* A grey (one-channel) photo of a card is found as well. */
static void
check_grey(void)
{
	struct loc_image img, g;
	struct loc_result a, b;
	struct fz_err err;

	CHECK(loc_load_jpeg("tests/fixtures/card_back.jpg", &img, NULL, NULL) == 0);
	CHECK(lp_grey(&img, &g) == 0);
	if (g.px != NULL) {
		CHECK(loc_find_cards(&img, &a, &err) == 0);
		CHECK(loc_find_cards(&g, &b, &err) == 0);
		CHECK(b.n == 1);
		if (a.n == 1 && b.n == 1)
			CHECK(lp_corner_error(b.card[0].c, a.card[0].c) < 0.02);
	}
	loc_image_free(&g);
	loc_image_free(&img);
}

int
main(void)
{
	check_rectify();
	check_no_card();
	check_real_back();
	check_upside_down();
	check_grey();
	/* Good phone photos: within 1% of the card's width, as the engine notes require. */
	check_level("good", 5, 0.01);
	/* Photocopy pages (front above back) and multi-card scans: every card, in reading order. */
	check_level("photocopy", 2, 0.015);
	check_level("multi", 2, 0.015);
	check_level("nocard", 2, 0.01);
	/* Hard photos of a card with something on its portrait (another card,
	 * a coin): the portrait box and the thing on it are two separate quads
	 * inside the card, and the card must not give way to them as a page to
	 * its cards (hard-0058 and hard-0063 of make bench-engine). */
	check_set("hard", 1, 20058, 0.02);
	check_set("hard", 1, 20063, 0.02);
	return unit_done("loc_card");
}
