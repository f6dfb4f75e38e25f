/* Local engine, card finding: ID cards located in a photo by classical means, rectified, turned upright, front or back. */
#ifndef LOC_CARD_H
#define LOC_CARD_H

#include "util.h"

/*
 * An 8-bit image in memory: grey (channels 1) or RGB (channels 3), row y
 * starting at px + y * stride. Coordinates are continuous with the pixel
 * centre convention: pixel (0,0) covers [0,1) x [0,1), its centre is
 * (0.5,0.5). A minimal type until the run loop's image module exists;
 * loc_image_free() frees only images this module allocated.
 */
struct loc_image {
	int w, h, stride, channels;
	unsigned char *px;
};

/* Bounds on what loc_find_cards accepts (pixels per side, total pixels). */
#define LOC_MIN_SIDE 32
#define LOC_MAX_SIDE 20000
#define LOC_MAX_PIXELS (120L * 1000 * 1000)

/*
 * The rectified card: 856 x 540 is 10 pixels per millimetre of the
 * 85.6 x 54 mm card. The card's 3-4 mm text is then 25-35 pixels high,
 * the recogniser's 48-pixel line height after a modest upscale, and the
 * whole card is under the detector's 960-pixel long side, so neither model
 * sees a needless resampling; twice that (1712 x 1080) would quadruple the
 * detector's work for no gain in legibility on phone photos.
 */
#define LOC_RECT_W 856
#define LOC_RECT_H 540
#define LOC_CARD_ASPECT (85.6 / 54.0)

#define LOC_MAX_CARDS 8

struct loc_pt {
	double x, y;
};

enum loc_card_side { LOC_CARD_UNKNOWN = 0, LOC_CARD_FRONT, LOC_CARD_BACK };

/* Pixel cues measured on an upright rectified card (see loc_card.c, decide_side). */
struct loc_cues {
	double portrait_mass, portrait_mass_rot;  /* dark mass, portrait box and its 180-degree image */
	double emblem_red, emblem_red_rot;        /* red pixels, emblem box and its 180-degree image */
	double emblem_mass, emblem_mass_rot;
	double front, back;                       /* evidence for each side, >0 for */
	double flip;                              /* >0: the card is upside down */
};

struct loc_quad {
	/* Corners in photo pixels, in the card's reading order TL, TR, BR, BL
	 * (upright text), so c[0]->c[1] is the top edge. A card cut by the
	 * frame has the missing part extrapolated: corners may be outside. */
	struct loc_pt c[4];
	double score;        /* edge evidence and shape, 0..1 */
	/* Fraction of each side (top, right, bottom, left in card order)
	 * with edge evidence, away from the rounded corners; 0 for a side that
	 * lies outside the frame. */
	double support[4];
	double inside[4];    /* fraction of each side inside the frame */
	int cut;             /* a side was outside the frame and extrapolated */
	int rotation;        /* 0, 90, 180, 270: the card's top edge turned clockwise from horizontal */
	enum loc_card_side side;
	double side_conf;    /* 0..1, how clear the side decision was */
	double orient_conf;  /* 0..1, how clear the upright/upside-down decision was */
	struct loc_cues cues;
};

/* Cards found in one photo, in reading order (rows top to bottom, then left to right). n == 0: no card. */
struct loc_result {
	int n;
	struct loc_quad card[LOC_MAX_CARDS];
};

/*
 * Finds every ID card in img. Returns 0 with res->n cards (0 meaning
 * nothing card-like was found: the "no card" outcome), or -1 on a bad
 * image or allocation failure. Each card is oriented and its side decided.
 */
int loc_find_cards(const struct loc_image *img, struct loc_result *res, struct fz_err *err);

/* A separable 5-tap binomial blur of the w x h plane v, in place; tmp holds
 * w * h floats. Edges repeat the border pixel. */
void loc_blur5(float *v, float *tmp, int w, int h);

/*
 * Warps the quad q of img to a new w x h image (LOC_RECT_W x LOC_RECT_H
 * for the engine) with a perspective map and bilinear sampling, averaging
 * several samples per pixel when the card is larger than the output.
 * Pixels outside the photo are black. out->px is allocated; free with
 * loc_image_free. 0 or -1.
 */
int loc_rectify(const struct loc_image *img, const struct loc_pt c[4], int w, int h,
    struct loc_image *out, struct fz_err *err);

/*
 * Side and orientation cues of an upright-or-upside-down rectified card
 * (any size, LOC_RECT_W x LOC_RECT_H or half that): fills cues and returns the side; *flip is set
 * to 1 when the card should be turned 180 degrees. Exposed for tests.
 */
enum loc_card_side loc_decide_side(const struct loc_image *card, struct loc_cues *cues, int *flip,
    double *side_conf, double *orient_conf);

/*
 * Edge evidence along the sides of quad c (TL, TR, BR, BL) in img: for each
 * side, the longest run without a colour step at the side's line, as a
 * fraction of the side (0: the edge is seen all along; 1: not at all;
 * parts outside the frame count as missing). Away from the rounded corners.
 */
void loc_side_gaps(const struct loc_image *img, const struct loc_pt *c, double *gaps);

void loc_image_free(struct loc_image *img);

#endif
