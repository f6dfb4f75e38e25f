/* Unit tests for options.c: the option table's recogniser column, checked against what was given. */
#include <stdlib.h>
#include <string.h>

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
	CHECK_STR(err.msg, "--rate is an option of the faiz engine: it cannot "
	    "be used with the local engine");
	CHECK(parse(&o, &err, 4, dry) == 0);
	CHECK(options_check_backend(&o, OTHER, "local", &err) == -1);
	CHECK_STR(err.msg, "--dry-run is an option of the faiz engine: it "
	    "cannot be used with the local engine");

	/* Defaults are not "given". */
	CHECK(parse(&o, &err, 4, rate) == 0 && o.retries == 3);
	CHECK(options_check_backend(&o, OTHER | OPTIONS_GATEWAY, "both",
	    &err) == 0);

	/* --text-lines and --models belong to the local engine, not the faiz one. */
	{
		const char *tl[] = { "faiz-idcard", "--text-lines", "--models",
			"m", "-r", "-o", "out", "x.jpg", NULL };
		const char *tl_rate[] = { "faiz-idcard", "--text-lines",
			"--rate", "2", "x.jpg", NULL };
		const char *gw_models[] = { "faiz-idcard", "--models", "m",
			"x.jpg", NULL };
		const char *tl_csv[] = { "faiz-idcard", "--text-lines", "-f",
			"csv", "x.jpg", NULL };
		const char *tl_jobs[] = { "faiz-idcard", "--text-lines", "-j",
			"2", "x.jpg", NULL };
		const char *tl_mask[] = { "faiz-idcard", "--mask",
			"--text-lines", "x.jpg", NULL };
		const char *tl_nd[] = { "faiz-idcard", "--text-lines", "-f",
			"ndjson", "x.jpg", NULL };
		const char *empty[] = { "faiz-idcard", "--text-lines",
			"--models=", "x.jpg", NULL };

		CHECK(parse(&o, &err, 8, tl) == 0);
		CHECK(o.text_lines == 1 && o.models != NULL &&
		    strcmp(o.models, "m") == 0 && o.recursive);
		CHECK(options_check_backend(&o, OPTIONS_LOCAL, "local",
		    &err) == 0);
		CHECK(options_check_backend(&o, OPTIONS_GATEWAY, "faiz",
		    &err) == -1);
		CHECK_STR(err.msg, "--text-lines is an option of the local "
		    "engine: it cannot be used with the faiz engine");
		CHECK(parse(&o, &err, 5, tl_rate) == 0);
		CHECK(options_check_backend(&o, OPTIONS_LOCAL, "local",
		    &err) == -1);
		CHECK_STR(err.msg, "--rate is an option of the faiz engine: it "
		    "cannot be used with the local engine");
		CHECK(parse(&o, &err, 4, gw_models) == 0);
		CHECK(options_check_backend(&o, OPTIONS_GATEWAY, "faiz",
		    &err) == -1);
		CHECK_STR(err.msg, "--models is an option of the local engine: "
		    "it cannot be used with the faiz engine");
		CHECK(parse(&o, &err, 5, tl_csv) == -1);
		CHECK(strncmp(err.msg, "--text-lines prints ndjson text lines",
		    37) == 0);
		CHECK(parse(&o, &err, 5, tl_jobs) == -1);
		CHECK(parse(&o, &err, 4, tl_mask) == -1);
		CHECK(parse(&o, &err, 5, tl_nd) == 0);
		CHECK(parse(&o, &err, 4, empty) == -1);
		CHECK_STR(err.msg, "--models: empty directory name");
	}

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
