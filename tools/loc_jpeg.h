/* Developer and test helper: a JPEG file decoded to a loc_image with libturbojpeg, until the run loop's image module exists. */
#ifndef LOC_JPEG_H
#define LOC_JPEG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "loc_card.h"

/* Decodes a JPEG file (at most 32 MiB) to RGB; with bytes, also hands back the file's bytes. 0 or -1. */
static inline int
loc_load_jpeg(const char *path, struct loc_image *img, unsigned char **bytes, long *nbytes)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n = 0;
	int w, h, sub, cs, rc = -1;
	tjhandle tj = NULL;

	memset(img, 0, sizeof(*img));
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || n > 32L << 20 || fseek(f, 0, SEEK_SET))
		goto out;
	if ((buf = malloc((size_t)n)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto out;
	if ((tj = tjInitDecompress()) == NULL ||
	    tjDecompressHeader3(tj, buf, (unsigned long)n, &w, &h, &sub, &cs) != 0)
		goto out;
	if ((img->px = malloc((size_t)w * (size_t)h * 3)) == NULL)
		goto out;
	if (tjDecompress2(tj, buf, (unsigned long)n, img->px, w, w * 3, h, TJPF_RGB, 0) != 0) {
		free(img->px);
		img->px = NULL;
		goto out;
	}
	img->w = w;
	img->h = h;
	img->stride = w * 3;
	img->channels = 3;
	rc = 0;
out:
	if (tj)
		tjDestroy(tj);
	if (rc == 0 && bytes) {
		*bytes = buf;
		*nbytes = n;
	} else {
		free(buf);
	}
	fclose(f);
	return rc;
}

#endif
