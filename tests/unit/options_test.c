/* Unit tests for options.c: the option table's recogniser column, checked against what was given. */
#include <stdlib.h>

#include "options.h"
#include "unit.h"

/* A second recogniser, as the local engine will be: not the gateway. */
#define OTHER (1u << 1)

static int
parse(struct options *o, struct fz_err *err, int argc, const char **argv)
{
	return options_parse(o, argc, (char **)argv, err);
}

int
main(void)
{
	const char *generic[] = { "faiz-idcard", "-f", "json", "-j", "3", "-r",
		"--save-images", "out", "--unordered", "--as-of", "2024-02-29",
		"x.jpg", NULL };
	const char *rate[] = { "faiz-idcard", "--rate", "2", "x.jpg", NULL };
	const char *dry[] = { "faiz-idcard", "-q", "--dry-run", "x.jpg", NULL };
	const char *bad_date[] = { "faiz-idcard", "--as-of", "2023-02-29",
		"x.jpg", NULL };
	const char *o_dash[] = { "faiz-idcard", "-o", "-", "x.jpg", NULL };
	const char *o_csv[] = { "faiz-idcard", "-o", "out.CSV", "x.jpg", NULL };
	const char *o_jsonl[] = { "faiz-idcard", "-o", "d/r.jsonl", "x.jpg",
		NULL };
	const char *o_mismatch[] = { "faiz-idcard", "-f", "json", "-o",
		"out.xlsx", "x.jpg", NULL };
	const char *o_plain[] = { "faiz-idcard", "-o", "out", "x.jpg", NULL };
	struct options o;
	struct fz_err err;

	/* Issue F.13: -o - is stdout; -o's extension gives the format. */
	CHECK(parse(&o, &err, 4, o_dash) == 0);
	CHECK(o.output == NULL && o.format == FORMAT_AUTO);
	CHECK(parse(&o, &err, 4, o_csv) == 0);
	CHECK(o.format == FORMAT_CSV && o.ext_format == NULL);
	CHECK(parse(&o, &err, 4, o_jsonl) == 0);
	CHECK(o.format == FORMAT_NDJSON);
	CHECK(parse(&o, &err, 6, o_mismatch) == 0);
	CHECK(o.format == FORMAT_JSON && o.ext_format != NULL);
	if (o.ext_format != NULL)
		CHECK_STR(o.ext_format, "xlsx");
	CHECK(parse(&o, &err, 4, o_plain) == 0);
	CHECK(o.format == FORMAT_AUTO && o.ext_format == NULL);

	/* Options of the run loop and the output go with any recogniser. */
	CHECK(parse(&o, &err, 12, generic) == 0);
	CHECK(o.given != 0);
	CHECK(options_check_backend(&o, OPTIONS_GATEWAY, "gateway", &err) == 0);
	CHECK(options_check_backend(&o, OTHER, "local", &err) == 0);
	CHECK(o.as_y == 2024 && o.as_m == 2 && o.as_d == 29);

	/* A gateway option: fine for the gateway, a usage error elsewhere. */
	CHECK(parse(&o, &err, 4, rate) == 0);
	CHECK(options_check_backend(&o, OPTIONS_GATEWAY, "gateway", &err) == 0);
	CHECK(options_check_backend(&o, OTHER, "local", &err) == -1);
	CHECK_STR(err.msg, "--rate is an option of the gateway: it cannot be "
	    "used with the local recogniser");
	CHECK(parse(&o, &err, 4, dry) == 0);
	CHECK(options_check_backend(&o, OTHER, "local", &err) == -1);
	CHECK_STR(err.msg, "--dry-run is an option of the gateway: it cannot "
	    "be used with the local recogniser");

	/* Defaults are not "given". */
	CHECK(parse(&o, &err, 4, rate) == 0 && o.retries == 3);
	CHECK(options_check_backend(&o, OTHER | OPTIONS_GATEWAY, "both",
	    &err) == 0);

	/* The one calendar check: no 29 February outside leap years. */
	CHECK(parse(&o, &err, 4, bad_date) == -1);
	return unit_done("options");
}
