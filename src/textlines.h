/* The --text-lines engine: det + rec on any JPEG, text lines in upright pixel coordinates. */
#ifndef TEXTLINES_H
#define TEXTLINES_H

#include <stdatomic.h>
#include <stddef.h>

#include "ocr_det.h"
#include "ocr_line.h"
#include "util.h"

struct textlines; /* both models and the keys, immutable after load */
struct textlines_ws; /* one per thread */

/* One line found: box corners TL, TR, BR, BL in upright picture pixels. */
struct textline {
	float x[4], y[4];
	char *text; /* UTF-8, malloc'd */
	float confidence;
};

struct textline_set {
	struct textline *v;
	size_t n;
};

/* Finds (models_find with models_dir, may be NULL), verifies and loads the
 * models once. Returns 0 and *out, or -1 with err naming every place looked
 * at. */
int textlines_open(const char *models_dir, struct textlines **out,
    struct fz_err *err);
void textlines_close(struct textlines *t);

struct textlines_ws *textlines_ws_new(const struct textlines *t);
void textlines_ws_free(struct textlines_ws *ws);

/*
 * Work done with ws stops at its next stage (det, each rec line) once
 * *flag is non-zero: textlines_read_card then fails with "cancelled".
 * NULL (the default) never stops. The flag must outlive the work.
 */
void textlines_ws_set_cancel(struct textlines_ws *ws, const atomic_int *flag);
/* Whether ws's cancel flag is set: for callers between their own stages. */
int textlines_ws_cancelled(const struct textlines_ws *ws);

/* The text lines of the JPEG data[0..len), in reading order. Returns 0 with
 * *out (free with textline_set_free), or -1 with err. */
int textlines_read(const struct textlines *t, struct textlines_ws *ws,
    const unsigned char *data, size_t len, struct textline_set *out,
    struct fz_err *err);
void textline_set_free(struct textline_set *s);

/* The det parameters the models were opened with (ocr_det_defaults). */
void textlines_det_defaults(const struct textlines *t,
    struct ocr_det_params *dp);

/*
 * The text lines of a rectified card (BGR, any size): det with dp (NULL:
 * the defaults), then rec on each box grown by pad of its height above and
 * below, each line with its characters' top-5 alternatives in card
 * coordinates (ocr_rec_decode_line), at most max_lines of them (0: 64),
 * the first in reading order. Lines read as nothing are left out.
 * Returns 0 with *lines (malloc'd, *n of them; free()), or -1 with err.
 */
int textlines_read_card(const struct textlines *t, struct textlines_ws *ws,
    const struct ocr_image *card, const struct ocr_det_params *dp,
    float pad, size_t max_lines, struct ocr_line **lines, size_t *n,
    struct fz_err *err);

#endif
