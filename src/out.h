/* Output of records: one module per format (table, json, ndjson, csv, xlsx) behind one interface. */
#ifndef OUT_H
#define OUT_H

#include <stdio.h>

#include <jansson.h>

#include "util.h"

/* The formats records are written in. */
enum out_format {
	FORMAT_AUTO = 0, /* table on a terminal, ndjson otherwise */
	FORMAT_TABLE,
	FORMAT_JSON,
	FORMAT_NDJSON,
	FORMAT_CSV,
	FORMAT_XLSX  /* needs -o FILE */
};

struct out; /* opaque */

/*
 * Settings fixed when the writer is made; out_new takes NULL for all zero.
 *
 * bom:  csv only: start the file with a UTF-8 byte order mark (EF BB BF),
 *       which is how Excel tells UTF-8 from the local code page.
 * no_tab: csv only: no tab in front of ID numbers (see out_csv_cell).
 * path: xlsx only, and required there: the file to write. libxlsxwriter
 *       writes the zip by name when the workbook is closed (out_finish), not
 *       through a FILE *, so the xlsx module ignores fp. With -o FILE, main
 *       passes the temporary file outfile_open made (struct outfile.tmp):
 *       out_finish writes the workbook over it (same inode, so its mode 0600
 *       stays) and outfile_commit then syncs, closes and moves it into
 *       place exactly as for the other formats. Nothing is written to path
 *       before out_finish; out_free without out_finish writes nothing.
 */
struct out_opts {
	int bom;
	const char *path;
	int no_tab;
};

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
    out_csv_ops, out_xlsx_ops;

/*
 * The modules that take settings have a second constructor, which out_new
 * calls instead of ops.new: the state, or NULL with err set. (xlsx has no
 * use without a path: its ops.new always returns NULL.)
 */
void *out_csv_new_opts(FILE *fp, const struct out_opts *oo,
    struct fz_err *err);
void *out_xlsx_new_opts(FILE *fp, const struct out_opts *oo,
    struct fz_err *err);

/*
 * The columns of csv and xlsx, in order: the header text, and where the
 * value sits in the record (rec[key], or rec[key][sub]), or text() for a
 * column summarised from a structure (malloc'd; NULL when out of memory).
 */
struct out_col {
	const char *name, *key, *sub;
	char *(*text)(const json_t *rec);
};
extern const struct out_col out_cols[];
extern const size_t out_ncols;

/*
 * A writer of records in format fmt (never FORMAT_AUTO) to fp, with the
 * settings in oo (NULL: none); NULL with err set on failure.
 */
struct out *out_new(enum out_format fmt, FILE *fp, const struct out_opts *oo,
    struct fz_err *err);
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
