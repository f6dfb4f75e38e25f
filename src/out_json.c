/*
 * json output: one pretty-printed array of records. Each record is written
 * as it arrives, indented as an element, so a long run (or --raw with its
 * base64 images) never has to be held in memory.
 */
#include "out.h"

#include <errno.h>
#include <stdlib.h>

struct out_json {
	size_t n; /* records written */
};

/* Passed to jansson's dump callback: where to write and the first write error. */
struct out_json_sink {
	FILE *fp;
	int errnum;
	int failed;
};

static void *
out_json_new(FILE *fp)
{
	(void)fp;
	return calloc(1, sizeof(struct out_json));
}

static int
out_json_sink_write(struct out_json_sink *k, const char *p, size_t n)
{
	errno = 0;
	if (n > 0 && fwrite(p, 1, n, k->fp) != n) {
		k->errnum = errno;
		k->failed = 1;
		return -1;
	}
	return 0;
}

/*
 * jansson hands over the record's text in pieces; every line after the
 * first gets two more spaces so it sits inside the array. Newlines only
 * come from the layout: inside strings they are escaped as \n.
 */
static int
out_json_indent_cb(const char *buf, size_t size, void *data)
{
	struct out_json_sink *k = data;
	size_t i, start = 0;

	for (i = 0; i < size; i++) {
		if (buf[i] != '\n')
			continue;
		if (out_json_sink_write(k, buf + start, i + 1 - start) == -1 ||
		    out_json_sink_write(k, "  ", 2) == -1)
			return -1;
		start = i + 1;
	}
	return out_json_sink_write(k, buf + start, size - start);
}

static int
out_json_record(void *st, FILE *fp, const json_t *rec, struct fz_err *err)
{
	struct out_json *j = st;
	struct out_json_sink k = { fp, 0, 0 };

	if (out_puts(fp, j->n == 0 ? "[\n  " : ",\n  ", err) == -1)
		return -1;
	if (json_dump_callback(rec, out_json_indent_cb, &k,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER) == -1) {
		if (k.failed)
			out_write_error(err, k.errnum);
		else
			fz_seterr(err, "cannot encode record as JSON");
		return -1;
	}
	j->n++;
	/* Flushed per record so a reader sees progress and a full disk shows early. */
	return out_flush(fp, err);
}

static int
out_json_finish(void *st, FILE *fp, struct fz_err *err)
{
	struct out_json *j = st;

	if (out_puts(fp, j->n == 0 ? "[]\n" : "\n]\n", err) == -1)
		return -1;
	return out_flush(fp, err);
}

static void
out_json_free(void *st)
{
	free(st);
}

const struct out_ops out_json_ops = {
	out_json_new, out_json_record, out_json_finish, out_json_free
};
