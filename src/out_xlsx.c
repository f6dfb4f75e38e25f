/*
 * xlsx output with libxlsxwriter: one worksheet "records", a bold header row
 * with the csv columns, frozen below it, then one row per record. Rows are
 * streamed (constant_memory: each row goes to a temporary file as the next
 * one starts), so a run of any length keeps the same memory. The workbook
 * is written to oo->path when it is closed, in out_finish; see out.h for
 * how that fits -o FILE.
 *
 * Cells are typed: strings are text cells, true/false are booleans, times
 * are numbers. The id_number column is text (number format "@") and every
 * ID is written as a string, so all 18 characters stay, leading zeros and
 * a final X included. A text cell in a workbook is never evaluated, so
 * unlike csv no formula-injection marker is needed: the text is exact.
 */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

struct out_xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *text; /* "@": the id_number column */
	char *path;
	lxw_row_t row;    /* the last row written; 0 is the header */
};

/* Column widths in characters (a CJK character takes about two). */
static double
out_xlsx_width(const char *name)
{
	static const struct {
		const char *name;
		double width;
	} w[] = {
		{ "file", 28 }, { "side", 8 }, { "type", 16 }, { "name", 12 },
		{ "sex", 5 }, { "people", 7 }, { "birthday", 14 },
		{ "address", 44 }, { "id_number", 21 },
		{ "issue_authority", 24 }, { "validity", 24 }, { "sid", 24 },
		{ "sha256", 20 }, { "prepared", 30 }, { "warnings", 20 },
		{ "error_code", 12 }, { "error_message", 44 },
	};
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(w[i].name, name) == 0)
			return w[i].width;
	/* Flags, times and image paths: about their header's width. */
	return strlen(name) + 2 < 14 ? 14 : (double)strlen(name) + 2;
}

/* The caller names the file (main says the -o name, not the temporary one). */
static void
out_xlsx_seterr(struct fz_err *err, lxw_error e)
{
	fz_seterr(err, "xlsx: %s", lxw_strerror(e));
}

/*
 * Free a workbook that was never closed, writing nothing. libxlsxwriter
 * 1.1.4 frees it with lxw_workbook_free but leaves each constant_memory
 * worksheet's row file (a FILE * on an unlinked temporary file) open, so
 * close that first.
 */
static void
out_xlsx_discard(struct out_xlsx *x)
{
	if (x->wb == NULL)
		return;
	if (x->ws != NULL && x->ws->optimize_tmpfile != NULL) {
		fclose(x->ws->optimize_tmpfile);
		x->ws->optimize_tmpfile = NULL;
	}
	lxw_workbook_free(x->wb);
	x->wb = NULL;
	x->ws = NULL;
}

/* Without a path there is nothing to write to: see out_xlsx_new_opts. */
static void *
out_xlsx_new(FILE *fp)
{
	(void)fp;
	return NULL;
}

void *
out_xlsx_new_opts(FILE *fp, const struct out_opts *oo, struct fz_err *err)
{
	lxw_workbook_options wo = { .constant_memory = LXW_TRUE };
	struct out_xlsx *x;
	lxw_format *bold;
	lxw_error e = LXW_NO_ERROR;
	size_t i;

	(void)fp;
	if (oo->path == NULL) {
		fz_seterr(err, "xlsx output needs a file: use -o FILE");
		return NULL;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->path = strdup(oo->path)) == NULL)
		goto nomem;
	if ((x->wb = workbook_new_opt(x->path, &wo)) == NULL ||
	    (x->ws = workbook_add_worksheet(x->wb, "records")) == NULL ||
	    (bold = workbook_add_format(x->wb)) == NULL ||
	    (x->text = workbook_add_format(x->wb)) == NULL)
		goto nomem;
	format_set_bold(bold);
	format_set_num_format(x->text, "@");
	for (i = 0; i < out_ncols && e == LXW_NO_ERROR; i++)
		e = worksheet_set_column(x->ws, (lxw_col_t)i, (lxw_col_t)i,
		    out_xlsx_width(out_cols[i].name),
		    strcmp(out_cols[i].name, "id_number") == 0 ? x->text : NULL);
	for (i = 0; i < out_ncols && e == LXW_NO_ERROR; i++)
		e = worksheet_write_string(x->ws, 0, (lxw_col_t)i,
		    out_cols[i].name, bold);
	if (e != LXW_NO_ERROR) {
		out_xlsx_seterr(err, e);
		goto fail;
	}
	worksheet_freeze_panes(x->ws, 1, 0);
	return x;
nomem:
	fz_seterr(err, "out of memory");
fail:
	if (x != NULL) {
		out_xlsx_discard(x);
		free(x->path);
		free(x);
	}
	return NULL;
}

/* One cell from a JSON scalar; null, a missing key or a structure stays blank. */
static lxw_error
out_xlsx_cell(struct out_xlsx *x, lxw_col_t col, const json_t *v, int is_id)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return worksheet_write_string(x->ws, x->row, col,
		    json_string_value(v), is_id ? x->text : NULL);
	case JSON_TRUE:
	case JSON_FALSE:
		return worksheet_write_boolean(x->ws, x->row, col,
		    json_is_true(v), NULL);
	case JSON_INTEGER:
		return worksheet_write_number(x->ws, x->row, col,
		    (double)json_integer_value(v), NULL);
	case JSON_REAL:
		return worksheet_write_number(x->ws, x->row, col,
		    json_real_value(v), NULL);
	default:
		return LXW_NO_ERROR;
	}
}

static int
out_xlsx_record(void *st, FILE *fp, const json_t *rec, struct fz_err *err)
{
	struct out_xlsx *x = st;
	const json_t *v;
	lxw_error e = LXW_NO_ERROR;
	char *t;
	size_t i;

	(void)fp;
	if (x->wb == NULL) {
		fz_seterr(err, "xlsx: the workbook is already closed");
		return -1;
	}
	if (x->row + 1 >= LXW_ROW_MAX) {
		fz_seterr(err, "xlsx: more records than one worksheet holds "
		    "(%lu)", (unsigned long)LXW_ROW_MAX - 1);
		return -1;
	}
	x->row++;
	for (i = 0; i < out_ncols && e == LXW_NO_ERROR; i++) {
		if (out_cols[i].text != NULL) {
			if ((t = out_cols[i].text(rec)) == NULL) {
				fz_seterr(err, "out of memory");
				return -1;
			}
			if (*t != '\0')
				e = worksheet_write_string(x->ws, x->row,
				    (lxw_col_t)i, t, NULL);
			free(t);
			continue;
		}
		if ((v = out_field(rec, out_cols[i].key, out_cols[i].sub)) !=
		    NULL)
			e = out_xlsx_cell(x, (lxw_col_t)i, v,
			    strcmp(out_cols[i].name, "id_number") == 0);
	}
	if (e != LXW_NO_ERROR) {
		out_xlsx_seterr(err, e);
		return -1;
	}
	return 0;
}

/* Write the zip to the path; the workbook is freed whatever happens. */
static int
out_xlsx_finish(void *st, FILE *fp, struct fz_err *err)
{
	struct out_xlsx *x = st;
	lxw_error e;
	int fd;

	(void)fp;
	if (x->wb == NULL)
		return 0;
	/*
	 * Make sure the file can be written first (and is made mode 0600 if
	 * it is not there yet): when libxlsxwriter cannot create it, it prints
	 * to stderr itself and leaks its row files.
	 */
	if ((fd = open(x->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		fz_seterr(err, "xlsx: %s", strerror(errno));
		out_xlsx_discard(x);
		return -1;
	}
	close(fd);
	e = workbook_close(x->wb);
	x->wb = NULL;
	x->ws = NULL;
	if (e != LXW_NO_ERROR) {
		out_xlsx_seterr(err, e);
		return -1;
	}
	return 0;
}

static void
out_xlsx_free(void *st)
{
	struct out_xlsx *x = st;

	if (x == NULL)
		return;
	/* Never finished (a failed or interrupted run): nothing is written. */
	out_xlsx_discard(x);
	free(x->path);
	free(x);
}

const struct out_ops out_xlsx_ops = {
	out_xlsx_new, out_xlsx_record, out_xlsx_finish, out_xlsx_free
};
