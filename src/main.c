/* faiz-idcard: recognise Chinese resident ID cards through the Faiz API. The only place that prints diagnostics and exits. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "batch.h"
#include "config.h"
#include "exitcode.h"
#include "options.h"
#include "out.h"
#include "outfile.h"
#include "version.h"

#define PROG "faiz-idcard"
#define API_PATH "/api/ai/ocr/idcard"

static volatile sig_atomic_t got_signal;

struct run {
	struct out *out;
	int quiet;
	int output_errno_reported;
	const char *output_name;
};

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a sleep or a wait ends at once on ^C. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed pipe (| head -1) shows up as EPIPE on write instead. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static void
msg(const char *text)
{
	fprintf(stderr, PROG ": %s\n", text);
}

static int
usage(const char *why)
{
	fprintf(stderr, PROG ": %s\n%s", why, options_synopsis);
	return EXIT_USAGE;
}

static int
hook_emit(void *ctx, json_t *rec)
{
	struct run *r = ctx;
	struct fz_err e;

	if (out_record(r->out, rec, &e) == 0)
		return 0;
	/* A reader that went away (| head -1) is not an error worth a word. */
	if (strstr(e.msg, "Broken pipe") == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", r->output_name, e.msg);
		r->output_errno_reported = 1;
	}
	return -1;
}

static void
hook_error(void *ctx, const char *text)
{
	(void)ctx;
	msg(text);
}

static void
hook_warn(void *ctx, const char *text)
{
	struct run *r = ctx;

	if (!r->quiet)
		msg(text);
}

static void
hook_verbose(void *ctx, const char *text)
{
	(void)ctx;
	msg(text);
}

static void
summary(const struct batch_stats *s)
{
	fprintf(stderr, PROG ": %zu recognised, %zu failed, %zu not sent, "
	    "%zu refused, %zu points charged, %.1f s\n", s->recognised,
	    s->failed, s->not_sent, s->refused, s->charged * 10, s->elapsed);
}

int
main(int argc, char **argv)
{
	struct options opts;
	struct config_in cin;
	struct creds creds;
	struct strlist warnings = { 0 };
	struct batch_conf bc;
	struct batch_hooks hooks;
	struct batch_stats stats;
	struct outfile of;
	struct run run;
	struct fz_err err;
	char *url = NULL;
	FILE *fp = stdout;
	size_t i;
	int rc, crc;

	memset(&creds, 0, sizeof(creds));
	memset(&run, 0, sizeof(run));
	memset(&of, 0, sizeof(of));

	/* Parse options. */
	if (options_parse(&opts, argc, argv, &err) == -1)
		return usage(err.msg);
	if (opts.help) {
		printf("%s\n%s", options_synopsis, options_help);
		return EXIT_OK;
	}
	if (opts.version) {
		printf(PROG " " FAIZ_VERSION "\n");
		return EXIT_OK;
	}
	if (opts.format == FORMAT_AUTO)
		opts.format = (opts.output == NULL && isatty(STDOUT_FILENO)) ?
		    FORMAT_TABLE : FORMAT_NDJSON;
	if (opts.raw && opts.format == FORMAT_TABLE)
		return usage("--raw works only with json and ndjson (the table "
		    "is chosen on a terminal: add -f json)");
	if (opts.output != NULL && outfile_check(opts.output, opts.force,
	    &err) == -1) {
		msg(err.msg);
		return EXIT_USAGE;
	}

	/* Load credentials. */
	cin.opt_profile = opts.profile;
	cin.opt_endpoint = opts.endpoint;
	cin.opt_config = opts.config;
	cin.getenv = NULL; /* getenv(3) */
	crc = config_resolve(&cin, &creds, &warnings, &err);
	for (i = 0; i < warnings.n; i++)
		if (!opts.quiet)
			msg(warnings.v[i]);
	strlist_free(&warnings);
	if (crc != CONFIG_OK) {
		msg(err.msg);
		config_free(&creds);
		return crc == CONFIG_ERR_CREDS ? EXIT_AUTH : EXIT_USAGE;
	}
	if ((url = fz_printf("%s" API_PATH, creds.endpoint)) == NULL) {
		msg("out of memory");
		config_free(&creds);
		return EXIT_UNAVAILABLE;
	}

	/* Open the output. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		msg("cannot initialise libcurl");
		rc = EXIT_UNAVAILABLE;
		goto done;
	}
	install_signals();
	if (opts.output != NULL) {
		if (outfile_open(&of, opts.output, opts.force, &err) == -1) {
			msg(err.msg);
			rc = EXIT_USAGE;
			goto done;
		}
		fp = of.fp;
	}
	run.quiet = opts.quiet;
	run.output_name = opts.output ? opts.output : "stdout";
	if ((run.out = out_new(opts.format, fp, &err)) == NULL) {
		msg(err.msg);
		rc = EXIT_UNAVAILABLE;
		goto done;
	}

	/* Run the batch. */
	memset(&bc, 0, sizeof(bc));
	bc.url = url;
	bc.access_key = creds.access_key;
	bc.secret_key = creds.secret_key;
	bc.rate = opts.rate;
	bc.retries = opts.retries;
	bc.raw = opts.raw;
	bc.save_dir = opts.save_dir;
	bc.images = opts.images;
	bc.force = opts.force;
	bc.http.timeout = opts.timeout;
	bc.http.connect_timeout = opts.connect_timeout < opts.timeout ?
	    opts.connect_timeout : opts.timeout;
	bc.http.max_response = HTTP_MAX_RESPONSE;
	bc.http.interrupted = &got_signal;
	bc.interrupted = &got_signal;
	hooks.ctx = &run;
	hooks.emit = hook_emit;
	hooks.error = hook_error;
	hooks.warn = hook_warn;
	hooks.verbose = opts.verbose ? hook_verbose : NULL;
	rc = batch_run(&bc, opts.inputs, opts.ninputs, &hooks, &stats, &err);
	if (rc == EXIT_USAGE || (rc == EXIT_UNAVAILABLE && stats.requests == 0 &&
	    stats.total > 0 && stats.recognised + stats.failed == 0 &&
	    err.msg[0] != '\0'))
		msg(err.msg);

	/* Write the summary: what is completed is kept, even after ^C. */
	if (!stats.output_failed && out_finish(run.out, &err) == -1) {
		if (strstr(err.msg, "Broken pipe") == NULL)
			fprintf(stderr, PROG ": %s: %s\n", run.output_name,
			    err.msg);
		stats.output_failed = 1;
	}
	if (opts.output != NULL) {
		if (stats.output_failed) {
			outfile_abort(&of);
		} else if (outfile_commit(&of, &err) == -1) {
			msg(err.msg);
			stats.output_failed = 1;
		}
	}
	if (stats.output_failed && rc == EXIT_OK)
		rc = EXIT_SOME_FAILED;
	if (!opts.quiet)
		summary(&stats);
	if (got_signal)
		rc = EXIT_INTERRUPTED;

done:
	/* Free everything, so a leak check comes out empty. */
	if (opts.output != NULL && of.tmp != NULL)
		outfile_abort(&of);
	out_free(run.out);
	free(url);
	config_free(&creds);
	curl_global_cleanup();
	return rc;
}
