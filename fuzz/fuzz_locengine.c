/* libFuzzer target: the local engine from decoded pixels to fields (card finding, rectification, det, rec, field rules, quality flags, crops). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loc_read.h"
#include "recog.h"
#include "textlines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: byte 0 the mode (even: find the cards in the picture; odd: read
 * the picture as one card at four corners given by bytes 3..10 as n/255 of
 * the picture's sides); byte 1 the width and byte 2 the height, 16 + n
 * pixels each; the rest the RGB pixels, repeated to fill the picture and
 * scaled up 4 times (nearest) so card-sized shapes need few bytes. The
 * models (models/, or $FAIZ_MODELS) are loaded once; the card is
 * rectified to a quarter of its size and det runs at long side 224, so an
 * input costs milliseconds, not seconds, under the sanitizers.
 */
static struct textlines *models;
static struct textlines_ws *ws;
static struct loc_read_conf conf;

static int
setup(void)
{
	struct fz_err err;

	if (models != NULL)
		return 0;
	if (textlines_open(getenv("FAIZ_MODELS") ? NULL : "models", &models,
		&err) != 0 || (ws = textlines_ws_new(models)) == NULL)
		abort(); /* the target is useless without its models */
	loc_read_defaults(models, &conf);
	conf.rect_w = LOC_RECT_W / 4;
	conf.rect_h = LOC_RECT_H / 4;
	conf.det.limit_side = 224;
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

	if (size < 12 || setup() != 0)
		return 0;
	sw = 16 + data[1];
	sh = 16 + data[2];
	img.w = sw * 4;
	img.h = sh * 4;
	img.channels = 3;
	img.stride = img.w * 3;
	npx = size - 11;
	if ((img.px = malloc((size_t)img.stride * img.h)) == NULL)
		return 0;
	for (int y = 0; y < img.h; y++)
		for (int x = 0; x < img.w; x++) {
			size_t k = ((size_t)(y / 4) * sw + x / 4) * 3;

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
