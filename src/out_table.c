/*
 * table output: rows are kept as text until the end, then printed with
 * every column padded to its widest cell, measured in terminal columns
 * (a CJK character takes two) so Chinese names line up.
 */
#include "out.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "width.h"

enum { OUT_TABLE_NCOLS = 11 };

static const char *const out_table_head[OUT_TABLE_NCOLS] = {
	"FILE", "SIDE", "NAME", "SEX", "PEOPLE", "BIRTHDAY", "ID_NUMBER",
	"ADDRESS", "ISSUE_AUTHORITY", "VALIDITY", "STATUS"
};

/* The record keys of every column but STATUS, which is built from rec.error. */
static const char *const out_table_keys[OUT_TABLE_NCOLS - 1] = {
	"file", "side", "name", "sex", "people", "birthday", "id_number",
	"address", "issue_authority", "validity"
};

struct out_table {
	char **cells; /* nrows * OUT_TABLE_NCOLS owned strings */
	size_t nrows, cap;
	size_t width[OUT_TABLE_NCOLS];
};

static void *
out_table_new(FILE *fp)
{
	struct out_table *t;
	size_t i;

	(void)fp;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	for (i = 0; i < OUT_TABLE_NCOLS; i++)
		t->width[i] = width_str(out_table_head[i]);
	return t;
}

/*
 * A copy of s fit for one cell: control characters (a newline in an
 * address, a tab) and the Unicode line and paragraph separators would
 * break the row or its alignment, so each becomes a space; trailing
 * spaces are dropped so no line ends in blanks.
 */
static char *
out_table_clean(const char *s)
{
	unsigned char *c, *p;
	size_t n;

	if ((c = (unsigned char *)strdup(s)) == NULL)
		return NULL;
	n = strlen((char *)c);
	for (p = c; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			*p = ' ';
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* A C1 control, U+0080-U+009F: two bytes become two spaces. */
			p[0] = p[1] = ' ';
			p++;
		} else if (p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9)) {
			p[0] = p[1] = p[2] = ' ';
			p += 2;
		}
	}
	while (n > 0 && c[n - 1] == ' ')
		c[--n] = '\0';
	return (char *)c;
}

static char *
out_table_status(const json_t *rec)
{
	const json_t *e = json_object_get(rec, "error");
	const char *code, *msg;

	if (e == NULL || json_is_null(e)) {
		/* "ok" or "would send", then what was (or would be) done. */
		char *prep = record_prepared_text(rec);
		char *warn = record_warnings_text(rec);
		char *st = NULL;

		if (prep != NULL && warn != NULL)
			st = fz_printf("%s%s%s%s%s%s",
			    json_is_true(json_object_get(rec, "dry_run")) ?
			    "would send" : "ok", *prep || *warn ? " (" : "", prep,
			    *prep && *warn ? "; " : "",
			    *warn ? "warnings: " : "", warn);
		if (st != NULL && (*prep || *warn)) {
			char *t = fz_printf("%s)", st);
			free(st);
			st = t;
		}
		free(prep);
		free(warn);
		return st;
	}
	code = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	if (code == NULL)
		code = "unknown";
	if (msg == NULL || *msg == '\0')
		return fz_printf("error %s", code);
	return fz_printf("error %s: %s", code, msg);
}

static int
out_table_grow(struct out_table *t)
{
	char **nc;
	size_t ncap;

	if (t->nrows < t->cap)
		return 0;
	ncap = t->cap ? t->cap * 2 : 16;
	if (ncap > ((size_t)-1) / (OUT_TABLE_NCOLS * sizeof(*nc)))
		return -1;
	if ((nc = realloc(t->cells, ncap * OUT_TABLE_NCOLS * sizeof(*nc))) == NULL)
		return -1;
	t->cells = nc;
	t->cap = ncap;
	return 0;
}

static int
out_table_record(void *st, FILE *fp, const json_t *rec, struct fz_err *err)
{
	struct out_table *t = st;
	char *row[OUT_TABLE_NCOLS] = { NULL };
	char buf[64], *status = NULL;
	const char *s;
	size_t i, w;

	(void)fp;
	if (out_table_grow(t) == -1)
		goto nomem;
	for (i = 0; i < OUT_TABLE_NCOLS - 1; i++) {
		s = out_scalar(json_object_get(rec, out_table_keys[i]), buf,
		    sizeof(buf));
		if ((row[i] = out_table_clean(s != NULL ? s : "-")) == NULL)
			goto nomem;
	}
	if ((status = out_table_status(rec)) == NULL ||
	    (row[OUT_TABLE_NCOLS - 1] = out_table_clean(status)) == NULL)
		goto nomem;
	free(status);
	for (i = 0; i < OUT_TABLE_NCOLS; i++) {
		if ((w = width_str(row[i])) > t->width[i])
			t->width[i] = w;
		t->cells[t->nrows * OUT_TABLE_NCOLS + i] = row[i];
	}
	t->nrows++;
	return 0;
nomem:
	free(status);
	for (i = 0; i < OUT_TABLE_NCOLS; i++)
		free(row[i]);
	fz_seterr(err, "out of memory");
	return -1;
}

static int
out_table_pad(FILE *fp, size_t n, struct fz_err *err)
{
	static const char spaces[] = "                                ";
	size_t k;

	while (n > 0) {
		k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		if (out_write(fp, spaces, k, err) == -1)
			return -1;
		n -= k;
	}
	return 0;
}

/* One line: every cell but the last padded to its column, two spaces between. */
static int
out_table_line(const struct out_table *t, FILE *fp, const char *const *row,
    struct fz_err *err)
{
	size_t i;

	for (i = 0; i < OUT_TABLE_NCOLS; i++) {
		if (out_puts(fp, row[i], err) == -1)
			return -1;
		if (i + 1 < OUT_TABLE_NCOLS &&
		    out_table_pad(fp, t->width[i] - width_str(row[i]) + 2,
		    err) == -1)
			return -1;
	}
	return out_puts(fp, "\n", err);
}

static int
out_table_finish(void *st, FILE *fp, struct fz_err *err)
{
	struct out_table *t = st;
	size_t r;

	if (out_table_line(t, fp, out_table_head, err) == -1)
		return -1;
	for (r = 0; r < t->nrows; r++) {
		if (out_table_line(t, fp,
		    (const char *const *)t->cells + r * OUT_TABLE_NCOLS, err) == -1)
			return -1;
	}
	return out_flush(fp, err);
}

static void
out_table_free(void *st)
{
	struct out_table *t = st;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * OUT_TABLE_NCOLS; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

const struct out_ops out_table_ops = {
	out_table_new, out_table_record, out_table_finish, out_table_free
};
