/* faiz-idcard: recognise Chinese resident ID cards through the Faiz API. The only place that prints diagnostics and exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "config.h"
#include "gather.h"
#include "exitcode.h"
#include "gw.h"
#include "journal.h"
#include "options.h"
#include "out.h"
#include "outfile.h"
#include "present.h"
#include "resume.h"
#include "termsafe.h"
#include "version.h"

#define PROG "faiz-idcard"

static volatile sig_atomic_t got_signal;

struct run {
	struct out *out;
	struct present present;
	int quiet;
	int progress_shown;       /* a progress line is on the terminal */
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

static struct run *current_run;

/* Clear an updating progress line before a message takes its place. */
static void
clear_progress(void)
{
	if (current_run != NULL && current_run->progress_shown) {
		fputs("\r\033[K", stderr);
		current_run->progress_shown = 0;
	}
}

/* Every message goes through here: file names and server text are escaped. */
static void
msg(const char *text)
{
	char safe[8192];

	clear_progress();
	termsafe_buf(text, safe, sizeof(safe));
	fprintf(stderr, PROG ": %s\n", safe);
}

static void msgf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
msgf(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	msg(buf);
}

static int
usage(const char *why)
{
	msg(why);
	fputs(options_synopsis, stderr);
	return EXIT_USAGE;
}

static int
hook_emit(void *ctx, json_t *rec)
{
	struct run *r = ctx;
	struct fz_err e;

	if (present_record(&r->present, rec, &e) == 0)
		return 0;
	/* A reader that went away (| head -1) is not an error worth a word. */
	if (e.errnum != EPIPE) {
		clear_progress();
		msgf("%s: %s", r->output_name, e.msg);
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
note_warn(void *ctx, const char *text)
{
	struct run *r = ctx;

	if (!r->quiet)
		msg(text);
}

static void
note_verbose(void *ctx, const char *text)
{
	(void)ctx;
	msg(text);
}

/* done/total, images per second, ETA, failures, refusals: one updating line. */
static void
hook_progress(void *ctx, const struct batch_stats *s)
{
	struct run *r = ctx;
	double rate = s->elapsed > 0 ? (double)s->done / s->elapsed : 0;
	double eta = rate > 0 ? (double)(s->total - s->done) / rate : 0;

	fprintf(stderr, "\r\033[K%zu/%zu  %.2f img/s  ETA %lu:%02lu  %zu failed"
	    "  %zu refused", s->done, s->total, rate,
	    (unsigned long)eta / 60, (unsigned long)eta % 60, s->failed,
	    s->backend.refused);
	fflush(stderr);
	r->progress_shown = 1;
}

static void
summary(const struct batch_stats *s, int dry_run)
{
	const struct recog_stats *b = &s->backend;

	clear_progress();
	if (dry_run) {
		fprintf(stderr, PROG ": dry run: %zu images would be sent, "
		    "costing %zu points; %zu refused locally, %zu skipped\n",
		    s->planned, s->planned * b->price, s->failed, s->skipped);
		return;
	}
	fprintf(stderr, PROG ": %zu recognised, %zu failed, %zu skipped, "
	    "%zu not sent, %zu refused, %zu points charged, %.1f s\n",
	    s->recognised, s->failed, s->skipped, s->not_sent, b->refused,
	    b->charged * b->price, s->elapsed);
	if (s->recovered > 0)
		fprintf(stderr, PROG ": %zu of the records were taken from the "
		    "journal of a run that did not finish, without paying\n",
		    s->recovered);
}

/* How a run's end becomes the exit status documented in faiz-idcard(1). */
static int
exit_status(enum batch_end end, enum recog_stop stop)
{
	switch (end) {
	case BATCH_OK:
		return EXIT_OK;
	case BATCH_SOME_FAILED:
		return EXIT_SOME_FAILED;
	case BATCH_INTERRUPTED:
		return EXIT_INTERRUPTED;
	case BATCH_BAD_SAVE_DIR:
		return EXIT_USAGE;
	case BATCH_NO_MEMORY:
		return EXIT_UNAVAILABLE;
	case BATCH_STOPPED:
		break;
	}
	switch (stop) {
	case RECOG_STOP_AUTH:
		return EXIT_AUTH;
	case RECOG_STOP_OUTPUT:
		return EXIT_SOME_FAILED;
	default:
		return EXIT_UNAVAILABLE;
	}
}

/*
 * The one place options become settings: the run loop's, and the
 * gateway's (each backend takes only its own).
 */
static void
settings(const struct options *o, const struct creds *creds, struct run *run,
    struct batch_conf *bc, struct gw_settings *gs)
{
	memset(bc, 0, sizeof(*bc));
	bc->unordered = o->unordered;
	/* A dry run recognises nothing, so it saves nothing either. */
	bc->save_dir = o->dry_run ? NULL : o->save_dir;
	bc->images = o->images;
	bc->force = o->force;
	bc->interrupted = &got_signal;

	memset(gs, 0, sizeof(*gs));
	gs->endpoint = creds->endpoint;
	gs->access_key = creds->access_key;
	gs->secret_key = creds->secret_key;
	gs->rate = o->rate;
	gs->retries = o->retries;
	gs->jobs = o->jobs;
	gs->raw = o->raw;
	gs->dry_run = o->dry_run;
	gs->no_resize = o->no_resize;
	gs->images = bc->save_dir != NULL ? o->images : 0;
	gs->http.timeout = o->timeout;
	gs->http.connect_timeout = o->connect_timeout < o->timeout ?
	    o->connect_timeout : o->timeout;
	gs->http.max_response = HTTP_MAX_RESPONSE;
	gs->http.insecure = o->insecure;
	gs->http.cacert = o->cacert;
	gs->http.interrupted = &got_signal;
	gs->notes.ctx = run;
	gs->notes.warn = note_warn;
	gs->notes.verbose = o->verbose ? note_verbose : NULL;
}

/* --resume FILE: the output is FILE itself, opened for appending, mode 0600. */
static FILE *
open_resume(const char *path, const struct resume *r, struct fz_err *err)
{
	FILE *fp;
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (fp = fdopen(fd, "a")) == NULL) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	/* A line cut short by a crash must not swallow the next record. */
	if (r->ends_without_newline && fputc('\n', fp) == EOF) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		fclose(fp);
		return NULL;
	}
	return fp;
}

/*
 * A killed run's journal records no input of this run took (the inputs
 * changed): written at the end, so that nothing paid for is lost.
 */
static void
emit_leftovers(struct run *run, struct journal *j, const struct resume *res,
    struct batch_stats *stats)
{
	struct resume_entry *e, *re;
	json_t *rec;
	char hex[65];
	size_t i;

	for (i = 0; i < j->prev.n && !stats->output_failed; i++) {
		e = &j->prev.v[i];
		if (e->used || e->cls == RESUME_RESEND)
			continue;
		fz_hex(e->sha, 32, hex);
		re = resume_find(res, hex);
		if (re != NULL && re->cls != RESUME_RESEND)
			continue;
		if ((rec = json_deep_copy(e->rec)) == NULL)
			break;
		json_object_del(rec, "faiz_saving");
		stats->recovered++;
		if (hook_emit(run, rec) == -1)
			stats->output_failed = 1;
		json_decref(rec);
	}
}

/*
 * --check-id: each operand is an ID number, or "-" for numbers on standard
 * input, one per line. Returns 0, or -1 when the output failed.
 */
static int
check_ids(char *const *args, size_t n, struct present *p, struct fz_err *err)
{
	char *line = NULL;
	size_t cap = 0, i, len, skip, nlines = 0;
	ssize_t got;
	int rc = 0;

	for (i = 0; i < n && rc == 0 && !got_signal; i++) {
		if (strcmp(args[i], "-") != 0) {
			rc = present_id(p, args[i], err);
			continue;
		}
		while (rc == 0 && !got_signal &&
		    (got = getline(&line, &cap, stdin)) != -1) {
			len = (size_t)got;
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				line[--len] = '\0';
			/* A byte order mark opens the stream, not the number. */
			skip = nlines++ == 0 && strncmp(line, "\xef\xbb\xbf",
			    3) == 0 ? 3 : 0;
			if (len > skip)
				rc = present_id(p, line + skip, err);
		}
	}
	free(line);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options opts;
	struct config_in cin;
	struct creds creds;
	struct strlist warnings = { 0 };
	struct batch_conf bc;
	struct gw_settings gs;
	struct recog recog;
	enum batch_end end;
	struct batch_hooks hooks;
	struct batch_stats stats;
	struct outfile of;
	struct out_opts oopts;
	struct gather_opts gopts;
	struct gather in;
	struct resume resume;
	struct journal journal;
	struct run run;
	struct checks_opts co;
	struct fz_err err;
	FILE *fp = stdout;
	size_t i;
	int rc, crc;

	memset(&creds, 0, sizeof(creds));
	memset(&run, 0, sizeof(run));
	memset(&of, 0, sizeof(of));
	memset(&in, 0, sizeof(in));
	memset(&resume, 0, sizeof(resume));
	memset(&journal, 0, sizeof(journal));
	journal.fd = -1;
	current_run = &run;

	/* Parse options. */
	/* The gateway is the only recogniser so far; the check is from data. */
	if (options_parse(&opts, argc, argv, &err) == -1 ||
	    options_check_backend(&opts, OPTIONS_GATEWAY, "gateway",
	    &err) == -1)
		return usage(err.msg);
	if (opts.help) {
		printf("%s\n%s", options_synopsis, options_help);
		return EXIT_OK;
	}
	if (opts.version) {
		printf(PROG " " FAIZ_VERSION "\n");
		return EXIT_OK;
	}
	/* The table is for a person at a terminal; files and pipes get ndjson. */
	if (opts.format == FORMAT_AUTO)
		opts.format = (opts.output == NULL && opts.resume == NULL &&
		    isatty(STDOUT_FILENO)) ? FORMAT_TABLE : FORMAT_NDJSON;
	if (opts.raw && opts.format == FORMAT_TABLE)
		return usage("--raw works only with json and ndjson (the table "
		    "is chosen on a terminal: add -f json)");
	if (opts.output != NULL && outfile_check(opts.output, opts.force,
	    &err) == -1) {
		msg(err.msg);
		return EXIT_USAGE;
	}

	/* Load credentials (a dry run needs none). */
	cin.opt_profile = opts.profile;
	cin.opt_endpoint = opts.endpoint;
	cin.opt_config = opts.config;
	cin.getenv = NULL; /* getenv(3) */
	crc = opts.dry_run || opts.check_id ? CONFIG_OK :
	    config_resolve(&cin, &creds, &warnings, &err);
	for (i = 0; i < warnings.n; i++)
		if (!opts.quiet)
			msg(warnings.v[i]);
	strlist_free(&warnings);
	if (crc != CONFIG_OK) {
		msg(err.msg);
		config_free(&creds);
		return crc == CONFIG_ERR_CREDS ? EXIT_AUTH : EXIT_USAGE;
	}
	/* Gather the inputs. */
	gopts.recursive = opts.recursive;
	gopts.null_sep = opts.null_sep;
	gopts.files_from = opts.files_from;
	gopts.in = stdin;
	if (!opts.check_id &&
	    gather_inputs(opts.inputs, opts.ninputs, &gopts, &in, &err) == -1) {
		rc = usage(err.msg);
		goto done;
	}
	for (i = 0; i < in.notes.n; i++)
		if (!opts.quiet)
			msg(in.notes.v[i]);
	if (!opts.check_id && in.n == 0 && !opts.quiet)
		msg("no JPEG images to process");
	if (opts.resume != NULL) {
		if (resume_load(opts.resume, &resume, &warnings, &err) == -1) {
			msg(err.msg);
			rc = EXIT_USAGE;
			goto done;
		}
		for (i = 0; i < warnings.n; i++)
			if (!opts.quiet)
				msg(warnings.v[i]);
		strlist_free(&warnings);
	}
	/* An output file gets a journal: what is paid survives kill -9. */
	if (!opts.check_id && !opts.dry_run && (opts.output != NULL ||
	    opts.resume != NULL)) {
		rc = journal_open(&journal, opts.output ? opts.output :
		    opts.resume, &warnings, &err);
		for (i = 0; i < warnings.n; i++)
			if (!opts.quiet)
				msg(warnings.v[i]);
		strlist_free(&warnings);
		if (rc == -1) {
			msg(err.msg);
			rc = EXIT_USAGE;
			goto done;
		}
		if (journal.prev.n > 0 && !opts.quiet)
			msgf("%s: %zu records of an earlier run that did not "
			    "finish; they are taken, not paid again",
			    journal.path, journal.prev.n);
	}

	/* Open the output. */
	if (gw_global_init() == -1) {
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
		if (journal.fd != -1 && journal_note_tmp(&journal, of.tmpname,
		    &err) == -1) {
			/* A full disk: what would be paid could not be kept,
			 * so nothing is sent. */
			msgf("%s: cannot keep the records: %s", opts.output,
			    err.msg);
			outfile_abort(&of);
			if (journal.prev.n == 0)
				(void)journal_done(&journal, &err);
			rc = EXIT_SOME_FAILED;
			goto done;
		}
	} else if (opts.resume != NULL) {
		if ((fp = open_resume(opts.resume, &resume, &err)) == NULL) {
			msg(err.msg);
			rc = EXIT_USAGE;
			goto done;
		}
	}
	run.quiet = opts.quiet;
	run.output_name = opts.output ? opts.output : "stdout";
	/*
	 * xlsx is written by name when it is finished: into the temporary
	 * file, which outfile_commit then puts in place like any other.
	 */
	oopts.bom = opts.bom;
	oopts.no_tab = opts.no_tab;
	oopts.path = opts.output != NULL ? of.tmp : NULL;
	if ((run.out = out_new(opts.format, fp, &oopts, &err)) == NULL) {
		msg(err.msg);
		rc = EXIT_UNAVAILABLE;
		goto done;
	}

	/* Checks, pairing and masking on the way out. */
	if (opts.as_y != 0) {
		co.as_y = opts.as_y;
		co.as_m = opts.as_m;
		co.as_d = opts.as_d;
	} else {
		checks_opts_today(&co);
	}
	present_init(&run.present, run.out, &co, opts.pair, opts.mask);
	memset(&stats, 0, sizeof(stats));
	if (opts.check_id) {
		rc = EXIT_OK;
		if (check_ids(opts.inputs, opts.ninputs, &run.present,
		    &err) == -1) {
			if (err.errnum != EPIPE)
				msg(err.msg);
			stats.output_failed = 1;
		}
		goto finish;
	}

	/* Run the batch. */
	settings(&opts, &creds, &run, &bc, &gs);
	bc.resume = opts.resume != NULL ? &resume : NULL;
	bc.resume_emit = opts.output != NULL;
	bc.retry_failed = opts.retry_failed;
	bc.recovered = journal.fd != -1 ? &journal.prev : NULL;
	bc.journal = journal.fd != -1 ? &journal : NULL;
	if (opts.insecure && !opts.dry_run)
		msg("warning: --insecure: the endpoint's TLS certificate is not "
		    "verified; anyone on the path can read or alter the images "
		    "and the answers");
	hooks.ctx = &run;
	hooks.emit = hook_emit;
	hooks.error = hook_error;
	hooks.progress = (!opts.quiet && isatty(STDERR_FILENO)) ?
	    hook_progress : NULL;
	if (gw_new(&gs, &recog, &err) == -1) {
		msg(err.msg);
		rc = EXIT_UNAVAILABLE;
		goto finish;
	}
	err.msg[0] = '\0';
	end = batch_run(&bc, &in, &recog, &hooks, &stats, &err);
	recog.ops->free(recog.be);
	rc = exit_status(end, stats.stop);
	/* Set only when the batch could not start at all. */
	if (err.msg[0] != '\0')
		msg(err.msg);
	emit_leftovers(&run, &journal, &resume, &stats);

	/* --pair prints its persons now. */
	if (!stats.output_failed && present_finish(&run.present, &err) == -1) {
		if (err.errnum != EPIPE)
			msgf("%s: %s", run.output_name, err.msg);
		stats.output_failed = 1;
	}

finish:
	/* Write the summary: what is completed is kept, even after ^C. */
	if (!stats.output_failed && out_finish(run.out, &err) == -1) {
		if (err.errnum != EPIPE)
			msgf("%s: %s", run.output_name, err.msg);
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
	/* Appended records are on disk before the journal goes. */
	if (opts.output == NULL && opts.resume != NULL && fp != NULL &&
	    (fflush(fp) == EOF || (fsync(fileno(fp)) == -1 &&
	    errno != EINVAL) || fclose(fp) == EOF) && !stats.output_failed) {
		msgf("%s: %s", opts.resume, strerror(errno));
		stats.output_failed = 1;
		if (rc == EXIT_OK)
			rc = EXIT_SOME_FAILED;
	}
	if (journal.fd != -1 && stats.output_failed) {
		msgf("%s: the records paid for are kept here; run the same "
		    "command again to write them without paying", journal.path);
		journal_close(&journal);
	} else if (journal.fd != -1 && journal_done(&journal, &err) == -1) {
		msg(err.msg);
	}
	if (opts.check_id) {
		if (!opts.quiet && run.present.invalid > 0)
			fprintf(stderr, PROG ": %zu of the numbers are not "
			    "valid\n", run.present.invalid);
		if (run.present.invalid > 0 && rc == EXIT_OK)
			rc = EXIT_SOME_FAILED;
	} else if (!opts.quiet) {
		summary(&stats, opts.dry_run);
	}
	/* --strict: a warning is a failure. */
	if (opts.strict && run.present.warned > 0) {
		if (!opts.quiet)
			fprintf(stderr, PROG ": --strict: %zu record%s with "
			    "warnings\n", run.present.warned,
			    run.present.warned == 1 ? "" : "s");
		if (rc == EXIT_OK)
			rc = EXIT_SOME_FAILED;
	}
	if (got_signal)
		rc = EXIT_INTERRUPTED;

done:
	/* Free everything, so a leak check comes out empty. */
	if (opts.output != NULL && of.tmp != NULL)
		outfile_abort(&of);
	present_free(&run.present);
	out_free(run.out);
	gather_free(&in);
	resume_free(&resume);
	journal_close(&journal);
	config_free(&creds);
	gw_global_cleanup();
	return rc;
}
