/* Command-line options: one struct, one getopt_long table, defaults in one place. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>

#include "out.h" /* enum out_format */
#include "util.h"

struct options {
	enum out_format format;
	const char *output;      /* -o FILE, NULL for stdout (also for -o -) */
	const char *ext_format;  /* -o's extension when it disagrees with -f, else NULL */
	int raw;                 /* --raw */
	const char *save_dir;    /* --save-images DIR */
	unsigned images;         /* --images LIST, enum image_kind bits */
	int force;               /* --force */
	const char *profile;     /* --profile NAME */
	const char *endpoint;    /* --endpoint URL */
	const char *config;      /* --config FILE */
	const char *engine;      /* --engine local|faiz|auto, NULL if not given */
	double timeout;          /* --timeout SECONDS, total per request */
	double connect_timeout;  /* --connect-timeout SECONDS */
	int insecure;            /* --insecure: no TLS certificate verification */
	int text_lines;          /* --text-lines: print the text lines of images */
	const char *models;      /* --models DIR: the OCR models, NULL to search */
	const char *cacert;      /* --cacert FILE: CA bundle for TLS, NULL for the system's */
	double rate;             /* --rate R, requests per second */
	long retries;            /* --retries N */
	int retry_timeouts;      /* --retry-timeouts: resend a lost answer once */
	unsigned long long max_points; /* --max-points N, 0: no limit */
	int recursive;           /* -r */
	int null_sep;            /* -0 */
	const char *files_from;  /* --files-from FILE */
	int no_resize;           /* --no-resize */
	long jobs;               /* -j N; 0: the engine's default */
	int unordered;           /* --unordered */
	int dry_run;             /* --dry-run */
	const char *resume;      /* --resume FILE */
	int retry_failed;        /* --retry-failed: resend --resume's charged failures */
	int check_id;            /* --check-id: operands are ID numbers */
	int pair;                /* --pair */
	int mask;                /* --mask */
	int strict;              /* --strict */
	int as_y, as_m, as_d;    /* --as-of YYYY-MM-DD, 0 for today */
	int bom;                 /* --bom */
	int no_tab;              /* --no-tab: csv ID numbers without the tab */
	const char *summary;     /* --summary FILE: the final counts as JSON */
	const char *from_records; /* --from-records FILE: render earlier records, send nothing */
	int verbose;             /* -v */
	int quiet;               /* -q */
	int help;                /* -h */
	int version;             /* -V */
	unsigned long long given; /* bit i: option i of the option table was given */
	char **inputs;           /* operands, pointing into argv */
	size_t ninputs;
};

/*
 * Parse argv into opts (defaults first). Returns 0, or -1 with a message in
 * err for a usage error. Does not print.
 */
int options_parse(struct options *opts, int argc, char **argv, struct fz_err *err);

/* Recognisers, as bits of the option table's backends column. */
#define OPTIONS_GATEWAY (1u << 0)
/* The OCR models on this machine: the local engine and --text-lines. */
#define OPTIONS_LOCAL (1u << 1)

/*
 * Is every option given one that the recogniser backend (an OPTIONS_*
 * bit, called name in the message) takes? 0, or -1 with the usage error
 * in err, e.g. "--rate is an option of the gateway: it cannot be used
 * with the local recogniser" (the owner is named from the table).
 */
int options_check_backend(const struct options *o, unsigned backend,
    const char *name, struct fz_err *err);

/* The usage synopsis and the --help text. */
extern const char options_synopsis[];
extern const char options_help[];

/*
 * A decimal number within [min, max] (finite), or a whole number within
 * [min, max], as every option reads them; 0, or -1 for anything else.
 */
int options_number(const char *s, double min, double max, double *out);
int options_whole(const char *s, long min, long max, long *out);

#endif
