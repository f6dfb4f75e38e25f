/* --resume FILE and the crash journal: the records of an earlier run, sorted by image digest, each classed as done, a charged failure, or to send again. */
#include "resume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static int
unhex(const char *s, unsigned char out[32])
{
	int i, hi, lo;

	for (i = 0; i < 32; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' && hi <= 'f' ?
		    hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' && lo <= 'f' ?
		    lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return s[64] == '\0' ? 0 : -1;
}

/* By digest, then by line: the last line of a digest ends its run. */
static int
cmp(const void *a, const void *b)
{
	const struct resume_entry *x = a, *y = b;
	int c = memcmp(x->sha, y->sha, 32);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int
cmp_key(const void *key, const void *elem)
{
	return memcmp(key, ((const struct resume_entry *)elem)->sha, 32);
}

static int
add(struct resume *r, const unsigned char d[32], size_t line, json_t *rec)
{
	struct resume_entry *nv;
	size_t ncap;

	if (r->n == r->cap) {
		ncap = r->cap ? r->cap * 2 : 64;
		if ((nv = realloc(r->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		r->v = nv;
		r->cap = ncap;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
	memcpy(r->v[r->n].sha, d, 32);
	r->v[r->n].line = line;
	r->v[r->n].cls = resume_class_of(rec);
	r->v[r->n].rec = rec;
	r->n++;
	return 0;
}

enum resume_class
resume_class_of(const json_t *rec)
{
	const json_t *e = json_object_get(rec, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	char *end;
	long n;

	/* A dry run's plan recognised nothing and paid nothing. */
	if (json_is_true(json_object_get(rec, "dry_run")))
		return RESUME_RESEND;
	if (json_is_null(e))
		return RESUME_DONE;
	if (code == NULL)
		return RESUME_RESEND;
	/* The fields came back, the images did not: the call was paid. */
	if (strcmp(code, "bad_image") == 0)
		return RESUME_CHARGED_FAILURE;
	/* An HTTP 200 that did not parse, or an answer lost after the whole
	 * image went out: paid (or possibly paid), so not paid for again
	 * unless asked (--retry-failed). */
	if (strcmp(code, "bad_response") == 0 ||
	    strcmp(code, "timeout_after_send") == 0)
		return RESUME_CHARGED_FAILURE;
	/* 40001-40010: the service looked at the image and said no; the
	 * same bytes get the same answer and cost again. */
	errno = 0;
	n = strtol(code, &end, 10);
	if (errno == 0 && *end == '\0' && end != code && n >= 40001 &&
	    n <= 40010)
		return RESUME_CHARGED_FAILURE;
	/* not_sent, transport, 5xx, 50004, 1414 and local refusals. */
	return RESUME_RESEND;
}

/*
 * The records of one file of n cards, r->v[g..end) being its digest's in
 * line order: the latest record of each card 1..n of that count, as an
 * array in card order put in the last entry, classed by the worst of
 * them. With a card missing (a run killed between two cards' records) the
 * file is to send again.
 */
static void
gather_cards(struct resume *r, size_t g, size_t end, int n)
{
	struct resume_entry *last = &r->v[end - 1];
	enum resume_class cls = RESUME_DONE, c;
	json_t **card, *all = NULL;
	size_t i;
	int k, cn;

	if ((card = calloc((size_t)n, sizeof(*card))) == NULL) {
		last->cls = RESUME_RESEND;
		return;
	}
	for (i = end; i-- > g;) {
		record_card(r->v[i].rec, &k, &cn);
		if (cn == n && card[k - 1] == NULL)
			card[k - 1] = r->v[i].rec;
	}
	for (k = 0; k < n; k++) {
		if (card[k] == NULL)
			break;
		c = resume_class_of(card[k]);
		if (c == RESUME_RESEND || (c == RESUME_CHARGED_FAILURE &&
		    cls == RESUME_DONE))
			cls = c;
	}
	if (k == n && (all = json_array()) != NULL)
		for (k = 0; k < n; k++)
			if (json_array_append(all, card[k]) == -1) {
				json_decref(all);
				all = NULL;
				break;
			}
	free(card);
	if (all == NULL) {
		last->cls = RESUME_RESEND;
		return;
	}
	json_decref(last->rec);
	last->rec = all;
	last->cls = cls;
}

/*
 * Sort, and keep what the last record of each digest says: that record,
 * or for a file of several cards (each card a record with card {index,
 * count}) all of them.
 */
static void
settle(struct resume *r)
{
	size_t i, g, end, o = 0;
	int k, n;

	if (r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), cmp);
	for (g = 0; g < r->n; g = end) {
		for (end = g + 1; end < r->n && memcmp(r->v[g].sha,
		    r->v[end].sha, 32) == 0; end++)
			;
		record_card(r->v[end - 1].rec, &k, &n);
		if (n > 1)
			gather_cards(r, g, end, n);
		for (i = g; i + 1 < end; i++)
			json_decref(r->v[i].rec);
		r->v[o++] = r->v[end - 1];
	}
	r->n = o;
}

/* The first byte that is not white space, put back; EOF for an empty file. */
static int
first_byte(FILE *fp)
{
	int c;

	while ((c = getc(fp)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		;
	if (c != EOF)
		ungetc(c, fp);
	return c;
}

int
resume_read(FILE *fp, const char *path, struct resume *r,
    struct strlist *warnings, struct fz_err *err)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	json_t *j;
	json_error_t jerr;
	const char *sha, *tmp;
	unsigned char d[32];
	int rc = 0, c;

	memset(r, 0, sizeof(*r));
	c = first_byte(fp);
	if (c != EOF && c != '{') {
		/* Appending ndjson to a JSON array, a CSV file or a workbook
		 * would spoil it, and nothing in it could be matched. */
		fz_seterr(err, "%s: not an ndjson file of records (one JSON "
		    "object per line, as -f ndjson writes); refusing to resume "
		    "from it", path);
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		r->ends_without_newline = n > 0 && line[n - 1] != '\n';
		if (n <= 1)
			continue;
		j = json_loadb(line, (size_t)n, 0, &jerr);
		if (!json_is_object(j)) {
			/* A line cut by a crash: its image is simply sent again. */
			strlist_pushf(warnings, "%s:%zu: not a JSON record; "
			    "ignored", path, lineno);
			json_decref(j);
			continue;
		}
		if ((tmp = json_string_value(json_object_get(j,
		    "faiz_tmp"))) != NULL) {
			if (strlist_push(&r->tmps, tmp) == -1)
				rc = -1;
			json_decref(j);
			if (rc == -1)
				break;
			continue;
		}
		sha = json_string_value(json_object_get(j, "sha256"));
		if (sha == NULL || unhex(sha, d) == -1) {
			json_decref(j);
			continue;
		}
		if (add(r, d, lineno, j) == -1) {
			json_decref(j);
			rc = -1;
			break;
		}
	}
	if (rc == -1)
		fz_seterr(err, "out of memory");
	else if (ferror(fp)) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	if (rc == 0)
		settle(r);
	else
		resume_free(r);
	return rc;
}

int
resume_load(const char *path, struct resume *r, struct strlist *warnings,
    struct fz_err *err)
{
	FILE *fp;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		fz_seterr(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = resume_read(fp, path, r, warnings, err);
	fclose(fp);
	return rc;
}

struct resume_entry *
resume_find(const struct resume *r, const char *sha256_hex)
{
	unsigned char d[32];

	if (r == NULL || r->n == 0 || sha256_hex == NULL ||
	    unhex(sha256_hex, d) == -1)
		return NULL;
	return bsearch(d, r->v, r->n, sizeof(*r->v), cmp_key);
}

int
resume_has(const struct resume *r, const char *sha256_hex)
{
	const struct resume_entry *e = resume_find(r, sha256_hex);

	return e != NULL && e->cls == RESUME_DONE;
}

size_t
resume_records(const struct resume *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += json_is_array(r->v[i].rec) ? json_array_size(r->v[i].rec) :
		    1;
	return n;
}

void
resume_free(struct resume *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		json_decref(r->v[i].rec);
	free(r->v);
	strlist_free(&r->tmps);
	memset(r, 0, sizeof(*r));
}
