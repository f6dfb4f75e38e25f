/* --resume FILE and the crash journal: the records an earlier run paid for, read from ndjson, by image digest. */
#ifndef RESUME_H
#define RESUME_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "util.h"

/* What a rerun does with an image an earlier record names. */
enum resume_class {
	RESUME_RESEND = 0,      /* not recognised, nothing charged for good: send again */
	RESUME_DONE,            /* recognised */
	RESUME_CHARGED_FAILURE  /* the service answered 40001-40010, or its images were bad: paid */
};

struct resume_entry {
	unsigned char sha[32];
	size_t line;            /* later lines win */
	enum resume_class cls;
	int used;               /* a run has taken this record */
	/*
	 * The record as it was written; for a file of several cards an
	 * array of its cards' records in card order (cls the worst of them).
	 */
	json_t *rec;
};

struct resume {
	struct resume_entry *v; /* sorted by digest, one per digest */
	size_t n, cap;
	int ends_without_newline;   /* the file's last line was cut short */
	struct strlist tmps;    /* journal only: temporary files named by "faiz_tmp" lines */
};

/*
 * Read path (a missing file is an empty set). A file that does not start
 * with a JSON object (a pretty JSON array, CSV, a workbook) is refused
 * with -1 and err, and left untouched. Lines that are not JSON objects are
 * reported in warnings as FILE:LINE and ignored (a line cut by a crash).
 * Returns 0, or -1 with err when the file cannot be read.
 */
int resume_load(const char *path, struct resume *r, struct strlist *warnings,
    struct fz_err *err);
/* The same from an open file, read from its current offset (not closed). */
int resume_read(FILE *fp, const char *path, struct resume *r,
    struct strlist *warnings, struct fz_err *err);
/* How a rerun treats an image whose last record is rec. */
enum resume_class resume_class_of(const json_t *rec);
/* The entry for the image with this lowercase hex SHA-256, or NULL. */
struct resume_entry *resume_find(const struct resume *r, const char *sha256_hex);
/* Was the image with this lowercase hex SHA-256 recognised before? */
int resume_has(const struct resume *r, const char *sha256_hex);
/* The records r holds: an image of several cards counts each card's. */
size_t resume_records(const struct resume *r);
void resume_free(struct resume *r);

#endif
