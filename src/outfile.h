/* The -o FILE destination: written to a temporary file beside it, then put in place. */
#ifndef OUTFILE_H
#define OUTFILE_H

#include <stdio.h>

#include "util.h"

struct outfile {
	FILE *fp;
	char *path;   /* the final name */
	char *tmp;    /* the temporary name in the same directory */
	int force;
};

/* Refuse early (before any upload) when path exists and force is not set. */
int outfile_check(const char *path, int force, struct fz_err *err);
/* Create the temporary file, mode 0600. */
int outfile_open(struct outfile *of, const char *path, int force,
    struct fz_err *err);
/* Flush, close and move into place (never over an existing file without force). */
int outfile_commit(struct outfile *of, struct fz_err *err);
/* Close and remove the temporary file. */
void outfile_abort(struct outfile *of);

#endif
