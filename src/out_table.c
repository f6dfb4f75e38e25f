/*
 * table output: rows are kept as text until the end, then printed with
 * every column padded to its widest cell, measured in terminal columns
 * (a CJK character takes two) so Chinese names line up. On a terminal the
 * table is fitted to its width: the widest columns give way first and
 * their cells are shortened with "…".
 */
#include "out.h"

#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "width.h"

enum { OUT_TABLE_MAXCOLS = 11 };

/*
 * The columns of one kind of record: the header, and the record key of
 * each column; NULL for STATUS (built from rec.error), which is last.
 * keep_end marks the column shortened from the front (the path of a file,
 * whose name is at the end); flex the free text that gives way first when
 * the table must fit, so that numbers and dates stay whole longest.
 */
struct out_table_layout {
	size_t ncols;
	const char *head[OUT_TABLE_MAXCOLS];
	const char *key[OUT_TABLE_MAXCOLS];
	int keep_end[OUT_TABLE_MAXCOLS];
	int flex[OUT_TABLE_MAXCOLS];
};

static const struct out_table_layout out_table_images = {
	11,
	{ "FILE", "SIDE", "NAME", "SEX", "PEOPLE", "BIRTHDAY", "ID_NUMBER",
	    "ADDRESS", "ISSUE_AUTHORITY", "VALIDITY", "STATUS" },
	{ "file", "side", "name", "sex", "people", "birthday", "id_number",
	    "address", "issue_authority", "validity", NULL },
	{ 1 },
	{ 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1 }
};

/*
 * --check-id records: the number and what it encodes, not six columns of
 * an image record that are always "-". VALID and REGION are made below.
 */
static const struct out_table_layout out_table_ids = {
	6,
	{ "NUMBER", "VALID", "SEX", "BIRTHDAY", "REGION", "STATUS" },
	{ "input", "valid", "sex", "birthday", "region", NULL },
	{ 0 },
	{ 0, 0, 0, 0, 1, 1 }
};

struct out_table {
	const struct out_table_layout *lay; /* chosen by the first record */
	char **cells; /* nrows * OUT_TABLE_MAXCOLS owned strings */
	size_t nrows, cap;
	size_t width[OUT_TABLE_MAXCOLS];
	size_t columns; /* the terminal's width; 0 for no limit */
};

/*
 * The width to fit: the terminal's (TIOCGWINSZ) when fp is one, else
 * $COLUMNS when fp is a pipe (| less), else none: a table written to a
 * file keeps every character.
 */
static size_t
out_table_columns(FILE *fp)
{
	struct winsize ws;
	struct stat st;
	const char *env;
	char *end;
	long v;
	int fd = fileno(fp);

	if (fd < 0)
		return 0;
	if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	if ((env = getenv("COLUMNS")) == NULL || *env == '\0')
		return 0;
	errno = 0;
	v = strtol(env, &end, 10);
	if (*end != '\0' || errno != 0 || v < 1 || v > 100000)
		return 0;
	return (size_t)v;
}

static void *
out_table_new(FILE *fp)
{
	struct out_table *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->columns = out_table_columns(fp);
	return t;
}

/* A --check-id record: it has "valid" and "input" (see checks_id_record). */
static const struct out_table_layout *
out_table_pick(const json_t *rec)
{
	if (json_is_boolean(json_object_get(rec, "valid")) &&
	    json_is_string(json_object_get(rec, "input")))
		return &out_table_ids;
	return &out_table_images;
}

/*
 * A copy of s fit for one cell: control characters (a newline in an
 * address, a tab), the Unicode line and paragraph separators and the
 * bidirectional overrides and isolates would break the row, its alignment
 * or its order, so each becomes a space; trailing
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
		} else if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xa8 &&
		    p[2] <= 0xae) || (p[1] == 0x81 && p[2] >= 0xa6 &&
		    p[2] <= 0xa9))) {
			/*
			 * U+2028/9 break the line; U+202A-E and U+2066-9
			 * reorder it (a name that reads backwards).
			 */
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

/* "广东省广州市海珠区" from checks.region, or its code when unknown. */
static char *
out_table_region(const json_t *rec)
{
	const json_t *r = json_object_get(json_object_get(rec, "checks"),
	    "region");
	const char *p = json_string_value(json_object_get(r, "province"));
	const char *c = json_string_value(json_object_get(r, "city"));
	const char *k = json_string_value(json_object_get(r, "county"));
	const char *code = json_string_value(json_object_get(r, "code"));

	if (p == NULL && c == NULL && k == NULL)
		return strdup(code != NULL ? code : "-");
	return fz_printf("%s%s%s", p ? p : "", c ? c : "", k ? k : "");
}

/* The text of one cell of a data column. */
static char *
out_table_cell(const struct out_table_layout *lay, size_t i,
    const json_t *rec)
{
	const json_t *v = json_object_get(rec, lay->key[i]);
	char buf[64];
	const char *s;
	int k, n;

	/* A card of a file of several: which one, at the end that stays. */
	record_card(rec, &k, &n);
	if (lay == &out_table_images && n > 1 && json_is_string(v) &&
	    strcmp(lay->key[i], "file") == 0)
		return fz_printf("%s [card %d/%d]", json_string_value(v), k, n);
	if (lay == &out_table_ids && strcmp(lay->key[i], "region") == 0)
		return out_table_region(rec);
	if (lay == &out_table_ids && json_is_boolean(v))
		return strdup(json_is_true(v) ? "yes" : "no");
	s = out_scalar(v, buf, sizeof(buf));
	return strdup(s != NULL ? s : "-");
}

static int
out_table_grow(struct out_table *t)
{
	char **nc;
	size_t ncap;

	if (t->nrows < t->cap)
		return 0;
	ncap = t->cap ? t->cap * 2 : 16;
	if (ncap > ((size_t)-1) / (OUT_TABLE_MAXCOLS * sizeof(*nc)))
		return -1;
	if ((nc = realloc(t->cells, ncap * OUT_TABLE_MAXCOLS * sizeof(*nc))) ==
	    NULL)
		return -1;
	t->cells = nc;
	t->cap = ncap;
	return 0;
}

static int
out_table_record(void *st, FILE *fp, const json_t *rec, struct fz_err *err)
{
	struct out_table *t = st;
	char *row[OUT_TABLE_MAXCOLS] = { NULL };
	char *text = NULL;
	size_t i, w, n;

	(void)fp;
	if (t->lay == NULL)
		t->lay = out_table_pick(rec);
	n = t->lay->ncols;
	if (out_table_grow(t) == -1)
		goto nomem;
	for (i = 0; i < n; i++) {
		text = t->lay->key[i] != NULL ?
		    out_table_cell(t->lay, i, rec) : out_table_status(rec);
		if (text == NULL || (row[i] = out_table_clean(text)) == NULL)
			goto nomem;
		free(text);
		text = NULL;
	}
	/* The columns a layout does not use stay NULL, so free() can go over all. */
	for (i = 0; i < OUT_TABLE_MAXCOLS; i++) {
		if (i < n && (w = width_str(row[i])) > t->width[i])
			t->width[i] = w;
		t->cells[t->nrows * OUT_TABLE_MAXCOLS + i] = row[i];
	}
	t->nrows++;
	return 0;
nomem:
	free(text);
	for (i = 0; i < n; i++)
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

/*
 * One line: every cell but the last padded to its column, two spaces
 * between; a cell wider than its column (got) shortened to it first.
 */
static int
out_table_line(const struct out_table *t, FILE *fp, const char *const *row,
    const size_t *got, struct fz_err *err)
{
	size_t i, n = t->lay->ncols, w;
	char *cut;
	int rc;

	for (i = 0; i < n; i++) {
		w = width_str(row[i]);
		cut = NULL;
		if (w > got[i]) {
			if ((cut = width_trunc(row[i], got[i],
			    t->lay->keep_end[i])) == NULL) {
				fz_seterr(err, "out of memory");
				return -1;
			}
			w = width_str(cut);
		}
		rc = out_puts(fp, cut != NULL ? cut : row[i], err);
		free(cut);
		if (rc == -1)
			return -1;
		if (i + 1 < n && out_table_pad(fp, got[i] - w + 2, err) == -1)
			return -1;
	}
	return out_puts(fp, "\n", err);
}

static int
out_table_finish(void *st, FILE *fp, struct fz_err *err)
{
	struct out_table *t = st;
	size_t got[OUT_TABLE_MAXCOLS], i, r;

	if (t->lay == NULL)
		t->lay = &out_table_images;
	for (i = 0; i < t->lay->ncols; i++)
		if (width_str(t->lay->head[i]) > t->width[i])
			t->width[i] = width_str(t->lay->head[i]);
	width_fit(t->width, t->lay->flex, t->lay->ncols, 2, t->columns, got);
	if (out_table_line(t, fp, t->lay->head, got, err) == -1)
		return -1;
	for (r = 0; r < t->nrows; r++) {
		if (out_table_line(t, fp,
		    (const char *const *)t->cells + r * OUT_TABLE_MAXCOLS, got,
		    err) == -1)
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
	for (i = 0; i < t->nrows * OUT_TABLE_MAXCOLS; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

const struct out_ops out_table_ops = {
	out_table_new, out_table_record, out_table_finish, out_table_free
};
