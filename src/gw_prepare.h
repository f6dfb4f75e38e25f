/* Image preparation before upload: EXIF orientation applied, downscaling, re-encoding to fit the size limit. */
#ifndef GW_PREPARE_H
#define GW_PREPARE_H

#include <stddef.h>

#include <jansson.h>

#include "jpeg.h"
#include "util.h"

/* The recogniser's limits; prepare_opts_default() fills these in. */
#define PREPARE_MAX_SIDE 4000u
#define PREPARE_MAX_BYTES 3145728u
#define PREPARE_SMALL_SIDE 700u
#define PREPARE_MAX_PIXELS 100000000ULL

struct prepare_opts {
	unsigned max_side;              /* 4000: longest side sent */
	size_t max_bytes;               /* 3145728: largest file sent */
	unsigned small_side;            /* 700: shorter sides get small_image */
	unsigned long long max_pixels;  /* 100000000: decompression bomb guard */
};

struct prepare_plan {
	int rotate;          /* EXIF orientation to apply (1 = none) */
	int resize;          /* the longest side is over max_side */
	unsigned to_w, to_h; /* planned size after rotation and resize */
	int maybe_reencode;  /* over max_bytes or any pixel change */
	int small;           /* shortest side of to_w x to_h < small_side */
};

void prepare_opts_default(struct prepare_opts *o);

/*
 * Pure: what preparation an image needs, from its header info and byte
 * size (used by --dry-run and by prepare_image). Returns 0, or -1 with err
 * when the image has more than max_pixels pixels (the record's image_size)
 * or the info or options are unusable. A further 3/4 downscale that
 * prepare_image may need to meet max_bytes is not predicted here.
 */
int prepare_plan(const struct jpeg_info *info, size_t len,
    const struct prepare_opts *o, struct prepare_plan *plan,
    struct fz_err *err);

struct prepared {
	unsigned char *data;     /* malloc'd; NULL/0 when the original is sent unchanged */
	size_t len;
	int rotated_orientation; /* EXIF orientation applied, 1 for none */
	unsigned from_w, from_h; /* the file's dimensions as stored */
	unsigned to_w, to_h;     /* the dimensions sent */
	int resized;             /* pixels were scaled */
	int reencoded;           /* new bytes were produced (data != NULL) */
	int quality;             /* JPEG quality of data, 0 when not reencoded */
	size_t from_bytes;       /* the original's size */
};

/*
 * Produce the bytes to upload from the JPEG data[0..len) that jpeg_probe()
 * described in info. When nothing is needed out->data stays NULL: send the
 * original. Otherwise the image is decoded (with the TurboJPEG scaling
 * factor that keeps the longest side the smallest value at or above the
 * target), the EXIF orientation is applied to the pixels, an area-average
 * resize gives the exact target size, and the result is encoded at
 * quality 92 (4:2:0, greyscale stays greyscale); while it is over max_bytes
 * the quality falls to 85, 75, 65 and 50, then the size shrinks by 3/4 and
 * the qualities restart at 85. The output starts with SOI, has no EXIF and
 * keeps the original's COM segments.
 *
 * Returns 0, or -1 with err (the plan's errors; the image cannot be
 * decoded; CMYK images; no size fits max_bytes; out of memory). out is
 * always safe to pass to prepared_free().
 */
int prepare_image(const unsigned char *data, size_t len,
    const struct jpeg_info *info, const struct prepare_opts *o,
    struct prepared *out, struct fz_err *err);
void prepared_free(struct prepared *p);

/*
 * The record's "prepared" object, NULL when nothing was done (or out of
 * memory): {"rotated": "90"|"180"|"270"|"mirror"|"flip"|"transpose"|
 * "transverse", "resized": {"from": [w, h], "to": [w, h]}, "reencoded":
 * {"from": bytes, "to": bytes, "quality": q}}, only the keys that apply.
 * "from" in "resized" is the file's stored size, before rotation.
 */
json_t *prepare_to_json(const struct prepared *p);

#endif
