/* One recognised text line of a rectified card, as the OCR step hands it to field assignment. */
#ifndef OCR_LINE_H
#define OCR_LINE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Bounds, so that a line is a plain value the CTC decoder fills in place:
 * no allocation, nothing to free. The recogniser's input is at most a
 * 48 x 960 crop (120 CTC steps at its stride of 8), so no line holds more
 * than 120 characters; a card line holds at most about 40.
 */
#define OCR_TOPK 5         /* alternatives kept per character */
#define OCR_LINE_CHARS 128 /* characters per line */
#define OCR_LINE_TEXT (OCR_LINE_CHARS * 4 + 1) /* UTF-8 bytes with the NUL */

/* The codepoint of the CTC blank when it is one of a character's
 * alternatives: "maybe no character here". */
#define OCR_BLANK 0u

/* A point in the rectified card image. */
struct ocr_pt {
	float x, y;
};

/*
 * One emitted character. cp[0..nalt) are the recogniser's alternatives
 * (top-k of the softmax at the step where the emitted class peaks), sorted
 * by falling prob; cp[0] is the character emitted, so the characters'
 * cp[0] spell text. The probabilities are those of the softmax (they sum
 * to at most 1; what is left is the mass outside the top k). x is the
 * character's horizontal position, the CTC step mapped onto the line's box,
 * in card pixels; nx the same divided by the card width, in [0, 1].
 */
struct ocr_char {
	uint32_t cp[OCR_TOPK];
	float prob[OCR_TOPK];
	int nalt; /* 1..OCR_TOPK */
	float x, nx;
};

/*
 * A text line. box is the detected quadrilateral TL, TR, BR, BL in the
 * rectified card's pixels (the card is card_w x card_h, 85.6:54); nbox the
 * same points divided by card_w and card_h, so [0, 1] whatever the
 * resolution (field assignment uses only nbox and nx). text is the decoded
 * UTF-8 line, conf the line's confidence in [0, 1] (the mean of the kept
 * steps' maximum probabilities). nchars may be 0 for a decoder that gives
 * text only: every character then counts as read with probability conf and
 * no alternatives.
 */
struct ocr_line {
	struct ocr_pt box[4];
	struct ocr_pt nbox[4];
	float card_w, card_h;
	char text[OCR_LINE_TEXT];
	float conf;
	struct ocr_char chars[OCR_LINE_CHARS];
	size_t nchars;
};

/*
 * UTF-8 helpers shared by the decoder and field assignment. ocr_utf8_next
 * decodes the character at *s and advances past it; a malformed byte
 * decodes as U+FFFD and advances by one. Returns 0 at the end of s.
 * ocr_utf8_put writes cp to out (at least 5 bytes), NUL-terminated, and
 * returns the bytes written without the NUL (0 for an invalid codepoint).
 */
uint32_t ocr_utf8_next(const char **s);
size_t ocr_utf8_put(uint32_t cp, char *out);

/*
 * Set box/nbox from an axis-aligned rectangle given in card fractions
 * (left, top, right, bottom) on a card_w x card_h card, and text, chars
 * and conf from utf8 with every character read with probability prob and
 * no alternatives, placed evenly across the box. For decoders of text only
 * and for tests, which then add alternatives with ocr_line_alt. Returns 0,
 * or -1 when utf8 has more than OCR_LINE_CHARS characters.
 */
int ocr_line_set(struct ocr_line *l, float card_w, float card_h, float left,
    float top, float right, float bottom, const char *utf8, float prob);

/*
 * Give character i of l the alternative cp with probability prob, kept in
 * falling order of probability and replacing an alternative of the same
 * codepoint; the emitted character (cp[0]) and text follow when the new one
 * comes first. Returns 0, or -1 when i is out of range or the list is full
 * of likelier alternatives.
 */
int ocr_line_alt(struct ocr_line *l, size_t i, uint32_t cp, float prob);

/* Rebuild text from the characters' cp[0] (blanks skipped). */
void ocr_line_sync_text(struct ocr_line *l);

#endif
