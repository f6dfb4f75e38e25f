/* ndjson output: one compact record per line, flushed at once so a pipe sees each result as it comes. */
#include "out.h"

#include <errno.h>
#include <stdlib.h>

struct out_ndjson {
	int unused; /* no state; new() still returns something to free */
};

static void *
out_ndjson_new(FILE *fp)
{
	(void)fp;
	return calloc(1, sizeof(struct out_ndjson));
}

static int
out_ndjson_record(void *st, FILE *fp, const json_t *rec, struct fz_err *err)
{
	(void)st;
	errno = 0;
	if (json_dumpf(rec, fp, JSON_COMPACT | JSON_PRESERVE_ORDER) == -1) {
		out_write_error(err, errno);
		return -1;
	}
	if (out_puts(fp, "\n", err) == -1)
		return -1;
	return out_flush(fp, err);
}

static int
out_ndjson_finish(void *st, FILE *fp, struct fz_err *err)
{
	(void)st;
	return out_flush(fp, err);
}

static void
out_ndjson_free(void *st)
{
	free(st);
}

const struct out_ops out_ndjson_ops = {
	out_ndjson_new, out_ndjson_record, out_ndjson_finish, out_ndjson_free
};
