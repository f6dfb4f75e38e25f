/* Command-line parsing: the option table, defaults, and strict number parsing. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h" /* config_engine_parse */
#include "idnum.h"
#include "record.h"
#include "version.h"

const char options_synopsis[] =
    "usage: faiz-idcard [-0qrvV] [-f format] [-j jobs] [-o file] [--raw]\n"
    "                   [--save-images dir] [--images list] [--force] [--engine engine]\n"
    "                   [--profile name] [--endpoint url] [--config file]\n"
    "                   [--timeout seconds] [--connect-timeout seconds] [--rate r]\n"
    "                   [--retries n] [--retry-timeouts] [--max-points n]\n"
    "                   [--files-from file] [--no-resize] [--unordered]\n"
    "                   [--dry-run] [--resume file] [--retry-failed] [--pair]\n"
    "                   [--mask] [--strict]\n"
    "                   [--as-of date] [--bom] [--no-tab] [--cacert file] [--insecure]\n"
    "                   [--summary file] file | dir | - ...\n"
    "       faiz-idcard --from-records file [-q] [-f format] [-o file] [--force]\n"
    "                   [--pair] [--mask] [--strict] [--as-of date] [--bom] [--no-tab]\n"
    "                   [--summary file]\n"
    "       faiz-idcard --check-id [-q] [-f format] [-o file] [--force] [--mask]\n"
    "                   [--strict] [--as-of date] [--bom] [--no-tab] number | - ...\n"
    "       faiz-idcard --text-lines [-0qrv] [-f ndjson] [-o file] [--force]\n"
    "                   [--models dir] [--files-from file] file | dir | - ...\n";

const char options_help[] =
    "Recognise Chinese resident ID cards through the Faiz API.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT      table, json, ndjson, csv or xlsx (default: table on a\n"
    "                           terminal, -o's extension, else ndjson)\n"
    "  -o, --output FILE        write the records to FILE (mode 0600; - is stdout;\n"
    "                           never replaces a device, FIFO or symlink)\n"
    "      --raw                json/ndjson: add the untouched response as \"raw\"\n"
    "      --save-images DIR    save the returned images into DIR\n"
    "      --images LIST        which images to save: cropped,portrait,id_number\n"
    "      --force              overwrite existing regular files\n"
    "      --engine ENGINE      faiz (the paid service), local (this machine:\n"
    "                           nothing sent) or auto (default: faiz when\n"
    "                           credentials are configured, else local)\n"
    "      --profile NAME       config file section (default: default)\n"
    "      --endpoint URL       gateway URL (default: " "http://api-gateway.tempeisite.xyz" ")\n"
    "      --config FILE        config file (default: ~/.config/faiz/config)\n"
    "      --timeout SECONDS    total time for one request (default: 60)\n"
    "      --connect-timeout SECONDS\n"
    "                           time to connect (default: 10)\n"
    "      --rate R             requests per second for the run (default: 1)\n"
    "      --retries N          retries for network and server failures (default: 3)\n"
    "      --retry-timeouts     send again, once, an image whose answer timed out\n"
    "                           after it was sent (possibly charged twice)\n"
    "      --max-points N       never send a request that could take the points\n"
    "                           charged past N (exit 5; the rest is resumable)\n"
    "  -j, --jobs N             images in flight at once (default: 2 for faiz,\n"
    "                           one per processor for local)\n"
    "  -r, --recursive          descend into subdirectories of directory operands\n"
    "  -0, --null               path lists are NUL-separated (find -print0)\n"
    "      --files-from FILE    read paths from FILE, one per line (- for stdin)\n"
    "      --no-resize          send files as they are: no rotation, downscaling\n"
    "                           or re-encoding\n"
    "      --unordered          print records as they complete, not in input order\n"
    "      --dry-run            send nothing: list what would be sent and the cost\n"
    "      --resume FILE        skip images recognised in the ndjson FILE and\n"
    "                           append new records to it (with -o: write its\n"
    "                           records and the new ones to the -o file)\n"
    "      --retry-failed       --resume: send again the images the service\n"
    "                           refused (40001-40010) or whose images were bad\n"
    "      --from-records FILE  render the records in the ndjson FILE again (- for\n"
    "                           stdin): no network, no account needed\n"
    "      --summary FILE       write the final counts to FILE as JSON\n"
    "      --check-id           check ID numbers given as operands (or - for\n"
    "                           stdin) offline: no account needed\n"
    "      --pair               join the front and back of each card into one\n"
    "                           person record\n"
    "      --mask               mask ID number, name and address in the output\n"
    "      --strict             treat every warning as a failure (exit 1)\n"
    "      --as-of DATE         judge validity and age on DATE (YYYY-MM-DD)\n"
    "                           instead of today\n"
    "      --bom                csv: begin with a UTF-8 byte order mark for Excel\n"    "      --no-tab             csv: no tab in front of ID numbers (for readers\n"
    "                           that are not Excel)\n"
    "      --cacert FILE        verify the https endpoint against the CA\n"
    "                           certificates in FILE (PEM)\n"
    "      --insecure           https: do not verify the endpoint's certificate\n"
    "                           (anyone on the path can read the images)\n"
    "      --text-lines         print the text lines of any JPEG picture (box, text,\n"
    "                           confidence) as ndjson, read on this machine: no\n"
    "                           account, nothing sent\n"
    "      --models DIR         the OCR models' directory (default: $FAIZ_MODELS,\n"
    "                           the installed models, models/ beside the binary)\n"
    "  -v, --verbose            one line per request on stderr\n"
    "  -q, --quiet              no warnings or summary on stderr\n"
    "  -h, --help               show this help and exit\n"
    "  -V, --version            show the version and exit\n"
    "\n"
    "Credentials come from FAIZ_ACCESS_KEY and FAIZ_SECRET_KEY or the config file;\n"
    "never from the command line. See faiz-idcard(1).\n";

enum long_only {
	OPT_RAW = 256,
	OPT_SAVE_IMAGES,
	OPT_IMAGES,
	OPT_FORCE,
	OPT_PROFILE,
	OPT_ENDPOINT,
	OPT_CONFIG,
	OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_RATE,
	OPT_RETRIES,
	OPT_RETRY_TIMEOUTS,
	OPT_MAX_POINTS,
	OPT_FILES_FROM,
	OPT_NO_RESIZE,
	OPT_UNORDERED,
	OPT_DRY_RUN,
	OPT_RESUME,
	OPT_RETRY_FAILED,
	OPT_CHECK_ID,
	OPT_PAIR,
	OPT_MASK,
	OPT_STRICT,
	OPT_AS_OF,
	OPT_BOM,
	OPT_NO_TAB,
	OPT_ENGINE,
	OPT_CACERT,
	OPT_INSECURE,
	OPT_TEXT_LINES,
	OPT_MODELS,
	OPT_SUMMARY,
	OPT_FROM_RECORDS
};

static const char short_options[] = ":f:o:j:r0vqhV";

/*
 * The option table: each option, and the recognisers it applies to (0:
 * every one). A gateway-only option given with another recogniser is a
 * usage error, found from this table alone (options_check_backend).
 */
static const struct opt_def {
	struct option o;
	unsigned backends;
} opt_table[] = {
	{ { "format", required_argument, NULL, 'f' }, 0 },
	{ { "output", required_argument, NULL, 'o' }, 0 },
	{ { "raw", no_argument, NULL, OPT_RAW }, OPTIONS_GATEWAY },
	{ { "save-images", required_argument, NULL, OPT_SAVE_IMAGES }, 0 },
	{ { "images", required_argument, NULL, OPT_IMAGES }, 0 },
	{ { "force", no_argument, NULL, OPT_FORCE }, 0 },
	{ { "engine", required_argument, NULL, OPT_ENGINE }, 0 },
	{ { "profile", required_argument, NULL, OPT_PROFILE }, 0 },
	{ { "endpoint", required_argument, NULL, OPT_ENDPOINT }, OPTIONS_GATEWAY },
	{ { "config", required_argument, NULL, OPT_CONFIG }, 0 },
	{ { "timeout", required_argument, NULL, OPT_TIMEOUT }, OPTIONS_GATEWAY },
	{ { "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT }, OPTIONS_GATEWAY },
	{ { "rate", required_argument, NULL, OPT_RATE }, OPTIONS_GATEWAY },
	{ { "retries", required_argument, NULL, OPT_RETRIES }, OPTIONS_GATEWAY },
	{ { "retry-timeouts", no_argument, NULL, OPT_RETRY_TIMEOUTS }, OPTIONS_GATEWAY },
	{ { "max-points", required_argument, NULL, OPT_MAX_POINTS }, OPTIONS_GATEWAY },
	{ { "jobs", required_argument, NULL, 'j' }, 0 },
	{ { "recursive", no_argument, NULL, 'r' }, 0 },
	{ { "null", no_argument, NULL, '0' }, 0 },
	{ { "files-from", required_argument, NULL, OPT_FILES_FROM }, 0 },
	{ { "no-resize", no_argument, NULL, OPT_NO_RESIZE }, OPTIONS_GATEWAY },
	{ { "unordered", no_argument, NULL, OPT_UNORDERED }, 0 },
	{ { "dry-run", no_argument, NULL, OPT_DRY_RUN }, OPTIONS_GATEWAY },
	{ { "resume", required_argument, NULL, OPT_RESUME }, 0 },
	{ { "retry-failed", no_argument, NULL, OPT_RETRY_FAILED }, OPTIONS_GATEWAY },
	{ { "check-id", no_argument, NULL, OPT_CHECK_ID }, 0 },
	{ { "pair", no_argument, NULL, OPT_PAIR }, 0 },
	{ { "mask", no_argument, NULL, OPT_MASK }, 0 },
	{ { "strict", no_argument, NULL, OPT_STRICT }, 0 },
	{ { "as-of", required_argument, NULL, OPT_AS_OF }, 0 },
	{ { "bom", no_argument, NULL, OPT_BOM }, 0 },
	{ { "no-tab", no_argument, NULL, OPT_NO_TAB }, 0 },
	{ { "cacert", required_argument, NULL, OPT_CACERT }, OPTIONS_GATEWAY },
	{ { "insecure", no_argument, NULL, OPT_INSECURE }, OPTIONS_GATEWAY },
	{ { "text-lines", no_argument, NULL, OPT_TEXT_LINES }, OPTIONS_LOCAL },
	{ { "models", required_argument, NULL, OPT_MODELS }, OPTIONS_LOCAL },
	{ { "summary", required_argument, NULL, OPT_SUMMARY }, 0 },
	{ { "from-records", required_argument, NULL, OPT_FROM_RECORDS }, 0 },
	{ { "verbose", no_argument, NULL, 'v' }, 0 },
	{ { "quiet", no_argument, NULL, 'q' }, 0 },
	{ { "help", no_argument, NULL, 'h' }, 0 },
	{ { "version", no_argument, NULL, 'V' }, 0 },
};
#define NOPTS (sizeof(opt_table) / sizeof(opt_table[0]))

/* getopt_long's view of opt_table, filled on first use. */
static struct option long_options[NOPTS + 1];

/* The table index of the option getopt_long returned as val, or -1. */
static int
opt_index(int val)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (opt_table[i].o.val == val)
			return (int)i;
	return -1;
}

int
options_check_backend(const struct options *o, unsigned backend,
    const char *name, struct fz_err *err)
{
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		if (!(o->given & (1ULL << i)) || opt_table[i].backends == 0 ||
		    (opt_table[i].backends & backend))
			continue;
		fz_seterr(err, "--%s is an option of the %s engine: it cannot "
		    "be used with the %s engine", opt_table[i].o.name,
		    opt_table[i].backends & OPTIONS_GATEWAY ? "faiz" : "local",
		    name);
		return -1;
	}
	return 0;
}

static void
options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->format = FORMAT_AUTO;
	o->images = IMAGE_ALL;
	o->timeout = 60;
	o->connect_timeout = 10;
	o->rate = 1;
	o->retries = 3;
	o->jobs = 0;
}

/* A decimal number of seconds or a rate: finite, within [min, max]. */
static int
parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* YYYY-MM-DD, a real calendar date from 1900 to 9999. */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
	long v[3];
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v[i] = strtol(s, &end, 10);
		if (errno != 0 || end - s != (i == 0 ? 4 : 2))
			return -1;
		s = end;
		if (i < 2 && *s++ != '-')
			return -1;
	}
	/* Two digits each: the month and day fit an int before the check. */
	if (*s != '\0' || v[0] < 1900 || !date_valid((int)v[0], (int)v[1],
	    (int)v[2]))
		return -1;
	*y = (int)v[0];
	*m = (int)v[1];
	*d = (int)v[2];
	return 0;
}

static int
parse_format(const char *s, enum out_format *f)
{
	if (strcmp(s, "table") == 0)
		*f = FORMAT_TABLE;
	else if (strcmp(s, "json") == 0)
		*f = FORMAT_JSON;
	else if (strcmp(s, "ndjson") == 0)
		*f = FORMAT_NDJSON;
	else if (strcmp(s, "csv") == 0)
		*f = FORMAT_CSV;
	else if (strcmp(s, "xlsx") == 0)
		*f = FORMAT_XLSX;
	else
		return -1;
	return 0;
}

/* The format -o's file name asks for by its extension, FORMAT_AUTO when none. */
static enum out_format
format_of_name(const char *path, const char **ext)
{
	static const struct {
		const char *ext;
		enum out_format f;
	} exts[] = { { ".csv", FORMAT_CSV }, { ".json", FORMAT_JSON },
		{ ".ndjson", FORMAT_NDJSON }, { ".jsonl", FORMAT_NDJSON },
		{ ".xlsx", FORMAT_XLSX } };
	size_t i, n = strlen(path), k;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		k = strlen(exts[i].ext);
		if (n > k && strcasecmp(path + n - k, exts[i].ext) == 0) {
			*ext = exts[i].ext + 1;
			return exts[i].f;
		}
	}
	return FORMAT_AUTO;
}

/* "cropped,portrait,id_number" in any order and subset, no empty items. */
static int
parse_images(const char *s, unsigned *out)
{
	const char *p = s, *comma;
	unsigned bits = 0;
	size_t n;

	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 7 && strncmp(p, "cropped", n) == 0)
			bits |= IMAGE_CROPPED;
		else if (n == 8 && strncmp(p, "portrait", n) == 0)
			bits |= IMAGE_PORTRAIT;
		else if (n == 9 && strncmp(p, "id_number", n) == 0)
			bits |= IMAGE_ID_NUMBER;
		else
			return -1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*out = bits;
	return 0;
}

int
options_parse(struct options *o, int argc, char **argv, struct fz_err *err)
{
	int c, idx, images_set = 0;
	enum config_engine eng;
	long mp;

	/* Every option's bit must fit in struct options.given. */
	typedef char given_fits[NOPTS <= 64 ? 1 : -1];
	size_t i;

	(void)sizeof(given_fits);
	for (i = 0; i < NOPTS; i++)
		long_options[i] = opt_table[i].o;
	options_defaults(o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, short_options, long_options,
	    NULL)) != -1) {
		if ((idx = opt_index(c)) >= 0)
			o->given |= 1ULL << idx;
		switch (c) {
		case 'f':
			if (parse_format(optarg, &o->format) == -1) {
				fz_seterr(err, "unknown format '%s' (use table, "
				    "json, ndjson, csv or xlsx)", optarg);
				return -1;
			}
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_RAW:
			o->raw = 1;
			break;
		case OPT_SAVE_IMAGES:
			o->save_dir = optarg;
			break;
		case OPT_IMAGES:
			if (parse_images(optarg, &o->images) == -1) {
				fz_seterr(err, "--images: '%s' is not a list of "
				    "cropped, portrait, id_number", optarg);
				return -1;
			}
			images_set = 1;
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_PROFILE:
			if (*optarg == '\0') {
				fz_seterr(err, "--profile: empty name");
				return -1;
			}
			o->profile = optarg;
			break;
		case OPT_ENDPOINT:
			o->endpoint = optarg;
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case OPT_ENGINE:
			if (config_engine_parse(optarg, &eng) == -1) {
				fz_seterr(err, "--engine: '%.40s' is not local, "
				    "faiz or auto", optarg);
				return -1;
			}
			o->engine = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_double(optarg, 0.001, 86400, &o->timeout) == -1) {
				fz_seterr(err, "--timeout: '%s' is not a number of "
				    "seconds from 0.001 to 86400", optarg);
				return -1;
			}
			break;
		case OPT_CONNECT_TIMEOUT:
			if (parse_double(optarg, 0.001, 86400,
			    &o->connect_timeout) == -1) {
				fz_seterr(err, "--connect-timeout: '%s' is not a "
				    "number of seconds from 0.001 to 86400", optarg);
				return -1;
			}
			break;
		case OPT_RATE:
			if (parse_double(optarg, 0.001, 1000, &o->rate) == -1) {
				fz_seterr(err, "--rate: '%s' is not a number of "
				    "requests per second from 0.001 to 1000", optarg);
				return -1;
			}
			break;
		case OPT_RETRIES:
			if (parse_long(optarg, 0, 100, &o->retries) == -1) {
				fz_seterr(err, "--retries: '%s' is not a whole "
				    "number from 0 to 100", optarg);
				return -1;
			}
			break;
		case OPT_RETRY_TIMEOUTS:
			o->retry_timeouts = 1;
			break;
		case OPT_MAX_POINTS:
			/* At least one call's price: 0 would send nothing. */
			if (parse_long(optarg, 10, 1000000000L, &mp) == -1) {
				fz_seterr(err, "--max-points: '%s' is not a whole "
				    "number from 10 to 1000000000", optarg);
				return -1;
			}
			o->max_points = (unsigned long long)mp;
			break;
		case 'j':
			if (parse_long(optarg, 1, 64, &o->jobs) == -1) {
				fz_seterr(err, "--jobs: '%s' is not a whole "
				    "number from 1 to 64", optarg);
				return -1;
			}
			break;
		case 'r':
			o->recursive = 1;
			break;
		case '0':
			o->null_sep = 1;
			break;
		case OPT_FILES_FROM:
			o->files_from = optarg;
			break;
		case OPT_NO_RESIZE:
			o->no_resize = 1;
			break;
		case OPT_UNORDERED:
			o->unordered = 1;
			break;
		case OPT_DRY_RUN:
			o->dry_run = 1;
			break;
		case OPT_RESUME:
			o->resume = optarg;
			break;
		case OPT_RETRY_FAILED:
			o->retry_failed = 1;
			break;
		case OPT_CHECK_ID:
			o->check_id = 1;
			break;
		case OPT_PAIR:
			o->pair = 1;
			break;
		case OPT_MASK:
			o->mask = 1;
			break;
		case OPT_STRICT:
			o->strict = 1;
			break;
		case OPT_AS_OF:
			if (parse_date(optarg, &o->as_y, &o->as_m,
			    &o->as_d) == -1) {
				fz_seterr(err, "--as-of: '%s' is not a date "
				    "YYYY-MM-DD", optarg);
				return -1;
			}
			break;
		case OPT_BOM:
			o->bom = 1;
			break;
		case OPT_NO_TAB:
			o->no_tab = 1;
			break;
		case OPT_CACERT:
			if (*optarg == '\0') {
				fz_seterr(err, "--cacert: empty file name");
				return -1;
			}
			o->cacert = optarg;
			break;
		case OPT_INSECURE:
			o->insecure = 1;
			break;
		case OPT_TEXT_LINES:
			o->text_lines = 1;
			break;
		case OPT_MODELS:
			if (*optarg == '\0') {
				fz_seterr(err, "--models: empty directory name");
				return -1;
			}
			o->models = optarg;
			break;
		case OPT_SUMMARY:
			if (*optarg == '\0') {
				fz_seterr(err, "--summary: empty file name");
				return -1;
			}
			o->summary = optarg;
			break;
		case OPT_FROM_RECORDS:
			if (*optarg == '\0') {
				fz_seterr(err, "--from-records: empty file name");
				return -1;
			}
			o->from_records = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			o->help = 1;
			break;
		case 'V':
			o->version = 1;
			break;
		case ':':
			fz_seterr(err, "option '%s' needs an argument",
			    argv[optind - 1]);
			return -1;
		default:
			if (optopt != 0 && optopt < 256)
				fz_seterr(err, "unknown option '-%c'", optopt);
			else
				/* Never echo "=VALUE": it may be a secret. */
				fz_seterr(err, "unknown option '%.*s'",
				    (int)strcspn(argv[optind - 1], "="),
				    argv[optind - 1]);
			return -1;
		}
	}
	if (o->help || o->version)
		return 0;
	o->inputs = argv + optind;
	o->ninputs = (size_t)(argc - optind);

	/* -o - is standard output; otherwise -o's extension names the format
	 * of records when -f does not, and a disagreement is only a warning
	 * (main). --text-lines has one format, whatever the name says. */
	if (o->output != NULL && strcmp(o->output, "-") == 0) {
		o->output = NULL;
	} else if (o->output != NULL && !o->text_lines) {
		const char *ext = NULL;
		enum out_format f = format_of_name(o->output, &ext);

		if (f != FORMAT_AUTO && o->format == FORMAT_AUTO)
			o->format = f;
		else if (f != FORMAT_AUTO && f != o->format)
			o->ext_format = ext;
	}

	/* Conflicts and missing operands, checked once everything is known. */
	/*
	 * --text-lines prints what the OCR reads, not card records: the
	 * options of records, checks and output formats have nothing to act
	 * on. (Gateway options are refused by options_check_backend.)
	 */
	if (o->text_lines && ((o->format != FORMAT_AUTO &&
	    o->format != FORMAT_NDJSON) || o->save_dir != NULL || images_set ||
	    o->resume != NULL || o->check_id || o->pair || o->mask ||
	    o->strict || o->as_y != 0 || o->bom || o->no_tab || o->unordered ||
	    (o->given & (1ULL << opt_index('j'))))) {
		fz_seterr(err, "--text-lines prints ndjson text lines: it cannot "
		    "be used with -f other than ndjson, -j, --save-images, "
		    "--images, --resume, --check-id, --pair, --mask, --strict, "
		    "--as-of, --bom, --no-tab or --unordered");
		return -1;
	}
	if (o->verbose && o->quiet) {
		fz_seterr(err, "-v and -q cannot be used together");
		return -1;
	}
	if (o->insecure && o->cacert != NULL) {
		fz_seterr(err, "--insecure and --cacert cannot be used together");
		return -1;
	}
	if (images_set && o->save_dir == NULL) {
		fz_seterr(err, "--images needs --save-images DIR");
		return -1;
	}
	if (o->raw && (o->format == FORMAT_TABLE || o->format == FORMAT_CSV)) {
		fz_seterr(err, "--raw works only with json and ndjson");
		return -1;
	}
	/* With -o the records of FILE go to the -o file, in any format. */
	if (o->resume != NULL && (o->dry_run || (o->output == NULL &&
	    o->format != FORMAT_AUTO && o->format != FORMAT_NDJSON))) {
		fz_seterr(err, "--resume FILE appends ndjson to FILE: it cannot "
		    "be used with --dry-run, or with -f other than ndjson "
		    "without -o");
		return -1;
	}
	if (o->retry_failed && o->resume == NULL) {
		fz_seterr(err, "--retry-failed goes with --resume FILE");
		return -1;
	}
	if (o->format == FORMAT_XLSX && o->output == NULL) {
		fz_seterr(err, "-f xlsx writes a workbook: give -o FILE");
		return -1;
	}
	if (o->raw && o->format == FORMAT_XLSX) {
		fz_seterr(err, "--raw works only with json and ndjson");
		return -1;
	}
	if (o->bom && o->format != FORMAT_CSV) {
		fz_seterr(err, "--bom goes with -f csv");
		return -1;
	}
	if (o->no_tab && o->format != FORMAT_CSV) {
		fz_seterr(err, "--no-tab goes with -f csv");
		return -1;
	}
	if (o->pair && (o->unordered || o->resume != NULL || o->check_id)) {
		fz_seterr(err, "--pair cannot be used with --unordered, --resume "
		    "or --check-id");
		return -1;
	}
	if (o->check_id && (o->save_dir != NULL || o->dry_run || o->raw ||
	    o->resume != NULL || o->files_from != NULL || o->recursive ||
	    o->null_sep)) {
		fz_seterr(err, "--check-id takes ID numbers: it cannot be used "
		    "with --save-images, --dry-run, --raw, --resume, "
		    "--files-from, -r or -0");
		return -1;
	}
	if (o->from_records != NULL && (o->ninputs > 0 || o->check_id ||
	    o->save_dir != NULL || o->dry_run || o->raw || o->resume != NULL ||
	    o->files_from != NULL || o->recursive || o->null_sep ||
	    o->unordered)) {
		fz_seterr(err, "--from-records FILE renders the records in FILE: "
		    "it takes no operands and cannot be used with --check-id, "
		    "--save-images, --dry-run, --raw, --resume, --files-from, "
		    "-r, -0 or --unordered");
		return -1;
	}
	if (o->summary != NULL && o->check_id) {
		fz_seterr(err, "--summary counts images: it cannot be used with "
		    "--check-id");
		return -1;
	}
	if (o->from_records != NULL)
		return 0;
	if (o->ninputs == 0 && o->files_from == NULL) {
		fz_seterr(err, "no input files");
		return -1;
	}
	return 0;
}

int
options_number(const char *s, double min, double max, double *out)
{
	return parse_double(s, min, max, out);
}

int
options_whole(const char *s, long min, long max, long *out)
{
	return parse_long(s, min, max, out);
}
