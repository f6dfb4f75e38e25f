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
	const char *fromrec[] = { "faiz-idcard", "--from-records", "r.ndjson",
		"--summary=s.json", "--pair", NULL };
	const char *fromrec_operand[] = { "faiz-idcard", "--from-records",
		"r.ndjson", "x.jpg", NULL };
	const char *summary_check_id[] = { "faiz-idcard", "--check-id",
		"--summary", "s.json", "1", NULL };
	const char *summary_empty[] = { "faiz-idcard", "--summary=", "x.jpg",
		NULL };
	struct options o;
	struct fz_err err;

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

	/* --from-records takes no operands; --summary goes with a run. */
	CHECK(parse(&o, &err, 5, fromrec) == 0);
	CHECK_STR(o.from_records, "r.ndjson");
	CHECK_STR(o.summary, "s.json");
	CHECK(o.ninputs == 0);
	CHECK(parse(&o, &err, 4, fromrec_operand) == -1);
	CHECK(strstr(err.msg, "takes no operands") != NULL);
	CHECK(parse(&o, &err, 5, summary_check_id) == -1);
	CHECK(parse(&o, &err, 3, summary_empty) == -1);
	CHECK_STR(err.msg, "--summary: empty file name");
	return unit_done("options");
}
