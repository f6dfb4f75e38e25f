/* Output of records: one module per format (table, json, ndjson, csv) behind one interface. */
#ifndef OUT_H
#define OUT_H

#include <stdio.h>

#include <jansson.h>

#include "options.h" /* enum out_format; brings util.h (struct fz_err) */

struct out; /* opaque */

/*
 * One of these per format module, all of the same shape. new() returns the
 * module's state, or NULL when out of memory; it writes nothing. record()
 * and finish() return 0, or -1 with a message in err. free() takes NULL.
 */
struct out_ops {
	void *(*new)(FILE *fp);
	int (*record)(void *st, FILE *fp, const json_t *rec, struct fz_err *err);
	int (*finish)(void *st, FILE *fp, struct fz_err *err);
	void (*free)(void *st);
};

extern const struct out_ops out_table_ops, out_json_ops, out_ndjson_ops,
    out_csv_ops;

/* A writer of records in format fmt (never FORMAT_AUTO) to fp; NULL with err set on failure. */
struct out *out_new(enum out_format fmt, FILE *fp, struct fz_err *err);
/* Write (or, for the table, keep) one record. 0, or -1 with err set. */
int out_record(struct out *o, const json_t *rec, struct fz_err *err);
/* Write what is left (the table, the closing "]") and flush. 0, or -1 with err set. */
int out_finish(struct out *o, struct fz_err *err);
/* Free the writer; fp stays open (it belongs to the caller). Takes NULL. */
void out_free(struct out *o);

/*
 * Helpers shared by the format modules. Each write is checked: on failure
 * err gets "write error: REASON" and the call returns -1.
 */
int out_write(FILE *fp, const void *p, size_t n, struct fz_err *err);
int out_puts(FILE *fp, const char *s, struct fz_err *err);
int out_flush(FILE *fp, struct fz_err *err);
/* Fill err from errno after a failed write. */
void out_write_error(struct fz_err *err, int errnum);

/*
 * The text of a scalar value for the table and CSV: a string as it is,
 * true/false, a number as an integer (a real with a fraction keeps it,
 * "%.15g"). NULL for null, a missing key, or an object or array. Numbers
 * are formatted into buf (n bytes).
 */
const char *out_scalar(const json_t *v, char *buf, size_t n);

/* The value at rec[key], or rec[key][sub] when sub is not NULL; NULL when missing. */
const json_t *out_field(const json_t *rec, const char *key, const char *sub);

#endif
