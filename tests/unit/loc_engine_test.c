/* Unit tests for loc_engine.c and loc_read.c: the pool hands back one result
 * per card, the real back and a fixed set of generated photos read right,
 * hostile pictures give their own error codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "loc_card.h"
#include "loc_engine.h"
#include "loc_fields.h"
#include "loc_read.h"
#include "nn_kern.h"
#include "record.h"
#include "textlines.h"
#include "unit.h"
#include "loc_photos.h"

#define NJOBS 64

static const char *const FRONT[] = {
    "name", "sex", "people", "birthday", "address", "id_number", NULL};
static const char *const BACK[] = {"issue_authority", "validity", NULL};

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0)
		abort();
	rewind(f);
	if ((b = malloc((size_t)n)) == NULL ||
	    fread(b, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* An image of w x h pixels of one grey level, as JPEG. */
static void
flat_jpeg(unsigned w, unsigned h, struct image *out)
{
	struct image_px px = {NULL, w, h, 3};
	struct fz_err err;

	if ((px.px = malloc((size_t)w * h * 3)) == NULL)
		abort();
	memset(px.px, 128, (size_t)w * h * 3);
	if (image_encode(&px, 90, &out->data, &out->len, &err) != 0)
		abort();
	free(px.px);
}

/* Submit imgs[0..n) to the engine and collect one (chained) result each. */
static void
run_all(
    struct recog *r, struct image *imgs, size_t n, struct recog_result **res)
{
	struct fz_err err;
	size_t next = 0, got = 0;
	int spins = 0;

	while (got < n && spins++ < 20000) {
		struct recog_result *x;

		while (next < n && r->ops->capacity(r->be) > 0) {
			struct recog_job j = {next, "test", &imgs[next]};

			CHECK(r->ops->submit(r->be, &j, &err) == 0);
			next++;
		}
		r->ops->wait(r->be, 0.5);
		while (r->ops->next(r->be, &x) == 1) {
			if (x->id < n && res[x->id] == NULL) {
				res[x->id] = x;
				got++;
			} else {
				CHECK(0); /* one result per job */
				recog_result_free(x);
			}
		}
	}
	CHECK(got == n);
	CHECK(r->ops->pending(r->be) == 0);
}

static const char *
text(const struct recog_result *r, const char *field)
{
	for (size_t i = 0; i < RECOG_NTEXT; i++)
		if (strcmp(record_text_fields[i], field) == 0)
			return r->text[i].s;
	return NULL;
}

static double
conf(const struct recog_result *r, const char *field)
{
	return r->confidence
	    ? json_number_value(json_object_get(r->confidence, field))
	    : -1;
}

/* Per level: exact fields counted over its cards. */
struct tally {
	int right[8], seen[8], cards, silent_id;
};

/* Compare result chain r with the truth of photo dir/name; count into t. */
static void
score(const struct recog_result *r, json_t *truth, struct tally *t)
{
	json_t *cards = json_object_get(truth, "cards");

	for (size_t k = 0; k < json_array_size(cards); k++) {
		json_t *c = json_array_get(cards, k);
		const char *side =
		    json_string_value(json_object_get(c, "side"));
		const char *const *keys =
		    strcmp(side, "front") == 0 ? FRONT : BACK;
		int off = keys == FRONT ? 0 : 6;

		t->cards++;
		for (int i = 0; keys[i]; i++) {
			const char *want = json_string_value(json_object_get(
			    json_object_get(c, "fields"), keys[i]));
			const char *got = r ? text(r, keys[i]) : NULL;
			int ok = got != NULL && strcmp(got, want) == 0;

			t->seen[off + i]++;
			t->right[off + i] += ok;
			/* A wrong number always carries low_confidence. */
			if (!ok && got != NULL &&
			    strcmp(keys[i], "id_number") == 0 &&
			    conf(r, keys[i]) >= LOC_FIELDS_LOW_CONF)
				t->silent_id++;
		}
		if (r != NULL && r->code[0] == '\0') {
			CHECK(r->card == (int)k + 1);
			CHECK(r->ncards == (int)json_array_size(cards));
			r = r->next_card;
		}
	}
}

/* Every field at least min_pct exact, no silent wrong number. */
static void
check_tally(const char *level, const struct tally *t, double min_pct)
{
	for (int i = 0; i < 8; i++) {
		double pct;

		if (t->seen[i] == 0)
			continue;
		pct = 100.0 * t->right[i] / t->seen[i];
		if (pct < min_pct)
			fprintf(stderr, "%s: %s %.1f%% exact, under %.1f%%\n",
			    level, i < 6 ? FRONT[i] : BACK[i - 6], pct,
			    min_pct);
		CHECK(pct >= min_pct);
	}
	CHECK(t->silent_id == 0);
}

/*
 * The fixed generated set: level, photos, seed, per-field threshold. The
 * thresholds are what this engine meets on these photos with a margin,
 * far under issue H's targets on hard photos (the bench has the rates).
 */
static const struct {
	const char *level;
	int count, seed;
	double min_pct;
} SETS[] = {
    {"clean", 6, 500, 66.0},
    {"good", 6, 500, 90.0},
    {"hard", 6, 500, 20.0},
};

/*
 * A card its cues call a back gets det at det_back_side; when the text
 * then shows no back (no label found, or a front's), it is read again at
 * the full det size. The real back is a back to its cues (checked on the
 * finder's result); det at 32 pixels reads nothing of it (checked with
 * the full size at 32); so with det_back_side 32 only the re-read at 864
 * can give its fields.
 */
static void
test_back_reread(void)
{
	struct textlines *t;
	struct textlines_ws *ws;
	struct loc_read_conf c;
	struct recog_result *r;
	struct loc_result found;
	struct image_px px = {0};
	struct loc_image photo;
	struct fz_err err;
	size_t len;
	unsigned char *b = slurp("tests/fixtures/card_back.jpg", &len);

	CHECK(textlines_open("models", &t, &err) == 0);
	CHECK((ws = textlines_ws_new(t)) != NULL);
	CHECK(image_decode_upright_rgb(
	          b, len, LOC_MAX_PIXELS, 4096, &px, &err) == 0);
	photo.w = (int)px.w;
	photo.h = (int)px.h;
	photo.channels = 3;
	photo.stride = (int)px.w * 3;
	photo.px = px.px;
	CHECK(loc_find_cards(&photo, &found, &err) == 0 && found.n == 1 &&
	    found.card[0].side == LOC_CARD_BACK);
	image_px_free(&px);

	loc_read_defaults(t, &c);
	c.det.limit_side = 32;
	c.det_back_side = 0;
	r = recog_result_new(0);
	CHECK(loc_read_jpeg(&c, ws, b, len, r) == 0);
	CHECK(strcmp(r->code, LOC_READ_NO_CARD) == 0);
	recog_result_free(r);

	loc_read_defaults(t, &c);
	c.det_back_side = 32;
	r = recog_result_new(0);
	CHECK(loc_read_jpeg(&c, ws, b, len, r) == 0);
	CHECK(r->code[0] == '\0');
	CHECK(text(r, "issue_authority") != NULL &&
	    strcmp(text(r, "issue_authority"), "瑞金市公安局") == 0);
	CHECK(text(r, "validity") != NULL &&
	    strcmp(text(r, "validity"), "2017.07.19-2027.07.19") == 0);
	recog_result_free(r);
	textlines_ws_free(ws);
	textlines_close(t);
	free(b);
}

/* A front whose pixel cues say back: the top left of a clean front under a
 * transparent red film (multiplied by 1, 0.55, 0.55, as red stamp ink or a
 * sticker would be), so the finder sees the back's red emblem there. With
 * det_back_side 32 the first read finds no text either way up; only the
 * re-read at det's full size, turned back the way the first read began,
 * gives the front's fields. */
static void
test_front_reread(void)
{
	struct textlines *t;
	struct textlines_ws *ws;
	struct loc_read_conf c;
	struct recog_result *r;
	struct loc_result found;
	struct image_px px = {0};
	struct loc_image photo;
	struct loc_pt q[4];
	struct fz_err err;
	char dir[64], p[256];
	json_t *truth = NULL, *card = NULL, *fields;
	unsigned char *b, *tinted = NULL;
	size_t len, tlen = 0;
	int k;

	CHECK(lp_mkphotos(dir, sizeof(dir),
	          "set --level clean --count 3 --seed 5") == 0);
	for (k = 0; k < 3 && card == NULL; k++) {
		char name[32];

		json_decref(truth);
		snprintf(name, sizeof(name), "clean-%04d", k);
		truth = lp_truth(dir, name);
		card = json_array_get(json_object_get(truth, "cards"), 0);
		if (card == NULL ||
		    strcmp(json_string_value(json_object_get(card, "side")),
		        "front") != 0)
			card = NULL;
	}
	if (card == NULL) {
		CHECK(!"a front among the three clean photos");
		json_decref(truth);
		lp_rmdir(dir);
		return;
	}
	snprintf(p, sizeof(p), "%s/clean-%04d.jpg", dir, k - 1);
	b = slurp(p, &len);
	lp_corners(card, q);
	CHECK(image_decode_upright_rgb(
	          b, len, LOC_MAX_PIXELS, 4096, &px, &err) == 0);
	/* Each photo pixel to card fractions (u, v), by the affine map of the
	 * truth's corners (top left, top right, bottom left): a clean photo
	 * has no tilt. The film covers u 0.03-0.27, v 0.04-0.42. */
	{
		double ax = q[1].x - q[0].x, ay = q[1].y - q[0].y;
		double bx = q[3].x - q[0].x, by = q[3].y - q[0].y;
		double det = ax * by - ay * bx;

		for (unsigned y = 0; y < px.h; y++)
			for (unsigned x = 0; x < px.w; x++) {
				double dx = x + 0.5 - q[0].x,
				       dy = y + 0.5 - q[0].y;
				double u = (dx * by - dy * bx) / det,
				       v = (ax * dy - ay * dx) / det;
				unsigned char *o =
				    px.px + ((size_t)y * px.w + x) * 3;

				if (u < 0.03 || u > 0.27 || v < 0.04 ||
				    v > 0.42)
					continue;
				o[1] = (unsigned char)(0.55 * o[1]);
				o[2] = (unsigned char)(0.55 * o[2]);
			}
	}
	CHECK(image_encode(&px, 92, &tinted, &tlen, &err) == 0);
	photo.w = (int)px.w;
	photo.h = (int)px.h;
	photo.channels = 3;
	photo.stride = (int)px.w * 3;
	photo.px = px.px;
	CHECK(loc_find_cards(&photo, &found, &err) == 0 && found.n == 1 &&
	    found.card[0].side == LOC_CARD_BACK);
	image_px_free(&px);

	CHECK(textlines_open("models", &t, &err) == 0);
	CHECK((ws = textlines_ws_new(t)) != NULL);
	loc_read_defaults(t, &c);
	c.det_back_side = 32;
	r = recog_result_new(0);
	CHECK(loc_read_jpeg(&c, ws, tinted, tlen, r) == 0);
	CHECK_STR(r->code, "");
	CHECK_STR(r->side, "front");
	fields = json_object_get(card, "fields");
	for (int i = 0; FRONT[i] != NULL; i++)
		CHECK_STR(text(r, FRONT[i]),
		    json_string_value(json_object_get(fields, FRONT[i])));
	recog_result_free(r);
	textlines_ws_free(ws);
	textlines_close(t);
	free(tinted);
	free(b);
	json_decref(truth);
	lp_rmdir(dir);
}

int
main(int argc, char **argv)
{
	struct loc_engine_settings s = {2, 1, "models"};
	struct recog r;
	struct fz_err err;
	struct image imgs[NJOBS];
	struct recog_result *res[NJOBS];
	char dirs[3][64], pdir[64];
	json_t *truth[NJOBS] = {0};
	int level_of[NJOBS];
	size_t n = 0, nb;
	struct tally t[3];

	(void)argc;
	nn_blas_pick_core(argv);
	memset(imgs, 0, sizeof(imgs));
	memset(res, 0, sizeof(res));
	memset(t, 0, sizeof(t));
	CHECK(loc_engine_new(&s, &r, &err) == 0);
	CHECK(r.ops->capacity(r.be) == 4);
	/* 0: the real back; 1: flat grey; 2: tiny; 3: truncated; 4: too wide */
	imgs[n++].data = slurp("tests/fixtures/card_back.jpg", &imgs[0].len);
	flat_jpeg(640, 480, &imgs[n++]);
	flat_jpeg(40, 30, &imgs[n++]);
	imgs[n].data = slurp("tests/fixtures/card_back.jpg", &imgs[n].len);
	imgs[n++].len /= 3;
	flat_jpeg(LOC_MAX_SIDE + 8, 64, &imgs[n++]);
	nb = n;
	/* 5: a photocopy page, front above back; 6: a page of no card. */
	CHECK(lp_mkphotos(pdir, sizeof(pdir),
	          "set --level photocopy --count 1 --seed 1") == 0);
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/photocopy-0000.jpg", pdir);
		imgs[n].data = slurp(p, &imgs[n].len);
		truth[n] = lp_truth(pdir, "photocopy-0000");
		level_of[n++] = -1;
	}
	for (int l = 0; l < 3; l++) {
		char args[128];

		snprintf(args, sizeof(args),
		    "set --level %s --count %d --seed %d", SETS[l].level,
		    SETS[l].count, SETS[l].seed);
		CHECK(lp_mkphotos(dirs[l], sizeof(dirs[l]), args) == 0);
		for (int k = 0; k < SETS[l].count; k++) {
			char name[64], p[256];

			snprintf(
			    name, sizeof(name), "%s-%04d", SETS[l].level, k);
			snprintf(p, sizeof(p), "%s/%s.jpg", dirs[l], name);
			imgs[n].data = slurp(p, &imgs[n].len);
			truth[n] = lp_truth(dirs[l], name);
			level_of[n++] = l;
		}
	}
	run_all(&r, imgs, n, res);

	/* The real back, exact. */
	if (res[0] != NULL) {
		CHECK_STR(res[0]->code, "");
		CHECK_STR(res[0]->side, "back");
		CHECK_STR(res[0]->type.s, "第二代身份证背面");
		CHECK_STR(text(res[0], "issue_authority"), "瑞金市公安局");
		CHECK_STR(text(res[0], "validity"), "2017.07.19-2027.07.19");
		CHECK(text(res[0], "name") == NULL);
		CHECK(res[0]->card == 1 && res[0]->ncards == 1);
		CHECK(res[0]->next_card == NULL);
		CHECK(conf(res[0], "validity") >= LOC_FIELDS_LOW_CONF);
		CHECK(res[0]->images[RECOG_IMG_CROPPED].len > 0);
		CHECK(res[0]->images[RECOG_IMG_PORTRAIT].data == NULL);
		CHECK(res[0]->has_time_cost && res[0]->has_recognize);
		CHECK(res[0]->warnings.n == 0);
	}
	/* Hostile pictures: each its own error, nothing else. */
	if (res[1] != NULL)
		CHECK_STR(res[1]->code, LOC_ENGINE_NO_CARD);
	if (res[2] != NULL)
		CHECK_STR(res[2]->code, LOC_READ_IMAGE_SIZE);
	if (res[3] != NULL)
		CHECK(strcmp(res[3]->code, LOC_READ_BAD_JPEG) == 0 ||
		    strcmp(res[3]->code, LOC_ENGINE_NO_CARD) == 0);
	if (res[4] != NULL)
		CHECK_STR(res[4]->code, LOC_READ_IMAGE_SIZE);
	for (size_t i = 1; i < nb; i++)
		if (res[i] != NULL)
			CHECK(res[i]->side == NULL &&
			    res[i]->text[0].s == NULL &&
			    res[i]->message != NULL);
	/* The photocopy: two results, front first, each with its crops. */
	if (res[nb] != NULL) {
		const struct recog_result *a = res[nb], *b = a->next_card;
		struct tally pt;

		memset(&pt, 0, sizeof(pt));
		CHECK_STR(a->code, "");
		CHECK(a->ncards == 2 && a->card == 1);
		CHECK_STR(a->side, "front");
		CHECK(a->images[RECOG_IMG_PORTRAIT].len > 0);
		CHECK(a->images[RECOG_IMG_ID_NUMBER].len > 0);
		CHECK(a->flags[3] == 1); /* gray_image */
		CHECK(b != NULL);
		if (b != NULL) {
			CHECK_STR(b->side, "back");
			CHECK(b->card == 2 && b->ncards == 2 &&
			    b->next_card == NULL);
			CHECK(b->id == a->id);
			CHECK(b->images[RECOG_IMG_CROPPED].len > 0);
		}
		score(a, truth[nb], &pt);
		CHECK(pt.right[5] == 1);                     /* the number */
		CHECK(pt.right[6] == 1 && pt.right[7] == 1); /* the back */
		CHECK(pt.silent_id == 0);
	}
	for (size_t i = nb + 1; i < n; i++) {
		if (res[i] == NULL)
			continue;
		/* One card, read, or a miss with its error and no card count.
		 */
		CHECK(res[i]->code[0] == '\0' ? res[i]->ncards == 1
		                              : res[i]->ncards == 0 &&
		            strcmp(res[i]->code, LOC_ENGINE_NO_CARD) == 0);
		score(res[i], truth[i], &t[level_of[i]]);
		/* Confidence of every field read, in [0, 1]. */
		for (size_t k = 0; k < RECOG_NTEXT; k++)
			if (res[i]->text[k].s != NULL) {
				double c = conf(res[i], record_text_fields[k]);

				CHECK(c >= 0 && c <= 1);
			}
	}
	for (int l = 0; l < 3; l++)
		check_tally(SETS[l].level, &t[l], SETS[l].min_pct);

	for (size_t i = 0; i < n; i++) {
		recog_result_free(res[i]);
		free(imgs[i].data);
		json_decref(truth[i]);
	}
	r.ops->free(r.be);
	lp_rmdir(pdir);
	for (int l = 0; l < 3; l++)
		lp_rmdir(dirs[l]);
	/* Models that are not there: a clear error, no engine. */
	s.models_dir = "/nonexistent-models";
	CHECK(loc_engine_new(&s, &r, &err) == -1);
	CHECK(strstr(err.msg, "/nonexistent-models") != NULL);
	test_back_reread();
	test_front_reread();
	return unit_done("loc_engine");
}
