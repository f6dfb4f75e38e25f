/* Text recognition around the rec model: text-box crops prepared as PaddleOCR
 * does, and CTC decoding of its output with the keys file. */
#ifndef OCR_REC_H
#define OCR_REC_H

#include <stddef.h>

#include "ocr_det.h"
#include "ocr_img.h"
#include "ocr_line.h"
#include "util.h"

#define OCR_REC_HEIGHT 48

/* The character list: class i >= 1 is v[i - 1]; class n + 1 is a space; 0 is
 * the CTC blank. */
struct ocr_keys {
	char **v;
	size_t n;
	char *buf; /* the lines, NUL-terminated, that v points into */
};

/*
 * Parses ppocr_keys_v1.txt from memory: one entry per line (a final
 * newline ends the last one; CR before LF is dropped). Every line must be
 * non-empty valid UTF-8. Returns 0, or -1 with err.
 */
int ocr_keys_parse(const unsigned char *data, size_t len, struct ocr_keys *k,
    struct fz_err *err);
void ocr_keys_free(struct ocr_keys *k);

/*
 * The rec input for one text box of img: the box is cut out by a
 * perspective warp to (int) its longer opposite sides, turned a quarter
 * counter-clockwise when it is at least 1.5 times taller than wide (a
 * vertical line), resized to height 48 keeping the aspect ratio (width
 * ceil(48 w / h), at most max_w), then x/255, (x - 0.5) / 0.5 in planes B,
 * G, R and padded with 0 on the right to at least min_w (PaddleOCR pads a
 * lone crop to 320). *out (malloc'd, 3 x 48 x *out_w floats) is the
 * [1, 3, 48, *out_w] tensor. Returns 0, or -1 with err.
 */
int ocr_rec_input(const struct ocr_image *img, const struct ocr_box *box,
    int min_w, int max_w, float **out, int *out_w, struct fz_err *err);

/* One recognised line. */
struct ocr_text {
	char *text; /* UTF-8, full-width ASCII and U+3000 made half-width */
	float
	    confidence; /* mean of the kept steps' top probability; 0 if none */
};

/*
 * CTC greedy decoding of the rec output (steps x classes probabilities,
 * classes == k->n + 2): each step's most likely class, repeats merged,
 * blanks dropped, classes mapped through the keys, then ocr_halfwidth.
 * Returns 0 with *out (free with ocr_text_free), or -1 with err.
 */
int ocr_rec_decode(const float *probs, size_t steps, size_t classes,
    const struct ocr_keys *k, struct ocr_text *out, struct fz_err *err);
void ocr_text_free(struct ocr_text *t);

/*
 * The same decoding into a card line (ocr_line.h) with each character's
 * OCR_TOPK alternatives: the classes at the step of its run where the
 * emitted class peaks, full-width forms folded and merged, blank as
 * OCR_BLANK. box is the line's box on a card_w x card_h card; frac_steps
 * the share of the steps that cover text (the rest is padding), so a
 * character's x is its run's centre along the box's top edge. The line's
 * conf is the mean peak probability of its characters. Returns 0, or -1
 * with err. Lines longer than OCR_LINE_CHARS keep their first characters.
 */
int ocr_rec_decode_line(const float *probs, size_t steps, size_t classes,
    const struct ocr_keys *k, const struct ocr_box *box, float frac_steps,
    float card_w, float card_h, struct ocr_line *out, struct fz_err *err);

/*
 * In place: U+FF01..U+FF5E become U+0021..U+007E and U+3000 a space, which
 * is what NFKC does to them (the model writes digits and brackets full
 * width). Everything else is left as it is.
 */
void ocr_halfwidth(char *s);

#endif
