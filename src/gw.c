/*
 * The gateway backend: images prepared to fit the recogniser's limits,
 * uploads started on one run-wide pace with up to -j in flight, every
 * attempt signed afresh, each answer classified and retried by the
 * gateway's rules, the points and refusals counted.
 */
#include "gw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "digest.h"
#include "gw_pace.h"
#include "gw_paceshare.h"
#include "gw_prepare.h"
#include "gw_prepq.h"
#include "gw_response.h"
#include "gw_sign.h"
#include "image.h"

#define GW_METHOD_HEADER "methodName: idCardRecognition"
/* How often the loop looks for finished preparations, seconds. */
#define PREPARE_POLL 0.005
#define CLOCK_SKEW_LIMIT 300  /* the gateway's timestamp window */

/* JOB_PREPARING: on a worker thread (gw_prepq), not yet sendable. */
enum job_state { JOB_FREE, JOB_PREPARING, JOB_READY, JOB_FLIGHT };

struct job {
	enum job_state state;
	size_t id;
	const char *path;
	struct recog_result *res;  /* the result being built */
	struct prepared prep;      /* what is sent, when preparation changed it */
	const unsigned char *send; /* borrowed from the run loop's image, or prep */
	size_t send_len;
	char send_sha[65];
	long attempt;
	int auth_retried;
	int timeout_retried;       /* resent once after a lost answer (--retry-timeouts) */
	double sent_interval;      /* the pace's spacing when this attempt started */
	double ready_at;           /* monotonic time it may be sent */
	struct prepq_task task;    /* its preparation, while JOB_PREPARING */
	int started;               /* sent at least once: holds one of -j's places */
};

struct gw {
	struct gw_settings s;
	char *url;
	char *url_shown;           /* url without user:password, for -v */
	struct prepq *pq;          /* preparation threads; NULL for a dry run */
	unsigned nthreads;
	size_t s_jobs;             /* -j: requests in flight at most */
	struct http *http;
	struct job *jobs;
	size_t njobs;
	struct prepare_opts prep_opts;
	struct gw_pace pace;
	struct paceshare *share;   /* the machine's pace, or NULL: this run's alone */
	unsigned broken_run;       /* paid-for answers in a row that were broken or lost */
	/* Finished results in the order they finished. */
	struct recog_result **done;
	size_t ndone, done_head, done_cap;
	struct recog_stats stats;
	enum recog_stop stop;
	char why[1100];
	int cancelled;
};

static void
note(void (*fn)(void *, const char *), void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(void (*fn)(void *, const char *), void *ctx, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fn(ctx, buf);
}

int
gw_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == 0 ? 0 : -1;
}

void
gw_global_cleanup(void)
{
	curl_global_cleanup();
}

static void
stop_run(struct gw *g, enum recog_stop reason, const char *why)
{
	if (g->stop != RECOG_GO)
		return;
	g->stop = reason;
	snprintf(g->why, sizeof(g->why), "%s", why);
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

/* --- finished results ---------------------------------------------------- */

/* Queue a finished result; on no memory it is lost and the run stops. */
static void
finished(struct gw *g, struct recog_result *r)
{
	struct recog_result **v;
	size_t cap;

	if (g->done_head > 0 && g->done_head == g->ndone) {
		g->done_head = g->ndone = 0;
	}
	if (g->ndone == g->done_cap) {
		cap = g->done_cap ? g->done_cap * 2 : 16;
		if ((v = realloc(g->done, cap * sizeof(*v))) == NULL) {
			recog_result_free(r);
			stop_run(g, RECOG_STOP_NOMEM, "out of memory");
			return;
		}
		g->done = v;
		g->done_cap = cap;
	}
	g->done[g->ndone++] = r;
}

static void
job_clear(struct job *j)
{
	recog_result_free(j->res);
	prepared_free(&j->prep);
	prepared_free(&j->task.prep);
	memset(j, 0, sizeof(*j));
	j->state = JOB_FREE;
}

/* The job's result is complete: hand it over and free the slot. */
static void
job_finish(struct gw *g, struct job *j)
{
	struct recog_result *r = j->res;

	j->res = NULL;
	job_clear(j);
	finished(g, r);
}

/* Interrupted: the job ends without a record. */
static void
job_abort(struct gw *g, struct job *j)
{
	j->res->aborted = 1;
	job_finish(g, j);
}

/* --- taking an image ------------------------------------------------------ */

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

static void
gw_read_limits(void *be, struct input_limits *lim)
{
	struct gw *g = be;

	/* As they are, files must already fit; else preparation makes them. */
	lim->max_bytes = g->s.no_resize ? PREPARE_MAX_BYTES : INPUT_MAX_READ;
	lim->max_side = g->s.no_resize ? PREPARE_MAX_SIDE : 0;
	lim->recogniser = g->s.no_resize;
}

static struct job *
free_job(struct gw *g)
{
	size_t i;

	for (i = 0; i < g->njobs; i++)
		if (g->jobs[i].state == JOB_FREE)
			return &g->jobs[i];
	return NULL;
}

static size_t
gw_capacity(void *be)
{
	struct gw *g = be;
	size_t i, n = 0;

	for (i = 0; i < g->njobs; i++)
		n += g->jobs[i].state == JOB_FREE;
	return n;
}

static size_t
gw_pending(void *be)
{
	struct gw *g = be;

	return g->njobs - gw_capacity(be) + (g->ndone - g->done_head);
}

/* A finished preparation taken into its job: 1 when j is ready to send. */
static int
take_task(struct job *j)
{
	struct prepq_task *t = &j->task;

	if (t->rc == -1) {
		recog_result_error(j->res, t->code, "%s", t->err.msg);
		return 0;
	}
	j->prep = t->prep;
	memset(&t->prep, 0, sizeof(t->prep));
	if (j->prep.data != NULL) {
		j->send = j->prep.data;
		j->send_len = j->prep.len;
		memcpy(j->send_sha, t->sha, sizeof(j->send_sha));
		j->res->prepared = prepare_to_json(&j->prep);
	}
	return 1;
}

/*
 * Decode, check and prepare on a worker thread (2: j is JOB_PREPARING),
 * or here without threads (a dry run, which only decodes): 1 when j is
 * ready to send, 0 when its result is complete.
 */
static int
queue_task(struct gw *g, struct job *j, const struct image *img,
    int verify_only)
{
	struct prepq_task *t = &j->task;

	memset(t, 0, sizeof(*t));
	t->data = img->data;
	t->len = img->len;
	t->info = img->info;
	t->opts = g->prep_opts;
	t->verify_only = verify_only;
	t->user = j;
	if (g->pq != NULL) {
		prepq_push(g->pq, t);
		return 2;
	}
	prepq_run(t);
	return take_task(j);
}

/* Jobs whose preparation finished are ready to send, or complete. */
static void
collect_prepared(struct gw *g)
{
	struct prepq_task *t;
	struct job *j;

	while (g->pq != NULL && (t = prepq_pop(g->pq)) != NULL) {
		j = t->user;
		if (take_task(j) == 1) {
			j->state = JOB_READY;
			j->ready_at = fz_now_mono();
		} else {
			job_finish(g, j);
		}
	}
}

/*
 * Fit the image under the recogniser's limits (or plan it, for a dry
 * run). Returns 1 when j is ready to send, 2 when it is being prepared,
 * 0 when its result is complete.
 */
static int
job_prepare(struct gw *g, struct job *j, const struct image *img)
{
	struct recog_result *r = j->res;
	struct prepare_plan plan;
	struct fz_err e;
	int rc;

	if (g->stop != RECOG_GO) {
		recog_result_error(r, "not_sent", "not sent: %s", g->why);
		return 0;
	}
	j->send = img->data;
	j->send_len = img->len;
	memcpy(j->send_sha, img->sha256, sizeof(j->send_sha));
	if (!g->s.no_resize && prepare_plan(&img->info, img->len,
	    &g->prep_opts, &plan, &e) == -1) {
		recog_result_error(r, "image_size", "%s", e.msg);
		return 0;
	}
	if (!g->s.no_resize && plan.small)
		recog_result_warn(r, "small_image", "shortest side under %u px: "
		    "recognition may fail", g->prep_opts.small_side);
	/* Every call is charged, so what the recogniser could not decode is
	 * refused before sending, sent as it is or not; a dry run decodes
	 * too, to say so, but prepares nothing. */
	if (!g->s.dry_run)
		return queue_task(g, j, img, g->s.no_resize);
	if ((rc = queue_task(g, j, img, 1)) != 1)
		return rc;
	r->planned = 1;
	if (!g->s.no_resize)
		r->prepared = plan_json(&plan, &img->info, img->len,
		    &g->prep_opts);
	return 0;
}

static int
gw_submit(void *be, const struct recog_job *rj, struct fz_err *err)
{
	struct gw *g = be;
	struct job *j;

	if ((j = free_job(g)) == NULL) {
		fz_seterr(err, "no free upload slot");
		return -1;
	}
	memset(j, 0, sizeof(*j));
	j->id = rj->id;
	j->path = rj->path;
	if ((j->res = recog_result_new(rj->id)) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	switch (job_prepare(g, j, rj->img)) {
	case 2:
		j->state = JOB_PREPARING;
		return 0;
	case 1:
		j->state = JOB_READY;
		j->ready_at = fz_now_mono();
		return 0;
	default:
		job_finish(g, j);
		return 0;
	}
}

/* --- sending and answers -------------------------------------------------- */

static void
job_start(struct gw *g, struct job *j)
{
	char h_ak[300], h_nonce[64], h_ts[64], h_body[96], h_sign[96];
	const char *headers[] = { h_ak, h_nonce, h_ts, h_body, h_sign,
		GW_METHOD_HEADER, NULL };
	struct sign_headers sh;
	struct fz_err e;

	/* Every attempt is signed afresh: the gateway refuses a seen nonce. */
	if (sign_request(&sh, j->send_sha, g->s.secret_key, time(NULL),
	    &e) == -1) {
		recog_result_error(j->res, "network", "%s", e.msg);
		job_finish(g, j);
		return;
	}
	snprintf(h_ak, sizeof(h_ak), "accessKey: %s", g->s.access_key);
	snprintf(h_nonce, sizeof(h_nonce), "nonce: %s", sh.nonce);
	snprintf(h_ts, sizeof(h_ts), "timestamp: %s", sh.timestamp);
	snprintf(h_body, sizeof(h_body), "body: %s", sh.body);
	snprintf(h_sign, sizeof(h_sign), "sign: %s", sh.sign);
	if (http_start(g->http, g->url, headers, j->send, j->send_len, j,
	    &e) == -1) {
		recog_result_error(j->res, "network", "%s", e.msg);
		job_finish(g, j);
		return;
	}
	j->state = JOB_FLIGHT;
	j->started = 1;
	j->sent_interval = g->pace.interval;
	g->stats.requests++;
}

static void
retry_later(struct gw *g, struct job *j, double delay)
{
	/* Interrupted: nothing is sent again, and no record is kept. */
	if (g->cancelled) {
		job_abort(g, j);
		return;
	}
	j->state = JOB_READY;
	j->ready_at = fz_now_mono() + delay;
}

static void
attach_raw(struct gw *g, struct recog_result *res, const struct resp_result *r,
    const struct http_resp *resp)
{
	char *clean;

	if (!g->s.raw)
		return;
	if (r->root != NULL) {
		res->raw = json_incref(r->root);
		return;
	}
	if ((clean = fz_utf8_clean(resp->body)) != NULL) {
		res->raw = json_string(clean);
		free(clean);
	}
}

/*
 * A recognition: its fields, and the images asked for as bytes. Returns
 * -1 when the answer was broken (a field of the wrong type), else 0.
 */
static int
take_recognition(struct gw *g, struct job *j, struct resp_result *r)
{
	struct fz_err e;
	int rc;

	gw_pace_speed_up(&g->pace);
	if (resp_fill_result(r, j->res) == -1) {
		recog_result_error(j->res, r->code, "%s", r->message);
		return -1;
	}
	if (g->s.images == 0)
		return 0;
	rc = resp_images(r->data, g->s.images, j->res, &e);
	if (rc != RESP_IMG_OK)
		recog_result_error(j->res, rc == RESP_IMG_BAD ? "bad_image" :
		    "save_failed", "%s", e.msg);
	return 0;
}

/*
 * An answer paid for and unusable (broken, or lost after the image was
 * sent), or a usable one (broken 0). A service that sends nothing usable
 * would take the points of every image left: a few in a row stop the run.
 */
static void
broken_answer(struct gw *g, int broken)
{
	char why[200];

	if (!broken) {
		g->broken_run = 0;
		return;
	}
	if (++g->broken_run < GW_BROKEN_IN_A_ROW)
		return;
	snprintf(why, sizeof(why), "the last %u answers were broken or lost "
	    "after the image was sent, each one charged or possibly charged",
	    g->broken_run);
	stop_run(g, RECOG_STOP_UNAVAILABLE, why);
}

/*
 * A transfer that failed after the service took the request: the 200
 * came and its body did not (charged), or the whole image went out and
 * no answer came in time (possibly charged). Resending would pay again,
 * so it is not done unless --retry-timeouts asks for it, once. Returns 1
 * when it handled j, 0 for a failure before the service had the request.
 */
static int
paid_failure(struct gw *g, struct job *j, enum http_status hs,
    const struct http_resp *resp, const struct fz_err *terr)
{
	struct recog_result *res = j->res;

	if (resp->status == 200) {
		/* The gateway counts an answer once its 200 goes out. */
		g->stats.charged++;
		if (hs == HTTP_E_TOO_LARGE)
			recog_result_error(res, "response_too_large", "the "
			    "service answered HTTP 200 with a %s (charged; not "
			    "sent again)", terr->msg);
		else
			recog_result_error(res, "bad_response", "the service's "
			    "HTTP 200 answer was cut short: %s (charged; not "
			    "sent again)", terr->msg);
		broken_answer(g, 1);
		job_finish(g, j);
		return 1;
	}
	if (hs != HTTP_E_TIMEOUT || !resp->sent)
		return 0;
	g->stats.possibly_charged++;
	if (g->s.retry_timeouts && !j->timeout_retried &&
	    j->attempt < g->s.retries && g->stop == RECOG_GO) {
		note(g->s.notes.warn, g->s.notes.ctx, "%s: no answer after the "
		    "image was sent (possibly charged); sending it once more "
		    "(--retry-timeouts)", j->path);
		j->timeout_retried = 1;
		retry_later(g, j, gw_backoff(j->attempt++, gw_jitter()));
		return 1;
	}
	recog_result_error(res, "timeout_after_send", "%s after the whole "
	    "image was sent: possibly charged, so not sent again%s", terr->msg,
	    g->s.retry_timeouts ? "" : " (--retry-timeouts sends it once more)");
	broken_answer(g, 1);
	job_finish(g, j);
	return 1;
}

/* One transfer finished: decide what becomes of its job. */
static void
job_answer(struct gw *g, struct job *j, enum http_status hs,
    struct http_resp *resp, const struct fz_err *terr)
{
	struct recog_result *res = j->res;
	struct resp_result r;
	char hint[512];

	if (hs != HTTP_OK && (hs == HTTP_E_ABORTED || g->cancelled)) {
		/* Interrupted: the record was not completed, so none is kept. */
		job_abort(g, j);
		return;
	}
	if (hs != HTTP_OK) {
		note(g->s.notes.verbose, g->s.notes.ctx, "POST %s: %zu bytes "
		    "sent, %s", g->url_shown, resp->sent_bytes, terr->msg);
		if (paid_failure(g, j, hs, resp, terr))
			return;
		/* A response over the cap is not retried: it would come again. */
		if (hs != HTTP_E_TOO_LARGE && hs != HTTP_E_TLS &&
		    j->attempt < g->s.retries && g->stop == RECOG_GO) {
			retry_later(g, j, gw_backoff(j->attempt++, gw_jitter()));
			return;
		}
		recog_result_error(res, transport_code(hs), "%s%s", terr->msg,
		    j->attempt ? " (after retries)" : "");
		if (hs != HTTP_E_TOO_LARGE)
			stop_run(g, hs == HTTP_E_TLS ? RECOG_STOP_AUTH :
			    RECOG_STOP_UNAVAILABLE, terr->msg);
		job_finish(g, j);
		return;
	}
	note(g->s.notes.verbose, g->s.notes.ctx, "POST %s: HTTP %ld, %zu bytes "
	    "sent, %zu bytes received, %.3f s", g->url_shown, resp->status,
	    resp->sent_bytes, resp->len, resp->seconds);

	resp_parse(resp->status, resp->body, resp->len, &r);
	if (r.charged)
		g->stats.charged++;
	switch (r.verdict) {
	case RESP_OK:
		broken_answer(g, take_recognition(g, j, &r) == -1);
		attach_raw(g, res, &r, resp);
		break;
	case RESP_IMAGE_FAILED:
	case RESP_BAD:
		broken_answer(g, r.verdict == RESP_BAD);
		recog_result_error(res, r.code, "%s", r.message);
		if (r.root != NULL &&
		    json_is_string(json_object_get(r.root, "sid"))) {
			json_t *sid = json_object_get(r.root, "sid");
			recog_text_set(&res->sid, json_string_value(sid),
			    json_string_length(sid));
		}
		attach_raw(g, res, &r, resp);
		break;
	case RESP_AUTH:
		if (!j->auth_retried && g->stop == RECOG_GO) {
			/* One more try with a fresh nonce and timestamp. */
			j->auth_retried = 1;
			resp_free(&r);
			retry_later(g, j, 0);
			return;
		}
		skew_hint(resp->date, hint, sizeof(hint));
		recog_result_error(res, "auth", "%s%s", r.message, hint);
		stop_run(g, RECOG_STOP_AUTH, "authentication failed twice");
		break;
	case RESP_BLACKLIST:
	case RESP_QUOTA:
	case RESP_NOT_GATEWAY:
		recog_result_error(res, r.code, "%s", r.message);
		stop_run(g, RECOG_STOP_AUTH, r.message);
		break;
	case RESP_THROTTLED:
	case RESP_BUSY:
		/* Slow the whole run down, then try this image again. */
		g->stats.refused++;
		broken_answer(g, 0);
		gw_pace_slow_down(&g->pace, fz_now_mono(), j->sent_interval);
		/* Every run on the machine slows down with this one. */
		paceshare_refused(g->share, fz_now_mono(), g->pace.interval,
		    g->pace.floor);
		if (j->attempt < g->s.retries && g->stop == RECOG_GO) {
			note(g->s.notes.warn, g->s.notes.ctx, "%s: refused (%s); "
			    "slowing down to one request every %.1f s", j->path,
			    r.code, g->pace.interval);
			j->attempt++;
			resp_free(&r);
			retry_later(g, j, g->pace.interval);
			return;
		}
		recog_result_error(res, r.code, "%s (after %ld retries)",
		    r.message, j->attempt);
		break;
	case RESP_BACKEND:
	case RESP_SERVER:
		if (j->attempt < g->s.retries && g->stop == RECOG_GO) {
			resp_free(&r);
			retry_later(g, j, gw_backoff(j->attempt++, gw_jitter()));
			return;
		}
		recog_result_error(res, r.code, "%s (after %ld retries)",
		    r.message, j->attempt);
		stop_run(g, RECOG_STOP_UNAVAILABLE, r.message);
		break;
	}
	resp_free(&r);
	job_finish(g, j);
}

/* The ready job that may go first: the earliest input among those due. */
static struct job *
next_ready(struct gw *g, double now, double *soonest)
{
	struct job *best = NULL;
	size_t i, first_prep = (size_t)-1, active = 0;

	*soonest = -1;
	/* Images go out in input order: none overtakes one still being
	 * prepared (a stop then falls on the same images as without threads). */
	for (i = 0; i < g->njobs; i++) {
		if (g->jobs[i].state == JOB_PREPARING &&
		    g->jobs[i].id < first_prep)
			first_prep = g->jobs[i].id;
		/* -j images at most between their first send and their end,
		 * waits for a retry included; the rest are prepared ahead. */
		active += g->jobs[i].started && (g->jobs[i].state ==
		    JOB_READY || g->jobs[i].state == JOB_FLIGHT);
	}
	for (i = 0; i < g->njobs; i++) {
		struct job *j = &g->jobs[i];
		if (j->state != JOB_READY || j->id > first_prep ||
		    (!j->started && active >= g->s_jobs))
			continue;
		if (j->ready_at <= now) {
			if (best == NULL || j->id < best->id)
				best = j;
		} else if (*soonest < 0 || j->ready_at < *soonest) {
			*soonest = j->ready_at;
		}
	}
	return best;
}

/* After a stop, jobs that have not gone out are not sent; after ^C, dropped. */
static void
drain_ready(struct gw *g)
{
	size_t i;

	for (i = 0; i < g->njobs; i++) {
		struct job *j = &g->jobs[i];
		if (j->state != JOB_READY)
			continue;
		if (g->cancelled)
			job_abort(g, j);
		else if (j->attempt == 0 && !j->auth_retried)
			recog_result_error(j->res, "not_sent", "not sent: %s",
			    g->why);
		else
			recog_result_error(j->res, "not_sent", "not sent again "
			    "after a failure: %s", g->why);
		if (j->state != JOB_FREE)
			job_finish(g, j);
	}
}

static int
preparing(const struct gw *g)
{
	size_t i;

	for (i = 0; i < g->njobs; i++)
		if (g->jobs[i].state == JOB_PREPARING)
			return 1;
	return 0;
}

/*
 * --max-points: could one more request take the run past the limit, when
 * every request in flight and every lost answer turns out charged?
 */
static int
over_budget(const struct gw *g)
{
	unsigned long long calls;

	if (g->s.max_points == 0)
		return 0;
	calls = (unsigned long long)g->stats.charged +
	    g->stats.possibly_charged + http_busy(g->http) + 1;
	return calls * g->stats.price > g->s.max_points;
}

static void
gw_wait(void *be, double timeout)
{
	struct gw *g = be;
	struct job *j;
	double now, soonest, wait, at, floor;
	int held = 0;

	if (g->http == NULL)
		return;
	collect_prepared(g);
	/* Start what is due, one request per pace slot, at most -j at once
	 * (the other slots are being prepared ahead). */
	now = fz_now_mono();
	while (g->stop == RECOG_GO && !g->cancelled &&
	    http_busy(g->http) < g->s_jobs &&
	    (j = next_ready(g, now, &soonest)) != NULL &&
	    now >= g->pace.next_send) {
		if (over_budget(g)) {
			/* Answers in flight may yet cost nothing (1414). */
			if (http_busy(g->http) == 0) {
				snprintf(g->why, sizeof(g->why), "one more "
				    "request could take the run past "
				    "--max-points %llu (%zu points charged, %zu "
				    "requests possibly charged)", g->s.max_points,
				    g->stats.charged * g->stats.price,
				    g->stats.possibly_charged);
				g->stop = RECOG_STOP_BUDGET;
			}
			held = 1;
			break;
		}
		/* Another run on this machine may have taken the slot. */
		if (!paceshare_take(g->share, now, g->pace.interval, &at,
		    &floor)) {
			gw_pace_adopt_floor(&g->pace, floor);
			if (g->pace.next_send < at)
				g->pace.next_send = at;
			break;
		}
		gw_pace_adopt_floor(&g->pace, floor);
		gw_pace_started(&g->pace, now);
		job_start(g, j);
		now = fz_now_mono();
	}
	/* Wait for an answer, the next pace slot or a retry time. */
	wait = timeout;
	if (held)
		; /* until an answer in flight comes back */
	else if (g->stop == RECOG_GO && next_ready(g, now, &soonest) != NULL)
		wait = g->pace.next_send - now;
	else if (g->stop == RECOG_GO && soonest > 0 && soonest - now < wait)
		wait = soonest - now;
	if (wait > timeout)
		wait = timeout;
	/* Stopped with nothing in flight: the jobs left are for gw_next to drain. */
	if (wait < 0 || g->ndone > g->done_head ||
	    (g->stop != RECOG_GO && http_busy(g->http) == 0))
		wait = 0;
	/* Workers finish on their own time: look again soon. */
	if (preparing(g) && wait > PREPARE_POLL)
		wait = PREPARE_POLL;
	if (http_busy(g->http) > 0 || wait > 0)
		http_run(g->http, wait);
}

static int
gw_next(void *be, struct recog_result **out)
{
	struct gw *g = be;
	struct http_resp resp;
	struct fz_err terr;
	enum http_status hs;
	void *user;

	collect_prepared(g);
	if (g->stop != RECOG_GO || g->cancelled)
		drain_ready(g);
	/* One answer at a time, so its -v line comes just before its record. */
	while (g->ndone == g->done_head && g->http != NULL &&
	    http_done(g->http, &user, &hs, &resp, &terr) == 1) {
		job_answer(g, user, hs, &resp, &terr);
		http_resp_free(&resp);
		if (g->stop != RECOG_GO || g->cancelled)
			drain_ready(g);
	}
	if (g->ndone == g->done_head)
		return 0;
	*out = g->done[g->done_head++];
	return 1;
}

static enum recog_stop
gw_stop_reason(void *be, const char **why)
{
	struct gw *g = be;

	*why = g->why;
	return g->stop;
}

static void
gw_stop(void *be, enum recog_stop reason, const char *why)
{
	stop_run(be, reason, why);
}

static void
gw_cancel(void *be)
{
	struct gw *g = be;

	g->cancelled = 1;
}

static void
gw_stats(void *be, struct recog_stats *s)
{
	struct gw *g = be;

	*s = g->stats;
}

static void
gw_free(void *be)
{
	struct gw *g = be;
	size_t i;

	if (g == NULL)
		return;
	/* The workers use the jobs' memory: stopped first. */
	prepq_free(g->pq);
	if (g->jobs != NULL)
		for (i = 0; i < g->njobs; i++)
			job_clear(&g->jobs[i]);
	free(g->jobs);
	for (i = g->done_head; i < g->ndone; i++)
		recog_result_free(g->done[i]);
	free(g->done);
	http_free(g->http);
	paceshare_close(g->share);
	free(g->url);
	free(g->url_shown);
	free(g);
}

/* One preparation thread a processor, 1 to 8. */
static unsigned
prepare_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : n > 8 ? 8u : (unsigned)n;
}

/*
 * The machine-wide pace file. Without it the run keeps its own pace, as
 * a single run always could: a note with -v, not a failure.
 */
static void
share_open(struct gw *g)
{
	char path[4096];
	struct fz_err e;
	size_t base;

	if (paceshare_path(g->s.endpoint, getenv("XDG_RUNTIME_DIR"),
	    getenv("XDG_STATE_HOME"), getenv("HOME"), path, sizeof(path),
	    &base) == -1) {
		note(g->s.notes.verbose, g->s.notes.ctx, "no directory for the "
		    "shared pace file: this run keeps its own pace");
		return;
	}
	if ((g->share = paceshare_open(path, base, &e)) == NULL)
		note(g->s.notes.verbose, g->s.notes.ctx, "%s; this run keeps "
		    "its own pace", e.msg);
}

static const struct recog_ops gw_ops = {
	"faiz", gw_read_limits, gw_capacity, gw_pending, gw_submit,
	gw_wait, gw_next, gw_stop_reason, gw_stop, gw_cancel, gw_stats,
	gw_free, NULL /* abandon: an upload under way is paid for anyway */
};

int
gw_new(const struct gw_settings *s, struct recog *out, struct fz_err *err)
{
	struct gw *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		goto nomem;
	g->s = *s;
	g->s_jobs = s->jobs > 0 ? (size_t)s->jobs : 1;
	/* As many slots again as there are preparation threads, so images
	 * are decoded and shrunk while -j others are in flight. */
	g->nthreads = prepare_threads();
	g->njobs = g->s_jobs + (s->dry_run ? 0 : g->nthreads);
	g->stats.price = GW_POINTS_PER_CALL;
	prepare_opts_default(&g->prep_opts);
	gw_pace_init(&g->pace, s->rate, fz_now_mono());
	if ((g->jobs = calloc(g->njobs, sizeof(*g->jobs))) == NULL ||
	    (g->url = fz_printf("%s" GW_API_PATH, s->endpoint ? s->endpoint :
	    "")) == NULL || (g->url_shown = http_redact_url(g->url)) == NULL)
		goto nomem;
	if (!s->dry_run && ((g->http = http_new(&s->http, g->s_jobs,
	    err)) == NULL || (g->pq = prepq_new(g->nthreads, NULL, NULL,
	    err)) == NULL)) {
		gw_free(g);
		return -1;
	}
	if (!s->dry_run && s->share_pace)
		share_open(g);
	out->ops = &gw_ops;
	out->be = g;
	return 0;
nomem:
	gw_free(g);
	fz_seterr(err, "out of memory");
	return -1;
}
