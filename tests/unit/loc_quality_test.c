/* Unit tests for loc_quality.c: each quality flag on generated positive and negative cases. */
#include "loc_photos.h"
#include "loc_quality.h"
#include "unit.h"

struct want {
	const char *name;
	int gray, border, blurred, covered;
};

/* The cases tests/mkphotos.py flags makes, and the flags each must raise (and no other). */
static const struct want cases[] = {
	{ "plain", 0, 0, 0, 0 },
	{ "plain_back", 0, 0, 0, 0 },
	{ "gray", 1, 0, 0, 0 },
	{ "cut", 0, 1, 0, 0 },
	{ "edge", 0, 1, 0, 0 },
	{ "edge_back", 0, 1, 0, 0 },
	{ "head_note", 0, 0, 0, 1 },
	{ "head_coin", 0, 0, 0, 1 },
	{ "head_blur", 0, 0, 1, 0 },
	{ "defocus", 0, 0, 1, 0 },
};

static void
check_case(const char *dir, const struct want *w)
{
	char name[64], path[512];
	struct loc_image img, rect;
	struct loc_result res;
	struct loc_flags f;
	struct fz_err err;
	json_t *truth, *card;

	snprintf(name, sizeof(name), "flag-%s", w->name);
	snprintf(path, sizeof(path), "%s/%s.jpg", dir, name);
	truth = lp_truth(dir, name);
	CHECK(truth != NULL);
	if (truth == NULL || loc_load_jpeg(path, &img, NULL, NULL) == -1) {
		CHECK(0);
		json_decref(truth);
		return;
	}
	card = json_array_get(json_object_get(truth, "cards"), 0);
	/* The generator agrees with this table. */
	CHECK(json_is_true(json_object_get(truth, "gray_image")) == w->gray);
	CHECK(json_is_true(json_object_get(card, "border_covered")) == w->border);
	CHECK(json_is_true(json_object_get(card, "head_blurred")) == w->blurred);
	CHECK(json_is_true(json_object_get(card, "head_covered")) == w->covered);
	CHECK(loc_find_cards(&img, &res, &err) == 0);
	CHECK(res.n == 1);
	if (res.n == 1 && loc_rectify(&img, res.card[0].c, LOC_RECT_W, LOC_RECT_H, &rect, &err) == 0) {
		CHECK(loc_quality(&img, &res.card[0], &rect, &f, &err) == 0);
		if (f.gray_image != w->gray || f.border_covered != w->border || f.head_blurred != w->blurred ||
		    f.head_covered != w->covered)
			fprintf(stderr, "%s: gray %d (%.1f) border %d (gap %.2f out %.3f) blurred %d (%.2f) "
			    "covered %d (%.2f)\n", name, f.gray_image, f.chroma, f.border_covered, f.gap,
			    f.out_of_frame, f.head_blurred, f.blur, f.head_covered, f.cover);
		CHECK(f.gray_image == w->gray);
		CHECK(f.border_covered == w->border);
		CHECK(f.head_blurred == w->blurred);
		CHECK(f.head_covered == w->covered);
		loc_image_free(&rect);
	}
	json_decref(truth);
	loc_image_free(&img);
}

/* A one-channel photo is gray_image; a back never gets portrait flags; bad arguments are errors. */
static void
check_direct(void)
{
	struct loc_image img, g, rect;
	struct loc_result res;
	struct loc_flags f;
	struct fz_err err;

	CHECK(loc_load_jpeg("tests/fixtures/card_back.jpg", &img, NULL, NULL) == 0);
	CHECK(loc_find_cards(&img, &res, &err) == 0 && res.n == 1);
	if (res.n != 1) {
		loc_image_free(&img);
		return;
	}
	CHECK(loc_rectify(&img, res.card[0].c, LOC_RECT_W, LOC_RECT_H, &rect, &err) == 0);
	CHECK(loc_quality(&img, &res.card[0], &rect, &f, &err) == 0);
	/* The real back is a colour photo of a back. */
	CHECK(f.gray_image == 0 && f.chroma > 1.5 * LOC_GRAY_CHROMA);
	CHECK(f.head_blurred == 0 && f.head_covered == 0);
	loc_image_free(&rect);

	CHECK(lp_grey(&img, &g) == 0);
	if (g.px != NULL) {
		CHECK(loc_rectify(&g, res.card[0].c, LOC_RECT_W, LOC_RECT_H, &rect, &err) == 0);
		CHECK(loc_quality(&g, &res.card[0], &rect, &f, &err) == 0);
		CHECK(f.gray_image == 1);
		/* A rectified card of the wrong size is refused. */
		rect.w = 100;
		CHECK(loc_quality(&g, &res.card[0], &rect, &f, &err) == -1);
		rect.w = LOC_RECT_W;
		loc_image_free(&rect);
	}
	loc_image_free(&g);
	loc_image_free(&img);
}

int
main(void)
{
	char dir[256];
	size_t i;

	check_direct();
	CHECK(lp_mkphotos(dir, sizeof(dir), "flags --seed 1") == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(dir, &cases[i]);
	lp_rmdir(dir);
	return unit_done("loc_quality");
}
