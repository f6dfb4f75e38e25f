/* The -o FILE destination: written to a temporary file beside it, then put in place. */
#ifndef OUTFILE_H
#define OUTFILE_H

#include <stdio.h>

#include "safefile.h"
#include "util.h"

struct outfile {
	FILE *fp;
	char *path;   /* the final name */
	char *tmp;    /* the temporary file's path, in the same directory */
	int force;
	int dirfd;    /* the directory of path, -1 when closed */
	const char *name;               /* path's last part, inside path */
	char tmpname[SAFEFILE_TMPLEN];  /* tmp's last part */
};

/* Refuse early (before any upload) when path exists and force is not set. */
int outfile_check(const char *path, int force, struct fz_err *err);
/* Create the temporary file, mode 0600. */
int outfile_open(struct outfile *of, const char *path, int force,
    struct fz_err *err);
/*
 * Flush, sync, close and move into place through safefile_commit: never
 * over an existing file without force, copied where the file system has
 * no hard links.
 */
int outfile_commit(struct outfile *of, struct fz_err *err);
/* Close and remove the temporary file. */
void outfile_abort(struct outfile *of);

#endif
