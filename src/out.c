/* Output dispatch: picks the format module and runs its new/record/finish/free; helpers the modules share. */
#include "out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct out {
	const struct out_ops *ops;
	void *st;
	FILE *fp;
};

struct out *
out_new(enum out_format fmt, FILE *fp, const struct out_opts *oo,
    struct fz_err *err)
{
	static const struct out_opts none = { 0, NULL, 0 };
	void *(*new_opts)(FILE *, const struct out_opts *, struct fz_err *) =
	    NULL;
	const struct out_ops *ops;
	struct out *o;

	switch (fmt) {
	case FORMAT_TABLE:
		ops = &out_table_ops;
		break;
	case FORMAT_JSON:
		ops = &out_json_ops;
		break;
	case FORMAT_NDJSON:
		ops = &out_ndjson_ops;
		break;
	case FORMAT_CSV:
		ops = &out_csv_ops;
		new_opts = out_csv_new_opts;
		break;
	case FORMAT_XLSX:
		ops = &out_xlsx_ops;
		new_opts = out_xlsx_new_opts;
		break;
	default:
		/* main resolves FORMAT_AUTO before it gets here. */
		fz_seterr(err, "no output format chosen");
		return NULL;
	}
	if ((o = malloc(sizeof(*o))) == NULL) {
		fz_seterr(err, "out of memory");
		return NULL;
	}
	o->ops = ops;
	o->fp = fp;
	if (new_opts != NULL) {
		/* The module says what went wrong (a missing -o, say). */
		if ((o->st = new_opts(fp, oo != NULL ? oo : &none, err)) ==
		    NULL) {
			free(o);
			return NULL;
		}
	} else if ((o->st = ops->new(fp)) == NULL) {
		free(o);
		fz_seterr(err, "out of memory");
		return NULL;
	}
	return o;
}

int
out_record(struct out *o, const json_t *rec, struct fz_err *err)
{
	if (!json_is_object(rec)) {
		fz_seterr(err, "record is not a JSON object");
		return -1;
	}
	return o->ops->record(o->st, o->fp, rec, err);
}

int
out_finish(struct out *o, struct fz_err *err)
{
	return o->ops->finish(o->st, o->fp, err);
}

void
out_free(struct out *o)
{
	if (o == NULL)
		return;
	o->ops->free(o->st);
	free(o);
}

void
out_write_error(struct fz_err *err, int errnum)
{
	/* A stream can fail without errno (a memory stream, say): say so plainly. */
	if (errnum == 0)
		fz_seterr(err, "write error");
	else
		fz_seterrno(err, errnum, "write error: %s", strerror(errnum));
}

int
out_write(FILE *fp, const void *p, size_t n, struct fz_err *err)
{
	if (n == 0)
		return 0;
	errno = 0;
	if (fwrite(p, 1, n, fp) != n) {
		out_write_error(err, errno);
		return -1;
	}
	return 0;
}

int
out_puts(FILE *fp, const char *s, struct fz_err *err)
{
	return out_write(fp, s, strlen(s), err);
}

int
out_flush(FILE *fp, struct fz_err *err)
{
	errno = 0;
	if (fflush(fp) == EOF || ferror(fp)) {
		out_write_error(err, errno);
		return -1;
	}
	return 0;
}

const char *
out_scalar(const json_t *v, char *buf, size_t n)
{
	double d;

	if (v == NULL)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_INTEGER:
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		/* Times come as whole milliseconds; keep any fraction rather than lose it. */
		d = json_real_value(v);
		if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
			snprintf(buf, n, "%.0f", d);
		else
			snprintf(buf, n, "%.15g", d);
		return buf;
	default:
		return NULL;
	}
}

const json_t *
out_field(const json_t *rec, const char *key, const char *sub)
{
	const json_t *v = json_object_get(rec, key);

	if (v != NULL && sub != NULL)
		v = json_object_get(v, sub);
	return v;
}
