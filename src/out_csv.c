/* csv output (RFC 4180): a header row, then one CRLF-terminated row per record, flushed as it is written. */
#include "out.h"
#include "record.h"

#include <stdlib.h>
#include <string.h>

/* A column: its header, and where its value sits in the record (rec[key] or rec[key][sub]). */
struct out_csv_col {
	const char *name, *key, *sub;
	char *(*text)(const json_t *rec); /* a column summarised from a structure */
};

/* Exactly the columns of the spec, in order; "raw" is never a column. */
static const struct out_csv_col out_csv_cols[] = {
	{ "file", "file", NULL, NULL },
	{ "side", "side", NULL, NULL },
	{ "type", "type", NULL, NULL },
	{ "name", "name", NULL, NULL },
	{ "sex", "sex", NULL, NULL },
	{ "people", "people", NULL, NULL },
	{ "birthday", "birthday", NULL, NULL },
	{ "address", "address", NULL, NULL },
	{ "id_number", "id_number", NULL, NULL },
	{ "issue_authority", "issue_authority", NULL, NULL },
	{ "validity", "validity", NULL, NULL },
	{ "head_covered", "head_covered", NULL, NULL },
	{ "head_blurred", "head_blurred", NULL, NULL },
	{ "border_covered", "border_covered", NULL, NULL },
	{ "gray_image", "gray_image", NULL, NULL },
	{ "sid", "sid", NULL, NULL },
	{ "time_cost_preprocess", "time_cost", "preprocess", NULL },
	{ "time_cost_recognize", "time_cost", "recognize", NULL },
	{ "cropped_image", "images", "cropped", NULL },
	{ "portrait_image", "images", "portrait", NULL },
	{ "id_number_image", "images", "id_number", NULL },
	{ "sha256", "sha256", NULL, NULL },
	{ "prepared", NULL, NULL, record_prepared_text },
	{ "warnings", NULL, NULL, record_warnings_text },
	{ "error_code", "error", "code", NULL },
	{ "error_message", "error", "message", NULL },
};

#define OUT_CSV_NCOLS (sizeof(out_csv_cols) / sizeof(out_csv_cols[0]))

struct out_csv {
	int header_done;
};

static void *
out_csv_new(FILE *fp)
{
	(void)fp;
	return calloc(1, sizeof(struct out_csv));
}

/* One field, quoted (with quotes doubled) when it holds a comma, quote, CR or LF. */
static int
out_csv_field(FILE *fp, const char *s, struct fz_err *err)
{
	const char *q;

	if (s[strcspn(s, ",\"\r\n")] == '\0')
		return out_puts(fp, s, err);
	if (out_puts(fp, "\"", err) == -1)
		return -1;
	while ((q = strchr(s, '"')) != NULL) {
		/* Write through the quote, then the second quote that escapes it. */
		if (out_write(fp, s, (size_t)(q - s) + 1, err) == -1 ||
		    out_puts(fp, "\"", err) == -1)
			return -1;
		s = q + 1;
	}
	if (out_puts(fp, s, err) == -1)
		return -1;
	return out_puts(fp, "\"", err);
}

static int
out_csv_header(struct out_csv *c, FILE *fp, struct fz_err *err)
{
	size_t i;

	if (c->header_done)
		return 0;
	for (i = 0; i < OUT_CSV_NCOLS; i++) {
		if ((i > 0 && out_puts(fp, ",", err) == -1) ||
		    out_puts(fp, out_csv_cols[i].name, err) == -1)
			return -1;
	}
	if (out_puts(fp, "\r\n", err) == -1)
		return -1;
	c->header_done = 1;
	return 0;
}

static int
out_csv_record(void *st, FILE *fp, const json_t *rec, struct fz_err *err)
{
	char buf[64], *t;
	const char *s;
	size_t i;
	int rc;

	if (out_csv_header(st, fp, err) == -1)
		return -1;
	for (i = 0; i < OUT_CSV_NCOLS; i++) {
		if (i > 0 && out_puts(fp, ",", err) == -1)
			return -1;
		if (out_csv_cols[i].text != NULL) {
			if ((t = out_csv_cols[i].text(rec)) == NULL) {
				fz_seterr(err, "out of memory");
				return -1;
			}
			rc = out_csv_field(fp, t, err);
			free(t);
			if (rc == -1)
				return -1;
			continue;
		}
		s = out_scalar(out_field(rec, out_csv_cols[i].key,
		    out_csv_cols[i].sub), buf, sizeof(buf));
		if (s != NULL && out_csv_field(fp, s, err) == -1)
			return -1;
	}
	if (out_puts(fp, "\r\n", err) == -1)
		return -1;
	return out_flush(fp, err);
}

static int
out_csv_finish(void *st, FILE *fp, struct fz_err *err)
{
	/* A run with no records still gets its header, so the file parses. */
	if (out_csv_header(st, fp, err) == -1)
		return -1;
	return out_flush(fp, err);
}

static void
out_csv_free(void *st)
{
	free(st);
}

const struct out_ops out_csv_ops = {
	out_csv_new, out_csv_record, out_csv_finish, out_csv_free
};
