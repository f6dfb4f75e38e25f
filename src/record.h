/* The record printed for each image: one jansson object with a fixed key order. */
#ifndef RECORD_H
#define RECORD_H

#include <jansson.h>

#include "recog.h"

/* The images a record can list (bits: --images and --save-images choose them). */
enum image_kind {
	IMAGE_CROPPED = 1 << 0,
	IMAGE_PORTRAIT = 1 << 1,
	IMAGE_ID_NUMBER = 1 << 2,
	IMAGE_ALL = IMAGE_CROPPED | IMAGE_PORTRAIT | IMAGE_ID_NUMBER
};

/*
 * Every record has these keys, in this order (values null until known):
 *   file, side, type, name, sex, people, birthday, address, id_number,
 *   issue_authority, validity, head_covered, head_blurred, border_covered,
 *   gray_image, sid, time_cost {preprocess, recognize}, images {cropped,
 *   portrait, id_number} (paths of saved images, only those saved), sha256
 *   (of the file as read), prepared (what was done to it before the upload,
 *   or null), warnings [{code, message}], error {code, message} or null,
 *   engine ("faiz" or "local": the recogniser the record is from);
 *   "raw" (the untouched response) only with --raw; "dry_run": true only
 *   with --dry-run; the local engine's card {index, count}, confidence
 *   and changes after them.
 * The error code is always a string: the service's own code ("40007",
 * "10106", "1414", "50004") or one of the client's names (see faiz-idcard(1)).
 */

/* The string fields, in output order; shared by every formatter. */
extern const char *const record_text_fields[];
/* The quality flags, in output order. */
extern const char *const record_flag_fields[];

/* A record of file with every value unknown, from engine (NULL: null). */
json_t *record_new(const char *file, const char *engine);
/* Set error {code, message}; returns 0, or -1 when out of memory. */
int record_set_error(json_t *rec, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append {code, message} to the array warnings; 0, or -1 when out of memory. */
int record_warning(json_t *warnings, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * Put a recogniser's result into the record: side, type, the text fields,
 * the flags, sid and time_cost when known, its warnings, "prepared", the
 * error, "raw" and "dry_run" when present. The images' bytes are not
 * touched: saving them is the run loop's. 0, or -1 when out of memory.
 */
int record_fill(json_t *rec, const struct recog_result *r);
/*
 * Which card of its file a record is: card {index, count}, or 1 of 1 for
 * a record without one (the service's, a failure before recognition).
 */
void record_card(const json_t *rec, int *index, int *count);
/* True when the record carries no error. */
int record_ok(const json_t *rec);
/* Record's string field or NULL. */
const char *record_str(const json_t *rec, const char *key);

/*
 * One-line summaries for the table and CSV (malloc'd, "" when there is
 * nothing): "rotated 90; resized 4032x3024 to 4000x3000; reencoded
 * 3500000 to 2900000 bytes at quality 85" and "small_image;other".
 */
char *record_prepared_text(const json_t *rec);
char *record_warnings_text(const json_t *rec);

#endif
