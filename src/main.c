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
#include "fromrec.h"
#include "gw.h"
#include "journal.h"
#include "loc_engine.h"
#include "nn_kern.h"
#include "options.h"
#include "out.h"
#include "outfile.h"
#include "present.h"
#include "resume.h"
#include "srv_http.h"
#include "srv_opts.h"
#include "srv_recog.h"
#include "summary.h"
#include "termsafe.h"
#include "textrun.h"
#include "version.h"

#define PROG "faiz-idcard"

/* The first SIGINT, SIGTERM or SIGHUP: send nothing more, keep what is paid for. */
static volatile sig_atomic_t got_signal;
/* The second: abandon the answers in flight and end at once. */
static volatile sig_atomic_t got_abort;

struct run {
	struct out *out;
	struct present present;
	int quiet;
	int progress_shown;       /* a progress line is on the terminal */
	int stdout_tty;           /* records go to a terminal (clear the line first) */
	const char *output_name;
};

static void
on_signal(int sig)
{
	if (got_signal)
		got_abort = 1;
	got_signal = sig;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* One handler at a time, so two signals count as two. */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGHUP);
	/* No SA_RESTART: a sleep or a wait ends at once on ^C. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed terminal or ssh session is an interrupt like ^C. */
	sigaction(SIGHUP, &sa, NULL);
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

	/* A record for the terminal the progress line is on starts at the
	 * left margin, not after "3/6  0.96 img/s". */
	if (r->stdout_tty)
		clear_progress();
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
summary(const struct batch_stats *s, int dry_run, const char *engine)
{
	const struct recog_stats *b = &s->backend;
	char maybe[64] = "";

	clear_progress();
	if (dry_run) {
		fprintf(stderr, PROG ": dry run: %zu images would be sent, "
		    "costing %zu points; %zu refused locally, %zu skipped\n",
		    s->planned, s->planned * b->price, s->failed, s->skipped);
		return;
	}
	/* Lost answers are told apart: the account may or may not show them. */
	if (b->possibly_charged > 0)
		snprintf(maybe, sizeof(maybe), ", %zu possibly charged",
		    b->possibly_charged);
	fprintf(stderr, PROG ": %zu recognised, %zu failed, %zu skipped, ",
	    s->recognised, s->failed, s->skipped);
	/* Only when there are some: the usual line stays as it was. */
	if (s->duplicates > 0)
		fprintf(stderr, "%zu duplicates, ", s->duplicates);
	if (s->abandoned > 0)
		fprintf(stderr, "%zu abandoned in flight, ", s->abandoned);
	/* The counts are records: say when an image gave several. */
	if (s->multicard > 0)
		fprintf(stderr, "%zu cards from %zu image%s of several, ",
		    s->cards, s->multicard, s->multicard == 1 ? "" : "s");
	/* An engine that charges nothing sends nothing: no refusals, no points. */
	if (b->price == 0)
		fprintf(stderr, "%zu not sent, %.1f s, %s engine (nothing sent)\n",
		    s->not_sent, s->elapsed, engine);
	else
		fprintf(stderr, "%zu not sent, %zu refused, %zu points "
		    "charged%s, %.1f s, %s engine\n", s->not_sent, b->refused,
		    b->charged * b->price, maybe, s->elapsed, engine);
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
	case RECOG_STOP_BUDGET:
		return EXIT_BUDGET;
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
	bc->aborting = &got_abort;

	memset(gs, 0, sizeof(*gs));
	gs->endpoint = creds->endpoint;
	gs->access_key = creds->access_key;
	gs->secret_key = creds->secret_key;
	gs->rate = o->rate;
	gs->retries = o->retries;
	gs->retry_timeouts = o->retry_timeouts;
	gs->max_points = o->max_points;
	gs->share_pace = 1;
	gs->jobs = o->jobs != 0 ? o->jobs : GW_DEFAULT_JOBS;
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
	/* Transfers in flight are abandoned only at the second signal. */
	gs->http.interrupted = &got_abort;
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
	json_t *rec, *one;
	char hex[65];
	size_t i, k, n;

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
		/* A file of several cards was journaled card by card. */
		n = json_is_array(rec) ? json_array_size(rec) : 1;
		for (k = 0; k < n && !stats->output_failed; k++) {
			one = json_is_array(rec) ? json_array_get(rec, k) : rec;
			json_object_del(one, "faiz_saving");
			stats->recovered++;
			if (hook_emit(run, one) == -1)
				stats->output_failed = 1;
		}
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

/*
 * --text-lines: the pictures' text lines through the local OCR, as ndjson.
 * No credentials are read and nothing is sent. Returns the exit status.
 */
static int
text_lines(const struct options *o)
{
	struct textrun_conf tc;
	struct textrun_hooks th;
	struct textrun_stats ts;
	struct gather_opts gopts;
	struct gather in;
	struct outfile of;
	struct fz_err err;
	enum textrun_end end;
	FILE *fp = stdout;
	size_t i;
	int rc, out_failed = 0;

	memset(&in, 0, sizeof(in));
	memset(&of, 0, sizeof(of));
	if (o->output != NULL && outfile_check(o->output, o->force, &err) == -1) {
		msg(err.msg);
		return EXIT_USAGE;
	}
	gopts.recursive = o->recursive;
	gopts.null_sep = o->null_sep;
	gopts.files_from = o->files_from;
	gopts.in = stdin;
	if (gather_inputs(o->inputs, o->ninputs, &gopts, &in, &err) == -1)
		return usage(err.msg);
	for (i = 0; i < in.notes.n; i++)
		if (!o->quiet)
			msg(in.notes.v[i]);
	if (in.n == 0 && !o->quiet)
		msg("no JPEG images to process");
	install_signals();
	if (o->output != NULL) {
		if (outfile_open(&of, o->output, o->force, &err) == -1) {
			msg(err.msg);
			gather_free(&in);
			return EXIT_USAGE;
		}
		fp = of.fp;
	}

	tc.models_dir = o->models;
	tc.verbose = o->verbose;
	tc.interrupted = &got_signal;
	th.ctx = NULL;
	th.error = hook_error;
	th.note = note_verbose;
	end = textrun_run(&tc, &in, fp, &th, &ts, &err);
	switch (end) {
	case TEXTRUN_OK:
		rc = EXIT_OK;
		break;
	case TEXTRUN_SOME_FAILED:
		rc = EXIT_SOME_FAILED;
		break;
	case TEXTRUN_NO_MODELS:
		/* The models are configuration: where they were looked for. */
		msg(err.msg);
		rc = EXIT_USAGE;
		break;
	case TEXTRUN_INTERRUPTED:
		rc = EXIT_INTERRUPTED;
		break;
	default:
		if (err.errnum != EPIPE)
			msgf("%s: %s", o->output ? o->output : "stdout",
			    err.msg);
		out_failed = 1;
		rc = EXIT_SOME_FAILED;
		break;
	}
	if (o->output != NULL) {
		/* Without models nothing was read: no empty file is left. */
		if (out_failed || end == TEXTRUN_NO_MODELS) {
			outfile_abort(&of);
		} else if (outfile_commit(&of, &err) == -1) {
			msg(err.msg);
			if (rc == EXIT_OK)
				rc = EXIT_SOME_FAILED;
		}
	}
	if (!o->quiet && end != TEXTRUN_NO_MODELS)
		fprintf(stderr, PROG ": %zu image%s read, %zu failed, %zu text "
		    "line%s, %.1f s\n", ts.images, ts.images == 1 ? "" : "s",
		    ts.failed, ts.lines, ts.lines == 1 ? "" : "s", ts.elapsed);
	if (got_signal)
		rc = EXIT_INTERRUPTED;
	gather_free(&in);
	return rc;
}

/* The server's log lines (no personal data in them) on stderr. */
static void
serve_log(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, PROG " serve: %s\n", line);
	fflush(stderr);
}

/*
 * faiz-idcard serve: the service's endpoint over the local engine, until
 * SIGTERM or SIGINT. The signals are blocked before any thread starts, so
 * that srv_http_run alone takes them.
 */
static int
serve(int argc, char **argv)
{
	struct srv_opts so;
	struct loc_engine_settings ls;
	struct recog rc;
	struct srv_engine eng;
	struct srv_recog *sr = NULL;
	struct srv_http *http = NULL;
	struct fz_err err;
	sigset_t set;
	int rc_made = 0, status = EXIT_UNAVAILABLE;

	if (srv_opts_parse(&so, argc, argv, &err) == -1) {
		msg(err.msg);
		fprintf(stderr, "%s", srv_opts_synopsis);
		return EXIT_USAGE;
	}
	if (so.help) {
		printf("%s\n%s", srv_opts_synopsis, srv_opts_help);
		return EXIT_OK;
	}
	if (srv_signals_block(&set, &err) == -1) {
		msg(err.msg);
		return EXIT_UNAVAILABLE;
	}
	memset(&ls, 0, sizeof(ls));
	ls.jobs = (int)so.jobs; /* 0: one per processor */
	ls.save_images = 1;     /* the answer carries the cut-out images */
	ls.models_dir = so.models;
	if (loc_engine_new(&ls, &rc, &err) == -1) {
		msg(err.msg);
		return EXIT_USAGE;
	}
	rc_made = 1;
	if ((sr = srv_recog_new(&rc, &eng, &err)) == NULL) {
		msg(err.msg);
		goto out;
	}
	/* One server worker per engine thread: the queue holds the rest. */
	so.cfg.workers = so.jobs > 0 ? (int)so.jobs :
	    (int)sysconf(_SC_NPROCESSORS_ONLN);
	so.cfg.log = so.quiet ? NULL : serve_log;
	if ((http = srv_http_start(&so.cfg, &eng, &err)) == NULL) {
		msg(err.msg);
		status = EXIT_USAGE;
		goto out;
	}
	/* The models are loaded: ready from the first request. */
	srv_http_set_ready(http, true);
	if (!so.quiet) {
		fprintf(stderr, PROG " serve: listening on %s://%s (port %u), "
		    "local engine, %d workers\n", so.cfg.tls_cert != NULL ?
		    "https" : "http", so.cfg.listen, srv_http_port(http),
		    so.cfg.workers);
		fflush(stderr);
	}
	status = srv_http_run(http, &set) == 0 ? EXIT_OK : EXIT_UNAVAILABLE;
out:
	srv_http_free(http);
	srv_recog_free(sr);
	if (rc_made)
		rc.ops->free(rc.be);
	return status;
}

/* --summary FILE for a run: what the summary line says, as numbers. */
static void
run_counts(const struct batch_stats *s, int rc, struct summary_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->total = s->total;
	c->recognised = s->recognised;
	c->failed = s->failed;
	c->skipped = s->skipped;
	c->duplicates = s->duplicates;
	c->not_sent = s->not_sent;
	c->planned = s->planned;
	c->multicard_images = s->multicard;
	c->multicard_cards = s->cards;
	c->refused = s->backend.refused;
	/* Abandoned at a second signal: sent, and no answer kept. */
	c->possibly_charged = s->abandoned + s->backend.possibly_charged;
	c->points_charged = s->backend.charged * s->backend.price;
	c->elapsed = s->elapsed;
	c->exit_status = rc;
	c->interrupted = got_signal != 0;
}

/* --from-records FILE: its records through checks, pairing and masking; nothing sent. */
static int
from_records(const struct options *o, struct run *run, struct summary_counts *c,
    int *output_failed)
{
	struct strlist warnings = { 0 };
	struct fromrec_stats st;
	enum fromrec_end end;
	struct fz_err err;
	double t0 = fz_now_mono();
	size_t i;
	int rc = EXIT_OK;

	end = fromrec_read(o->from_records, hook_emit, run, &got_signal,
	    &warnings, &st, &err);
	for (i = 0; i < warnings.n; i++)
		if (!o->quiet)
			msg(warnings.v[i]);
	strlist_free(&warnings);
	if (end == FROMREC_READ) {
		/* No -o file is left holding part of what was asked for. */
		msg(err.msg);
		*output_failed = 1;
		rc = EXIT_USAGE;
	} else if (end == FROMREC_OUTPUT) {
		*output_failed = 1;
		rc = EXIT_SOME_FAILED;
	} else if (st.bad > 0) {
		rc = EXIT_SOME_FAILED;
	}
	if (!o->quiet && end != FROMREC_READ)
		fprintf(stderr, PROG ": %zu records read: %zu recognised, %zu "
		    "failed, %zu duplicates, %zu not sent; %zu lines not "
		    "records\n", st.records, st.recognised, st.failed,
		    st.duplicates, st.not_sent, st.bad);
	memset(c, 0, sizeof(*c));
	c->total = st.records;
	c->recognised = st.recognised;
	c->failed = st.failed;
	c->duplicates = st.duplicates;
	c->not_sent = st.not_sent;
	c->elapsed = fz_now_mono() - t0;
	return rc;
}

/*
 * --dry-run reads no config file, but $FAIZ_ENGINE chooses an engine as
 * --engine does: local is the same usage error, a word that is no
 * engine the same as anywhere else.
 */
static int
dry_run_env(const struct options *o)
{
	const char *v = getenv("FAIZ_ENGINE");
	enum config_engine e;
	struct fz_err err;
	char why[200];

	if (v == NULL || *v == '\0')
		return EXIT_OK;
	if (config_engine_parse(v, &e) == -1) {
		snprintf(why, sizeof(why), "FAIZ_ENGINE: unknown engine "
		    "'%.40s' (expected local, faiz or auto)", v);
		return usage(why);
	}
	if (e == ENGINE_LOCAL && options_check_backend(o, OPTIONS_LOCAL,
	    "local", &err) == -1)
		return usage(err.msg);
	return EXIT_OK;
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
	struct loc_engine_settings ls;
	const char *engine = "faiz";
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
	struct summary_counts counts;
	struct fz_err err;
	FILE *fp = stdout;
	size_t i;
	int rc, crc;

	/* First of all: may start the program again with faster BLAS kernels. */
	nn_blas_pick_core(argv);
	memset(&creds, 0, sizeof(creds));
	memset(&run, 0, sizeof(run));
	memset(&of, 0, sizeof(of));
	memset(&in, 0, sizeof(in));
	memset(&resume, 0, sizeof(resume));
	memset(&journal, 0, sizeof(journal));
	journal.fd = -1;
	current_run = &run;

	/* "serve" as the first operand starts the server; a file is ./serve. */
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return serve(argc - 1, argv + 1);

	/* Parse options. */
	/* Which options a recogniser takes is data: the option table's. */
	if (options_parse(&opts, argc, argv, &err) == -1)
		return usage(err.msg);
	if (opts.text_lines && options_check_backend(&opts, OPTIONS_LOCAL,
	    "local", &err) == -1) {
		msgf("--text-lines: %s", err.msg);
		fputs(options_synopsis, stderr);
		return EXIT_USAGE;
	}
	if (opts.help) {
		printf("%s\n%s", options_synopsis, options_help);
		return EXIT_OK;
	}
	if (opts.version) {
		printf(PROG " " FAIZ_VERSION "\n");
		return EXIT_OK;
	}
	if (opts.text_lines)
		return text_lines(&opts);
	/* An engine named on the command line: its options, before any keys. */
	if (opts.engine != NULL && strcmp(opts.engine, "auto") != 0 &&
	    options_check_backend(&opts, strcmp(opts.engine, "local") == 0 ?
	    OPTIONS_LOCAL : OPTIONS_GATEWAY, opts.engine, &err) == -1)
		return usage(err.msg);
	/* The table is for a person at a terminal; files and pipes get ndjson. */
	if (opts.format == FORMAT_AUTO)
		opts.format = (opts.output == NULL && opts.resume == NULL &&
		    isatty(STDOUT_FILENO)) ? FORMAT_TABLE : FORMAT_NDJSON;
	if (opts.raw && opts.format == FORMAT_TABLE)
		return usage("--raw works only with json and ndjson (the table "
		    "is chosen on a terminal: add -f json)");
	if (opts.ext_format != NULL && !opts.quiet)
		msgf("warning: %s: the name ends in .%s, but the file is written "
		    "in the format -f gives", opts.output, opts.ext_format);
	if (opts.output != NULL && outfile_check(opts.output, opts.force,
	    &err) == -1) {
		msg(err.msg);
		return EXIT_USAGE;
	}
	if (opts.summary != NULL && summary_check(opts.summary, &err) == -1) {
		msg(err.msg);
		return EXIT_USAGE;
	}

	/*
	 * Choose the engine and load credentials. A dry run prices calls to
	 * the service, so it is the faiz engine's and needs no keys.
	 */
	cin.opt_profile = opts.profile;
	cin.opt_endpoint = opts.endpoint;
	cin.opt_config = opts.config;
	cin.opt_engine = opts.engine;
	cin.getenv = NULL; /* getenv(3) */
	if (opts.dry_run) {
		/* --engine local was refused above; $FAIZ_ENGINE the same way. */
		if (opts.engine == NULL && (rc = dry_run_env(&opts)) != EXIT_OK)
			return rc;
		creds.engine = ENGINE_FAIZ;
	}
	crc = opts.dry_run || opts.check_id || opts.from_records ? CONFIG_OK :
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
	engine = creds.engine == ENGINE_LOCAL ? "local" : "faiz";
	if (!opts.check_id && !opts.from_records &&
	    options_check_backend(&opts,
	    creds.engine == ENGINE_LOCAL ? OPTIONS_LOCAL : OPTIONS_GATEWAY,
	    engine, &err) == -1) {
		/* Say why auto chose the local engine: no keys were found. */
		if (creds.engine_from != NULL &&
		    strcmp(creds.engine_from, "no credentials") == 0) {
			char why[sizeof(err.msg) + 160];

			snprintf(why, sizeof(why), "%s (no credentials are "
			    "configured, so the local engine runs: configure "
			    "keys, or give --engine faiz)", err.msg);
			config_free(&creds);
			return usage(why);
		}
		config_free(&creds);
		return usage(err.msg);
	}
	/* Gather the inputs. */
	gopts.recursive = opts.recursive;
	gopts.null_sep = opts.null_sep;
	gopts.files_from = opts.files_from;
	gopts.in = stdin;
	if (!opts.check_id && !opts.from_records &&
	    gather_inputs(opts.inputs, opts.ninputs, &gopts, &in, &err) == -1) {
		rc = usage(err.msg);
		goto done;
	}
	for (i = 0; i < in.notes.n; i++)
		if (!opts.quiet)
			msg(in.notes.v[i]);
	/* Nothing to try is a failure that says why, even with -q. */
	if (!opts.check_id && !opts.from_records && in.n == 0) {
		char *why = gather_skip_summary(&in);

		msgf("no JPEG images to process%s%s", why ? ": " : " (nothing "
		    "found in the directories given)", why ? why : "");
		free(why);
		rc = EXIT_SOME_FAILED;
		goto done;
	}
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
			    journal.path, resume_records(&journal.prev));
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
	run.stdout_tty = fp == stdout && isatty(STDOUT_FILENO);
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
	memset(&counts, 0, sizeof(counts));
	if (opts.from_records) {
		rc = from_records(&opts, &run, &counts, &stats.output_failed);
		goto pair;
	}
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
	if (creds.engine == ENGINE_LOCAL) {
		memset(&ls, 0, sizeof(ls));
		ls.jobs = (int)opts.jobs; /* 0: one per core */
		ls.save_images = bc.save_dir != NULL;
		ls.models_dir = opts.models;
		crc = loc_engine_new(&ls, &recog, &err);
	} else {
		crc = gw_new(&gs, &recog, &err);
	}
	if (crc == -1) {
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

pair:
	/* --pair prints its persons now, and the table and json their end. */
	clear_progress();
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
	} else if (!opts.quiet && !opts.from_records) {
		summary(&stats, opts.dry_run, engine);
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
	if (opts.summary != NULL) {
		if (!opts.from_records)
			run_counts(&stats, rc, &counts);
		counts.exit_status = rc;
		counts.interrupted = got_signal != 0;
		if (summary_write(opts.summary, &counts, &err) == -1) {
			msg(err.msg);
			if (rc == EXIT_OK)
				rc = EXIT_SOME_FAILED;
		}
	}

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
