/* --summary FILE: the run's counts as JSON, written beside the name and renamed into place. */
#include "summary.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "outfile.h"

int
summary_check(const char *path, struct fz_err *err)
{
	struct outfile of;
	struct stat st;

	/* A device, a FIFO or a link is never replaced by a file. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fz_seterr(err, "%s: not a regular file", path);
		return -1;
	}
	/* The temporary file the summary will be written to, tried now. */
	if (outfile_open(&of, path, 1, err) == -1)
		return -1;
	outfile_abort(&of);
	return 0;
}

static json_t *
counts_json(const struct summary_counts *c)
{
	/* Milliseconds are enough, and keep the number short. */
	double elapsed = round(c->elapsed * 1000) / 1000;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:f, s:b, s:i}",
	    "total", (json_int_t)c->total,
	    "recognised", (json_int_t)c->recognised,
	    "failed", (json_int_t)c->failed,
	    "skipped", (json_int_t)c->skipped,
	    "duplicates", (json_int_t)c->duplicates,
	    "not_sent", (json_int_t)c->not_sent,
	    "planned", (json_int_t)c->planned,
	    "multicard_images", (json_int_t)c->multicard_images,
	    "multicard_cards", (json_int_t)c->multicard_cards,
	    "refused", (json_int_t)c->refused,
	    "possibly_charged", (json_int_t)c->possibly_charged,
	    "points_charged", (json_int_t)c->points_charged,
	    "elapsed", elapsed,
	    "interrupted", c->interrupted,
	    "exit_status", c->exit_status);
}

int
summary_write(const char *path, const struct summary_counts *c,
    struct fz_err *err)
{
	struct outfile of;
	json_t *obj;
	int rc;

	if ((obj = counts_json(c)) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	if (outfile_open(&of, path, 1, err) == -1) {
		json_decref(obj);
		return -1;
	}
	rc = json_dumpf(obj, of.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (rc == -1 || fputc('\n', of.fp) == EOF) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		outfile_abort(&of);
		return -1;
	}
	return outfile_commit(&of, err);
}
