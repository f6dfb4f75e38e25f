/*
 * csv output (RFC 4180): a header row, then one CRLF-terminated row per
 * record, flushed as it is written. Made safe to open in a spreadsheet:
 * an optional UTF-8 BOM, ID numbers kept as text, and text cells that a
 * spreadsheet would run as a formula defused (see out_csv_cell).
 */
#include "out.h"
#include "record.h"

#include <stdlib.h>
#include <string.h>

/* The columns of the spec, in order, then the engine and the card; "raw" is never a column. Shared with xlsx. */
const struct out_col out_cols[] = {
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
	/* Added after the service's columns, so theirs keep their places. */
	{ "engine", "engine", NULL, NULL },
	{ "card_index", "card", "index", NULL },
	{ "card_count", "card", "count", NULL },
};

const size_t out_ncols = sizeof(out_cols) / sizeof(out_cols[0]);

struct out_csv {
	int header_done;
	int bom;
	int no_tab;  /* --no-tab: ID numbers as they are */
};

static void *
out_csv_new(FILE *fp)
{
	(void)fp;
	return calloc(1, sizeof(struct out_csv));
}

void *
out_csv_new_opts(FILE *fp, const struct out_opts *oo, struct fz_err *err)
{
	struct out_csv *c;

	if ((c = out_csv_new(fp)) == NULL) {
		fz_seterr(err, "out of memory");
		return NULL;
	}
	c->bom = oo->bom;
	c->no_tab = oo->no_tab;
	return c;
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

/* An ID number as the card prints it: digits, the last one possibly X. */
static int
out_csv_id_like(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0)
		return 0;
	return s[n] == '\0' || ((s[n] == 'X' || s[n] == 'x') && s[n + 1] == '\0');
}

/*
 * One cell. Strings (is_text) may need a marker before them; numbers and
 * booleans never get one, so -5 stays a number.
 *
 * ID numbers (is_id): opened in Excel, an 18-digit number becomes a number,
 * and Excel keeps only 15 significant digits: 440105199208220038 shows as
 * 4.40105E+17 and is stored as 440105199208220000; leading zeros go too
 * (Microsoft, "Keep leading zeros": codes of 16 digits or more must be
 * text). The usual ways out, and why this one:
 *   ="440105199208220038"  Excel shows text, but it is a formula: every
 *       other reader (Python's csv, a database import, LibreOffice with
 *       formulas off) gets the six extra characters, and a formula is the
 *       very thing the injection rule below forbids.
 *   '440105199208220038    the apostrophe is Excel's marker when typing
 *       into a cell; in a CSV it is an ordinary character of the value.
 *       It also would make a deliberate ID indistinguishable from one the
 *       injection rule defused.
 *   a leading tab          Excel sees a value that is not a number and
 *       keeps the text, every digit (the trick tableExport recommends for
 *       18-digit Chinese ID numbers, with a non-printing character before
 *       the number: github.com/hhurz/tableExport.jquery.plugin/issues/327).
 *       A reader that is not Excel strips whitespace, or one tab, and has
 *       the exact number back: Python's csv returns "\t4401...", and
 *       value[1:] (or .strip()) is the number.
 * So an id_number cell made only of digits (and a final X) starts with one
 * tab; anything else in that column is text to Excel already and is
 * treated like any other text. The tab is not an injection risk here: only
 * digits follow it. The file column gets the same (is_id): with --check-id
 * it holds the number as typed, and a scan may be named by its number.
 * --no-tab (tab == 0) leaves ID numbers bare, for readers that are not
 * Excel; they need no other marker, starting with a digit.
 *
 * Formula injection (OWASP "CSV Injection"): a text cell starting with
 * =, +, -, @, tab or CR would be run as a formula by Excel, LibreOffice or
 * Google Sheets; it gets a single quote in front, which the spreadsheet
 * shows and does not run. Every string cell gets this: names, addresses,
 * file names, messages. Python readers can drop a leading ' when the next
 * character is one of those six.
 */
static int
out_csv_cell(FILE *fp, const char *s, int is_text, int is_id, int tab,
    struct fz_err *err)
{
	const char *mark = NULL;
	char *t;
	int rc;

	if (is_text && is_id && out_csv_id_like(s))
		mark = tab ? "\t" : NULL;
	else if (is_text && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		mark = "'";
	if (mark == NULL)
		return out_csv_field(fp, s, err);
	/* The marker is part of the value: inside the quotes, if any. */
	if ((t = fz_printf("%s%s", mark, s)) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	rc = out_csv_field(fp, t, err);
	free(t);
	return rc;
}

static int
out_csv_header(struct out_csv *c, FILE *fp, struct fz_err *err)
{
	size_t i;

	if (c->header_done)
		return 0;
	/* The BOM goes first, before the header, or Excel does not see it. */
	if (c->bom && out_puts(fp, "\xef\xbb\xbf", err) == -1)
		return -1;
	for (i = 0; i < out_ncols; i++) {
		if ((i > 0 && out_puts(fp, ",", err) == -1) ||
		    out_puts(fp, out_cols[i].name, err) == -1)
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
	const struct out_csv *c = st;
	const json_t *v;
	char buf[64], *t;
	const char *s;
	size_t i;
	int rc;

	if (out_csv_header(st, fp, err) == -1)
		return -1;
	for (i = 0; i < out_ncols; i++) {
		if (i > 0 && out_puts(fp, ",", err) == -1)
			return -1;
		if (out_cols[i].text != NULL) {
			if ((t = out_cols[i].text(rec)) == NULL) {
				fz_seterr(err, "out of memory");
				return -1;
			}
			rc = out_csv_cell(fp, t, 1, 0, 0, err);
			free(t);
			if (rc == -1)
				return -1;
			continue;
		}
		v = out_field(rec, out_cols[i].key, out_cols[i].sub);
		s = out_scalar(v, buf, sizeof(buf));
		if (s != NULL && out_csv_cell(fp, s, json_is_string(v),
		    strcmp(out_cols[i].name, "id_number") == 0 ||
		    strcmp(out_cols[i].name, "file") == 0, !c->no_tab,
		    err) == -1)
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
