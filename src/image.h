/* Pixels for any recogniser: decode a JPEG (libjpeg-turbo), apply EXIF orientation, resize, encode. */
#ifndef IMAGE_H
#define IMAGE_H

#include <stddef.h>

#include "jpeg.h"
#include "util.h"

/* A w x h image of c bytes a pixel (1 grey, 3 RGB), rows top to bottom, no padding. */
struct image_px {
	unsigned char *px;   /* malloc'd */
	unsigned w, h, c;
};

void image_px_free(struct image_px *p);

/* EXIF orientations 5 to 8 turn by a quarter: width and height swap. */
int image_orient_swaps(int orientation);

/*
 * Scale w x h so that the longest side is at most max_side, keeping the
 * aspect ratio (the shorter side rounded, at least 1). Returns 1 when the
 * size changed.
 */
int image_fit(unsigned w, unsigned h, unsigned max_side, unsigned *tw,
    unsigned *th);

/*
 * Decode the JPEG data[0..len) that jpeg_probe() described in info (the
 * decoder must agree on its size), at the smallest TurboJPEG scale whose
 * sides are both at least min_w x min_h (0 x 0: the smallest scale TurboJPEG
 * has; info's size: full size). Greyscale stays one channel unless rgb
 * asks for three. CMYK is refused. Warnings (extraneous bytes, a short last
 * scan) still give pixels. 0, or -1 with err.
 */
int image_decode(const unsigned char *data, size_t len,
    const struct jpeg_info *info, unsigned min_w, unsigned min_h, int rgb,
    struct image_px *out, struct fz_err *err);

/*
 * Decode the whole JPEG data[0..len) that jpeg_probe() described in info,
 * at the smallest scale and one row at a time (memory stays small whatever
 * the size), to learn whether a recogniser can decode it before it is sent
 * and paid for. Refused: more than max_pixels pixels; any process but
 * Huffman-coded baseline, extended or progressive with 8-bit samples
 * (12-bit, arithmetic-coded, lossless and hierarchical JPEGs); a decoder
 * error; and any warning once the scans begin (corrupt entropy-coded data,
 * a scan that ends early, or less data than the header's size needs).
 * Stray bytes between header segments, which phones write, are allowed.
 * 0, or -1 with err.
 */
int image_verify(const unsigned char *data, size_t len,
    const struct jpeg_info *info, unsigned long long max_pixels,
    struct fz_err *err);

/* The pixels as EXIF orientation o (2..8; 1 copies) says they are seen. 0 or -1. */
int image_orient(const struct image_px *in, int o, struct image_px *out,
    struct fz_err *err);

/* Area-average (box filter) downscale to tw x th, each at most in's side. 0 or -1. */
int image_resize(const struct image_px *in, unsigned tw, unsigned th,
    struct image_px *out, struct fz_err *err);

/*
 * Encode as a baseline JPEG at quality (1..100): 4:2:0 colour, greyscale
 * stays greyscale. *jpg is malloc'd (*len bytes). 0, or -1 with err.
 */
int image_encode(const struct image_px *in, int quality, unsigned char **jpg,
    size_t *len, struct fz_err *err);

/*
 * For a recogniser that reads the pixels itself: the JPEG data[0..len)
 * checked with jpeg_probe, refused when it has more than max_pixels
 * pixels (a decompression bomb), decoded to RGB and turned upright by its
 * EXIF orientation; with max_side not 0 downscaled (area average) so that
 * the longest side is at most max_side. 0, or -1 with err.
 */
int image_decode_upright_rgb(const unsigned char *data, size_t len,
    unsigned long long max_pixels, unsigned max_side, struct image_px *out,
    struct fz_err *err);

#endif
