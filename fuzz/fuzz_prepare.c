/*
 * libFuzzer target: prepare_image decoding, rotating, resizing and
 * re-encoding an untrusted JPEG. The first byte picks the limits; small
 * ones keep every run fast.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "jpeg.h"
#include "gw_prepare.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A decompression bomb guard far below the real one: 512 x 512. */
#define FUZZ_MAX_PIXELS (512ULL * 512ULL)

static const size_t max_bytes[] = { 1u << 20, 4000, 800, 200 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpeg_info info;
	struct prepare_opts o;
	struct prepared p;
	struct fz_err err;
	json_t *j;

	if (size < 2)
		return 0;
	/* Only what jpeg_probe accepts ever reaches prepare_image. */
	if (jpeg_probe(data + 1, size - 1, &info, &err) != JPEG_OK)
		return 0;
	prepare_opts_default(&o);
	o.max_side = 16 + (data[0] & 0x3f) * 4;
	o.max_bytes = max_bytes[data[0] >> 6];
	o.small_side = 32;
	o.max_pixels = FUZZ_MAX_PIXELS;
	if (prepare_image(data + 1, size - 1, &info, &o, &p, &err) == 0) {
		if (p.data != NULL) {
			/* What was sent must itself be a JPEG within the limits. */
			if (p.len > o.max_bytes || p.len < 2 || p.data[0] != 0xff ||
			    p.data[1] != 0xd8 || p.to_w > o.max_side ||
			    p.to_h > o.max_side)
				abort();
			if ((j = prepare_to_json(&p)) != NULL)
				json_decref(j);
		}
	} else if (p.data != NULL) {
		abort();
	}
	prepared_free(&p);
	return 0;
}
