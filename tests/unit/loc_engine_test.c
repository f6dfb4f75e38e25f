/* Unit tests for loc_engine.c: the pool takes jobs, hands back one result each, finds the real card back, and refuses a picture with no card. */
#include <stdio.h>
#include <stdlib.h>

#include "image.h"
#include "loc_engine.h"
#include "unit.h"

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0)
		abort();
	rewind(f);
	if ((b = malloc((size_t)n)) == NULL || fread(b, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	*len = (size_t)n;
	return b;
}

int
main(void)
{
	struct loc_engine_settings s = { 2, 1 };
	struct recog r;
	struct fz_err err;
	struct image back = {0}, grey = {0};
	struct image_px px = { NULL, 64, 64, 3 };
	struct recog_job j[2];
	struct recog_result *res[2] = { NULL, NULL }, *x;
	int got = 0, spins = 0;

	back.data = slurp("tests/fixtures/card_back.jpg", &back.len);
	/* One flat colour: no card in it. */
	if ((px.px = calloc(64 * 64, 3)) == NULL)
		abort();
	CHECK(image_encode(&px, 90, &grey.data, &grey.len, &err) == 0);
	CHECK(loc_engine_new(&s, &r, &err) == 0);
	CHECK(r.ops->capacity(r.be) == 4);
	j[0].id = 0; j[0].path = "back"; j[0].img = &back;
	j[1].id = 1; j[1].path = "grey"; j[1].img = &grey;
	CHECK(r.ops->submit(r.be, &j[0], &err) == 0);
	CHECK(r.ops->submit(r.be, &j[1], &err) == 0);
	CHECK(r.ops->pending(r.be) == 2);
	while (got < 2 && spins++ < 600) {
		r.ops->wait(r.be, 0.5);
		while (r.ops->next(r.be, &x) == 1 && x->id < 2)
			res[x->id] = x, got++;
	}
	CHECK(got == 2);
	CHECK(r.ops->pending(r.be) == 0);
	if (res[0] != NULL) {
		CHECK_STR(res[0]->code, "");
		CHECK_STR(res[0]->side, "back");
		CHECK(res[0]->images[RECOG_IMG_CROPPED].len > 0);
	}
	if (res[1] != NULL)
		CHECK_STR(res[1]->code, LOC_ENGINE_NO_CARD);
	recog_result_free(res[0]);
	recog_result_free(res[1]);
	r.ops->free(r.be);
	free(back.data);
	free(grey.data);
	free(px.px);
	return unit_done("loc_engine");
}
