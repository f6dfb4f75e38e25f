/*
 * The batch engine: one loop that takes inputs in order, checks and
 * prepares each locally, starts uploads on a single run-wide pace with up
 * to -j in flight, applies the retry policy to every answer, and hands
 * records to main in input order through a window bounded by -j.
 */
#include "batch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "exitcode.h"
#include "input.h"
#include "options.h"
#include "prepare.h"
#include "record.h"
#include "response.h"
#include "save.h"
#include "sign.h"
#include "stems.h"

#define BACKOFF_BASE 0.5      /* seconds before the first retry */
#define BACKOFF_MAX 30.0
#define SLOWEST_INTERVAL 60.0 /* slowing down never goes past one call a minute */
#define PACE_MARGIN 1.04      /* request spacing over the admitted interval */
#define CLOCK_SKEW_LIMIT 300  /* the gateway's timestamp window */
#define PROGRESS_EVERY 0.25   /* seconds between progress updates */
#define MAX_READ (64u * 1024 * 1024) /* larger files are refused unread */

enum job_state { JOB_FREE, JOB_READY, JOB_FLIGHT };

struct job {
	enum job_state state;
	size_t idx;               /* position in the input list */
	json_t *rec;
	struct image img;         /* the file as read */
	struct prepared prep;     /* what is sent, when preparation changed it */
	const unsigned char *send;
	size_t send_len;
	char send_sha[65];
	long attempt;
	int auth_retried;
	double ready_at;          /* monotonic time it may be sent */
};

struct batch {
	const struct batch_conf *conf;
	const struct batch_hooks *hooks;
	const struct gather *in;
	struct batch_stats *stats;
	struct http *http;
	struct job *jobs;
	size_t njobs;
	struct prepare_opts prep_opts;
	double base_interval;
	double interval;          /* seconds between request starts, now */
	double next_send;         /* monotonic time the next request may start */
	double last_progress;
	double t0;                /* monotonic start of the run */
	int dirfd;                /* --save-images directory, or -1 */
	char **stems;             /* saved-image stems, unique in the run */
	/* Records waiting for those before them: a ring of window slots. */
	json_t **ring;
	unsigned char *ring_set;  /* 1 record, 2 skipped */
	size_t window;
	size_t next_input;
	size_t next_emit;
	int fatal;                /* exit code that stops the sending, 0 while running */
	char fatal_why[1100];
};

static void
say(struct batch *b, void (*fn)(void *, const char *), const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(struct batch *b, void (*fn)(void *, const char *), const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fn(b->hooks->ctx, buf);
}

double
batch_interval(double rate)
{
	return PACE_MARGIN / rate;
}

static int
interrupted(const struct batch *b)
{
	return b->conf->interrupted != NULL && *b->conf->interrupted;
}

/* A uniformly random fraction in [0, 1) from the CSPRNG (jitter only). */
static double
jitter(void)
{
	unsigned short r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return 0.5;
	return (double)r / 65536.0;
}

static double
backoff(long attempt)
{
	double d = BACKOFF_BASE;
	long i;

	for (i = 0; i < attempt && d < BACKOFF_MAX; i++)
		d *= 2;
	if (d > BACKOFF_MAX)
		d = BACKOFF_MAX;
	return d * (1.0 + 0.5 * jitter());
}

static const char *
transport_code(enum http_status hs)
{
	switch (hs) {
	case HTTP_E_TIMEOUT:
		return "timeout";
	case HTTP_E_TOO_LARGE:
		return "response_too_large";
	case HTTP_E_TLS:
		return "tls";
	default:
		return "network";
	}
}

static void
stop_run(struct batch *b, int code, const char *why)
{
	if (b->fatal)
		return;
	b->fatal = code;
	snprintf(b->fatal_why, sizeof(b->fatal_why), "%s", why);
}

/* The "differs from the gateway's clock" hint for a refused request. */
static void
skew_hint(const char *date, char *out, size_t outlen)
{
	long long server = http_parse_date(date), skew;

	out[0] = '\0';
	if (server < 0)
		return;
	skew = (long long)time(NULL) - server;
	if (skew > CLOCK_SKEW_LIMIT || skew < -CLOCK_SKEW_LIMIT)
		snprintf(out, outlen, "; this machine's clock is %lld seconds "
		    "%s the gateway's (its Date header says %s) and the gateway "
		    "refuses timestamps more than %d seconds old: fix the clock",
		    skew < 0 ? -skew : skew, skew < 0 ? "behind" : "ahead of",
		    date, CLOCK_SKEW_LIMIT);
}

/* --- records and their order ------------------------------------------- */

static const char *
error_code_of(const json_t *rec)
{
	return json_string_value(json_object_get(json_object_get(rec, "error"),
	    "code"));
}

static void
tally(struct batch *b, const json_t *rec)
{
	const char *code = error_code_of(rec);

	if (code == NULL && json_is_true(json_object_get(rec, "dry_run")))
		b->stats->planned++;
	else if (code == NULL)
		b->stats->recognised++;
	else if (strcmp(code, "not_sent") == 0)
		b->stats->not_sent++;
	else
		b->stats->failed++;
}

static void
emit_now(struct batch *b, json_t *rec)
{
	b->stats->done++;
	if (!b->stats->output_failed &&
	    b->hooks->emit(b->hooks->ctx, rec) == -1) {
		b->stats->output_failed = 1;
		/* Records that cannot be written must not cost more points:
		 * send nothing new (| head -1, a full disk). main has said why,
		 * or stayed quiet for a reader that went away. */
		stop_run(b, EXIT_SOME_FAILED, "the records cannot be written");
	}
	json_decref(rec);
}

/* Hand over every record whose turn has come. */
static void
flush_ring(struct batch *b)
{
	size_t slot;

	while (b->next_emit < b->next_input) {
		slot = b->next_emit % b->window;
		if (b->ring_set[slot] == 0)
			return;
		if (b->ring_set[slot] == 1)
			emit_now(b, b->ring[slot]);
		else
			b->stats->done++;
		b->ring[slot] = NULL;
		b->ring_set[slot] = 0;
		b->next_emit++;
	}
}

/* A record is complete: count it, and print it now or when its turn comes. */
static void
complete(struct batch *b, size_t idx, json_t *rec)
{
	const char *code = error_code_of(rec);
	const char *msg;

	tally(b, rec);
	if (code != NULL && strcmp(code, "not_sent") != 0) {
		msg = json_string_value(json_object_get(json_object_get(rec,
		    "error"), "message"));
		say(b, b->hooks->error, "%s: %s", b->in->v[idx].path,
		    msg ? msg : code);
	}
	if (b->conf->unordered) {
		emit_now(b, rec);
		return;
	}
	b->ring[idx % b->window] = rec;
	b->ring_set[idx % b->window] = 1;
	flush_ring(b);
}

static void
skip(struct batch *b, size_t idx)
{
	b->stats->skipped++;
	if (b->conf->unordered) {
		b->stats->done++;
		return;
	}
	b->ring_set[idx % b->window] = 2;
	flush_ring(b);
}

/* --- jobs ---------------------------------------------------------------- */

static void
job_clear(struct job *j)
{
	input_free(&j->img);
	prepared_free(&j->prep);
	memset(j, 0, sizeof(*j));
	j->state = JOB_FREE;
}

static void
job_finish(struct batch *b, struct job *j)
{
	json_t *rec = j->rec;
	size_t idx = j->idx;

	j->rec = NULL;
	job_clear(j);
	complete(b, idx, rec);
}

static const char *const orientation_names[9] = {
	NULL, NULL, "mirror", "180", "flip", "transpose", "90", "transverse",
	"270"
};

/*
 * --dry-run: the preparation an image would get, in the shape of the
 * record's "prepared" (null when it would be sent as it is). Re-encoding is
 * certain when pixels change or the file is over the size limit.
 */
static json_t *
plan_json(const struct prepare_plan *plan, const struct jpeg_info *info,
    size_t len, const struct prepare_opts *o)
{
	json_t *p = json_object();

	if (p == NULL)
		return json_null();
	if (plan->rotate >= 2 && plan->rotate <= 8)
		json_object_set_new(p, "rotated",
		    json_string(orientation_names[plan->rotate]));
	if (plan->resize)
		json_object_set_new(p, "resized", json_pack("{s:[i,i], s:[i,i]}",
		    "from", (json_int_t)info->width, (json_int_t)info->height,
		    "to", (json_int_t)plan->to_w, (json_int_t)plan->to_h));
	if (plan->maybe_reencode || len > o->max_bytes)
		json_object_set_new(p, "reencoded", json_pack("{s:I}", "from",
		    (json_int_t)len));
	if (json_object_size(p) == 0) {
		json_decref(p);
		return json_null();
	}
	return p;
}

/*
 * Everything that needs no network: read and check the file, skip what
 * --resume has, refuse what would overwrite, prepare the bytes. Returns 1
 * when the job is ready to send, 0 when its record is already complete.
 */
static int
job_local(struct batch *b, struct job *j)
{
	const struct batch_conf *c = b->conf;
	const struct gather_item *it = &b->in->v[j->idx];
	json_t *warnings = json_object_get(j->rec, "warnings");
	struct input_limits lim;
	struct prepare_plan plan;
	struct fz_err e;
	const char *code;
	char *which;

	if (it->error_code != NULL) {
		record_set_error(j->rec, it->error_code, "%s",
		    it->error_msg ? it->error_msg : it->error_code);
		return 0;
	}
	lim.max_bytes = c->no_resize ? INPUT_MAX_UPLOAD : MAX_READ;
	lim.max_side = c->no_resize ? INPUT_MAX_SIDE : 0;
	if (input_load(it->path, &j->img, &lim, &code, &e) == -1) {
		record_set_error(j->rec, code, "%s", e.msg);
		return 0;
	}
	json_object_set_new(j->rec, "sha256", json_string(j->img.sha256));
	if (c->resume != NULL && resume_has(c->resume, j->img.sha256))
		return -1;
	if (b->fatal) {
		record_set_error(j->rec, "not_sent", "not sent: %s",
		    b->fatal_why);
		return 0;
	}
	if (b->stems != NULL && !c->force && save_would_clobber(c->save_dir,
	    b->stems[j->idx], c->images, &which) == 1) {
		/* Refused before the upload: no point spent. */
		record_set_error(j->rec, "exists", "%s: file exists (use "
		    "--force to overwrite)", which);
		free(which);
		return 0;
	}
	j->send = j->img.data;
	j->send_len = j->img.len;
	memcpy(j->send_sha, j->img.sha256, sizeof(j->send_sha));
	if (!c->no_resize) {
		if (prepare_plan(&j->img.info, j->img.len, &b->prep_opts, &plan,
		    &e) == -1) {
			record_set_error(j->rec, "image_size", "%s", e.msg);
			return 0;
		}
		if (plan.small)
			record_warning(warnings, "small_image", "shortest side "
			    "under %u px: recognition may fail",
			    b->prep_opts.small_side);
		if (c->dry_run) {
			json_object_set_new(j->rec, "prepared",
			    plan_json(&plan, &j->img.info, j->img.len,
			    &b->prep_opts));
			json_object_set_new(j->rec, "dry_run", json_true());
			return 0;
		}
		if (prepare_image(j->img.data, j->img.len, &j->img.info,
		    &b->prep_opts, &j->prep, &e) == -1) {
			record_set_error(j->rec, "bad_jpeg", "cannot prepare "
			    "the image: %s", e.msg);
			return 0;
		}
		if (j->prep.data != NULL) {
			j->send = j->prep.data;
			j->send_len = j->prep.len;
			if (sign_sha256_hex(j->send, j->send_len,
			    j->send_sha) == -1) {
				record_set_error(j->rec, "bad_jpeg", "SHA-256 "
				    "failed");
				return 0;
			}
			json_object_set_new(j->rec, "prepared",
			    prepare_to_json(&j->prep));
		}
	} else if (c->dry_run) {
		json_object_set_new(j->rec, "dry_run", json_true());
		return 0;
	}
	return 1;
}

/* Take the next input into a free job. */
static void
job_take(struct batch *b, struct job *j)
{
	char *name;
	int rc;

	memset(j, 0, sizeof(*j));
	j->idx = b->next_input++;
	name = fz_utf8_clean(b->in->v[j->idx].path);
	j->rec = name ? record_new(name) : NULL;
	free(name);
	if (j->rec == NULL) {
		/* Out of memory: stop sending, finish what is under way. */
		stop_run(b, EXIT_UNAVAILABLE, "out of memory");
		j->rec = json_null();
		job_clear(j);
		return;
	}
	rc = job_local(b, j);
	if (rc == 1) {
		j->state = JOB_READY;
		j->ready_at = fz_now_mono();
		return;
	}
	if (rc == -1) {
		size_t idx = j->idx;
		json_decref(j->rec);
		j->rec = NULL;
		job_clear(j);
		skip(b, idx);
		return;
	}
	job_finish(b, j);
}

static int
job_start(struct batch *b, struct job *j)
{
	const struct batch_conf *c = b->conf;
	char h_ak[300], h_nonce[64], h_ts[64], h_body[96], h_sign[96];
	const char *headers[] = { h_ak, h_nonce, h_ts, h_body, h_sign,
		"methodName: idCardRecognition", NULL };
	struct sign_headers sh;
	struct fz_err e;

	/* Every attempt is signed afresh: the gateway refuses a seen nonce. */
	if (sign_request(&sh, j->send_sha, c->secret_key, time(NULL),
	    &e) == -1) {
		record_set_error(j->rec, "network", "%s", e.msg);
		job_finish(b, j);
		return -1;
	}
	snprintf(h_ak, sizeof(h_ak), "accessKey: %s", c->access_key);
	snprintf(h_nonce, sizeof(h_nonce), "nonce: %s", sh.nonce);
	snprintf(h_ts, sizeof(h_ts), "timestamp: %s", sh.timestamp);
	snprintf(h_body, sizeof(h_body), "body: %s", sh.body);
	snprintf(h_sign, sizeof(h_sign), "sign: %s", sh.sign);
	if (http_start(b->http, c->url, headers, j->send, j->send_len, j,
	    &e) == -1) {
		record_set_error(j->rec, "network", "%s", e.msg);
		job_finish(b, j);
		return -1;
	}
	j->state = JOB_FLIGHT;
	b->stats->requests++;
	return 0;
}

static void
retry_later(struct job *j, double delay)
{
	j->state = JOB_READY;
	j->ready_at = fz_now_mono() + delay;
}

static void
attach_raw(struct batch *b, json_t *rec, const struct resp_result *r,
    const struct http_resp *resp)
{
	char *clean;

	if (!b->conf->raw)
		return;
	if (r->root != NULL) {
		json_object_set(rec, "raw", r->root);
		return;
	}
	if ((clean = fz_utf8_clean(resp->body)) != NULL) {
		json_object_set_new(rec, "raw", json_string(clean));
		free(clean);
	}
}

static void
save(struct batch *b, struct job *j, struct resp_result *r)
{
	struct fz_err e;
	json_t *images = json_object_get(j->rec, "images");
	int rc;

	rc = save_images(b->dirfd, b->conf->save_dir, b->stems[j->idx],
	    r->data, b->conf->images, b->conf->force, images, &e);
	if (rc == SAVE_OK)
		return;
	record_set_error(j->rec, rc == SAVE_BAD_IMAGE ? "bad_image" :
	    rc == SAVE_EXISTS ? "exists" : "save_failed", "%s", e.msg);
}

/* Slow the whole run after a refusal; recover gently after successes. */
static void
slow_down(struct batch *b)
{
	b->interval *= 2;
	if (b->interval < 1.0)
		b->interval = 1.0;
	if (b->interval > SLOWEST_INTERVAL)
		b->interval = SLOWEST_INTERVAL;
	if (b->next_send < fz_now_mono() + b->interval)
		b->next_send = fz_now_mono() + b->interval;
}

static void
speed_up(struct batch *b)
{
	if (b->interval > b->base_interval) {
		b->interval *= 0.8;
		if (b->interval < b->base_interval)
			b->interval = b->base_interval;
	}
}

/* One transfer finished: decide what becomes of its job. */
static void
job_answer(struct batch *b, struct job *j, enum http_status hs,
    struct http_resp *resp, const struct fz_err *terr)
{
	const struct batch_conf *c = b->conf;
	struct resp_result r;
	char hint[512];

	if (hs == HTTP_E_ABORTED) {
		/* Interrupted: the record was not completed, so none is kept. */
		json_decref(j->rec);
		j->rec = NULL;
		job_clear(j);
		return;
	}
	if (hs != HTTP_OK) {
		say(b, b->hooks->verbose, "POST %s: %zu bytes sent, %s", c->url,
		    j->send_len, terr->msg);
		/* A response over the cap is not retried: it would come again. */
		if (hs != HTTP_E_TOO_LARGE && hs != HTTP_E_TLS &&
		    j->attempt < c->retries && !b->fatal) {
			retry_later(j, backoff(j->attempt++));
			return;
		}
		record_set_error(j->rec, transport_code(hs), "%s%s", terr->msg,
		    j->attempt ? " (after retries)" : "");
		if (hs != HTTP_E_TOO_LARGE)
			stop_run(b, hs == HTTP_E_TLS ? EXIT_AUTH :
			    EXIT_UNAVAILABLE, terr->msg);
		job_finish(b, j);
		return;
	}
	say(b, b->hooks->verbose, "POST %s: HTTP %ld, %zu bytes sent, %zu "
	    "bytes received, %.3f s", c->url, resp->status, j->send_len,
	    resp->len, resp->seconds);

	resp_parse(resp->status, resp->body, resp->len, &r);
	if (r.charged)
		b->stats->charged++;
	switch (r.verdict) {
	case RESP_OK:
		speed_up(b);
		if (resp_fill_record(&r, j->rec) == -1)
			record_set_error(j->rec, r.code, "%s", r.message);
		else if (c->save_dir != NULL)
			save(b, j, &r);
		attach_raw(b, j->rec, &r, resp);
		break;
	case RESP_IMAGE_FAILED:
	case RESP_BAD:
		record_set_error(j->rec, r.code, "%s", r.message);
		if (r.root != NULL &&
		    json_is_string(json_object_get(r.root, "sid")))
			json_object_set(j->rec, "sid",
			    json_object_get(r.root, "sid"));
		attach_raw(b, j->rec, &r, resp);
		break;
	case RESP_AUTH:
		if (!j->auth_retried && !b->fatal) {
			/* One more try with a fresh nonce and timestamp. */
			j->auth_retried = 1;
			resp_free(&r);
			retry_later(j, 0);
			return;
		}
		skew_hint(resp->date, hint, sizeof(hint));
		record_set_error(j->rec, "auth", "%s%s", r.message, hint);
		stop_run(b, EXIT_AUTH, "authentication failed twice");
		break;
	case RESP_BLACKLIST:
	case RESP_QUOTA:
	case RESP_NOT_GATEWAY:
		record_set_error(j->rec, r.code, "%s", r.message);
		stop_run(b, EXIT_AUTH, r.message);
		break;
	case RESP_THROTTLED:
	case RESP_BUSY:
		/* Slow the whole run down, then try this image again. */
		b->stats->refused++;
		slow_down(b);
		if (j->attempt < c->retries && !b->fatal) {
			say(b, b->hooks->warn, "%s: refused (%s); slowing down "
			    "to one request every %.1f s", b->in->v[j->idx].path,
			    r.code, b->interval);
			j->attempt++;
			resp_free(&r);
			retry_later(j, b->interval);
			return;
		}
		record_set_error(j->rec, r.code, "%s (after %ld retries)",
		    r.message, j->attempt);
		break;
	case RESP_BACKEND:
	case RESP_SERVER:
		if (j->attempt < c->retries && !b->fatal) {
			resp_free(&r);
			retry_later(j, backoff(j->attempt++));
			return;
		}
		record_set_error(j->rec, r.code, "%s (after %ld retries)",
		    r.message, j->attempt);
		stop_run(b, EXIT_UNAVAILABLE, r.message);
		break;
	}
	resp_free(&r);
	job_finish(b, j);
}

/* --- the loop ------------------------------------------------------------ */

static void
progress(struct batch *b, int force)
{
	double now = fz_now_mono();

	if (b->hooks->progress == NULL)
		return;
	if (!force && now - b->last_progress < PROGRESS_EVERY)
		return;
	b->last_progress = now;
	b->stats->elapsed = now - b->t0;
	b->hooks->progress(b->hooks->ctx, b->stats);
}

static size_t
busy_jobs(const struct batch *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->njobs; i++)
		n += b->jobs[i].state != JOB_FREE;
	return n;
}

/* The ready job that may go first: the earliest input among those due. */
static struct job *
next_ready(struct batch *b, double now, double *soonest)
{
	struct job *best = NULL;
	size_t i;

	*soonest = -1;
	for (i = 0; i < b->njobs; i++) {
		struct job *j = &b->jobs[i];
		if (j->state != JOB_READY)
			continue;
		if (j->ready_at <= now) {
			if (best == NULL || j->idx < best->idx)
				best = j;
		} else if (*soonest < 0 || j->ready_at < *soonest) {
			*soonest = j->ready_at;
		}
	}
	return best;
}

static struct job *
free_job(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->njobs; i++)
		if (b->jobs[i].state == JOB_FREE)
			return &b->jobs[i];
	return NULL;
}

/* After a stop, jobs that have not gone out are not sent. */
static void
drain_ready(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->njobs; i++) {
		struct job *j = &b->jobs[i];
		if (j->state != JOB_READY)
			continue;
		if (j->attempt == 0 && !j->auth_retried)
			record_set_error(j->rec, "not_sent", "not sent: %s",
			    b->fatal_why);
		else
			record_set_error(j->rec, "not_sent", "not sent again "
			    "after a failure: %s", b->fatal_why);
		job_finish(b, j);
	}
}

static void
run_loop(struct batch *b)
{
	struct http_resp resp;
	struct fz_err terr;
	enum http_status hs;
	struct job *j;
	double now, soonest, wait;
	void *user;

	for (;;) {
		if (interrupted(b))
			break;
		/* Take inputs while a job is free and the window allows. */
		while (b->next_input < b->in->n && (j = free_job(b)) != NULL &&
		    (b->conf->unordered ||
		    b->next_input - b->next_emit < b->window) &&
		    !interrupted(b))
			job_take(b, j);
		if (b->fatal)
			drain_ready(b);

		/* Start what is due, one request per pace slot. */
		now = fz_now_mono();
		while (!b->fatal && !interrupted(b) &&
		    (j = next_ready(b, now, &soonest)) != NULL &&
		    now >= b->next_send) {
			/* Spacing is measured from this start: never less. */
			b->next_send = (now > b->next_send ? now : b->next_send) +
			    b->interval;
			job_start(b, j);
			now = fz_now_mono();
		}
		if (busy_jobs(b) == 0 && b->next_input >= b->in->n)
			break;

		/* Wait for an answer, the next pace slot or a retry time. */
		wait = 0.2;
		if (!b->fatal && next_ready(b, now, &soonest) != NULL)
			wait = b->next_send - now;
		else if (!b->fatal && soonest > 0 && soonest - now < wait)
			wait = soonest - now;
		if (wait < 0)
			wait = 0;
		if (http_busy(b->http) > 0 || wait > 0)
			http_run(b->http, wait);
		while (http_done(b->http, &user, &hs, &resp, &terr) == 1) {
			job_answer(b, user, hs, &resp, &terr);
			http_resp_free(&resp);
		}
		progress(b, 0);
	}
	/* Interrupted: in-flight transfers end as aborted and keep no record. */
	if (interrupted(b)) {
		while (http_busy(b->http) > 0) {
			http_run(b->http, 0.05);
			while (http_done(b->http, &user, &hs, &resp, &terr) == 1) {
				if (hs == HTTP_OK)
					job_answer(b, user, hs, &resp, &terr);
				else
					job_answer(b, user, HTTP_E_ABORTED, &resp,
					    &terr);
				http_resp_free(&resp);
			}
		}
	}
}

int
batch_run(const struct batch_conf *conf, const struct gather *in,
    const struct batch_hooks *hooks, struct batch_stats *stats,
    struct fz_err *err)
{
	struct batch b;
	const char **paths;
	double t0 = fz_now_mono();
	size_t i;
	int rc = EXIT_OK;

	memset(&b, 0, sizeof(b));
	memset(stats, 0, sizeof(*stats));
	b.conf = conf;
	b.hooks = hooks;
	b.in = in;
	b.stats = stats;
	b.base_interval = b.interval = batch_interval(conf->rate);
	b.next_send = t0;
	b.t0 = t0;
	b.dirfd = -1;
	b.njobs = (size_t)conf->jobs;
	b.window = b.njobs * 4 + 16;
	prepare_opts_default(&b.prep_opts);
	stats->total = in->n;

	if ((b.jobs = calloc(b.njobs, sizeof(*b.jobs))) == NULL ||
	    (b.ring = calloc(b.window, sizeof(*b.ring))) == NULL ||
	    (b.ring_set = calloc(b.window, 1)) == NULL) {
		fz_seterr(err, "out of memory");
		rc = EXIT_UNAVAILABLE;
		goto done;
	}
	if (!conf->dry_run &&
	    (b.http = http_new(&conf->http, b.njobs, err)) == NULL) {
		rc = EXIT_UNAVAILABLE;
		goto done;
	}
	if (conf->save_dir != NULL && !conf->dry_run) {
		if ((b.dirfd = save_dir_open(conf->save_dir, err)) == -1) {
			rc = EXIT_USAGE;
			goto done;
		}
		if ((paths = calloc(in->n ? in->n : 1, sizeof(*paths))) == NULL) {
			fz_seterr(err, "out of memory");
			rc = EXIT_UNAVAILABLE;
			goto done;
		}
		for (i = 0; i < in->n; i++)
			paths[i] = in->v[i].path;
		b.stems = stems_unique(paths, in->n, err);
		free(paths);
		if (b.stems == NULL) {
			rc = EXIT_UNAVAILABLE;
			goto done;
		}
	}

	run_loop(&b);

	/* Whatever completed is kept, in order, even after an interrupt. */
	for (; b.next_emit < b.next_input; b.next_emit++) {
		size_t slot = b.next_emit % b.window;
		if (b.ring_set[slot] == 1)
			emit_now(&b, b.ring[slot]);
		b.ring[slot] = NULL;
		b.ring_set[slot] = 0;
	}
	if (b.fatal && !stats->output_failed)
		say(&b, hooks->error, "stopped: %s", b.fatal_why);
	if (b.fatal || interrupted(&b)) {
		/* Inputs never taken count as not sent, like records saying so. */
		stats->not_sent += in->n - b.next_input;
		if (stats->not_sent > 0)
			say(&b, hooks->error, "%zu of %zu images not sent",
			    stats->not_sent, in->n);
	}

done:
	if (b.jobs != NULL)
		for (i = 0; i < b.njobs; i++) {
			json_decref(b.jobs[i].rec);
			job_clear(&b.jobs[i]);
		}
	free(b.jobs);
	if (b.ring != NULL)
		for (i = 0; i < b.window; i++)
			json_decref(b.ring[i]);
	free(b.ring);
	free(b.ring_set);
	stems_free(b.stems, in->n);
	if (b.dirfd != -1)
		close(b.dirfd);
	http_free(b.http);
	stats->elapsed = fz_now_mono() - t0;

	if (rc != EXIT_OK)
		return rc;
	if (interrupted(&b))
		return EXIT_INTERRUPTED;
	if (b.fatal)
		return b.fatal;
	if (stats->failed > 0 || stats->output_failed)
		return EXIT_SOME_FAILED;
	return EXIT_OK;
}
