/* The record printed for each image: one jansson object with a fixed key order. */
#ifndef RECORD_H
#define RECORD_H

#include <jansson.h>

/*
 * Every record has these keys, in this order (values null until known):
 *   file, side, type, name, sex, people, birthday, address, id_number,
 *   issue_authority, validity, head_covered, head_blurred, border_covered,
 *   gray_image, sid, time_cost {preprocess, recognize}, images {cropped,
 *   portrait, id_number} (paths of saved images, only those saved), error
 *   {code, message} or null; "raw" (the untouched response) only with --raw.
 * The error code is always a string: the service's own code ("40007",
 * "10106", "1414", "50004") or one of the client's names (see faiz-idcard(1)).
 */

/* The string fields, in output order; shared by every formatter. */
extern const char *const record_text_fields[];
/* The quality flags, in output order. */
extern const char *const record_flag_fields[];

json_t *record_new(const char *file);
/* Set error {code, message}; returns 0, or -1 when out of memory. */
int record_set_error(json_t *rec, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* True when the record carries no error. */
int record_ok(const json_t *rec);
/* Record's string field or NULL. */
const char *record_str(const json_t *rec, const char *key);

#endif
