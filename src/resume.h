/* --resume FILE: the contents of images already recognised, read from an earlier ndjson output. */
#ifndef RESUME_H
#define RESUME_H

#include <stddef.h>

#include "util.h"

struct resume {
	unsigned char (*sha)[32]; /* sorted digests of recognised images */
	size_t n, cap;
	int ends_without_newline;   /* the file's last line was cut short */
};

/*
 * Read path (a missing file is an empty set). Lines that are not JSON
 * objects are reported in warnings as FILE:LINE and ignored. Returns 0,
 * or -1 with err when the file cannot be read.
 */
int resume_load(const char *path, struct resume *r, struct strlist *warnings,
    struct fz_err *err);
/* Was the image with this lowercase hex SHA-256 recognised before? */
int resume_has(const struct resume *r, const char *sha256_hex);
void resume_free(struct resume *r);

#endif
