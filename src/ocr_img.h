/* Pictures for the OCR models: 8-bit BGR images, bilinear resizing and the
 * perspective crop of a text box. */
#ifndef OCR_IMG_H
#define OCR_IMG_H

#include <stddef.h>

#include "util.h"

/* A picture in 8-bit BGR, interleaved (what libturbojpeg's TJPF_BGR gives). */
struct ocr_image {
	const unsigned char *bgr;
	int w, h;
	size_t stride; /* bytes from one row to the next, at least 3 * w */
};

/* Largest side accepted anywhere (pixels), so sizes multiply without overflow.
 */
#define OCR_MAX_SIDE 16384

/*
 * Resizes src to dw x dh into dst (3 * dw * dh bytes, stride 3 * dw) by
 * bilinear interpolation on pixel centres, edges clamped, as OpenCV's
 * INTER_LINEAR does. Returns 0, or -1 with err for bad sizes.
 */
int ocr_img_resize(const struct ocr_image *src, int dw, int dh,
    unsigned char *dst, struct fz_err *err);

/*
 * Samples src through the perspective map that takes the quadrilateral
 * (x[i], y[i]), corners clockwise from the top-left, onto a dw x dh
 * rectangle, bilinearly, with the picture's edge pixels repeated outside
 * it. dst is 3 * dw * dh bytes. Returns 0, or -1 with err (bad sizes or a
 * degenerate quadrilateral).
 */
int ocr_img_warp(const struct ocr_image *src, const float x[4],
    const float y[4], int dw, int dh, unsigned char *dst, struct fz_err *err);

#endif
