/* libFuzzer target: the local engine from decoded pixels to fields (card finding, rectification, det, rec, field rules, quality flags, crops). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loc_read.h"
#include "recog.h"
#include "textlines.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: byte 0 the mode (even: find the cards in the picture; odd: read
 * the picture as one card at four corners given by bytes 3..10 as n/255 of
 * the picture's sides); byte 1 the width and byte 2 the height, 16 + n
 * pixels each; the rest the RGB pixels, repeated to fill the picture and
 * scaled up twice (nearest) so card-sized shapes need few bytes. The
 * models (models/, or $FAIZ_MODELS) are loaded once, before the first
 * input (loading is not what is fuzzed and takes seconds); the card is
 * rectified to a quarter of its size, det runs at long side 224 and rec
 * on the first 3 lines, so an input stays well under the 10 s timeout
 * under the sanitizers.
 */
#define UP 2

static struct textlines *models;
static struct textlines_ws *ws;
static struct loc_read_conf conf;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct fz_err err;

	(void)argc;
	(void)argv;
	if (textlines_open(getenv("FAIZ_MODELS") ? NULL : "models", &models,
		&err) != 0 || (ws = textlines_ws_new(models)) == NULL)
		abort(); /* the target is useless without its models */
	loc_read_defaults(models, &conf);
	conf.rect_w = LOC_RECT_W / 4;
	conf.rect_h = LOC_RECT_H / 4;
	conf.det.limit_side = 224;
	conf.max_lines = 3; /* rec under the sanitizers is the slow part */
	conf.save_images = 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loc_image img;
	struct recog_result *r;
	size_t npx, i;
	int sw, sh;

	if (size < 12)
		return 0;
	sw = 16 + data[1];
	sh = 16 + data[2];
	img.w = sw * UP;
	img.h = sh * UP;
	img.channels = 3;
	img.stride = img.w * 3;
	npx = size - 11;
	if ((img.px = malloc((size_t)img.stride * img.h)) == NULL)
		return 0;
	for (int y = 0; y < img.h; y++)
		for (int x = 0; x < img.w; x++) {
			size_t k = ((size_t)(y / UP) * sw + x / UP) * 3;

			for (i = 0; i < 3; i++)
				img.px[(size_t)y * img.stride + x * 3 + i] =
				    data[11 + (k + i) % npx];
		}
	if ((r = recog_result_new(0)) == NULL) {
		free(img.px);
		return 0;
	}
	if (data[0] & 1) {
		struct loc_pt c[4];

		for (i = 0; i < 4; i++) {
			c[i].x = data[3 + 2 * i] / 255.0 * img.w;
			c[i].y = data[4 + 2 * i] / 255.0 * img.h;
		}
		(void)loc_read_quad(&conf, ws, &img, c, r);
	} else {
		(void)loc_read_photo(&conf, ws, &img, loc_read_ms(), r);
	}
	/* What a result must be, whatever the pixels: an error or a side. */
	for (const struct recog_result *p = r; p != NULL; p = p->next_card)
		if ((p->code[0] == '\0') == (p->side == NULL))
			abort();
	recog_result_free(r);
	free(img.px);
	return 0;
}
