/* --resume FILE: a sorted set of SHA-256 digests of the images an earlier run recognised. */
#include "resume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

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

static int
cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int
add(struct resume *r, const unsigned char d[32])
{
	unsigned char (*nv)[32];
	size_t ncap;

	if (r->n == r->cap) {
		ncap = r->cap ? r->cap * 2 : 256;
		if ((nv = realloc(r->sha, ncap * 32)) == NULL)
			return -1;
		r->sha = nv;
		r->cap = ncap;
	}
	memcpy(r->sha[r->n++], d, 32);
	return 0;
}

int
resume_load(const char *path, struct resume *r, struct strlist *warnings,
    struct fz_err *err)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	json_t *j, *e;
	json_error_t jerr;
	const char *sha;
	unsigned char d[32];
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		fz_seterr(err, "%s: %s", path, strerror(errno));
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
		e = json_object_get(j, "error");
		sha = json_string_value(json_object_get(j, "sha256"));
		/* Only recognised images: a dry run's plan recognised nothing. */
		if (json_is_null(e) && sha != NULL &&
		    !json_is_true(json_object_get(j, "dry_run")) &&
		    unhex(sha, d) == 0 && add(r, d) == -1) {
			json_decref(j);
			fz_seterr(err, "out of memory");
			rc = -1;
			break;
		}
		json_decref(j);
	}
	if (rc == 0 && ferror(fp)) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(fp);
	if (rc == 0 && r->n > 1)
		qsort(r->sha, r->n, 32, cmp);
	if (rc == -1)
		resume_free(r);
	return rc;
}

int
resume_has(const struct resume *r, const char *sha256_hex)
{
	unsigned char d[32];

	if (r == NULL || r->n == 0 || unhex(sha256_hex, d) == -1)
		return 0;
	return bsearch(d, r->sha, r->n, 32, cmp) != NULL;
}

void
resume_free(struct resume *r)
{
	free(r->sha);
	memset(r, 0, sizeof(*r));
}
