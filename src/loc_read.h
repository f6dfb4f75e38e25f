/* Local engine, one photo: every card in it found, rectified, read and checked into recogniser results. */
#ifndef LOC_READ_H
#define LOC_READ_H

#include <stddef.h>

#include "loc_card.h"
#include "ocr_det.h"
#include "recog.h"
#include "textlines.h"
#include "util.h"

/* Error codes of an image (the run goes on with the next one). */
#define LOC_READ_NO_CARD "no_card"       /* no card found, or none with card text */
#define LOC_READ_BAD_JPEG "bad_jpeg"     /* the pixels cannot be decoded */
#define LOC_READ_IMAGE_SIZE "image_size" /* too small to hold a legible card, or too large */
#define LOC_READ_TIMEOUT "timeout"       /* cancelled through the workspace (textlines_ws_set_cancel) */

/* Below this many pixels on the short side a card's text cannot be read. */
#define LOC_READ_MIN_SIDE 64

/* How a photo is read; shared read-only by every worker. */
struct loc_read_conf {
	const struct textlines *models;
	struct ocr_det_params det;  /* det on the rectified card */
	int det_back_side;          /* det's long side on a card its cues call a back */
	float rec_pad;              /* rec crops grown by this share of their height */
	int save_images;            /* cropped card, portrait, number strip as JPEG */
	int rect_w, rect_h;         /* the rectified card (LOC_RECT_W x LOC_RECT_H) */
	size_t max_lines;           /* lines recognised per card at most (0: 64) */
};

/* The engine's defaults for models (det at the card's own scale, box threshold 0.5). */
void loc_read_defaults(const struct textlines *models, struct loc_read_conf *c);

/*
 * Reads every card of photo (upright RGB) into r and, for the second card
 * on, new results chained through r->next_card with r's id, in reading
 * order, card 1..ncards. Errors of the image go into r (no_card,
 * image_size); only out of memory is -1. t0 is the monotonic millisecond
 * the image's work began (decoding included in preprocess).
 */
int loc_read_photo(const struct loc_read_conf *c, struct textlines_ws *ws,
    const struct loc_image *photo, long long t0, struct recog_result *r);

/*
 * One card at the corners c (TL, TR, BR, BL in reading order, photo
 * pixels) read into r as card 1 of 1, as loc_read_photo reads each card it
 * finds; for a caller that knows where the card is, and for the fuzzer.
 * Same errors and return as loc_read_photo.
 */
int loc_read_quad(const struct loc_read_conf *c, struct textlines_ws *ws,
    const struct loc_image *photo, const struct loc_pt corners[4],
    struct recog_result *r);

/* The same from JPEG bytes: decoded (EXIF orientation applied) first. */
int loc_read_jpeg(const struct loc_read_conf *c, struct textlines_ws *ws,
    const unsigned char *data, size_t len, struct recog_result *r);

/* Monotonic milliseconds. */
long long loc_read_ms(void);

#endif
