/* Text detection around the det model: PaddleOCR's input preparation and the DB
 * post-processing of its probability map. */
#ifndef OCR_DET_H
#define OCR_DET_H

#include <stddef.h>

#include "ocr_img.h"
#include "util.h"

/* A text box: corners clockwise from the top-left, in picture pixels. */
struct ocr_box {
	float x[4], y[4];
	float
	    score; /* mean map probability inside the box before it was grown */
};

struct ocr_boxes {
	struct ocr_box *v;
	size_t n;
};

struct ocr_det_params {
	int limit_side;        /* the det input's long side (960) */
	float thresh;          /* map binarisation threshold (0.3) */
	float box_thresh;      /* lowest mean probability kept (0.5) */
	float unclip_ratio;    /* growth: d = area * ratio / perimeter (1.5) */
	float min_size;        /* shortest side kept, map pixels (3) */
	size_t max_candidates; /* regions looked at, at most (1000) */
};

/* The values above, which reproduced PaddleOCR's results on ID cards. */
void ocr_det_defaults(struct ocr_det_params *p);

/*
 * The det input size for a w x h picture: scaled so the long side is
 * limit_side, each side then rounded to a multiple of 32 (at least 32).
 * Returns 0, or -1 with err for sizes out of range.
 */
int ocr_det_size(
    int w, int h, int limit_side, int *in_w, int *in_h, struct fz_err *err);

/*
 * Fills out (3 * in_h * in_w floats, planes B, G, R) with img resized
 * bilinearly to in_w x in_h, x/255, then (x - mean) / std per plane with
 * mean 0.485 0.456 0.406 and std 0.229 0.224 0.225. Returns 0 or -1.
 */
int ocr_det_input(const struct ocr_image *img, int in_w, int in_h, float *out,
    struct fz_err *err);

/*
 * DB post-processing of the det model's map (map_h x map_w probabilities)
 * for a picture of img_w x img_h: binarise at thresh, take 8-connected
 * regions, each region's minimum-area rectangle, keep it when its mean
 * probability is at least box_thresh, grow it by d = area * unclip_ratio /
 * perimeter on every side, map it to the picture and drop boxes 3 pixels
 * thin or less. Boxes come in reading order (top to bottom; left to right
 * within 10 pixels). Returns 0 with *out (free with ocr_boxes_free), or -1.
 */
int ocr_det_boxes(const float *map, int map_w, int map_h, int img_w, int img_h,
    const struct ocr_det_params *p, struct ocr_boxes *out, struct fz_err *err);
void ocr_boxes_free(struct ocr_boxes *b);

#endif
