/* Local engine, quality flags: gray_image, border_covered, head_blurred and head_covered from the photo and the rectified card. */
#ifndef LOC_QUALITY_H
#define LOC_QUALITY_H

#include "loc_card.h"

/* Thresholds; the methods are described in loc_quality.c. */
#define LOC_GRAY_CHROMA 12.0     /* 95th-percentile chroma below this: black and white */
#define LOC_BORDER_MARGIN 0.005  /* corner outside the frame by this fraction of the card width */
#define LOC_BORDER_GAP 0.06      /* longest side stretch without an edge, fraction of the side */
#define LOC_HEAD_BLUR 1.9        /* estimated portrait blur sigma, pixels of the 856-wide card */
#define LOC_HEAD_COVER 0.5       /* cover evidence at or above this: head_covered */

struct loc_flags {
	int gray_image, border_covered, head_blurred, head_covered;
	/* The measurements behind them, for the record and for tuning. */
	double chroma;           /* 95th percentile of white-balanced chroma on the card */
	double gap;              /* worst side's longest stretch without an edge */
	double out_of_frame;     /* how far the furthest corner is outside the frame / card width */
	double blur;             /* estimated blur sigma in the portrait (0 when it has no edges) */
	double cover;            /* 0..1 evidence of something over the portrait */
};

/*
 * Flags for card q found in photo and rectified to card (LOC_RECT_W x
 * LOC_RECT_H, upright). The portrait flags are only raised on a front.
 * 0, or -1 on a bad image.
 */
int loc_quality(const struct loc_image *photo, const struct loc_quad *q, const struct loc_image *card,
    struct loc_flags *f, struct fz_err *err);

#endif
