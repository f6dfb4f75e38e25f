/* --from-records FILE: NDJSON (or a -f json array) read back record by record, bounded, for rendering again. */
#include "fromrec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Count a record as the run that wrote it would have. */
static void
tally(struct fromrec_stats *st, const json_t *rec)
{
	const char *code = json_string_value(json_object_get(
	    json_object_get(rec, "error"), "code"));

	st->records++;
	if (code != NULL && strcmp(code, "not_sent") == 0)
		st->not_sent++;
	else if (json_object_get(rec, "duplicate_of") != NULL)
		st->duplicates++;
	else if (code == NULL)
		st->recognised++;
	else
		st->failed++;
}

static int
is_record(const json_t *v)
{
	return json_is_object(v) && json_is_string(json_object_get(v, "file"));
}

/* Hand one record on; -1 when the output failed. */
static int
give(json_t *rec, int (*emit)(void *, json_t *), void *ctx,
    struct fromrec_stats *st)
{
	tally(st, rec);
	return emit(ctx, rec);
}

/* The whole of fp as one JSON array of records. */
static enum fromrec_end
read_array(FILE *fp, const char *path, int (*emit)(void *, json_t *),
    void *ctx, const volatile sig_atomic_t *stop, struct strlist *warnings,
    struct fromrec_stats *st, struct fz_err *err)
{
	json_error_t je;
	json_t *all, *v;
	size_t i;
	enum fromrec_end end = FROMREC_OK;

	if ((all = json_loadf(fp, 0, &je)) == NULL || !json_is_array(all)) {
		fz_seterr(err, "%s:%d: not an array of records%s%s", path,
		    all ? 1 : je.line, all ? "" : ": ", all ? "" : je.text);
		json_decref(all);
		return FROMREC_READ;
	}
	json_array_foreach(all, i, v) {
		if (stop != NULL && *stop) {
			end = FROMREC_STOPPED;
			break;
		}
		if (!is_record(v)) {
			st->bad++;
			strlist_pushf(warnings, "%s: item %zu is not a record",
			    path, i + 1);
			continue;
		}
		if (give(v, emit, ctx, st) == -1) {
			end = FROMREC_OUTPUT;
			break;
		}
	}
	json_decref(all);
	return end;
}

enum fromrec_end
fromrec_read(const char *path, int (*emit)(void *ctx, json_t *rec), void *ctx,
    const volatile sig_atomic_t *stop, struct strlist *warnings,
    struct fromrec_stats *st, struct fz_err *err)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, lineno = 0, len;
	ssize_t got;
	json_t *rec;
	struct stat sb;
	int c, first = 1;
	enum fromrec_end end = FROMREC_OK;

	memset(st, 0, sizeof(*st));
	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (fp == NULL) {
		fz_seterrno(err, errno, "%s: %s", path, strerror(errno));
		return FROMREC_READ;
	}
	/* Skip white space to see which of the two it is. */
	while ((c = getc(fp)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		if (c == '\n')
			lineno++;
	if (c == '[') {
		ungetc(c, fp);
		if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (unsigned long long)sb.st_size > FROMREC_MAX_ARRAY) {
			fz_seterr(err, "%s: a JSON array over %u MiB: convert it "
			    "to ndjson first (jq -c '.[]')", path,
			    FROMREC_MAX_ARRAY >> 20);
			end = FROMREC_READ;
		} else {
			end = read_array(fp, path, emit, ctx, stop, warnings,
			    st, err);
		}
		goto done;
	}
	if (c != EOF)
		ungetc(c, fp);
	while ((got = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (stop != NULL && *stop) {
			end = FROMREC_STOPPED;
			break;
		}
		len = (size_t)got;
		if (len > FROMREC_MAX_LINE) {
			st->bad++;
			strlist_pushf(warnings, "%s:%zu: a line over %u MiB is "
			    "not a record", path, lineno, FROMREC_MAX_LINE >> 20);
			continue;
		}
		/* The byte order mark a spreadsheet tool may add. */
		if (first && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			memmove(line, line + 3, len - 2);
			len -= 3;
		}
		first = 0;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0)
			continue;
		rec = json_loadb(line, len, JSON_ALLOW_NUL, NULL);
		if (!is_record(rec)) {
			/* A last line cut short by a crash is the usual one. */
			st->bad++;
			strlist_pushf(warnings, "%s:%zu: not a record: skipped",
			    path, lineno);
			json_decref(rec);
			continue;
		}
		c = give(rec, emit, ctx, st);
		json_decref(rec);
		if (c == -1) {
			end = FROMREC_OUTPUT;
			break;
		}
	}
	if (end == FROMREC_OK && ferror(fp)) {
		fz_seterrno(err, errno, "%s: %s", path, strerror(errno));
		end = FROMREC_READ;
	}
done:
	free(line);
	if (fp != stdin)
		fclose(fp);
	return end;
}
