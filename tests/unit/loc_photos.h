/* Test helpers for the local engine's card tests: photos from tests/mkphotos.py in a temporary directory, JPEG decoding, truth. */
#ifndef LOC_PHOTOS_H
#define LOC_PHOTOS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "loc_card.h"
#include "../../tools/loc_jpeg.h"

/* A grey copy of an RGB image (luma); 0 or -1. */
static inline int
lp_grey(const struct loc_image *img, struct loc_image *g)
{
	size_t i, n = (size_t)img->w * (size_t)img->h;

	*g = *img;
	g->channels = 1;
	g->stride = img->w;
	if ((g->px = malloc(n)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		g->px[i] = (unsigned char)((299 * img->px[3 * i] + 587 * img->px[3 * i + 1] +
		    114 * img->px[3 * i + 2]) / 1000);
	return 0;
}

/* A fresh temporary directory, and mkphotos.py run into it; 0 or -1. */
static inline int
lp_mkphotos(char *dir, size_t dirsz, const char *args)
{
	char cmd[2048];

	snprintf(dir, dirsz, "/tmp/loc-test-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/mkphotos.py %s %s", args, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static inline void
lp_rmdir(const char *dir)
{
	char cmd[1024];

	if (strncmp(dir, "/tmp/loc-test-", 14) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* The truth JSON beside photo NAME.jpg. */
static inline json_t *
lp_truth(const char *dir, const char *name)
{
	char path[4096];
	json_error_t je;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	return json_load_file(path, 0, &je);
}

static inline void
lp_corners(json_t *card, struct loc_pt c[4])
{
	json_t *co = json_object_get(card, "corners");
	int j;

	for (j = 0; j < 4; j++) {
		c[j].x = json_number_value(json_array_get(json_array_get(co, (size_t)j), 0));
		c[j].y = json_number_value(json_array_get(json_array_get(co, (size_t)j), 1));
	}
}

/* Largest corner distance between the found quad and the truth, same order, over the card's width. */
static inline double
lp_corner_error(const struct loc_pt *got, const struct loc_pt *want)
{
	double w = (hypot(want[1].x - want[0].x, want[1].y - want[0].y) +
	    hypot(want[2].x - want[3].x, want[2].y - want[3].y)) / 2, m = 0;
	int j;

	for (j = 0; j < 4; j++)
		m = fmax(m, hypot(got[j].x - want[j].x, got[j].y - want[j].y));
	return m / w;
}

static inline const char *
lp_side(enum loc_card_side s)
{
	return s == LOC_CARD_FRONT ? "front" : s == LOC_CARD_BACK ? "back" : "unknown";
}

#endif
