/* The local recogniser backend: a pool of worker threads over a bounded job queue. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loc_engine.h"
#include "loc_read.h"
#include "textlines.h"

/*
 * State shared by the run loop's thread and the workers, all under mu.
 * Jobs wait in a queue of slot indices; a worker takes one, works on it
 * without the lock, and puts the result in the done list. The run loop
 * sleeps in wait() on cv_done; workers sleep on cv_job.
 */
struct slot {
	struct recog_job job;
	struct recog_result *res;
	int state;                  /* 0 free, 1 queued, 2 working, 3 done */
	atomic_int abandoned;       /* le_abandon: the worker's workspace stops at its next stage */
};

struct loc_engine {
	pthread_mutex_t mu;
	pthread_cond_t cv_job, cv_done;
	pthread_t *threads;
	int nthreads;
	struct slot *slots;
	size_t nslots;
	int quit, cancelled;
	/* The models, loaded once and read by every worker; one workspace
	 * (the runtime's scratch memory) per worker. */
	struct textlines *models;
	struct textlines_ws **ws;
	int nws;
	struct worker_arg *args;
	struct loc_read_conf conf;
};

/* Recognise one image into r (errors go into r: the run goes on). */
static void
work(struct loc_engine *e, struct textlines_ws *ws,
    const struct recog_job *job, struct recog_result *r)
{
	if (loc_read_jpeg(&e->conf, ws, job->img->data, job->img->len, r) != 0)
		(void)recog_result_error(r, "engine_failed", "out of memory");
}

/* A worker's index, passed as the thread's argument with its engine. */
struct worker_arg {
	struct loc_engine *e;
	int i;
};

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct loc_engine *e = wa->e;
	struct textlines_ws *ws = e->ws[wa->i];

	pthread_mutex_lock(&e->mu);
	for (;;) {
		struct slot *s = NULL;

		for (size_t i = 0; i < e->nslots && !s; i++)
			if (e->slots[i].state == 1)
				s = &e->slots[i];
		if (!s) {
			if (e->quit)
				break;
			pthread_cond_wait(&e->cv_job, &e->mu);
			continue;
		}
		s->state = 2;
		pthread_mutex_unlock(&e->mu);
		textlines_ws_set_cancel(ws, &s->abandoned);
		work(e, ws, &s->job, s->res);
		textlines_ws_set_cancel(ws, NULL);
		pthread_mutex_lock(&e->mu);
		s->state = 3;
		pthread_cond_signal(&e->cv_done);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

static void le_read_limits(void *be, struct input_limits *lim)
{
	(void)be;
	lim->max_bytes = 64u << 20;
	lim->max_side = LOC_MAX_SIDE;
	lim->recogniser = 1;
}

static size_t count(struct loc_engine *e, int free_only)
{
	size_t n = 0;

	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nslots; i++)
		n += free_only ? e->slots[i].state == 0 : e->slots[i].state != 0;
	pthread_mutex_unlock(&e->mu);
	return n;
}

static size_t le_capacity(void *be) { return count(be, 1); }
static size_t le_pending(void *be) { return count(be, 0); }

static int le_submit(void *be, const struct recog_job *job, struct fz_err *err)
{
	struct loc_engine *e = be;
	struct recog_result *r = recog_result_new(job->id);

	if (!r) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i].state == 0) {
			e->slots[i].job = *job;
			e->slots[i].res = r;
			atomic_store(&e->slots[i].abandoned, 0);
			e->slots[i].state = e->cancelled ? 3 : 1;
			r->aborted = e->cancelled;
			pthread_cond_signal(&e->cv_job);
			pthread_mutex_unlock(&e->mu);
			return 0;
		}
	pthread_mutex_unlock(&e->mu);
	recog_result_free(r);
	fz_seterr(err, "local engine: no free slot");
	return -1;
}

static void le_wait(void *be, double timeout)
{
	struct loc_engine *e = be;
	struct timespec t;
	int ready = 0;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += (time_t)timeout;
	t.tv_nsec += (long)((timeout - (double)(time_t)timeout) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&e->mu);
	for (;;) {
		for (size_t i = 0; i < e->nslots; i++)
			ready |= e->slots[i].state == 3;
		if (ready || pthread_cond_timedwait(&e->cv_done, &e->mu, &t))
			break;
	}
	pthread_mutex_unlock(&e->mu);
}

static int le_next(void *be, struct recog_result **out)
{
	struct loc_engine *e = be;
	int got = 0;

	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nslots && !got; i++)
		if (e->slots[i].state == 3) {
			*out = e->slots[i].res;
			e->slots[i].res = NULL;
			e->slots[i].state = 0;
			got = 1;
		}
	pthread_mutex_unlock(&e->mu);
	return got;
}

static enum recog_stop le_stop_reason(void *be, const char **why)
{
	(void)be;
	(void)why;
	return RECOG_GO;
}

/* Queued jobs that have not started come back aborted (cancel) or failed (stop). */
static void drop_queued(struct loc_engine *e, int abort)
{
	pthread_mutex_lock(&e->mu);
	e->cancelled |= abort;
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i].state == 1) {
			if (abort)
				e->slots[i].res->aborted = 1;
			else
				(void)recog_result_error(e->slots[i].res,
				    "not_sent", "the run stopped first");
			e->slots[i].state = 3;
		}
	pthread_mutex_unlock(&e->mu);
}

static void le_stop(void *be, enum recog_stop reason, const char *why)
{
	(void)reason;
	(void)why;
	drop_queued(be, 0);
}

static void le_cancel(void *be) { drop_queued(be, 1); }

/* Image id is no longer wanted: not started, it comes back now; under way, at its next stage. */
static void le_abandon(void *be, size_t id)
{
	struct loc_engine *e = be;

	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nslots; i++) {
		struct slot *s = &e->slots[i];

		if (s->job.id != id || (s->state != 1 && s->state != 2))
			continue;
		if (s->state == 1) {
			(void)recog_result_error(s->res, LOC_READ_TIMEOUT,
			    "abandoned before it started");
			s->state = 3;
			pthread_cond_signal(&e->cv_done);
		} else
			atomic_store(&s->abandoned, 1);
	}
	pthread_mutex_unlock(&e->mu);
}

static void le_stats(void *be, struct recog_stats *s)
{
	(void)be;
	memset(s, 0, sizeof *s);
}

static void le_free(void *be)
{
	struct loc_engine *e = be;

	if (!e)
		return;
	pthread_mutex_lock(&e->mu);
	e->quit = 1;
	pthread_cond_broadcast(&e->cv_job);
	pthread_mutex_unlock(&e->mu);
	for (int i = 0; i < e->nthreads; i++)
		pthread_join(e->threads[i], NULL);
	for (size_t i = 0; i < e->nslots && e->slots; i++)
		recog_result_free(e->slots[i].res);
	for (int i = 0; e->ws && i < e->nws; i++)
		textlines_ws_free(e->ws[i]);
	textlines_close(e->models);
	free(e->ws);
	free(e->args);
	pthread_mutex_destroy(&e->mu);
	pthread_cond_destroy(&e->cv_job);
	pthread_cond_destroy(&e->cv_done);
	free(e->threads);
	free(e->slots);
	free(e);
}

static const struct recog_ops le_ops = {
	"local", le_read_limits, le_capacity, le_pending, le_submit, le_wait,
	le_next, le_stop_reason, le_stop, le_cancel, le_stats, le_free,
	le_abandon
};

int loc_engine_new(const struct loc_engine_settings *s, struct recog *out,
    struct fz_err *err)
{
	struct loc_engine *e = calloc(1, sizeof *e);
	long n = s->jobs > 0 ? s->jobs : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > 64)
		n = 64;
	if (!e) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	/* Two slots a worker: one working, one queued, so no worker idles. */
	e->nslots = (size_t)n * 2;
	e->slots = calloc(e->nslots, sizeof *e->slots);
	e->threads = calloc((size_t)n, sizeof *e->threads);
	e->ws = calloc((size_t)n, sizeof *e->ws);
	e->args = calloc((size_t)n, sizeof *e->args);
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cv_job, NULL);
	pthread_cond_init(&e->cv_done, NULL);
	if (!e->slots || !e->threads || !e->ws || !e->args) {
		le_free(e);
		fz_seterr(err, "out of memory");
		return -1;
	}
	if (textlines_open(s->models_dir, &e->models, err) != 0) {
		le_free(e);
		return -1;
	}
	loc_read_defaults(e->models, &e->conf);
	e->conf.save_images = s->save_images;
	for (; e->nws < n; e->nws++)
		if ((e->ws[e->nws] = textlines_ws_new(e->models)) == NULL) {
			le_free(e);
			fz_seterr(err, "out of memory");
			return -1;
		}
	for (; e->nthreads < n; e->nthreads++) {
		e->args[e->nthreads].e = e;
		e->args[e->nthreads].i = e->nthreads;
		if (pthread_create(&e->threads[e->nthreads], NULL, worker,
		    &e->args[e->nthreads])) {
			le_free(e);
			fz_seterr(err, "cannot start the local engine's threads");
			return -1;
		}
	}
	out->ops = &le_ops;
	out->be = e;
	return 0;
}
